"""The rewards jobs on redelivery (Dramatiq delivers at least once): running one twice, or two at once, changes
nothing and reports no error."""

import datetime as dt

import pytest
import time_machine

from modules.rewards import services, tasks
from modules.rewards.models import Payout, Snapshot
from tests.rewards.factories import revenue, reward_event

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def october():
    revenue(cents=100_000)
    reward_event("alice", 13)
    reward_event("bob", 8)
    return services.snapshot_compute(period="2026-10", now=NOW).snapshot


def test_the_monthly_snapshot_delivered_again_after_finalisation_is_a_no_op(october):
    services.snapshot_finalize(period="2026-10", now=NOW + dt.timedelta(days=7))
    with time_machine.travel(NOW + dt.timedelta(days=7, hours=1), tick=False):
        tasks.rewards_monthly_snapshot()  # used to raise period_final (and be retried five times)
    assert list(Snapshot.objects.values_list("period", "state")) == [("2026-10", "final")]


def test_the_monthly_snapshot_delivered_twice_keeps_one_revision(october):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        tasks.rewards_monthly_snapshot()
        tasks.rewards_monthly_snapshot()
    assert list(Snapshot.objects.values_list("revision", "state")) == [(1, "provisional")]


def test_finalising_skips_a_month_another_run_finalised_meanwhile(october, monkeypatch):
    original = services.snapshot_finalize

    def raced(**kwargs):
        original(**kwargs)  # the other delivery of the job gets there first
        return original(**kwargs)

    monkeypatch.setattr(services, "snapshot_finalize", raced)
    assert services.snapshots_finalize_due(now=NOW + dt.timedelta(days=7)) == []
    assert Snapshot.objects.get(period="2026-10").state == "final"
    assert Payout.objects.count() == 2  # created once
