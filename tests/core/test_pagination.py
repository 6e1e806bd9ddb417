import datetime as dt

import pytest
from django.utils import timezone

from modules.accounts.models import User
from modules.core.errors import InvalidCursor
from modules.core.pagination import decode_cursor, encode_cursor, paginate_queryset
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_cursor_round_trip_and_tag_check():
    cursor = encode_cursor("-created_at,-id", ["2026-01-01T00:00:00+00:00", 7])
    assert decode_cursor("-created_at,-id", cursor, 2) == ["2026-01-01T00:00:00+00:00", 7]
    with pytest.raises(InvalidCursor):
        decode_cursor("-id", cursor, 1)


def test_multi_column_keyset_walks_ties_without_gaps():
    moment = timezone.now()
    users = [UserFactory(created_at=moment if n % 2 else moment - dt.timedelta(minutes=n)) for n in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        page = paginate_queryset(User.objects.all(), ordering=("-created_at", "-id"), cursor=cursor, limit=2)
        seen += [user.id for user in page.results]
        if page.next is None:
            break
        cursor = page.next
    expected = [u.id for u in sorted(users, key=lambda u: (u.created_at, u.id), reverse=True)]
    assert seen == expected


def test_ascending_ordering():
    users = [UserFactory() for _ in range(3)]
    page = paginate_queryset(User.objects.all(), ordering=("id",), cursor=None, limit=2)
    rest = paginate_queryset(User.objects.all(), ordering=("id",), cursor=page.next, limit=2)
    assert [u.id for u in page.results + rest.results] == [u.id for u in users]


def test_cursor_with_values_of_the_wrong_type_is_invalid():
    bad = encode_cursor("-created_at,-id", ["not a date", 1])
    with pytest.raises(InvalidCursor):
        paginate_queryset(User.objects.all(), ordering=("-created_at", "-id"), cursor=bad, limit=2)
