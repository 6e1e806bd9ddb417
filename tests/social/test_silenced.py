"""`is_silenced`: the one check notifications make per actor (mutes one way, blocks either way)."""

import pytest

from modules.social.models import Block, Mute
from modules.social.public import is_silenced
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_mutes_count_one_way_and_blocks_both_ways():
    viewer, other, third = UserFactory(), UserFactory(), UserFactory()
    assert not is_silenced(viewer_id=viewer.id, other_id=other.id)
    Mute.objects.create(muter=viewer, muted=other)
    assert is_silenced(viewer_id=viewer.id, other_id=other.id)
    assert not is_silenced(viewer_id=other.id, other_id=viewer.id)  # being muted silences nobody for you
    Block.objects.create(blocker=third, blocked=viewer)
    assert is_silenced(viewer_id=viewer.id, other_id=third.id) and is_silenced(viewer_id=third.id, other_id=viewer.id)
    assert not is_silenced(viewer_id=other.id, other_id=third.id)
