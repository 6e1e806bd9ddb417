"""Push delivery against a local fake of the Expo and FCM services (real HTTP on 127.0.0.1, nothing mocked)."""

import datetime as dt
import logging
import time

import pytest
from django.utils import timezone

from modules.accounts.models import AuthSession, User
from modules.notifications.delivery import GROUP_PUSH_INTERVAL, push_deliver, push_receipts_check
from modules.notifications.models import Device, Notification, PushTicket
from modules.notifications.providers import ExpoProvider, PushMessage, TransientPushError, http_post, mask_token
from modules.notifications.public import notify
from modules.notifications.tasks import notifications_push
from tests.factories import AuthSessionFactory, BlockFactory, MuteFactory, UserFactory
from tests.notifications.factories import DeviceFactory, NotificationPreferencesFactory, PushTicketFactory
from tests.notifications.fakepush import EXPO_SEND, OAUTH_TOKEN, Answer

pytestmark = pytest.mark.django_db

NOON_UTC = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def ana():
    return UserFactory(name="Ana", handle="ana")


@pytest.fixture
def bob():
    return UserFactory(name="Bob", handle="bob")


@pytest.fixture
def phone(ana):
    return DeviceFactory(user=ana, token="ExponentPushToken[phoneAAAAAAAAAAAA1234]")


def like(recipient, actor, post_id=7) -> Notification:
    notify(recipient_id=recipient.id, type="like", actor_id=actor.id, target_type="post", target_id=post_id)
    return Notification.objects.get(recipient=recipient, target_id=post_id, read_at__isnull=True)


def no_full_tokens_in(caplog, *tokens):
    text = "\n".join(record.getMessage() for record in caplog.records)
    return all(token not in text for token in tokens)


# --- Expo -----------------------------------------------------------------------------------------


def test_expo_message_format(fake_push, ana, bob, phone):
    tablet = DeviceFactory(user=ana, token="ExponentPushToken[tabletBBBBBBBBBBB5678]")
    notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
    notification = like(ana, bob)
    report = push_deliver(notification_id=notification.id, now=NOON_UTC)
    assert (report.skipped, report.sent, report.failed) == (None, 2, 0)
    [request] = fake_push.sent()
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert request.json() == [
        {
            "to": device.token,
            "title": "SelfLink",
            "body": "Bob liked your post",
            "data": {
                "notification_id": str(notification.id),
                "type": "like",
                "target_type": "post",
                "target_id": "7",
            },
            "sound": "default",
            "priority": "high",
            "badge": 2,  # unread notifications
        }
        for device in (phone, tablet)
    ]
    assert set(PushTicket.objects.values_list("device_id", flat=True)) == {phone.id, tablet.id}
    assert Notification.objects.get(id=notification.id).pushed_at == NOON_UTC


def test_expo_access_token_is_sent_when_configured(fake_push, settings, ana, bob, phone):
    settings.EXPO_ACCESS_TOKEN = "expo-secret"
    push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert fake_push.sent()[0].headers["authorization"] == "Bearer expo-secret"


def test_device_not_registered_prunes_the_device_and_logs_a_masked_token(fake_push, caplog, ana, bob, phone):
    dead = DeviceFactory(user=ana, token="ExponentPushToken[deadCCCCCCCCCCCCC9999]")
    fake_push.dead.add(dead.token)
    with caplog.at_level(logging.INFO):
        report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert (report.sent, report.failed, report.pruned) == (1, 1, 1)
    assert list(Device.objects.values_list("id", flat=True)) == [phone.id]
    assert "ExponentPushToken[…9999]" in caplog.text and "DeviceNotRegistered" in caplog.text
    assert no_full_tokens_in(caplog, dead.token, phone.token)


def test_5xx_is_retried_with_backoff(fake_push, ana, bob, phone):
    fake_push.script.extend(
        [Answer(500, {"errors": [{"code": "INTERNAL"}]}), Answer(503, {}, headers={"Retry-After": "0"})]
    )
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert report.sent == 1
    assert len(fake_push.sent()) == 3  # two failures, then the default answer


