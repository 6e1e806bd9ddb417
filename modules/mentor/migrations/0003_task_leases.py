"""Leases on mentor tasks: a run that dies is noticed and the task resumed or failed (it used to stay `running`)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mentor', '0002_natal_and_soulmatch_modes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='mentortask',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, help_text='Runs started (a run that died counts).'),
        ),
        migrations.AddField(
            model_name='mentortask',
            name='lease_expires_at',
            field=models.DateTimeField(blank=True, help_text='While running: when the current run is presumed dead.', null=True),
        ),
        # Tasks left `running` by a worker that died: their one run is over, the sweeper resumes or fails them.
        migrations.RunSQL(
            "UPDATE mentor_mentortask SET attempts = 1, lease_expires_at = now() WHERE status = 'running'",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='mentortask',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'running'])), fields=['status', 'lease_expires_at'], name='mentortask_unfinished_idx'),
        ),
        migrations.AddConstraint(
            model_name='mentortask',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'running'), _negated=True), models.Q(('attempts__gte', 1), ('lease_expires_at__isnull', False)), _connector='OR'), name='mentortask_running_has_lease'),
        ),
        migrations.AddConstraint(
            model_name='mentortask',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('finished_at__isnull', False), ('status__in', ['done', 'failed'])), models.Q(('finished_at__isnull', True), ('status__in', ['pending', 'running'])), _connector='OR'), name='mentortask_finished_when_over'),
        ),
    ]
