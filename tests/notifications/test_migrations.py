"""Migration 0004 gives existing notifications the reference of the content they quote, and clears the quotes of
content that was already deleted before it ran."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import UserFactory
from tests.messaging.factories import MessageFactory
from tests.posts.factories import CommentFactory, PostFactory

BEFORE = [("notifications", "0003_security_notices")]
AFTER = [("notifications", "0004_quoted_content")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def insert(cursor, recipient, actor, type_, target_type, target_id, text, data) -> int:
    cursor.execute(
        "INSERT INTO notifications_notification (recipient_id, type, actor_id, target_type, target_id, text, data, "
        "actor_ids, actor_count, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, ARRAY[%s]::bigint[], 1, now(), now()) RETURNING id",
        [recipient.id, type_, actor.id, target_type, target_id, text, json.dumps(data), actor.id],
    )
    return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_existing_notifications_get_their_content_and_lose_quotes_of_deleted_content():
    ana, bob = UserFactory(), UserFactory()
    post = PostFactory(author=ana, text="still here")
    comment = CommentFactory(post=post, author=bob, text="a kept comment")
    gone = PostFactory(author=ana, text="deleted before the migration")
    gone_id = gone.id
    gone.delete()
    message = MessageFactory(sender=bob, body="unsent later")
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            kept_like = insert(cursor, ana, bob, "like", "post", post.id, "still here", {})
            kept_comment = insert(
                cursor, ana, bob, "comment", "post", post.id, "a kept comment", {"comment_id": comment.id}
            )
            gone_like = insert(cursor, ana, bob, "like", "post", gone_id, "deleted before the migration", {})
            unsent = insert(
                cursor, ana, bob, "message", "thread", message.thread_id, "unsent later", {"message_id": message.id}
            )
            follow = insert(cursor, ana, bob, "follow", "", None, "", {})
            cursor.execute("UPDATE messaging_message SET body = '', deleted_at = now() WHERE id = %s", [message.id])
    finally:
        migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, content_type, content_id, text, content_removed_at IS NOT NULL FROM notifications_notification"
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    assert rows[kept_like] == ("post", post.id, "still here", False)
    assert rows[kept_comment] == ("comment", comment.id, "a kept comment", False)
    assert rows[gone_like] == ("post", gone_id, "", True)
    assert rows[unsent] == ("message", message.id, "", True)
    assert rows[follow] == ("", None, "", False)