def test_giving_up_after_the_last_attempt_neither_crashes_nor_prunes(fake_push, caplog, ana, bob, phone):
    fake_push.script.extend([Answer(500, {})] * 3)
    notification = like(ana, bob)
    with caplog.at_level(logging.WARNING):
        notifications_push(notification.id)  # the actor itself: it must not raise
    assert len(fake_push.sent()) == 3
    assert Device.objects.filter(id=phone.id).exists()
    assert "HTTP 500 after 3 attempt(s)" in caplog.text
    assert no_full_tokens_in(caplog, phone.token)


def test_slow_answers_time_out_and_are_retried(fake_push, settings, ana, bob, phone):
    settings.PUSH_TIMEOUT_SECONDS = 1
    fake_push.script.append(Answer(delay=2.5))
    started = time.monotonic()
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert report.sent == 1 and len(fake_push.sent()) == 2
    assert time.monotonic() - started < 2.5  # bounded by the timeout, not by the slow server


def test_timeouts_on_every_attempt_fail_cleanly(fake_push, settings, ana, bob, phone):
    settings.PUSH_TIMEOUT_SECONDS = 1
    settings.PUSH_MAX_ATTEMPTS = 2
    fake_push.script.extend([Answer(delay=2)] * 2)
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert (report.sent, report.failed) == (0, 1)
    assert "timeout after 2 attempt(s)" in report.errors[0]


def test_an_unreachable_service_fails_cleanly(fake_push, settings, ana, bob, phone):
    settings.EXPO_PUSH_URL = "http://127.0.0.1:9/--/api/v2/push/send"  # discard port: connection refused
    with pytest.raises(TransientPushError):
        http_post(settings.EXPO_PUSH_URL, b"[]", {})
    notifications_push(like(ana, bob).id)  # logged, not raised


def test_a_4xx_answer_is_not_retried(fake_push, ana, bob, phone):
    fake_push.script.append(Answer(400, {"errors": [{"code": "VALIDATION_ERROR", "message": "bad"}]}))
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert report.failed == 1 and "VALIDATION_ERROR" in report.errors[0]
    assert len(fake_push.sent()) == 1


def test_expo_batches_of_100(fake_push):
    messages = [
        PushMessage(device_id=n, token=f"ExponentPushToken[batch{n:05d}xxxxxx]", title="t", body="b", data={})
        for n in range(150)
    ]
    results = ExpoProvider().send(messages)
    assert [len(r.json()) for r in fake_push.sent()] == [100, 50]
    assert all(r.ok and r.ticket_id for r in results) and [r.device_id for r in results] == list(range(150))


# --- when not to push -----------------------------------------------------------------------------


def test_no_push_when_disabled_globally(fake_push, settings, ana, bob, phone):
    notification = like(ana, bob)
    settings.PUSH_ENABLED = False
    assert push_deliver(notification_id=notification.id).skipped == "push_disabled"
    assert fake_push.requests == []


def test_no_push_when_the_account_switched_push_off(fake_push, ana, bob, phone):
    notification = like(ana, bob)
    User.objects.filter(id=ana.id).update(push_enabled=False)
    assert push_deliver(notification_id=notification.id).skipped == "account_push_off"
    assert fake_push.requests == []
    assert Notification.objects.filter(id=notification.id).exists()  # still in the app


def test_no_push_for_a_type_switched_off(fake_push, ana, bob, phone):
    NotificationPreferencesFactory(user=ana, push_off=["like"])
    notification = like(ana, bob)
    assert push_deliver(notification_id=notification.id).skipped == "type_push_off"
    assert fake_push.requests == []


@pytest.mark.parametrize("relation", ["mute", "block"])
def test_no_push_from_someone_muted_or_blocked_since(fake_push, ana, bob, phone, relation):
    notification = like(ana, bob)
    if relation == "mute":
        MuteFactory(muter=ana, muted=bob)
    else:
        BlockFactory(blocker=bob, blocked=ana)
    assert push_deliver(notification_id=notification.id).skipped == "actor_hidden"
    assert fake_push.requests == []


