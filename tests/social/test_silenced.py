"""`silenced_among`: the one check notifications makes per actor, for all recipients at once (mutes one way,
blocks either way); social registers it in notifications."""

import pytest

from modules.social.models import Block, Mute
from modules.social.selectors import silenced_among
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def is_silenced(*, viewer_id: int, other_id: int) -> bool:
    return silenced_among(actor_id=other_id, recipient_ids=[viewer_id]) == {viewer_id}


def test_mutes_count_one_way_and_blocks_both_ways():
    viewer, other, third = UserFactory(), UserFactory(), UserFactory()
    assert not is_silenced(viewer_id=viewer.id, other_id=other.id)
    Mute.objects.create(muter=viewer, muted=other)
    assert is_silenced(viewer_id=viewer.id, other_id=other.id)
    assert not is_silenced(viewer_id=other.id, other_id=viewer.id)  # being muted silences nobody for you
    Block.objects.create(blocker=third, blocked=viewer)
    assert is_silenced(viewer_id=viewer.id, other_id=third.id) and is_silenced(viewer_id=third.id, other_id=viewer.id)
    assert not is_silenced(viewer_id=other.id, other_id=third.id)


def test_one_statement_for_every_recipient(django_assert_num_queries):
    actor = UserFactory()
    muted_by, blocked_by, blocked, free = (UserFactory() for _ in range(4))
    Mute.objects.create(muter=muted_by, muted=actor)
    Block.objects.create(blocker=blocked_by, blocked=actor)
    Block.objects.create(blocker=actor, blocked=blocked)
    Mute.objects.create(muter=actor, muted=free)  # the actor's own mutes silence nobody for others
    everyone = [muted_by.id, blocked_by.id, blocked.id, free.id]
    with django_assert_num_queries(1):
        assert silenced_among(actor_id=actor.id, recipient_ids=everyone) == {muted_by.id, blocked_by.id, blocked.id}
    with django_assert_num_queries(0):
        assert silenced_among(actor_id=actor.id, recipient_ids=[]) == set()
