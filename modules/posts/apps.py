from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "modules.posts"
    label = "posts"
    verbose_name = "Posts and comments"
