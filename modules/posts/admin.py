from django.contrib import admin, messages
from django.utils.html import format_html_join
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter, RangeNumericFilter
from unfold.decorators import action, display

from modules.media.public import media_get_many, media_url
from modules.posts.models import Comment, Post, PostMedia
from modules.posts.services import comments_remove_by_moderator, posts_remove_by_moderator


def _thumbnails(asset_ids: list[int]) -> str:
    assets = media_get_many(ids=asset_ids)
    return format_html_join(
        " ",
        '<img src="{}" alt="" style="height:48px;border-radius:4px;display:inline-block">',
        ((media_url(a.thumbnail_path or a.path),) for a in assets.values() if a.kind == "image"),
    ) or ("▶ video" if any(a.kind == "video" for a in assets.values()) else "—")


class HasMediaFilter(admin.SimpleListFilter):
    title = "media"
    parameter_name = "media"

    def lookups(self, request, model_admin):
        return [("none", "Text only"), ("images", "With images"), ("video", "With a video")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(media_count=0)
        if self.value() == "images":
            return queryset.filter(media_count__gt=0, has_video=False)
        if self.value() == "video":
            return queryset.filter(has_video=True)
        return queryset


class PostMediaInline(TabularInline):
    model = PostMedia
    extra = 0
    can_delete = False
    fields = ("position", "asset", "preview")
    readonly_fields = fields

    @display(description="preview")
    def preview(self, obj):
        return _thumbnails([obj.asset_id])

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(ModelAdmin):
    list_display = (
        "id",
        "author",
        "excerpt",
        "visibility",
        "language",
        "attachments",
        "like_count",
        "comment_count",
        "created_at",
    )
    list_filter = (
        ("visibility", ChoicesDropdownFilter),
        HasMediaFilter,
        "language",
        ("like_count", RangeNumericFilter),
        ("created_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("text", "author__handle", "author__email")
    list_select_related = ("author",)
    ordering = ("-created_at",)
    readonly_fields = (
        "author",
        "text",
        "visibility",
        "language",
        "has_video",
        "media_count",
        "like_count",
        "comment_count",
        "created_at",
        "edited_at",
    )
    exclude = ("search_vector",)
    inlines = [PostMediaInline]
    actions = ["remove_posts"]

    @display(description="text")
    def excerpt(self, obj):
        return (obj.text[:80] + "…") if len(obj.text) > 80 else obj.text

    @display(description="media")
    def attachments(self, obj):
        if not obj.media_count:
            return "—"
        return _thumbnails(list(PostMedia.objects.filter(post=obj).values_list("asset_id", flat=True)))

    @action(description="Remove the selected posts (moderation)")
    def remove_posts(self, request, queryset):
        removed = posts_remove_by_moderator(post_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"Removed {removed} post(s) with their comments, likes and media.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # removal goes through the action, which keeps counters and media consistent


@admin.register(Comment)
class CommentAdmin(ModelAdmin):
    list_display = ("id", "post", "author", "excerpt", "parent", "like_count", "created_at")
    list_filter = (("created_at", RangeDateFilter),)
    list_filter_submit = True
    search_fields = ("text", "author__handle")
    list_select_related = ("author",)
    ordering = ("-created_at",)
    readonly_fields = (
        "post",
        "author",
        "parent",
        "text",
        "media_count",
        "like_count",
        "created_at",
        "edited_at",
        "images",
    )

    @display(description="text")
    def excerpt(self, obj):
        return (obj.text[:80] + "…") if len(obj.text) > 80 else obj.text

    actions = ["remove_comments"]

    @display(description="images")
    def images(self, obj):
        return _thumbnails(list(obj.media.values_list("asset_id", flat=True)))

    @action(description="Remove the selected comments and their replies (moderation)")
    def remove_comments(self, request, queryset):
        removed = comments_remove_by_moderator(comment_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, f"Removed {removed} comment thread(s).", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
