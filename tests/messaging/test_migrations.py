"""Migration 0002 turns `client_uuid` from a uuid into an opaque key without losing or changing stored keys."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import UserFactory

BEFORE = [("messaging", "0001_initial")]
AFTER = [("messaging", "0002_client_key_and_hidden_conversations")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_existing_keys_survive_as_their_canonical_text():
    user = UserFactory()
    key = uuid.UUID("5F0C6A3E-2B7D-4F0E-9A59-0F3C2A1D9B44")
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO messaging_thread (is_group, title, created_at, last_activity_at) "
                "VALUES (true, 'old', now(), now()) RETURNING id"
            )
            thread_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO messaging_threadmember (thread_id, user_id, joined_at, last_delivered_message_id, "
                "last_read_message_id) VALUES (%s, %s, now(), 0, 0)",
                [thread_id, user.id],
            )
            cursor.execute(
                "INSERT INTO messaging_message (thread_id, sender_id, body, type, client_uuid, media_count, "
                "created_at) VALUES (%s, %s, 'kept', 'text', %s, 0, now()) RETURNING id",
                [thread_id, user.id, key],
            )
            message_id = cursor.fetchone()[0]
    finally:
        migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, client_uuid FROM messaging_message WHERE id = %s", [message_id])
        assert cursor.fetchone() == ("kept", "5f0c6a3e-2b7d-4f0e-9a59-0f3c2a1d9b44")  # what the API always returned
        cursor.execute(
            "SELECT hidden_at, cleared_through_message_id FROM messaging_threadmember WHERE thread_id = %s",
            [thread_id],
        )
        assert cursor.fetchone() == (None, 0)
        cursor.execute(
            "SELECT data_type, character_maximum_length FROM information_schema.columns "
            "WHERE table_name = 'messaging_message' AND column_name = 'client_uuid'"
        )
        assert cursor.fetchone() == ("character varying", 64)
