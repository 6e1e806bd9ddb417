"""factory-boy factories for the rewards models. Ledger rows go through the ledger service (hash chain)."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from modules.rewards import canonical
from modules.rewards.ledger import event_append, revenue_append
from modules.rewards.models import (
    Contributor,
    Dispute,
    GithubDelivery,
    GithubLinkClaim,
    IssueScore,
    RevenueEntry,
    RewardEvent,
)
from tests.factories import StaffFactory, UserFactory


class ContributorFactory(DjangoModelFactory):
    class Meta:
        model = Contributor

    user = factory.SubFactory(UserFactory)
    github_login = factory.Sequence(lambda n: f"dev-{n}")
    display_name = factory.Faker("name")


class GithubLinkClaimFactory(DjangoModelFactory):
    class Meta:
        model = GithubLinkClaim

    user = factory.SubFactory(UserFactory)
    github_login = factory.Sequence(lambda n: f"claimant-{n}")
    token = factory.Sequence(lambda n: f"selflink-verify-{n:024x}")


class IssueScoreFactory(DjangoModelFactory):
    class Meta:
        model = IssueScore

    repository = "selflink/backend"
    number = factory.Sequence(lambda n: n + 1)
    issue_url = factory.LazyAttribute(lambda o: f"https://github.com/{o.repository}/issues/{o.number}")
    score = 10
    captured_at = factory.LazyFunction(lambda: dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    payload_sha256 = "0" * 64


class GithubDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = GithubDelivery

    delivery_id = factory.Sequence(lambda n: f"delivery-{n}")
    event = "pull_request"
    action = "closed"
    payload_sha256 = "1" * 64
    outcome = "recorded"


class DisputeFactory(DjangoModelFactory):
    class Meta:
        model = Dispute

    user = factory.SubFactory(UserFactory)
    period = "2026-10"
    kind = "missing_pr"
    description = "My PR #42 is not in the ledger."


_keys = iter(range(10**9))


def reward_event(
    login: str = "ana",
    points: int = 5,
    *,
    at: str = "2026-10-10T10:00:00Z",
    kind: str = "pr_merged",
    key: str | None = None,
) -> RewardEvent:
    """A ledger event through the real append path (so the hash chain stays valid)."""
    moment = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    key = key or f"test:{next(_keys)}"
    return event_append(
        kind=kind,
        points=points,
        occurred_at=moment,
        github_login=login,
        idempotency_key=key,
        payload_sha256=canonical.sha256_hex(key.encode()),
        source_url=f"https://github.com/selflink/backend/pull/{abs(hash(key)) % 10000}",
    ).event


def revenue(
    period: str = "2026-10", cents: int = 100_000, *, kind: str = "revenue", reference: str | None = None, staff=None
) -> RevenueEntry:
    staff = staff or StaffFactory()
    entry, _ = revenue_append(
        period=period,
        kind=kind,
        amount_cents=cents,
        currency="USD",
        source="manual",
        reference=reference or f"ref-{next(_keys)}",
        entered_by_id=staff.id,
    )
    return entry
