from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "modules.core"
    label = "core"
    verbose_name = "Core"
