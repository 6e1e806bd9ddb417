from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "modules.profiles"
    label = "profiles"
    verbose_name = "Profiles"
