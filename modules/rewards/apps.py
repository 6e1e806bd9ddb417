from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "modules.rewards"
    label = "rewards"
    verbose_name = "Contributor rewards"
