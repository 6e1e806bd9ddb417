"""The compatibility vocabulary becomes the mobile app's words; stored former spellings are rewritten to them.

The mapping is written out here (not imported from vocabulary.py) so this migration keeps meaning what it meant.
"""

from django.conf import settings
from django.db import migrations, models


# field → [(former spelling, word)]
RENAMED = {
    "gender": [("woman", "female"), ("man", "male")],
    "orientation": [("heterosexual", "hetero"), ("homosexual", "homo"), ("bisexual", "bi"), ("pansexual", "pan")],
    "relationship_goal": [("not_sure", "unsure")],
    "attachment_style": [("fearful_avoidant", "mixed")],
    "preferred_lifestyle": [("early_bird", "early_riser"), ("traveler", "travel")],
    "love_language": [
        ("words_of_affirmation", "words"),
        ("acts_of_service", "acts"),
        ("receiving_gifts", "gifts"),
        ("physical_touch", "touch"),
    ],
}
ARRAYS = {"values", "preferred_lifestyle", "love_language"}
# Words that did not exist before: going back drops them.
NEW_WORDS = {"values": ["connection", "security"], "preferred_lifestyle": ["remote_work", "nightlife", "spirituality"]}
TABLE = "profiles_compatibilityprofile"


def _rename_sql(backwards: bool) -> str:
    # One UPDATE touching each row once: a second update of a row changed earlier in this transaction would queue
    # its deferred foreign-key check, and PostgreSQL refuses the ALTER TABLE that follows while one is pending.
    assignments = []
    for field in ("gender", "orientation", "relationship_goal", "attachment_style", *sorted(ARRAYS)):
        pairs = [(word, former) if backwards else (former, word) for former, word in RENAMED.get(field, [])]
        if field in ARRAYS:
            expression = field
            for old, new in pairs:
                expression = f"array_replace({expression}, '{old}', '{new}')"
            for word in NEW_WORDS.get(field, []) if backwards else []:
                expression = f"array_remove({expression}, '{word}')"
        else:
            cases = " ".join(f"WHEN '{old}' THEN '{new}'" for old, new in pairs)
            expression = f"CASE {field} {cases} ELSE {field} END" if pairs else field
        if expression != field:
            assignments.append(f"{field} = {expression}")
    return f"UPDATE {TABLE} SET {', '.join(assignments)}"  # noqa: S608 - fixed words, no input


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_gender_known",
        ),
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_orientation_known",
        ),
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_goal_known",
        ),
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_attachment_known",
        ),
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_values_known",
        ),
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_lifestyle_known",
        ),
        migrations.RemoveConstraint(
            model_name="compatibilityprofile",
            name="compat_love_language_known",
        ),
        migrations.RunSQL(_rename_sql(backwards=False), _rename_sql(backwards=True), elidable=False),
        migrations.AlterField(
            model_name="compatibilityprofile",
            name="attachment_style",
            field=models.CharField(
                blank=True,
                choices=[
                    ("secure", "secure"),
                    ("anxious", "anxious"),
                    ("avoidant", "avoidant"),
                    ("mixed", "mixed"),
                    ("unknown", "unknown"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="compatibilityprofile",
            name="gender",
            field=models.CharField(
                blank=True,
                choices=[
                    ("male", "male"),
                    ("female", "female"),
                    ("non_binary", "non_binary"),
                    ("other", "other"),
                    ("prefer_not_to_say", "prefer_not_to_say"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="compatibilityprofile",
            name="orientation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("hetero", "hetero"),
                    ("homo", "homo"),
                    ("bi", "bi"),
                    ("pan", "pan"),
                    ("asexual", "asexual"),
                    ("other", "other"),
                    ("prefer_not_to_say", "prefer_not_to_say"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="compatibilityprofile",
            name="relationship_goal",
            field=models.CharField(
                blank=True,
                choices=[
                    ("casual", "casual"),
                    ("long_term", "long_term"),
                    ("marriage", "marriage"),
                    ("unsure", "unsure"),
                    ("friendship", "friendship"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(("gender__in", ("", "male", "female", "non_binary", "other", "prefer_not_to_say"))),
                name="compat_gender_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("orientation__in", ("", "hetero", "homo", "bi", "pan", "asexual", "other", "prefer_not_to_say"))
                ),
                name="compat_orientation_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("relationship_goal__in", ("", "casual", "long_term", "marriage", "unsure", "friendship"))
                ),
                name="compat_goal_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(("attachment_style__in", ("", "secure", "anxious", "avoidant", "mixed", "unknown"))),
                name="compat_attachment_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "values__contained_by",
                        [
                            "growth",
                            "freedom",
                            "connection",
                            "security",
                            "adventure",
                            "family",
                            "career",
                            "ambition",
                            "community",
                            "creativity",
                            "faith",
                            "health",
                            "honesty",
                            "humor",
                            "kindness",
                            "knowledge",
                            "loyalty",
                            "nature",
                            "spirituality",
                            "stability",
                        ],
                    )
                ),
                name="compat_values_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "preferred_lifestyle__contained_by",
                        [
                            "remote_work",
                            "travel",
                            "fitness",
                            "nightlife",
                            "early_riser",
                            "spirituality",
                            "active",
                            "artistic",
                            "digital_nomad",
                            "foodie",
                            "homebody",
                            "minimalist",
                            "night_owl",
                            "quiet",
                            "rural",
                            "social",
                            "urban",
                        ],
                    )
                ),
                name="compat_lifestyle_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="compatibilityprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("love_language__contained_by", ["words", "quality_time", "acts", "gifts", "touch"])
                ),
                name="compat_love_language_known",
            ),
        ),
    ]
