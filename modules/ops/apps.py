from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "modules.ops"
    label = "ops"
    verbose_name = "Operations"
