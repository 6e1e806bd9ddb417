from django.apps import AppConfig


class MentorConfig(AppConfig):
    name = "modules.mentor"
    label = "mentor"
    verbose_name = "AI mentor"
