from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "modules.media"
    label = "media"
    verbose_name = "Media"
