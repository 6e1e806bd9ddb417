"""Notifications reference the content they quote, and lose the quote when the content is gone.

Existing rows get their reference from what their producers always stored (the target of likes and mentions,
`data.comment_id` of comments and replies, `data.message_id` of messages); rows quoting content that is already
deleted (or a message already a tombstone) are cleared now.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("posts", "0001_initial"),
        ("messaging", "0001_initial"),
        ('notifications', '0003_security_notices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='content_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='content_removed_at',
            field=models.DateTimeField(blank=True, help_text='The quoted content was deleted or removed: its text is gone from here too.', null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='content_type',
            field=models.CharField(blank=True, default='', help_text='post, comment or message.', max_length=16),
        ),
        migrations.RunSQL(
            [
                "UPDATE notifications_notification SET content_type = target_type, content_id = target_id "
                "WHERE type IN ('like', 'mention') AND target_type IN ('post', 'comment')",
                "UPDATE notifications_notification SET content_type = 'comment', "
                "content_id = (data->>'comment_id')::bigint "
                "WHERE type IN ('comment', 'reply') AND data->>'comment_id' ~ '^[0-9]{1,18}$'",
                "UPDATE notifications_notification SET content_type = 'message', "
                "content_id = (data->>'message_id')::bigint "
                "WHERE type = 'message' AND data->>'message_id' ~ '^[0-9]{1,18}$'",
                "UPDATE notifications_notification n SET text = '', content_removed_at = now() "
                "WHERE (n.content_type = 'post' AND NOT EXISTS (SELECT 1 FROM posts_post p WHERE p.id = n.content_id)) "
                "OR (n.content_type = 'comment' "
                "AND NOT EXISTS (SELECT 1 FROM posts_comment c WHERE c.id = n.content_id)) "
                "OR (n.content_type = 'message' AND NOT EXISTS "
                "(SELECT 1 FROM messaging_message m WHERE m.id = n.content_id AND m.deleted_at IS NULL))",
                # The updates queued the (deferred) foreign-key checks: run them now, or PostgreSQL refuses the
                # index and constraints below in this transaction ("pending trigger events").
                "SET CONSTRAINTS ALL IMMEDIATE",
                "SET CONSTRAINTS ALL DEFERRED",
            ],
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('content_id__isnull', False)), fields=['content_type', 'content_id'], name='notification_content_idx'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('content_id__isnull', True), ('content_type', '')), models.Q(('content_id__isnull', False), ('content_type__in', ('post', 'comment', 'message'))), _connector='OR'), name='notification_content_both_or_none'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.CheckConstraint(condition=models.Q(('content_removed_at__isnull', True), ('text', ''), _connector='OR'), name='notification_removed_content_empty'),
        ),
    ]
