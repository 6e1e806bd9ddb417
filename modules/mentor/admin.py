"""Staff views of the mentor, for support: sessions, messages, memory, profiles and background tasks.

Metadata only: what people tell the mentor (messages, journal entries, session titles taken from them, goals,
the memory summary) stays theirs; they read and delete it through the API, staff never see it here. Everything is
read-only; superusers may delete a session (a person's deletion request handled by support). No secret is shown:
the mentor stores none.
"""

from django.contrib import admin
from django.db.models import Count
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display

from modules.mentor.models import MentorMemory, MentorMessage, MentorProfile, MentorSession, MentorTask


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MentorMessageInline(TabularInline):
    model = MentorMessage
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ("id", "role", "length", "provider", "model", "byo", "status", "safety", "created_at")
    readonly_fields = fields
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @display(description="characters")
    def length(self, obj):
        return len(obj.content)


@admin.register(MentorSession)
class MentorSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "kind", "mode", "language", "day", "messages", "last_message_at")
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("mode", ChoicesDropdownFilter),
        ("last_message_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("=id", "user__handle", "user__email")
    list_select_related = ("user",)
    ordering = ("-last_message_at",)
    readonly_fields = ("user", "kind", "mode", "language", "day", "created_at", "last_message_at")
    fields = readonly_fields  # what is listed here, nothing else (no message text)
    inlines = [MentorMessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(message_total=Count("messages"))

    @display(description="messages", ordering="message_total")
    def messages(self, obj):
        return obj.message_total

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(MentorMessage)
class MentorMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "session", "role", "length", "provider", "status", "safety", "created_at")
    list_filter = (
        ("role", ChoicesDropdownFilter),
        ("provider", ChoicesDropdownFilter),
        ("safety", ChoicesDropdownFilter),
        ("created_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("=id", "=session__id", "user__handle", "user__email")
    list_select_related = ("user", "session")
    ordering = ("-id",)
    readonly_fields = (
        "session",
        "user",
        "role",
        "length",
        "provider",
        "model",
        "byo",
        "status",
        "safety",
        "created_at",
    )
    fields = readonly_fields  # what is listed here, nothing else (no message text)

    @display(description="characters")
    def length(self, obj):
        return len(obj.content)


@admin.register(MentorMemory)
class MentorMemoryAdmin(ReadOnlyAdmin):
    list_display = ("user", "messages_summarised", "provider", "updated_at", "cleared_at")
    search_fields = ("user__handle", "user__email")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "covered_message_id",
        "floor_message_id",
        "messages_summarised",
        "provider",
        "updated_at",
        "cleared_at",
    )
    fields = readonly_fields  # what is listed here, nothing else (no message text)


@admin.register(MentorProfile)
class MentorProfileAdmin(ReadOnlyAdmin):
    list_display = ("user", "tone", "language", "updated_at")
    list_filter = (("tone", ChoicesDropdownFilter), ("language", ChoicesDropdownFilter))
    search_fields = ("user__handle", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "tone", "language", "created_at", "updated_at")
    fields = readonly_fields  # what is listed here, nothing else (no message text)


@admin.register(MentorTask)
class MentorTaskAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "status", "attempts", "error_code", "created_at", "finished_at")
    list_filter = (("status", ChoicesDropdownFilter), ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("=id", "user__handle", "user__email")
    list_select_related = ("user",)
    ordering = ("-created_at",)
    readonly_fields = (
        "id",
        "user",
        "session",
        "request_message",
        "reply_message",
        "status",
        "attempts",
        "lease_expires_at",
        "error_code",
        "error_detail",
        "created_at",
        "finished_at",
    )
    fields = readonly_fields  # what is listed here, nothing else (no message text)