def test_no_push_for_a_notification_read_or_deleted_meanwhile(fake_push, ana, bob, phone):
    notification = like(ana, bob)
    Notification.objects.filter(id=notification.id).update(read_at=timezone.now())
    assert push_deliver(notification_id=notification.id).skipped == "already_read"
    assert push_deliver(notification_id=10**12).skipped == "gone"
    assert fake_push.requests == []


def test_no_push_without_devices(fake_push, ana, bob):
    assert push_deliver(notification_id=like(ana, bob).id).skipped == "no_devices"


def test_devices_of_signed_out_sessions_get_nothing_and_are_forgotten(fake_push, ana, bob):
    signed_in, signed_out = AuthSessionFactory(user=ana), AuthSessionFactory(user=ana)
    kept = DeviceFactory(user=ana, session_id=signed_in.id, token="ExponentPushToken[keptAAAAAAAAAAAAA1234]")
    DeviceFactory(user=ana, session_id=signed_out.id, token="ExponentPushToken[goneBBBBBBBBBBBBB5678]")
    AuthSession.objects.filter(id=signed_out.id).update(revoked_at=timezone.now(), revoked_reason="logout")

    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)

    assert (report.sent, report.failed) == (1, 0)
    [request] = fake_push.sent()
    assert [message["to"] for message in request.json()] == [kept.token]
    assert list(Device.objects.filter(user=ana).values_list("id", flat=True)) == [kept.id]


def test_no_push_when_every_device_signed_out(fake_push, ana, bob):
    session = AuthSessionFactory(user=ana)
    DeviceFactory(user=ana, session_id=session.id)
    AuthSession.objects.filter(id=session.id).update(revoked_at=timezone.now(), revoked_reason="logout")
    assert push_deliver(notification_id=like(ana, bob).id).skipped == "no_devices"
    assert not Device.objects.filter(user=ana).exists()
    assert fake_push.requests == []


@pytest.mark.parametrize("how", ["logout", "revoked_from_another_device", "password_changed"])
def test_a_device_whose_session_ended_through_the_api_is_not_pushed_to(fake_push, anon, ana, bob, how):
    """Sign-out, revocation and password change end sessions through accounts' `sessions_end`; the devices those
    sessions registered are forgotten at the next push (devices are not deleted when the session ends: the rule
    is applied when pushing, which also covers sessions that end by expiry or in SQL)."""
    from tests.conftest import ApiClient, client_for
    from tests.factories import DEFAULT_PASSWORD

    signed_in = anon.post("/auth/login/", {"email": ana.email, "password": DEFAULT_PASSWORD}).json()
    phone = ApiClient(signed_in["token"], user=ana)
    assert (
        phone.post("/devices/", {"platform": "expo", "token": "ExponentPushToken[endedAAAAAAAAAAA1234]"}).status == 201
    )
    laptop = client_for(ana)
    assert (
        laptop.post("/devices/", {"platform": "expo", "token": "ExponentPushToken[keptBBBBBBBBBBBBB5678]"}).status
        == 201
    )
    ended = Device.objects.get(token="ExponentPushToken[endedAAAAAAAAAAA1234]").session_id
    if how == "logout":
        assert phone.post("/auth/logout/", {"refresh": signed_in["refreshToken"]}).status == 204
    elif how == "revoked_from_another_device":
        assert laptop.delete(f"/auth/sessions/{ended}/").status == 204
    else:
        change = {"current_password": DEFAULT_PASSWORD, "new_password": "another long passphrase 42"}
        assert laptop.post("/auth/password/", change).status == 200

    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)

    assert (report.sent, report.failed) == (1, 0)
    [request] = fake_push.sent()
    assert [message["to"] for message in request.json()] == ["ExponentPushToken[keptBBBBBBBBBBBBB5678]"]
    assert list(Device.objects.filter(user=ana).values_list("session_id", flat=True)) == [laptop.session.id]


