from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "modules.charts"
    label = "charts"
    verbose_name = "Charts (astrology and numerology)"
