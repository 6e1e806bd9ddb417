"""Monthly snapshots: the worked example, determinism, carry-forward, disputes, revisions, finalisation."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from modules.core.errors import Conflict
from modules.rewards.bundle import write_bundle
from modules.rewards.ledger import adjustment_append
from modules.rewards.models import Payout, RewardEvent, Snapshot, SnapshotLine
from modules.rewards.services import (
    dispute_file,
    dispute_resolve,
    payout_transition,
    snapshot_compute,
    snapshot_finalize,
    snapshots_finalize_due,
)
from tests.factories import StaffFactory, UserFactory
from tests.rewards.factories import ContributorFactory, revenue, reward_event

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "scripts" / "verify_rewards.py"
NOW = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)


def payouts(snapshot) -> dict[str, int]:
    return dict(SnapshotLine.objects.filter(snapshot=snapshot).values_list("github_login", "payout_cents"))


def verify(directory: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFY), str(directory), *extra], capture_output=True, text=True, timeout=60
    )


def test_worked_example_pays_260_160_80():
    revenue(cents=100_000)
    reward_event("alice", 13)
    reward_event("bob", 8)
    reward_event("carol", 4)
    snapshot = snapshot_compute(period="2026-10", now=NOW).snapshot
    assert (snapshot.revenue_cents, snapshot.costs_cents, snapshot.pool_cents) == (100_000, 0, 50_000)
    assert payouts(snapshot) == {"alice": 26_000, "bob": 16_000, "carol": 8_000}
    assert snapshot.state == "provisional" and snapshot.revision == 1
    assert snapshot.dispute_window_ends_at == NOW + dt.timedelta(days=7)


def test_costs_are_subtracted_and_equal_points_split_by_the_tie_break():
    revenue(cents=1_200)
    revenue(cents=1_000, kind="cost")  # net $2.00 → pool 100 cents
    for login in ("carol", "alice", "bob"):
        reward_event(login, 2)
    snapshot = snapshot_compute(period="2026-10", now=NOW).snapshot
    lines = {line.github_login: line.share_cents for line in snapshot.lines.all()}
    assert lines == {"alice": 34, "bob": 33, "carol": 33}
    assert snapshot.payable_cents == 0 and snapshot.carry_out_cents == 100  # all below the $10 minimum


def test_an_unfinished_month_cannot_be_computed():
    with pytest.raises(Conflict, match="has not ended"):
        snapshot_compute(period="2026-11", now=NOW)


def test_same_inputs_in_any_order_give_byte_identical_bundles(tmp_path):
    rows = [
        ("alice", 13, "2026-10-03T10:00:00Z", "k1"),
        ("bob", 8, "2026-10-03T10:00:00Z", "k2"),
        ("carol", 4, "2026-10-20T08:30:00Z", "k3"),
        ("alice", 1, "2026-10-21T08:30:00Z", "k4"),
    ]
    bundles = []
    staff = StaffFactory(handle="treasurer")
    for run, order in enumerate((rows, list(reversed(rows)), [rows[2], rows[0], rows[3], rows[1]])):
        with transaction.atomic():
            revenue(cents=50_000, reference="b", staff=staff)
            revenue(cents=70_000, reference="a", staff=staff)
            for login, points, at, key in order:
                reward_event(login, points, at=at, key=key)
            snapshot = snapshot_compute(period="2026-10", now=NOW).snapshot
            directory = tmp_path / f"run{run}"
            write_bundle(snapshot, directory)
            bundles.append({p.name: p.read_bytes() for p in sorted(directory.iterdir())})
            transaction.set_rollback(True)
    assert bundles[0] == bundles[1] == bundles[2]
    assert len(bundles[0]) == 8


def test_export_verifies_and_an_edited_bundle_is_caught(tmp_path):
    revenue(cents=100_000)
    for login, points in (("alice", 13), ("bob", 8), ("carol", 4)):
        reward_event(login, points)
    snapshot = snapshot_compute(period="2026-10", now=NOW).snapshot
    write_bundle(snapshot, tmp_path / "b")
    ok = verify(tmp_path / "b")
    assert ok.returncode == 0, ok.stdout
    assert ok.stdout.strip() == "OK"

    # Give bob one more dollar in the payout table (and fix the file hash in the manifest, as a forger would).
    payouts_file = tmp_path / "b" / "payouts.jsonl"
    payouts_file.write_text(payouts_file.read_text().replace('"payout_cents":16000', '"payout_cents":16100'))
    bad = verify(tmp_path / "b")
    assert bad.returncode == 1
    assert "MISMATCH payouts.jsonl: SHA-256" in bad.stdout

    import json

    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    import hashlib

    data = payouts_file.read_bytes()
    manifest["files"]["payouts.jsonl"].update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    forged = verify(tmp_path / "b")
    assert forged.returncode == 1
    assert "payout of @bob" in forged.stdout
    assert "does not hash to the published outputs hash" in forged.stdout


def test_edited_event_points_are_caught(tmp_path):
    revenue(cents=100_000)
    reward_event("alice", 13)
    snapshot = snapshot_compute(period="2026-10", now=NOW).snapshot
    write_bundle(snapshot, tmp_path / "b")
    events_file = tmp_path / "b" / "events.jsonl"
    events_file.write_text(events_file.read_text().replace('"points":13', '"points":14'))
    result = verify(tmp_path / "b")
    assert result.returncode == 1 and "events.jsonl: SHA-256" in result.stdout


def test_threshold_carry_forward_into_the_next_month(tmp_path):
    # October: bob's $8 share is below the $10 minimum and is carried.
    revenue(cents=5_200)  # pool $26.00
    reward_event("alice", 9)
    reward_event("bob", 4)
    october = snapshot_compute(period="2026-10", now=NOW).snapshot
    assert payouts(october) == {"alice": 1_800, "bob": 0}
    assert october.lines.get(github_login="bob").carry_out_cents == 800
    snapshot_finalize(period="2026-10", now=NOW + dt.timedelta(days=8))
    assert set(Payout.objects.values_list("github_login", flat=True)) == {"alice"}

    # November: bob earns $4 more; with the $8 carried in he is paid $12. Dora had nothing: no line.
    revenue(period="2026-11", cents=1_600)  # pool $8.00, all bob's
    reward_event("bob", 1, at="2026-11-05T10:00:00Z")
    november = snapshot_compute(period="2026-11", now=NOW + dt.timedelta(days=31)).snapshot
    line = november.lines.get(github_login="bob")
    assert (line.share_cents, line.carry_in_cents, line.payout_cents, line.carry_out_cents) == (800, 800, 1_600, 0)
    assert november.carry_in_cents == 800

    write_bundle(october, tmp_path / "oct")
    write_bundle(november, tmp_path / "nov")
    assert verify(tmp_path / "nov", "--previous", str(tmp_path / "oct")).returncode == 0
    wrong = verify(tmp_path / "oct", "--previous", str(tmp_path / "nov"))
    assert wrong.returncode == 1


def test_next_month_waits_for_the_previous_to_be_final():
    reward_event("ana", 1)
    snapshot_compute(period="2026-10", now=NOW)
    with pytest.raises(Conflict, match="Finalise 2026-10"):
        snapshot_compute(period="2026-11", now=NOW + dt.timedelta(days=31))


def test_dispute_adjustment_new_revision_then_finalise():
    ana = UserFactory()
    staff = StaffFactory()
    revenue(cents=100_000)
    missed = reward_event("ana", 0)  # merged without a size label: 0 points, needs_label
    reward_event("bo", 5)
    first = snapshot_compute(period="2026-10", now=NOW).snapshot
    assert payouts(first)["ana"] == 0

    dispute = dispute_file(
        user_id=ana.id,
        period="2026-10",
        kind="wrong_label",
        description="PR #7 was a size:m change",
        now=NOW + dt.timedelta(days=1),
    )
    dispute_resolve(
        dispute_id=dispute.id,
        by_id=staff.id,
        resolution="Labelled size:m after review",
        accepted=True,
        adjustments=[(missed, 5)],
    )
    second = Snapshot.objects.get(period="2026-10", state="provisional")
    assert second.revision == 2
    assert payouts(second) == {"ana": 25_000, "bo": 25_000}
    first.refresh_from_db()
    assert first.state == "superseded" and first.superseded_at is not None
    assert payouts(first) == {"ana": 0, "bo": 50_000}  # the old revision stays readable
    assert second.dispute_window_ends_at == first.dispute_window_ends_at
    adjustment = RewardEvent.objects.get(kind="adjustment")
    assert adjustment.corrects_id == missed.id and adjustment.period == "2026-10" and "dispute #" in adjustment.reason

    assert snapshots_finalize_due(now=NOW + dt.timedelta(days=6)) == []
    assert snapshots_finalize_due(now=NOW + dt.timedelta(days=7)) == ["2026-10"]
    final = Snapshot.objects.get(period="2026-10", state="final")
    assert final.id == second.id
    assert Payout.objects.filter(snapshot=final).count() == 2

    # Later corrections cannot touch a final month.
    with pytest.raises(Conflict):
        adjustment_append(corrects=missed, points=1, reason="late", recorded_by_id=staff.id, period="2026-10")
    later = adjustment_append(
        corrects=missed, points=1, reason="late fix", recorded_by_id=staff.id, now=NOW + dt.timedelta(days=9)
    )
    assert later.period == "2026-11"


def test_disputes_only_while_the_window_is_open():
    user = UserFactory()
    with pytest.raises(Conflict, match="no snapshot"):
        dispute_file(user_id=user.id, period="2026-10", kind="other", description="x" * 20, now=NOW)
    reward_event("ana", 1)
    snapshot_compute(period="2026-10", now=NOW)
    with pytest.raises(Conflict, match="closed"):
        dispute_file(
            user_id=user.id, period="2026-10", kind="other", description="x" * 20, now=NOW + dt.timedelta(days=8)
        )


def test_finalising_picks_up_inputs_added_without_a_recompute():
    staff = StaffFactory()
    revenue(cents=100_000)
    event = reward_event("ana", 5)
    first = snapshot_compute(period="2026-10", now=NOW).snapshot
    adjustment_append(corrects=event, points=-5, reason="reverted PR", recorded_by_id=staff.id, period="2026-10")
    final = snapshot_finalize(period="2026-10", now=NOW + dt.timedelta(days=7))
    assert final.revision == 2 and final.id != first.id
    assert final.total_points == 0 and not Payout.objects.exists()


def test_late_events_are_booked_into_the_next_open_month():
    reward_event("ana", 1)
    snapshot_compute(period="2026-10", now=NOW)
    late = reward_event("bo", 3, at="2026-10-31T23:59:00Z")
    assert late.period == "2026-11"
    assert late.occurred_at.month == 10


def test_payouts_move_only_along_the_allowed_path():
    revenue(cents=100_000)
    reward_event("ana", 5)
    reward_event("ghost", 5)
    snapshot_compute(period="2026-10", now=NOW)
    snapshot_finalize(period="2026-10", now=NOW + dt.timedelta(days=7))
    staff = StaffFactory()
    ana_payout = Payout.objects.get(github_login="ana")
    ghost_payout = Payout.objects.get(github_login="ghost")

    with pytest.raises(Conflict, match="not linked"):
        payout_transition(payout_id=ana_payout.id, to_status="processing", by_id=staff.id)
    ContributorFactory(github_login="Ana")
    payout_transition(payout_id=ana_payout.id, to_status="processing", by_id=staff.id, external_reference="wire-1")
    with pytest.raises(Conflict, match="cannot become"):
        payout_transition(payout_id=ana_payout.id, to_status="pending", by_id=staff.id)
    paid = payout_transition(payout_id=ana_payout.id, to_status="paid", by_id=staff.id, external_reference="wire-1")
    assert paid.status == "paid"
    assert list(paid.transitions.values_list("from_status", "to_status")) == [
        ("pending", "processing"),
        ("processing", "paid"),
    ]
    with pytest.raises(Conflict):
        payout_transition(payout_id=paid.id, to_status="failed", by_id=staff.id)
    assert payout_transition(payout_id=ghost_payout.id, to_status="canceled", by_id=staff.id).status == "canceled"


def test_recomputing_unchanged_inputs_keeps_the_revision():
    reward_event("ana", 1)
    first = snapshot_compute(period="2026-10", now=NOW)
    again = snapshot_compute(period="2026-10", now=NOW)
    assert again.created is False and again.snapshot.id == first.snapshot.id


def test_dry_run_stores_nothing():
    reward_event("ana", 1)
    result = snapshot_compute(period="2026-10", dry_run=True, now=NOW)
    assert result.snapshot is None and result.computation.total_points == 1
    assert not Snapshot.objects.exists()
