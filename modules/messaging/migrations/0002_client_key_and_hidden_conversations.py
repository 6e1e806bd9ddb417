"""`client_uuid` becomes an opaque client key (the mobile app sends `msg-<ms>-<hex>` when it has no
crypto.randomUUID), and a member may hide a direct conversation.

Existing keys are kept: PostgreSQL casts each uuid to its canonical text (lowercase, hyphenated), which is
what the API always returned for them, so a retry of an old message still finds it. The unique key
(sender, client_uuid) is rebuilt by the type change; the new CHECK holds for every canonical uuid.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='message',
            name='client_uuid',
            field=models.CharField(help_text='Chosen by the sending device (any visible-ASCII key); a retry with the same one is a no-op.', max_length=64),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.CheckConstraint(condition=models.Q(('client_uuid__regex', '^[!-~]{1,64}$')), name='message_client_uuid_visible_ascii'),
        ),
        migrations.AddField(
            model_name='threadmember',
            name='cleared_through_message_id',
            field=models.PositiveBigIntegerField(default=0, help_text='Messages up to this id are hidden from this member (0: none).'),
        ),
        migrations.AddField(
            model_name='threadmember',
            name='hidden_at',
            field=models.DateTimeField(blank=True, help_text='The member deleted the conversation; cleared by the next message.', null=True),
        ),
        migrations.AddConstraint(
            model_name='threadmember',
            constraint=models.CheckConstraint(condition=models.Q(('hidden_at__isnull', True), ('left_at__isnull', True), _connector='OR'), name='threadmember_hidden_not_left'),
        ),
    ]
