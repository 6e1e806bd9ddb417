import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from modules.rewards.models import RevenueEntry, RewardEvent, Snapshot
from tests.factories import StaffFactory
from tests.rewards.conftest import pr_payload
from tests.rewards.factories import revenue, reward_event

pytestmark = pytest.mark.django_db


def test_import_prs_back_fills_with_the_same_rules_and_is_idempotent(tmp_path, capsys):
    records = [pr_payload(n, labels=("size:s",), author=f"dev{n % 3}")["pull_request"] for n in range(1, 8)]
    records.append(pr_payload(99, merged_at=None)["pull_request"])
    export = tmp_path / "prs.json"
    export.write_text(json.dumps(records))
    call_command("rewards_import_prs", str(export))
    assert "7 recorded" in capsys.readouterr().out
    call_command("rewards_import_prs", str(export))
    assert "7 already known" in capsys.readouterr().out
    assert RewardEvent.objects.count() == 7
    assert set(RewardEvent.objects.values_list("points", flat=True)) == {3}


def test_import_rejects_a_broken_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("rewards_import_prs", str(bad))


def test_snapshot_command_dry_run_and_store(capsys):
    revenue(cents=100_000)
    reward_event("alice", 13)
    call_command("rewards_snapshot", "2026-10", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run: nothing stored" in out and "pool 500.00" in out
    assert not Snapshot.objects.exists()
    call_command("rewards_snapshot", "2026-10")
    assert "stored 2026-10 revision 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="has not ended"):
        call_command("rewards_snapshot", "2999-01")


def test_export_and_verify_commands(tmp_path, capsys):
    revenue(cents=100_000)
    reward_event("alice", 13)
    call_command("rewards_snapshot", "2026-10")
    call_command("rewards_export", "2026-10", str(tmp_path / "out"))
    assert (tmp_path / "out" / "manifest.json").exists()
    call_command("rewards_verify_ledger")
    assert "intact: 1 events" in capsys.readouterr().out


def test_verify_ledger_command_fails_on_tampering():
    reward_event("alice", 13)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE rewards_rewardevent SET github_login = 'mallory'")
        cursor.execute("SET session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("rewards_verify_ledger")


def test_revenue_command_needs_staff_and_is_idempotent(capsys):
    staff = StaffFactory(email="treasurer@example.com")
    call_command(
        "rewards_revenue_add",
        "2026-10",
        "revenue",
        "12345",
        "--source",
        "stripe",
        "--reference",
        "po_1",
        "--entered-by",
        staff.email,
    )
    call_command(
        "rewards_revenue_add",
        "2026-10",
        "revenue",
        "12345",
        "--source",
        "stripe",
        "--reference",
        "po_1",
        "--entered-by",
        staff.email,
    )
    assert "already recorded" in capsys.readouterr().out
    assert RevenueEntry.objects.get().entered_by == staff
    with pytest.raises(CommandError, match="not a staff"):
        call_command(
            "rewards_revenue_add",
            "2026-10",
            "cost",
            "1",
            "--source",
            "x",
            "--reference",
            "y",
            "--entered-by",
            "nobody@example.com",
        )
    with pytest.raises(CommandError, match="Only USD"):
        call_command(
            "rewards_revenue_add",
            "2026-10",
            "cost",
            "1",
            "--source",
            "x",
            "--reference",
            "z",
            "--currency",
            "EUR",
            "--entered-by",
            staff.email,
        )


def test_finalize_command(capsys):
    reward_event("alice", 1)
    call_command("rewards_snapshot", "2026-10")
    call_command("rewards_finalize")
    assert "nothing was due" in capsys.readouterr().out
    call_command("rewards_finalize", "2026-10", "--force")
    assert Snapshot.objects.get().state == "final"
