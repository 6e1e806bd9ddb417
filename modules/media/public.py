"""Public interface of the media module (HTTP schemas for other modules' responses are in `http.py`)."""

from modules.media.contracts import MediaData, Upload, UploadRefusal, UploadRefusals
from modules.media.selectors import media_get_many, media_grouped
from modules.media.services import image_store, media_delete, media_delete_many, media_set_private, media_upload_set
from modules.media.storage import media_url
from modules.media.views import private_media as private_media_view

__all__ = [
    "MediaData",
    "Upload",
    "UploadRefusal",
    "UploadRefusals",
    "image_store",
    "media_delete",
    "media_delete_many",
    "media_get_many",
    "media_grouped",
    "media_set_private",
    "media_upload_set",
    "media_url",
    "private_media_view",
]
