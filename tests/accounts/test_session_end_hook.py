"""Every path that ends sign-in sessions tells the registered listeners (realtime closes live connections with
it), inside the transaction that ends them, naming exactly the sessions that ended."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from modules.accounts import hooks
from modules.accounts.models import AuthSession, User
from modules.accounts.public import SessionsEnded
from modules.accounts.services import account_deactivate, auth_logout
from modules.realtime.models import RealtimeEvent
from tests.conftest import ApiClient
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase for ana"


@pytest.fixture
def heard():
    """What the listeners are told, and whether a transaction was open when they were."""
    calls: list[tuple[SessionsEnded, bool]] = []

    def listener(ended: SessionsEnded) -> None:
        calls.append((ended, connection.in_atomic_block))

    hooks.register_sessions_ended_listener(listener)
    yield calls
    hooks._listeners.remove(listener)


@pytest.fixture
def ana(db) -> User:
    return UserFactory(email="ana@example.com")


def sign_in(anon: ApiClient, email: str = "ana@example.com") -> dict:
    response = anon.post("/auth/login/", {"email": email, "password": DEFAULT_PASSWORD})
    assert response.status == 200, response
    return response.json()


def open_ids(user: User) -> set[uuid.UUID]:
    return set(AuthSession.objects.filter(user=user, revoked_at__isnull=True).values_list("id", flat=True))


def only_call(heard) -> SessionsEnded:
    assert len(heard) == 1, heard
    ended, in_transaction = heard[0]
    assert in_transaction
    return ended


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_logout_announces_its_session_only(anon, ana, heard):
    phone, laptop = sign_in(anon), sign_in(anon)
    before = open_ids(ana)
    assert anon.post("/auth/logout/", {"refresh": phone["refreshToken"]}).status == 204
    ended = only_call(heard)
    assert (ended.user_id, ended.reason) == (ana.id, "logout")
    assert set(ended.session_ids) == before - open_ids(ana) and len(ended.session_ids) == 1
    # Signing out again changes nothing and announces nothing.
    assert anon.post("/auth/logout/", {"refresh": phone["refreshToken"]}).status == 204
    assert len(heard) == 1 and laptop


def test_password_change_announces_every_other_session(anon, ana, heard):
    current = sign_in(anon)
    sign_in(anon), sign_in(anon)
    others = open_ids(ana)
    response = ApiClient(current["token"]).post(
        "/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status == 200 and response.json() == {"sessions_ended": 2}
    ended = only_call(heard)
    (kept,) = open_ids(ana)
    assert set(ended.session_ids) == others - {kept} and ended.reason == "password_changed"


def test_deactivation_announces_all_sessions(anon, ana, heard):
    sign_in(anon), sign_in(anon)
    everything = open_ids(ana)
    account_deactivate(user_id=ana.id)
    ended = only_call(heard)
    assert set(ended.session_ids) == everything and open_ids(ana) == set()


def test_revoking_a_device_announces_that_session(anon, ana, heard):
    me, _other = sign_in(anon), sign_in(anon)
    client = ApiClient(me["token"])
    target = next(s["id"] for s in client.get("/auth/sessions/").json() if not s["current"])
    # Someone else cannot end it: not found, and nothing is announced.
    bob = UserFactory()
    assert ApiClient(sign_in(anon, bob.email)["token"]).delete(f"/auth/sessions/{target}/").status == 404
    assert heard == []
    assert client.delete(f"/auth/sessions/{target}/").status == 204
    assert only_call(heard).session_ids == (uuid.UUID(target),)


def test_refresh_token_reuse_announces_that_session(anon, ana, heard):
    phone, laptop = sign_in(anon), sign_in(anon)
    anon.post("/auth/refresh/", {"refresh": phone["refreshToken"]})
    assert anon.post("/auth/refresh/", {"refresh": phone["refreshToken"]}).json()["code"] == "refresh_token_reused"
    ended = only_call(heard)
    assert ended.reason == "reuse_detected" and len(ended.session_ids) == 1
    assert open_ids(ana) and ended.session_ids[0] not in open_ids(ana) and laptop


def test_a_rolled_back_logout_announces_nothing(anon, ana):
    tokens = sign_in(anon)

    def logout_then_fail() -> None:
        with transaction.atomic():
            auth_logout(refresh_token=tokens["refreshToken"])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        logout_then_fail()
    assert not RealtimeEvent.objects.filter(type="session:revoked").exists() and open_ids(ana)
    auth_logout(refresh_token=tokens["refreshToken"])
    (event,) = RealtimeEvent.objects.filter(type="session:revoked")
    assert event.topic == f"user:{ana.id}" and event.payload["reason"] == "logout"
    assert event.payload["session_ids"] == [str(AuthSession.objects.get(user=ana).id)]


@pytest.mark.django_db(transaction=True)
def test_announcing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        hooks.sessions_ended_announce(SessionsEnded(user_id=1, session_ids=(uuid.uuid4(),), reason="logout"))


# --- the staff admin -----------------------------------------------------------------------------------


def admin_form_data(response) -> dict:
    """The change form as the browser would post it back unchanged (the form and its inline formsets)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None or value is False:
                continue
            key = form.add_prefix(name)
            data[key] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    return data


def test_admin_sign_out_everywhere_announces_each_user(anon, ana, staff_client, heard):
    sign_in(anon), sign_in(anon)
    bob = UserFactory()
    sign_in(anon, bob.email)
    response = staff_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [ana.pk, bob.pk]},
    )
    assert response.status_code == 302
    assert {(ended.user_id, len(ended.session_ids)) for ended, _ in heard} == {(ana.id, 2), (bob.id, 1)}
    assert all(in_transaction and ended.reason == "admin" for ended, in_transaction in heard)


def test_admin_deactivation_ends_and_announces_every_session(anon, ana, staff_client, heard):
    sign_in(anon), sign_in(anon)
    everything = open_ids(ana)
    url = reverse("admin:accounts_user_change", args=[ana.pk])
    data = admin_form_data(staff_client.get(url))
    data["name"] = "Ana, renamed"
    unchanged = staff_client.post(url, data)
    assert unchanged.status_code == 302, unchanged.content.decode()[:3000]
    assert heard == [] and open_ids(ana) == everything  # other edits end nothing
    data.pop("is_active")
    assert staff_client.post(url, data).status_code == 302
    ana.refresh_from_db()
    assert not ana.is_active and open_ids(ana) == set()
    assert set(only_call(heard).session_ids) == everything


def test_admin_password_reset_ends_and_announces_every_session(anon, ana, staff_client, heard):
    sign_in(anon)
    everything = open_ids(ana)
    response = staff_client.post(
        reverse("admin:auth_user_password_change", args=[ana.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ana.refresh_from_db()
    assert ana.check_password(NEW_PASSWORD) and open_ids(ana) == set()
    ended = only_call(heard)
    assert set(ended.session_ids) == everything and ended.reason == "password_changed"


def test_admin_delete_announces_the_sessions_first(anon, ana, staff_client, heard):
    sign_in(anon)
    everything = open_ids(ana)
    response = staff_client.post(f"/admin/accounts/user/{ana.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=ana.pk).exists()
    assert set(only_call(heard).session_ids) == everything
