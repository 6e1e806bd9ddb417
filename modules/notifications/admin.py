from django.contrib import admin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display

from modules.notifications.models import Device, Notification, NotificationPreferences
from modules.notifications.providers import mask_token


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", "Unread"), ("yes", "Read")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ("id", "recipient", "type", "actor", "actor_count", "target", "excerpt", "is_read", "updated_at")
    list_filter = (("type", ChoicesDropdownFilter), ReadFilter, ("updated_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("recipient__handle", "recipient__email", "actor__handle", "text")
    list_select_related = ("recipient", "actor")
    ordering = ("-updated_at",)
    readonly_fields = (
        "recipient",
        "type",
        "actor",
        "actor_ids",
        "actor_count",
        "target_type",
        "target_id",
        "text",
        "content_type",
        "content_id",
        "content_removed_at",
        "data",
        "created_at",
        "updated_at",
        "read_at",
        "pushed_at",
    )

    @display(description="target")
    def target(self, obj):
        return f"{obj.target_type} {obj.target_id}" if obj.target_id is not None else "—"

    @display(description="text")
    def excerpt(self, obj):
        if obj.content_removed_at is not None:
            return "(content removed)"  # its text went with it
        return (obj.text[:60] + "…") if len(obj.text) > 60 else obj.text

    @display(description="read", boolean=True)
    def is_read(self, obj):
        return obj.read_at is not None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(ModelAdmin):
    """Push tokens are credentials of a sort: shown masked, never editable. Deleting a device stops its pushes."""

    list_display = ("id", "user", "platform", "token_hint", "created_at", "last_seen_at")
    list_filter = (("platform", ChoicesDropdownFilter), ("last_seen_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("user__handle", "user__email")
    list_select_related = ("user",)
    ordering = ("-last_seen_at",)
    fields = ("user", "platform", "token_hint", "session_id", "created_at", "last_seen_at")
    readonly_fields = fields

    @display(description="token")
    def token_hint(self, obj):
        return mask_token(obj.token)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(ModelAdmin):
    list_display = ("user", "time_zone", "in_app_off", "push_off", "updated_at")
    search_fields = ("user__handle", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "time_zone", "in_app_off", "push_off", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
