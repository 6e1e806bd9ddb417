"""Migration 0002 rewrites stored former spellings to the app's words (and back when unapplied)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from modules.profiles.models import CompatibilityProfile
from tests.factories import UserFactory

BEFORE = [("profiles", "0001_initial")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_stored_words_become_the_apps_words():
    user = UserFactory()
    old = _migrate(BEFORE)
    try:
        old.get_model("profiles", "CompatibilityProfile").objects.create(
            user_id=user.id,
            gender="woman",
            orientation="bisexual",
            relationship_goal="not_sure",
            attachment_style="fearful_avoidant",
            values=["family", "honesty"],
            preferred_lifestyle=["traveler", "urban", "early_bird"],
            love_language=["physical_touch", "words_of_affirmation"],
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    profile = CompatibilityProfile.objects.get(user_id=user.id)
    assert (profile.gender, profile.orientation, profile.relationship_goal, profile.attachment_style) == (
        "female",
        "bi",
        "unsure",
        "mixed",
    )
    assert profile.values == ["family", "honesty"]
    assert profile.preferred_lifestyle == ["travel", "urban", "early_riser"]
    assert profile.love_language == ["touch", "words"]


def test_unapplying_restores_the_former_words_and_drops_new_ones():
    user = UserFactory()
    CompatibilityProfile.objects.create(
        user=user, gender="male", values=["connection", "family"], preferred_lifestyle=["nightlife", "travel"]
    )
    old = _migrate(BEFORE)
    try:
        profile = old.get_model("profiles", "CompatibilityProfile").objects.get(user_id=user.id)
        assert profile.gender == "man"
        assert profile.values == ["family"]
        assert profile.preferred_lifestyle == ["traveler"]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
