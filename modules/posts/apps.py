from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "modules.posts"
    label = "posts"
    verbose_name = "Posts and comments"

    def ready(self) -> None:
        from modules.accounts.public import register_privacy_changed_listener
        from modules.posts.selectors import can_follow_comment, can_follow_post
        from modules.realtime.public import register_topic_authorizer

        register_topic_authorizer("post", can_follow_post)
        register_topic_authorizer("comment", can_follow_comment)
        register_privacy_changed_listener(_on_privacy_changed)


def _on_privacy_changed(user_id: int, privacy: str) -> None:
    """A job moves the account's post media after the change commits (large accounts have many files)."""
    from functools import partial

    from django.db import transaction

    from modules.posts.tasks import posts_author_media_privacy_sync

    transaction.on_commit(partial(posts_author_media_privacy_sync.send, user_id), robust=True)
