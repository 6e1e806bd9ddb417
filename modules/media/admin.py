"""Staff admin for uploaded media. Assets are created by uploads only: nothing here adds or edits one, and
deleting (one, or a selection) goes through `media_delete_many`, so the files follow the rows after commit."""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display

from modules.media.models import MediaAsset, MediaKind
from modules.media.services import media_delete_many
from modules.media.storage import storage_url


@admin.register(MediaAsset)
class MediaAssetAdmin(ModelAdmin):
    list_display = ("id", "thumbnail", "owner", "kind", "mime_type", "dimensions", "duration", "size", "created_at")
    list_display_links = ("id", "thumbnail")
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("mime_type", ChoicesDropdownFilter),
        ("created_at", RangeDateFilter),
    )
    list_filter_submit = True
    search_fields = ("owner__handle", "owner__email")
    list_select_related = ("owner",)
    ordering = ("-created_at", "-id")
    fields = (
        "preview",
        "owner",
        "kind",
        "mime_type",
        "path",
        "thumbnail_path",
        "width",
        "height",
        "duration_seconds",
        "size_bytes",
        "sha256",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        media_delete_many(ids=[obj.pk])

    def delete_queryset(self, request, queryset):
        media_delete_many(ids=list(queryset.values_list("id", flat=True)))

    @display(description="thumbnail")
    def thumbnail(self, obj: MediaAsset):
        if obj.thumbnail_path:
            return format_html(
                '<img src="{}" alt="" loading="lazy" style="height:48px;width:auto;border-radius:4px">',
                storage_url(obj.thumbnail_path),
            )
        return "video" if obj.kind == MediaKind.VIDEO else "—"

    @display(description="preview")
    def preview(self, obj: MediaAsset):
        url = storage_url(obj.path)
        if obj.kind == MediaKind.IMAGE:
            return format_html(
                '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" style="max-height:320px"></a>',
                url,
                storage_url(obj.thumbnail_path or obj.path),
            )
        return format_html(
            '<video src="{}" controls preload="metadata" style="max-height:320px"></video>'
            '<div><a href="{}" target="_blank" rel="noopener">open the file</a></div>',
            url,
            url,
        )

    @display(description="size")
    def size(self, obj: MediaAsset) -> str:
        return filesizeformat(obj.size_bytes)

    @display(description="dimensions")
    def dimensions(self, obj: MediaAsset) -> str:
        return f"{obj.width}×{obj.height}" if obj.width and obj.height else "—"

    @display(description="duration")
    def duration(self, obj: MediaAsset) -> str:
        return f"{obj.duration_seconds:.1f} s" if obj.duration_seconds is not None else "—"
