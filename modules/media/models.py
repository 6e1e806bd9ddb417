"""Uploaded media: one row per stored file (and its thumbnail), created only by `media_upload`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from modules.media.images import ACCEPTED_FORMATS
from modules.media.videos import VIDEO_EXTENSIONS

IMAGE_MIME_TYPES = tuple(ACCEPTED_FORMATS.values())
VIDEO_MIME_TYPES = tuple(VIDEO_EXTENSIONS)


class MediaKind(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"


MIME_TYPE_CHOICES = [(mime, mime) for mime in (*IMAGE_MIME_TYPES, *VIDEO_MIME_TYPES)]


class MediaAsset(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=MediaKind.choices)
    path = models.CharField(max_length=255, unique=True, help_text="storage path of the stored (clean) file")
    thumbnail_path = models.CharField(max_length=255, blank=True, default="")
    mime_type = models.CharField(max_length=32, choices=MIME_TYPE_CHOICES)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the stored bytes")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "media asset"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MediaKind.values), name="media_asset_kind_known"),
            models.CheckConstraint(
                condition=(Q(kind=MediaKind.IMAGE) & Q(mime_type__in=IMAGE_MIME_TYPES))
                | (Q(kind=MediaKind.VIDEO) & Q(mime_type__in=VIDEO_MIME_TYPES)),
                name="media_asset_mime_matches_kind",
            ),
            models.CheckConstraint(condition=Q(size_bytes__gt=0), name="media_asset_size_positive"),
            models.CheckConstraint(condition=~Q(path=""), name="media_asset_path_present"),
            models.CheckConstraint(
                condition=~Q(kind=MediaKind.IMAGE) | ~Q(thumbnail_path=""), name="media_asset_image_has_thumbnail"
            ),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="media_asset_sha256_hex"),
            models.CheckConstraint(
                # Spelled out with IS NOT NULL: a CHECK that evaluates to NULL passes.
                condition=(Q(width__isnull=True) & Q(height__isnull=True))
                | (Q(width__isnull=False) & Q(height__isnull=False) & Q(width__gt=0) & Q(height__gt=0)),
                name="media_asset_dimensions_pair",
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__gte=0),
                name="media_asset_duration_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["owner", "-created_at"], name="media_asset_owner_recent")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.mime_type})"
