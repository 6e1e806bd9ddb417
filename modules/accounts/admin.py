from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from modules.accounts.admin_login import StaffSignInForm
from modules.accounts.models import AuthSession, SessionEndReason, User
from modules.accounts.services import account_deactivate, sessions_revoke_all, sessions_revoke_for_users

# Staff sign-in goes through the API's brute-force limits (see admin_login.py; /admin/login/ in selflink/urls.py).
admin.site.login_form = StaffSignInForm


class SelfLinkUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("email", "handle", "name")


class SelfLinkUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class SessionEndingPasswordChangeForm(AdminPasswordChangeForm):
    """Staff setting (or disabling) someone's password ends every session of that account: a reset after a
    takeover must also sign the intruder out, everywhere, live connections included."""

    def save(self, commit=True):
        with transaction.atomic():
            user = super().save(commit=commit)
            if commit:
                sessions_revoke_all(user_id=user.pk, except_session_id=None, reason=SessionEndReason.PASSWORD_CHANGED)
        return user


class AuthSessionInline(TabularInline):
    model = AuthSession
    extra = 0
    can_delete = False
    fields = ("id", "created_at", "last_used_at", "ip_address", "user_agent", "revoked_at", "revoked_reason")
    readonly_fields = fields
    ordering = ("-last_used_at",)
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = SelfLinkUserChangeForm
    add_form = SelfLinkUserCreationForm
    change_password_form = SessionEndingPasswordChangeForm
    list_display = ("handle", "email", "name", "is_active", "is_staff", "privacy", "dm_policy", "created_at")
    list_filter = (
        "is_active",
        "is_staff",
        ("privacy", ChoicesDropdownFilter),
        ("dm_policy", ChoicesDropdownFilter),
        ("language", ChoicesDropdownFilter),
        ("created_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("email", "handle", "name", "account_key")
    ordering = ("-created_at",)
    readonly_fields = ("account_key", "created_at", "updated_at", "last_login")
    inlines = [AuthSessionInline]
    fieldsets = (
        (None, {"fields": ("email", "handle", "account_key", "password")}),
        ("Profile", {"fields": ("name", "bio", "photo", "locale", "intention")}),
        (
            "Settings",
            {
                "fields": (
                    "privacy",
                    "dm_policy",
                    "language",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "push_enabled",
                    "email_enabled",
                    "digest_enabled",
                )
            },
        ),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "handle", "name", "password1", "password2")}),)
    actions = ["sign_out_everywhere"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new user has no sessions yet

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "active" deactivates through the service (inside the admin's transaction), which also ends
        # the account's sessions: its live connections close now, and reactivating it later does not bring the
        # old sessions back.
        if change and "is_active" in form.changed_data and not obj.is_active:
            account_deactivate(user_id=obj.pk)

    def delete_model(self, request, obj):
        sessions_revoke_all(user_id=obj.pk, except_session_id=None, reason=SessionEndReason.ADMIN)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The sessions would go with the rows; ending them first closes their live connections now.
        sessions_revoke_for_users(user_ids=list(queryset.values_list("id", flat=True)), reason=SessionEndReason.ADMIN)
        super().delete_queryset(request, queryset)

    @action(description="Sign out of every session")
    def sign_out_everywhere(self, request, queryset):
        ended = sessions_revoke_for_users(
            user_ids=list(queryset.values_list("id", flat=True)), reason=SessionEndReason.ADMIN
        )
        self.message_user(request, f"Ended {ended} session(s).", messages.SUCCESS)


@admin.register(AuthSession)
class AuthSessionAdmin(ModelAdmin):
    list_display = ("id", "user", "created_at", "last_used_at", "ip_address", "revoked_at", "revoked_reason")
    list_filter = (("revoked_reason", ChoicesDropdownFilter), ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("user__email", "user__handle", "ip_address")
    list_select_related = ("user",)
    readonly_fields = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "ip_address",
        "user_agent",
        "revoked_at",
        "revoked_reason",
    )
    ordering = ("-last_used_at",)

    def has_add_permission(self, request):
        return False
