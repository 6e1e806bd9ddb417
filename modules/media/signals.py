"""Stored files follow their rows: when a `MediaAsset` row is deleted, its files go once the deletion commits."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from modules.media.models import MediaAsset
from modules.media.storage import storage_delete_quietly


@receiver(post_delete, sender=MediaAsset, dispatch_uid="media_asset_files_delete")
def media_asset_files_delete(sender, instance: MediaAsset, using: str, **kwargs) -> None:
    paths = [p for p in (instance.path, instance.thumbnail_path) if p]
    transaction.on_commit(partial(storage_delete_quietly, paths), using=using)