@pytest.mark.parametrize(
    ("utc", "pushed"),
    [
        ("2025-01-10T17:59:00", True),  # 21:59 in Tbilisi (UTC+4)
        ("2025-01-10T18:00:00", False),  # 22:00: quiet hours start
        ("2025-01-10T20:30:00", False),  # 00:30, past midnight
        ("2025-01-11T02:59:00", False),  # 06:59
        ("2025-01-11T03:00:00", True),  # 07:00: quiet hours are over
    ],
)
def test_quiet_hours_wrap_midnight_in_the_recipients_time_zone(fake_push, ana, bob, phone, utc, pushed):
    User.objects.filter(id=ana.id).update(quiet_hours_start=dt.time(22, 0), quiet_hours_end=dt.time(7, 0))
    NotificationPreferencesFactory(user=ana, time_zone="Asia/Tbilisi")
    notification = like(ana, bob)
    report = push_deliver(notification_id=notification.id, now=dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC))
    assert (report.sent == 1) is pushed
    assert (report.skipped == "quiet_hours") is not pushed
    assert bool(fake_push.sent()) is pushed
    assert Notification.objects.filter(id=notification.id).exists()  # in the app either way


# --- at most once ---------------------------------------------------------------------------------


def test_a_notification_is_pushed_once(fake_push, ana, bob, phone):
    notification_id = Notification.objects.create(
        recipient=ana, type="comment", actor=bob, actor_ids=[bob.id], actor_count=1, target_type="post", target_id=1
    ).id
    assert push_deliver(notification_id=notification_id, now=NOON_UTC).sent == 1
    assert push_deliver(notification_id=notification_id, now=NOON_UTC).skipped == "already_pushed"
    assert len(fake_push.sent()) == 1


def test_a_like_group_pushes_again_only_after_an_interval_and_with_new_people(fake_push, ana, bob, phone):
    group = like(ana, bob)
    start = timezone.now()
    assert push_deliver(notification_id=group.id, now=start).sent == 1
    carol = UserFactory(name="Carol")
    like(ana, carol)
    soon = start + dt.timedelta(minutes=1)
    assert push_deliver(notification_id=group.id, now=soon).skipped == "already_pushed"
    later = start + GROUP_PUSH_INTERVAL + dt.timedelta(minutes=1)
    assert push_deliver(notification_id=group.id, now=later).sent == 1
    assert fake_push.sent()[-1].json()[0]["body"] == "Carol and Bob liked your post"
    much_later = later + GROUP_PUSH_INTERVAL * 2  # nobody new joined since: nothing new to say
    assert push_deliver(notification_id=group.id, now=much_later).skipped == "already_pushed"


# --- receipts -------------------------------------------------------------------------------------


def test_receipts_prune_devices_expo_reports_unregistered(fake_push, ana, phone):
    tablet = DeviceFactory(user=ana)
    now = timezone.now()
    dead_ticket = PushTicketFactory(device=phone, created_at=now - dt.timedelta(minutes=20))
    ok_ticket = PushTicketFactory(device=tablet, created_at=now - dt.timedelta(minutes=20))
    pending = PushTicketFactory(device=tablet, created_at=now - dt.timedelta(minutes=20))
    fresh = PushTicketFactory(device=tablet, created_at=now - dt.timedelta(minutes=5))
    expired = PushTicketFactory(device=tablet, created_at=now - dt.timedelta(days=2))
    fake_push.receipts = {
        dead_ticket.ticket_id: {"status": "error", "details": {"error": "DeviceNotRegistered"}},
        ok_ticket.ticket_id: {"status": "ok"},
    }
    assert push_receipts_check(now=now) == 1
    assert list(Device.objects.values_list("id", flat=True)) == [tablet.id]
    [request] = fake_push.sent("/--/api/v2/push/getReceipts")
    assert set(request.json()["ids"]) == {ok_ticket.ticket_id, pending.ticket_id} | {dead_ticket.ticket_id}
    # the answered tickets are done; the one without a receipt yet waits; fresh ones were not asked about
    assert set(PushTicket.objects.values_list("id", flat=True)) == {pending.id, fresh.id}
    assert not PushTicket.objects.filter(id=expired.id).exists()


