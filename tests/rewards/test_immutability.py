"""Append-only is enforced by PostgreSQL itself: ORM, raw SQL and TRUNCATE are all refused."""

import pytest
from django.db import DatabaseError, connection, transaction

from modules.rewards.ledger import chain_verify
from modules.rewards.models import Payout, PayoutTransition, RevenueEntry, RewardEvent, RewardRules, Snapshot
from modules.rewards.services import snapshot_compute, snapshot_finalize
from tests.rewards.factories import ContributorFactory, revenue, reward_event

pytestmark = pytest.mark.django_db

TABLES = [
    "rewards_rewardevent",
    "rewards_revenueentry",
    "rewards_snapshotline",
    "rewards_payouttransition",
    "rewards_issuescore",
    "rewards_snapshot",
    "rewards_payout",
    "rewards_rewardrules",
]


def refused(sql: str, params=()) -> str:
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(excinfo.value)


@pytest.fixture
def strict_database():
    """Turn off the test database's TRUNCATE allowance for this session, as in production."""
    with connection.cursor() as cursor:
        cursor.execute("SET selflink.allow_ledger_truncate = 'off'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET selflink.allow_ledger_truncate = 'on'")


def test_events_reject_update_and_delete_through_the_orm():
    event = reward_event()
    event.points = 500
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RewardEvent.objects.filter(id=event.id).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RewardEvent.objects.update(points=0)


def test_raw_sql_cannot_change_events_or_revenue():
    event = reward_event()
    entry = revenue()
    assert "append-only" in refused("UPDATE rewards_rewardevent SET points = 99 WHERE id = %s", [event.id])
    assert "append-only" in refused("DELETE FROM rewards_rewardevent WHERE id = %s", [event.id])
    assert "append-only" in refused("UPDATE rewards_revenueentry SET amount_cents = 1 WHERE id = %s", [entry.id])
    assert "append-only" in refused("DELETE FROM rewards_revenueentry")


@pytest.mark.parametrize("table", TABLES)
def test_truncate_is_refused(strict_database, table):
    assert "TRUNCATE" in refused(f"TRUNCATE {table} CASCADE")


def test_inserting_an_event_that_breaks_the_chain_is_refused():
    reward_event()
    message = refused(
        "INSERT INTO rewards_rewardevent (kind, points, occurred_at, period, source_url, payload_sha256, "
        "rules_version, github_login, idempotency_key, reason, flags, recorded_at, prev_hash, hash) VALUES "
        "('bonus', 100, now(), '2026-10', '', repeat('a', 64), 1, 'mallory', 'forged', '', '[]', now(), "
        "repeat('0', 64), repeat('b', 64))"
    )
    assert "hash chain" in message


def test_final_snapshots_and_lines_are_frozen():
    reward_event("ana", 5)
    revenue(cents=10_000)
    snapshot_compute(period="2026-10")
    snapshot = snapshot_finalize(period="2026-10", force=True)
    assert snapshot.state == "final"
    assert "cannot change" in refused("UPDATE rewards_snapshot SET pool_cents = 1 WHERE id = %s", [snapshot.id])
    assert "cannot change" in refused("UPDATE rewards_snapshot SET state = 'provisional' WHERE id = %s", [snapshot.id])
    assert "never deleted" in refused("DELETE FROM rewards_snapshot WHERE id = %s", [snapshot.id])
    assert "append-only" in refused("UPDATE rewards_snapshotline SET payout_cents = 0")


def test_provisional_snapshot_may_only_move_forward():
    reward_event()
    snapshot = snapshot_compute(period="2026-10").snapshot
    assert "cannot change" in refused("UPDATE rewards_snapshot SET pool_cents = 1 WHERE id = %s", [snapshot.id])


