from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "modules.realtime"
    label = "realtime"
    verbose_name = "Realtime"
