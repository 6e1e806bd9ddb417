from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "modules.messaging"
    label = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from modules.messaging.selectors import can_follow_thread
        from modules.realtime.public import register_topic_authorizer

        register_topic_authorizer("thread", can_follow_thread)