# --- FCM HTTP v1 ----------------------------------------------------------------------------------


def test_fcm_delivery_with_a_service_account(fcm, ana, bob):
    token = "fcm-token:" + "Ab1_-" * 30
    dead_token = "fcm-dead:" + "Zz9_-" * 30
    device = DeviceFactory(user=ana, platform="fcm", token=token)
    DeviceFactory(user=ana, platform="fcm", token=dead_token)
    fcm.dead.add(dead_token)
    notification = like(ana, bob)
    report = push_deliver(notification_id=notification.id, now=NOON_UTC)
    assert (report.sent, report.failed, report.pruned) == (1, 1, 1)
    [oauth] = fcm.sent(OAUTH_TOKEN)  # one access token, reused for both sends
    assert oauth.headers["content-type"] == "application/x-www-form-urlencoded"
    sends = fcm.sent("/v1/projects/selflink-test/messages:send")
    assert len(sends) == 2
    assert sends[0].headers["authorization"] == "Bearer fake-oauth-access-token"
    assert sends[0].json() == {
        "message": {
            "token": token,
            "notification": {"title": "SelfLink", "body": "Bob liked your post"},
            "data": {"notification_id": str(notification.id), "type": "like", "target_type": "post", "target_id": "7"},
            "android": {"priority": "HIGH", "notification": {"sound": "default", "notification_count": 1}},
        }
    }
    assert list(Device.objects.values_list("id", flat=True)) == [device.id]
    # the cached access token serves the next push too
    push_deliver(notification_id=like(ana, bob, post_id=8).id, now=NOON_UTC)
    assert len(fcm.sent(OAUTH_TOKEN)) == 1


def test_fcm_credentials_refused(fcm, ana, bob, caplog):
    fcm.public_key = None  # the fake cannot verify the JWT: invalid_grant
    token = "fcm-token:" + "Ab1_-" * 30
    DeviceFactory(user=ana, platform="fcm", token=token)
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert report.failed == 1 and "credentials were refused" in report.errors[0]
    assert Device.objects.count() == 1 and no_full_tokens_in(caplog, token)


def test_a_provider_that_is_down_is_not_retried_for_every_device(fcm, ana, bob):
    for n in range(3):
        DeviceFactory(user=ana, platform="fcm", token=f"fcm-token-{n}:" + "Ab1_-" * 30)
    fcm.script.extend([Answer(500, {})] * 3)  # the OAuth endpoint fails three times
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert (report.sent, report.failed) == (0, 3)
    assert len(fcm.requests) == 3  # one round of retries, not one per device
    assert Device.objects.count() == 3


def test_mixed_platforms_go_to_their_provider(fcm, ana, bob, phone):
    DeviceFactory(user=ana, platform="fcm", token="fcm-token:" + "Ab1_-" * 30)
    report = push_deliver(notification_id=like(ana, bob).id, now=NOON_UTC)
    assert report.sent == 2
    assert len(fcm.sent(EXPO_SEND)) == 1 and len(fcm.sent("/v1/projects/")) == 1


def test_fcm_devices_wait_when_fcm_is_no_longer_configured(fake_push, ana, bob):
    DeviceFactory(user=ana, platform="fcm", token="fcm-token:" + "Ab1_-" * 30)
    assert push_deliver(notification_id=like(ana, bob).id).skipped == "no_devices"


# --- masking --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "masked"),
    [
        ("ExponentPushToken[abcdefghijklmnop1234]", "ExponentPushToken[…1234]"),
        ("ExpoPushToken[abcdefghijklmnop1234]", "ExpoPushToken[…1234]"),
        ("fcm:" + "x" * 100 + "wxyz", "…wxyz (108 chars)"),
    ],
)
def test_mask_token(token, masked):
    assert mask_token(token) == masked
