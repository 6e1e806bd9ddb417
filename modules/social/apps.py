from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "modules.social"
    label = "social"
    verbose_name = "Social graph"

    def ready(self) -> None:
        from modules.notifications.public import register_block_check, register_silence_check
        from modules.social.selectors import blocked_either_way_ids, silenced_among

        # notifications sits below social (a follow notifies) and never imports it: we tell it whom people muted
        # or blocked, so nothing reaches them from those people and blocked people are not shown to them.
        register_silence_check(silenced_among)
        register_block_check(blocked_either_way_ids)
