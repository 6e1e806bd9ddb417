"""PostgreSQL guards that make the ledger append-only, whatever code (or person) talks to the database.

* Events, revenue lines, snapshot lines, payout transitions and issue scores reject UPDATE, DELETE and TRUNCATE.
* Event inserts are serialised and must extend the hash chain (prev_hash = hash of the latest event).
* A snapshot may only move provisional → superseded or provisional → final; final and superseded ones are
  frozen, and none can be deleted.
* Payouts change status only through a PayoutTransition row, and only along the allowed moves.
* A rules version is frozen once any event used it.

TRUNCATE is allowed only where the database-level setting `selflink.allow_ledger_truncate` is `on`: the test
suite sets it on its own throw-away database (Django's flush truncates every table between tests). Production
databases never have it. A superuser can still disable triggers; the hash chain and the published snapshot
hashes make that detectable (`manage.py rewards_verify_ledger`).
"""

from django.db import migrations

APPEND_ONLY_TABLES = (
    "rewards_rewardevent",
    "rewards_revenueentry",
    "rewards_snapshotline",
    "rewards_payouttransition",
    "rewards_issuescore",
)
NO_TRUNCATE_TABLES = (*APPEND_ONLY_TABLES, "rewards_snapshot", "rewards_payout", "rewards_rewardrules")

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION rewards_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the rewards ledger is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION rewards_reject_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('selflink.allow_ledger_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'TRUNCATE on % is not allowed: the rewards ledger is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION rewards_event_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    latest text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('selflink-rewards-ledger'));
    SELECT hash INTO latest FROM rewards_rewardevent ORDER BY id DESC LIMIT 1;
    IF NEW.prev_hash IS DISTINCT FROM COALESCE(latest, repeat('0', 64)) THEN
        RAISE EXCEPTION 'reward event % does not extend the hash chain (prev_hash %, latest %)',
            NEW.idempotency_key, NEW.prev_hash, COALESCE(latest, repeat('0', 64))
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rewards_snapshot_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'snapshots are never deleted (period %, revision %)', OLD.period, OLD.revision
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.state <> 'provisional'
       OR NEW.state NOT IN ('superseded', 'final')
       OR (to_jsonb(NEW) - 'state' - 'finalized_at' - 'superseded_at')
          IS DISTINCT FROM (to_jsonb(OLD) - 'state' - 'finalized_at' - 'superseded_at') THEN
        RAISE EXCEPTION 'snapshot % r% is % and cannot change that way', OLD.period, OLD.revision, OLD.state
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rewards_payout_transition_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current_status text;
BEGIN
    SELECT status INTO current_status FROM rewards_payout WHERE id = NEW.payout_id FOR UPDATE;
    IF current_status IS DISTINCT FROM NEW.from_status THEN
        RAISE EXCEPTION 'payout % is %, not %', NEW.payout_id, current_status, NEW.from_status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NOT ((NEW.from_status, NEW.to_status) IN (
        ('pending', 'processing'), ('pending', 'canceled'), ('processing', 'paid'),
        ('processing', 'failed'), ('failed', 'processing'), ('failed', 'canceled'))) THEN
        RAISE EXCEPTION 'payout % cannot move from % to %', NEW.payout_id, NEW.from_status, NEW.to_status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    PERFORM set_config('selflink.payout_transition', NEW.payout_id::text, true);
    UPDATE rewards_payout SET status = NEW.to_status WHERE id = NEW.payout_id;
    PERFORM set_config('selflink.payout_transition', '', true);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rewards_payout_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payouts are never deleted; cancel them' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF current_setting('selflink.payout_transition', true) IS DISTINCT FROM OLD.id::text
       OR (to_jsonb(NEW) - 'status') IS DISTINCT FROM (to_jsonb(OLD) - 'status') THEN
        RAISE EXCEPTION 'payout % changes only through a payout transition', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rewards_rules_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM rewards_rewardevent WHERE rules_version = OLD.version) THEN
        RAISE EXCEPTION 'rules v% scored events and are frozen; publish a new version instead', OLD.version
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$;
"""


def forward_sql() -> str:
    statements = [FUNCTIONS]
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION rewards_reject_change();"
        )
    for table in NO_TRUNCATE_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION rewards_reject_truncate();"
        )
    statements += [
        "CREATE TRIGGER rewards_rewardevent_chain BEFORE INSERT ON rewards_rewardevent "
        "FOR EACH ROW EXECUTE FUNCTION rewards_event_chain();",
        "CREATE TRIGGER rewards_snapshot_guard BEFORE UPDATE OR DELETE ON rewards_snapshot "
        "FOR EACH ROW EXECUTE FUNCTION rewards_snapshot_guard();",
        "CREATE TRIGGER rewards_payouttransition_apply BEFORE INSERT ON rewards_payouttransition "
        "FOR EACH ROW EXECUTE FUNCTION rewards_payout_transition_apply();",
        "CREATE TRIGGER rewards_payout_guard BEFORE UPDATE OR DELETE ON rewards_payout "
        "FOR EACH ROW EXECUTE FUNCTION rewards_payout_guard();",
        "CREATE TRIGGER rewards_rewardrules_guard BEFORE UPDATE OR DELETE ON rewards_rewardrules "
        "FOR EACH ROW EXECUTE FUNCTION rewards_rules_guard();",
    ]
    return "\n".join(statements)


def reverse_sql() -> str:
    statements = []
    for table in APPEND_ONLY_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    for table in NO_TRUNCATE_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    statements += [
        "DROP TRIGGER IF EXISTS rewards_rewardevent_chain ON rewards_rewardevent;",
        "DROP TRIGGER IF EXISTS rewards_snapshot_guard ON rewards_snapshot;",
        "DROP TRIGGER IF EXISTS rewards_payouttransition_apply ON rewards_payouttransition;",
        "DROP TRIGGER IF EXISTS rewards_payout_guard ON rewards_payout;",
        "DROP TRIGGER IF EXISTS rewards_rewardrules_guard ON rewards_rewardrules;",
        "DROP FUNCTION IF EXISTS rewards_reject_change, rewards_reject_truncate, rewards_event_chain, "
        "rewards_snapshot_guard, rewards_payout_transition_apply, rewards_payout_guard, rewards_rules_guard;",
    ]
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_initial")]

    operations = [migrations.RunSQL(forward_sql(), reverse_sql())]