def test_payout_status_changes_only_through_transitions():
    ContributorFactory(github_login="ana")
    reward_event("ana", 5)
    revenue(cents=10_000)
    snapshot_compute(period="2026-10")
    snapshot_finalize(period="2026-10", force=True)
    payout = Payout.objects.get()
    assert "only through a payout transition" in refused(
        "UPDATE rewards_payout SET status = 'paid' WHERE id = %s", [payout.id]
    )
    assert "cannot move" in refused(
        "INSERT INTO rewards_payouttransition (payout_id, from_status, to_status, at, external_reference, note) "
        "VALUES (%s, 'pending', 'paid', now(), '', '')",
        [payout.id],
    )
    PayoutTransition.objects.create(payout=payout, from_status="pending", to_status="processing")
    payout.refresh_from_db()
    assert payout.status == "processing"


def test_rules_used_by_an_event_are_frozen():
    RewardRules.objects.filter(version=2).update(description="fine before use")  # v2 unused before November
    reward_event(at="2026-10-10T10:00:00Z")  # scored under v1
    assert "frozen" in refused("UPDATE rewards_rewardrules SET config = '{}' WHERE version = 1")


def test_tampering_with_triggers_disabled_is_detected():
    first = reward_event("ana", 5)
    second = reward_event("bo", 3)
    reward_event("cy", 1)
    assert chain_verify().broken_at is None
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # a superuser bypassing every trigger
        cursor.execute("UPDATE rewards_rewardevent SET points = 300 WHERE id = %s", [second.id])
        cursor.execute("SET session_replication_role = DEFAULT")
    report = chain_verify()
    assert report.broken_at == second.id
    assert report.checked == 1
    assert "does not match its hash" in report.problem
    assert first.id < second.id


def test_deleting_a_row_with_triggers_disabled_breaks_the_next_link():
    reward_event("ana", 5)
    middle = reward_event("bo", 3)
    last = reward_event("cy", 1)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM rewards_rewardevent WHERE id = %s", [middle.id])
        cursor.execute("SET session_replication_role = DEFAULT")
    report = chain_verify()
    assert report.broken_at == last.id and "prev_hash" in report.problem


def test_revenue_lines_exist_only_once_per_reference():
    revenue(reference="stripe-1", cents=500)
    revenue(reference="stripe-1", cents=500)  # idempotent replay
    assert RevenueEntry.objects.count() == 1
    from modules.core.errors import Conflict

    with pytest.raises(Conflict):
        revenue(reference="stripe-1", cents=900)
    assert Snapshot.objects.count() == 0


def test_chain_and_fast_encoding_agree_on_every_kind_of_event(anon, webhook_secret):
    from modules.rewards.ledger import adjustment_append
    from tests.factories import StaffFactory
    from tests.rewards.conftest import deliver, pr_payload

    deliver(anon, "pull_request", pr_payload(1, labels=("bug",)))  # flags: needs_label
    deliver(anon, "pull_request", pr_payload(2, labels=("size:m", "bonus:security")))  # a bonus line with a reason
    event = RewardEvent.objects.get(idempotency_key__endswith="#1")
    adjustment_append(
        corrects=event, points=3, reason='Größe: size:s — «ok» \u2028 tab\tquote"', recorded_by_id=StaffFactory().id
    )
    report = chain_verify()
    assert report.broken_at is None and report.checked == 4


@pytest.mark.parametrize(
    "reason", ["plain", 'quote " backslash \\ newline \n tab \t', "\u0001\u001f\u007f", "ნინო — «ok» \u2028 😀"]
)
def test_sql_built_event_lines_equal_the_python_reference(reason):
    from modules.rewards import canonical
    from modules.rewards.ledger import EVENT_LINE_SQL, adjustment_append, event_record_of, stream_rows
    from tests.factories import StaffFactory

    event = reward_event("ana", 2)
    adjustment = adjustment_append(corrects=event, points=-1, reason=reason, recorded_by_id=StaffFactory().id)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # give one event unsorted flags, directly
        cursor.execute("""UPDATE rewards_rewardevent SET flags = '["z", "a", "ä", "B"]' WHERE id = %s""", [event.id])
        cursor.execute("SET session_replication_role = DEFAULT")
    for row in (RewardEvent.objects.get(id=event.id), RewardEvent.objects.get(id=adjustment.id)):
        (line,) = next(stream_rows(EVENT_LINE_SQL + " WHERE e.id = %s", [row.id]))
        assert line.encode() + b"\n" == canonical.canonical_json(event_record_of(row))
