import datetime as dt

import pytest

from modules.core.models import RateLimitCounter
from modules.core.ratelimit import rate_limit_counters_purge, rate_limit_hit, rate_limit_peek
from selflink.env import Rate
from tests.factories import RateLimitCounterFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)


def test_counts_within_a_window():
    rate = Rate(3, 60)
    results = [rate_limit_hit("t", "ip", rate, now=START + dt.timedelta(seconds=i)).allowed for i in range(4)]
    assert results == [True, True, True, False]


def test_previous_window_fades_out_gradually():
    rate = Rate(10, 60)
    for _ in range(10):
        rate_limit_hit("t", "ip", rate, now=START)
    # Half-way through the next window, half of the previous window still counts: 5 + 5 = 10 allowed.
    statuses = [rate_limit_hit("t", "ip", rate, now=START + dt.timedelta(seconds=90)).allowed for _ in range(6)]
    assert statuses == [True] * 5 + [False]


def test_retry_after_points_to_when_room_frees_up():
    rate = Rate(2, 60)
    for _ in range(3):
        status = rate_limit_hit("t", "ip", rate, now=START + dt.timedelta(seconds=10))
    assert not status.allowed
    assert 1 <= status.retry_after <= 50


def test_peek_does_not_count():
    rate = Rate(1, 60)
    assert rate_limit_peek("t", "ip", rate, now=START).allowed
    assert rate_limit_peek("t", "ip", rate, now=START).allowed
    assert not RateLimitCounter.objects.exists()


def test_subjects_are_stored_hashed():
    rate_limit_hit("login:account", "ana@example.com", Rate(5, 60))
    assert "ana@example.com" not in RateLimitCounter.objects.get().subject


def test_purge_removes_old_windows_only():
    RateLimitCounterFactory(window_start=START - dt.timedelta(days=3))
    fresh = RateLimitCounterFactory()
    assert rate_limit_counters_purge() == 1
    assert list(RateLimitCounter.objects.all()) == [fresh]
