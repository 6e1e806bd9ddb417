from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "modules.realtime"
    label = "realtime"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from modules.accounts.public import register_sessions_ended_listener
        from modules.realtime.sessions import announce_sessions_ended

        # accounts sits below realtime and never imports it: it calls us when sessions end.
        register_sessions_ended_listener(announce_sessions_ended)
