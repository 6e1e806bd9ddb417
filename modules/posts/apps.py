from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "modules.posts"
    label = "posts"
    verbose_name = "Posts and comments"

    def ready(self) -> None:
        from modules.posts.selectors import can_follow_comment, can_follow_post
        from modules.realtime.public import register_topic_authorizer

        register_topic_authorizer("post", can_follow_post)
        register_topic_authorizer("comment", can_follow_comment)
