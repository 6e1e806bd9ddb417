from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "modules.media"
    label = "media"
    verbose_name = "Media"

    def ready(self) -> None:
        from modules.media import signals  # noqa: F401 - connects the receivers
