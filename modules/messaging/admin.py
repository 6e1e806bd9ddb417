"""Staff views of conversations: read-only history (messages are never edited here); moderation removes a
message the way its sender would (a tombstone, attachments deleted)."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html_join
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action, display

from modules.media.public import media_get_many, media_url
from modules.messaging.models import Message, MessageAttachment, MessageReaction, Thread, ThreadMember
from modules.messaging.services import messages_remove_by_moderator


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ThreadMemberInline(ReadOnlyInline):
    model = ThreadMember
    fields = ("user", "joined_at", "left_at", "last_delivered_message_id", "last_read_message_id")
    readonly_fields = fields
    ordering = ("joined_at", "id")


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("direct", "Direct"), ("group", "Group")]

    def queryset(self, request, queryset):
        if self.value() == "direct":
            return queryset.filter(is_group=False)
        if self.value() == "group":
            return queryset.filter(is_group=True)
        return queryset


@admin.register(Thread)
class ThreadAdmin(ModelAdmin):
    list_display = ("id", "kind", "title", "active_members", "last_activity_at", "created_at")
    list_filter = (KindFilter, ("last_activity_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("title", "=id")
    ordering = ("-last_activity_at",)
    readonly_fields = (
        "is_group",
        "title",
        "created_by",
        "direct_user_low",
        "direct_user_high",
        "last_message",
        "created_at",
        "last_activity_at",
    )
    inlines = [ThreadMemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(active=Count("members", filter=Q(members__left_at=None)))

    @display(description="kind")
    def kind(self, obj):
        return "group" if obj.is_group else "direct"

    @display(description="active members", ordering="active")
    def active_members(self, obj):
        return obj.active

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageAttachmentInline(ReadOnlyInline):
    model = MessageAttachment
    fields = ("position", "asset", "preview")
    readonly_fields = fields

    @display(description="preview")
    def preview(self, obj):
        asset = media_get_many(ids=[obj.asset_id]).get(obj.asset_id)
        if asset is None:
            return "—"
        if asset.kind == "video":
            return "▶ video"
        return format_html_join(
            "",
            '<img src="{}" alt="" style="height:48px;border-radius:4px">',
            [(media_url(asset.thumbnail_path or asset.path),)],
        )


class MessageReactionInline(ReadOnlyInline):
    model = MessageReaction
    fields = ("user", "emoji", "created_at")
    readonly_fields = fields


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", "Deleted (tombstones)"), ("no", "Not deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Message)
class MessageAdmin(ModelAdmin):
    list_display = ("id", "thread", "sender", "excerpt", "type", "status_label", "is_deleted", "created_at")
    list_filter = (("type", ChoicesDropdownFilter), DeletedFilter, ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("body", "sender__handle", "sender__email", "=thread__id")
    list_select_related = ("sender", "thread")
    ordering = ("-id",)
    readonly_fields = (
        "thread",
        "sender",
        "body",
        "type",
        "client_uuid",
        "reply_to",
        "media_count",
        "created_at",
        "delivered_at",
        "read_at",
        "deleted_at",
    )
    inlines = [MessageAttachmentInline, MessageReactionInline]
    actions = ["remove_messages"]

    @display(description="body")
    def excerpt(self, obj):
        return (obj.body[:80] + "…") if len(obj.body) > 80 else obj.body

    @display(description="status")
    def status_label(self, obj):
        return obj.status

    @display(description="deleted", boolean=True)
    def is_deleted(self, obj):
        return obj.deleted

    @action(description="Remove the selected messages (moderation: they become tombstones)")
    def remove_messages(self, request, queryset):
        removed = messages_remove_by_moderator(message_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"Removed {removed} message(s).", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
