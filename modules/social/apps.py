from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "modules.social"
    label = "social"
    verbose_name = "Social graph"
