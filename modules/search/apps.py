from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "modules.search"
    label = "search"
    verbose_name = "Search"
