from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "modules.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from modules.core import checks  # noqa: F401  (registers the deployment check)
