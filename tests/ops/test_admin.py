"""The staff admin (django-unfold): every page renders for staff and stays closed to everyone else."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from modules.accounts.models import AuthSession
from modules.social.models import FollowRequest
from tests.factories import (
    AuthSessionFactory,
    BlockFactory,
    CompatibilityProfileFactory,
    FollowFactory,
    MuteFactory,
    PersonalProfileFactory,
    StaffFactory,
    UserFactory,
    UserStatsFactory,
    WorkerHeartbeatFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED = [
    model for model in admin.site._registry if model._meta.app_label in {"accounts", "profiles", "social", "ops"}
]


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def sample_data():
    user = UserFactory()
    PersonalProfileFactory(user=user)
    CompatibilityProfileFactory(user=user)
    FollowFactory(follower=user)
    BlockFactory(blocker=user)
    MuteFactory(muter=user)
    FollowRequest.objects.create(requester=user, target=UserFactory(privacy="private"))
    UserStatsFactory(user=user)
    AuthSessionFactory(user=user)
    WorkerHeartbeatFactory()
    return user


def test_dashboard_shows_live_counts(staff_client, sample_data):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "People" in html and "Follows" in html and "Jobs queued" in html
    assert "System readiness" in html


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelists_and_detail_pages_render(staff_client, sample_data, model):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    changelist = staff_client.get(reverse(f"{prefix}_changelist"), {"q": "a"})
    assert changelist.status_code == 200
    obj = model.objects.first()
    assert obj is not None
    change = staff_client.get(reverse(f"{prefix}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_staff_can_create_a_user_through_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "handle": "new_person",
            "name": "New Person",
            "password1": "a long admin-set passphrase",
            "password2": "a long admin-set passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_sign_out_everywhere_action(staff_client, sample_data):
    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [sample_data.pk]},
    )
    assert response.status_code == 302
    assert not AuthSession.objects.filter(user=sample_data, revoked_at__isnull=True).exists()


def test_admin_is_closed_to_non_staff():
    client = Client()
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert Client().get("/admin/accounts/user/").status_code == 302
