"""The published scoring rules. New versions are added by new migrations; existing ones never change."""

import datetime as dt

from django.db import migrations

SIZE_POINTS = {"size:xs": 1, "size:s": 3, "size:m": 5, "size:l": 8, "size:xl": 13}
BONUS_LABELS = {"bonus:security": 2, "bonus:infra": 1}

RULES = [
    {
        "version": 1,
        "activated_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        "description": (
            "A merged pull request earns the points of its single size label (size:xs=1, size:s=3, size:m=5, "
            "size:l=8, size:xl=13); no size label, or several, earns 0 and is flagged needs_label until an "
            "adjustment corrects it. Bonus labels (bonus:security=2, bonus:infra=1) add a separate bonus line, "
            "at most 3 points per pull request. Points go to the pull request's author, not to who merged it."
        ),
        "config": {
            "size_points": SIZE_POINTS, "bonus_labels": BONUS_LABELS, "bonus_cap": 3, "issue_scores": False,
            "issue_score_label_prefix": "score:", "max_issue_score": 100,
        },
    },
    {
        "version": 2,
        "activated_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        "description": (
            "Everything in v1, plus issue scores: an issue's first valid score:N label (1-100) fixes its score "
            "for good. A merged pull request that closes scored issues (GitHub closing keywords in its "
            "description, e.g. 'Closes #12') earns one issue_completed line per issue with that issue's score, "
            "and its size label is then not paid on top (the pull request line records 0 points, flagged "
            "scored_by_issue). Each issue is paid once: later pull requests closing it are scored by size. "
            "Bonus labels still apply."
        ),
        "config": {
            "size_points": SIZE_POINTS, "bonus_labels": BONUS_LABELS, "bonus_cap": 3, "issue_scores": True,
            "issue_score_label_prefix": "score:", "max_issue_score": 100,
        },
    },
]


def publish(apps, schema_editor):
    RewardRules = apps.get_model("rewards", "RewardRules")
    for rules in RULES:
        RewardRules.objects.get_or_create(version=rules["version"], defaults=rules)


class Migration(migrations.Migration):
    dependencies = [("rewards", "0002_ledger_guards")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
