import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from modules.rewards.models import Dispute, Payout, RevenueEntry, RewardEvent, Snapshot
from modules.rewards.services import snapshot_compute, snapshot_finalize
from tests.factories import StaffFactory
from tests.rewards.factories import (
    ContributorFactory,
    DisputeFactory,
    GithubDeliveryFactory,
    GithubLinkClaimFactory,
    IssueScoreFactory,
    revenue,
    reward_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def ledger():
    ContributorFactory(github_login="alice")
    GithubLinkClaimFactory()
    IssueScoreFactory()
    GithubDeliveryFactory()
    revenue(cents=100_000)
    event = reward_event("alice", 13)
    reward_event("bob", 8)
    snapshot_compute(period="2026-10")
    snapshot = snapshot_finalize(period="2026-10", force=True)
    DisputeFactory(period="2026-10")
    return event, snapshot


@pytest.mark.parametrize(
    "model",
    ["contributor", "githublinkclaim", "rewardrules", "rewardevent", "revenueentry", "snapshot", "payout", "dispute"],
)
def test_rewards_admin_pages_render(staff_client, ledger, model):
    assert staff_client.get(reverse(f"admin:rewards_{model}_changelist")).status_code == 200
    from django.apps import apps

    obj = apps.get_model("rewards", model).objects.first()
    assert staff_client.get(reverse(f"admin:rewards_{model}_change", args=[obj.pk])).status_code == 200


def test_snapshot_pages_carry_charts(staff_client, ledger):
    _, snapshot = ledger
    assert b"Pool and payouts per month" in staff_client.get(reverse("admin:rewards_snapshot_changelist")).content
    page = staff_client.get(reverse("admin:rewards_snapshot_change", args=[snapshot.pk])).content
    assert b"Points per contributor" in page and b"@alice" in page


@time_machine.travel("2026-11-20T12:00:00Z", tick=False)
def test_events_cannot_be_edited_but_can_be_adjusted_with_a_reason(staff_client, ledger):
    event, _ = ledger
    url = reverse("admin:rewards_rewardevent_adjust", args=[event.id])
    missing_reason = staff_client.post(url, {"points": "-2", "reason": ""})
    assert missing_reason.status_code == 200 and RewardEvent.objects.filter(kind="adjustment").count() == 0
    done = staff_client.post(url, {"points": "-2", "reason": "duplicate of #12"})
    assert done.status_code == 302
    adjustment = RewardEvent.objects.get(kind="adjustment")
    # Recorded on 20 November: October is final, so the correction lands in the next open month, November.
    assert adjustment.period == "2026-11"
    assert staff_client.post(reverse("admin:rewards_rewardevent_change", args=[event.id]), {}).status_code == 403


def test_revenue_lines_are_added_through_the_ledger(staff_client):
    response = staff_client.post(
        reverse("admin:rewards_revenueentry_add"),
        {
            "period": "2026-11",
            "kind": "cost",
            "amount_cents": "2500",
            "currency": "USD",
            "source": "hosting",
            "reference": "invoice-9",
            "note": "servers",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    entry = RevenueEntry.objects.get(reference="invoice-9")
    assert entry.entered_by is not None


def test_payout_transition_page(staff_client, ledger):
    payout = Payout.objects.get(github_login="alice")
    url = reverse("admin:rewards_payout_transition", args=[payout.id])
    assert staff_client.post(url, {"to_status": "processing", "external_reference": "wire-7"}).status_code == 302
    payout.refresh_from_db()
    assert payout.status == "processing"
    refused = staff_client.post(url, {"to_status": "pending"})
    assert refused.status_code == 200 and b"cannot become" in refused.content


def test_dispute_resolution_page(staff_client, ledger):
    dispute = Dispute.objects.get()
    response = staff_client.post(
        reverse("admin:rewards_dispute_resolve", args=[dispute.id]),
        {"resolution": "Not a rewarded repository.", "accepted": ""},
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == "rejected"
    assert Snapshot.objects.count() == 1
