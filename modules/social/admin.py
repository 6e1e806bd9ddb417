from django.contrib import admin
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import RangeDateFilter

from modules.social.models import Block, Follow, FollowRequest, Mute, UserStats


class _PairAdmin(ModelAdmin):
    list_filter = (("created_at", RangeDateFilter),)
    list_filter_submit = True
    ordering = ("-id",)
    readonly_fields = ("created_at",)

    def has_change_permission(self, request, obj=None):
        # Pairs are created and removed through the product's rules (counters, blocks); never edited.
        return False


@admin.register(Follow)
class FollowAdmin(_PairAdmin):
    list_display = ("id", "follower", "followee", "created_at")
    search_fields = ("follower__handle", "followee__handle", "follower__email", "followee__email")
    list_select_related = ("follower", "followee")
    autocomplete_fields = ("follower", "followee")


@admin.register(FollowRequest)
class FollowRequestAdmin(_PairAdmin):
    """Pending requests to private accounts. Staff may delete one (as a decline would); approving is the owner's."""

    list_display = ("id", "requester", "target", "created_at")
    search_fields = ("requester__handle", "target__handle")
    list_select_related = ("requester", "target")
    autocomplete_fields = ("requester", "target")

    def has_add_permission(self, request):
        return False


@admin.register(Block)
class BlockAdmin(_PairAdmin):
    list_display = ("id", "blocker", "blocked", "created_at")
    search_fields = ("blocker__handle", "blocked__handle")
    list_select_related = ("blocker", "blocked")
    autocomplete_fields = ("blocker", "blocked")


@admin.register(Mute)
class MuteAdmin(_PairAdmin):
    list_display = ("id", "muter", "muted", "created_at")
    search_fields = ("muter__handle", "muted__handle")
    list_select_related = ("muter", "muted")
    autocomplete_fields = ("muter", "muted")


@admin.register(UserStats)
class UserStatsAdmin(ModelAdmin):
    list_display = ("user", "followers_count", "following_count", "posts_count")
    search_fields = ("user__handle", "user__email")
    ordering = ("-followers_count",)
    list_select_related = ("user",)
    readonly_fields = ("user", "followers_count", "following_count", "posts_count")

    def has_add_permission(self, request):
        return False
