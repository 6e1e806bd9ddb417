"""The HTTP API: listing, reading, preferences and devices — with bad input, no credentials and other users."""

import datetime as dt

import pytest
from django.utils import timezone

from modules.accounts.models import User
from modules.notifications.models import Device, Notification, NotificationPreferences
from modules.notifications.public import notify
from modules.realtime.models import RealtimeEvent
from tests.conftest import client_for
from tests.factories import BlockFactory, UserFactory
from tests.notifications.factories import DeviceFactory, LikeNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db

EXPO_TOKEN = "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]"


def like(recipient_id, actor, post_id=1):
    notify(recipient_id=recipient_id, type="like", actor_id=actor.id, target_type="post", target_id=post_id)


# --- list -----------------------------------------------------------------------------------------


def test_list_shows_grouped_cards_newest_first(api):
    ana, bob, carol = (UserFactory(name=n) for n in ("Ana", "Bob", "Carol"))
    notify(recipient_id=api.user.id, type="follow", actor_id=carol.id)
    for actor in (ana, bob, carol):
        like(api.user.id, actor)
    response = api.get("/notifications/")
    assert response.status == 200, response
    first, second = response.json()["results"]
    assert first["type"] == "like" and first["actor_count"] == 3
    assert first["summary"] == "Carol and 2 others liked your post"
    assert [a["name"] for a in first["actors"]] == ["Carol", "Bob", "Ana"]
    assert set(first["actors"][0]) == {"id", "name", "handle", "photo"}
    assert first["target"] == {"type": "post", "id": 1} and first["read"] is False
    assert second["summary"] == "Carol started following you" and second["target"] is None


def test_actor_photos_are_absolute_urls(api):
    ana = UserFactory(name="Ana", photo="avatars/ana.jpg")
    notify(recipient_id=api.user.id, type="follow", actor_id=ana.id)
    [item] = api.get("/notifications/").json()["results"]
    assert item["actors"][0]["photo"] == "http://testserver/media/avatars/ana.jpg"


def test_renamed_and_blocked_actors(api):
    ana, bob = UserFactory(name="Ana"), UserFactory(name="", handle="bobby")
    like(api.user.id, ana)
    like(api.user.id, bob)
    assert api.get("/notifications/").json()["results"][0]["summary"] == "@bobby and Ana liked your post"
    User.objects.filter(id=ana.id).update(name="Anna")
    BlockFactory(blocker=api.user, blocked=bob)
    [item] = api.get("/notifications/").json()["results"]
    assert [a["name"] for a in item["actors"]] == ["Anna"]  # bob is left out of the cards; the count stays
    assert item["actor_count"] == 2 and item["summary"] == "Anna and 1 other liked your post"


def test_unread_filter_and_pagination(api):
    now = timezone.now()
    rows = [
        NotificationFactory(
            recipient=api.user, created_at=now - dt.timedelta(minutes=n), updated_at=now - dt.timedelta(minutes=n)
        )
        for n in range(5)
    ]
    Notification.objects.filter(id__in=[rows[1].id, rows[3].id]).update(read_at=now)
    unread = api.get("/notifications/", unread="true").json()["results"]
    assert [item["id"] for item in unread] == [rows[0].id, rows[2].id, rows[4].id]
    read = api.get("/notifications/", unread="false").json()["results"]
    assert [item["id"] for item in read] == [rows[1].id, rows[3].id]
    page1 = api.get("/notifications/", limit=2).json()
    page2 = api.get("/notifications/", limit=2, cursor=page1["next"]).json()
    page3 = api.get("/notifications/", limit=2, cursor=page2["next"]).json()
    seen = [item["id"] for page in (page1, page2, page3) for item in page["results"]]
    assert seen == [r.id for r in rows] and page3["next"] is None


@pytest.mark.parametrize(
    "query",
    [{"cursor": "garbage"}, {"limit": 0}, {"limit": 101}, {"unread": "perhaps"}],
)
def test_list_rejects_bad_input(api, query):
    response = api.get("/notifications/", **query)
    assert response.status in (400, 422), response
    assert "code" in response.json()


def test_others_notifications_are_never_listed(api):
    NotificationFactory()
    assert api.get("/notifications/").json()["results"] == []


# --- read -----------------------------------------------------------------------------------------


def test_read_one_and_unread_count(api):
    first, second = NotificationFactory(recipient=api.user), NotificationFactory(recipient=api.user)
    assert api.get("/notifications/unread-count/").json() == {"count": 2}
    response = api.post(f"/notifications/{first.id}/read/")
    assert response.status == 200 and response.json()["read"] is True
    assert api.post(f"/notifications/{first.id}/read/").status == 200  # idempotent
    assert api.get("/notifications/unread-count/").json() == {"count": 1}
    event = RealtimeEvent.objects.get(type="notification:read")
    assert event.topic == f"user:{api.user.id}" and event.payload == {"ids": [first.id], "all": False}
    assert Notification.objects.get(id=second.id).read_at is None


def test_reading_someone_elses_notification_is_a_404(api):
    other = NotificationFactory()
    response = api.post(f"/notifications/{other.id}/read/")
    assert response.status == 404 and response.json()["code"] == "not_found"
    assert Notification.objects.get(id=other.id).read_at is None
    assert api.post("/notifications/999999999/read/").status == 404
    assert api.post("/notifications/0/read/").status == 422


def test_read_all_says_how_many(api):
    NotificationFactory.create_batch(3, recipient=api.user)
    NotificationFactory()  # someone else's
    assert api.post("/notifications/read-all/").json() == {"marked": 3}
    assert api.post("/notifications/read-all/").json() == {"marked": 0}
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    assert RealtimeEvent.objects.filter(type="notification:read").count() == 1


def test_a_new_like_after_reading_opens_a_new_group(api):
    like(api.user.id, UserFactory())
    api.post("/notifications/read-all/")
    like(api.user.id, UserFactory())
    results = api.get("/notifications/").json()["results"]
    assert [(r["actor_count"], r["read"]) for r in results] == [(1, False), (1, True)]


# --- preferences ----------------------------------------------------------------------------------


def test_preferences_default_to_everything_on(api):
    response = api.get("/notifications/preferences/")
    assert response.status == 200
    body = response.json()
    assert body["types"]["like"] == {"in_app": True, "push": True} and len(body["types"]) == 9
    assert body["push_enabled"] is True and body["quiet_hours"] is None and body["time_zone"] == "UTC"


def test_preferences_patch_is_partial_and_quiet_hours_live_in_the_account(api):
    response = api.patch(
        "/notifications/preferences/",
        {
            "types": {"like": {"push": False}, "follow": {"in_app": False}},
            "quiet_hours": {"start": "22:30", "end": "07:00"},
            "time_zone": "Asia/Tbilisi",
        },
    )
    assert response.status == 200, response
    body = response.json()
    assert body["types"]["like"] == {"in_app": True, "push": False}
    assert body["types"]["follow"] == {"in_app": False, "push": True}
    assert body["quiet_hours"] == {"start": "22:30:00", "end": "07:00:00"} and body["time_zone"] == "Asia/Tbilisi"
    user = User.objects.get(id=api.user.id)
    assert (user.quiet_hours_start, user.quiet_hours_end) == (dt.time(22, 30), dt.time(7, 0))
    # the account settings show the same quiet hours: one source of truth
    assert api.get("/users/me/").json()["settings"]["quiet_hours"] == {"start": "22:30:00", "end": "07:00:00"}
    # a later patch changes only what it names
    body = api.patch("/notifications/preferences/", {"types": {"like": {"push": True}}, "push_enabled": False}).json()
    assert body["types"]["like"] == {"in_app": True, "push": True} and body["types"]["follow"]["in_app"] is False
    assert body["push_enabled"] is False and body["time_zone"] == "Asia/Tbilisi"
    assert body["quiet_hours"] == {"start": "22:30:00", "end": "07:00:00"}
    body = api.patch("/notifications/preferences/", {"quiet_hours": None}).json()
    assert body["quiet_hours"] is None
    prefs = NotificationPreferences.objects.get(user=api.user)
    assert prefs.in_app_off == ["follow"] and prefs.push_off == []


@pytest.mark.parametrize(
    "body",
    [
        {"time_zone": "Mars/Olympus"},
        {"types": {"poke": {"push": False}}},
        {"types": {"like": {"sms": True}}},
        {"types": {"like": {"push": "sometimes"}}},
        {"quiet_hours": {"start": "25:00", "end": "07:00"}},
        {"quiet_hours": {"start": "22:00+04:00", "end": "07:00"}},
        {"quiet_hours": {"start": "22:00"}},
        {"quiet_hours": {"start": "22:00", "end": "22:00"}},
        {"push_enabled": "maybe"},
    ],
)
def test_preferences_patch_rejects_bad_input(api, body):
    response = api.patch("/notifications/preferences/", body)
    assert response.status == 422, response
    assert response.json()["code"] in {"validation_error", "unknown_field", "empty_quiet_hours"}
    assert api.get("/notifications/preferences/").json()["time_zone"] == "UTC"


def test_preferences_patch_rejects_malformed_json(api):
    response = api.request("PATCH", "/notifications/preferences/", raw=b"{not json", content_type="application/json")
    assert response.status == 400


# --- devices --------------------------------------------------------------------------------------


def test_register_is_idempotent_and_never_shows_the_token(api):
    first = api.post("/devices/", {"platform": "expo", "token": EXPO_TOKEN})
    assert first.status == 201, first
    body = first.json()
    assert body["platform"] == "expo" and EXPO_TOKEN not in first.content.decode()
    assert body["token_hint"] == "ExponentPushToken[…xxxx]"
    again = api.post("/devices/", {"platform": "expo", "token": f"  {EXPO_TOKEN} "})
    assert again.status == 200 and again.json()["id"] == body["id"]
    assert Device.objects.count() == 1 and Device.objects.get().session_id == api.session.id
    listed = api.get("/devices/").json()
    assert [d["id"] for d in listed["results"]] == [body["id"]] and listed["next"] is None


def test_a_token_moves_to_the_newest_user_once_the_previous_one_signed_out(api):
    previous = client_for(UserFactory())
    previous.post("/devices/", {"platform": "expo", "token": EXPO_TOKEN})
    previous.session.revoked_at = timezone.now()  # the shared phone's previous user signed out
    previous.session.save(update_fields=["revoked_at"])
    response = api.post("/devices/", {"platform": "expo", "token": EXPO_TOKEN})
    assert response.status == 201  # new for this user
    assert Device.objects.get().user_id == api.user.id


def test_each_user_keeps_at_most_ten_devices(api):
    ids = [
        api.post("/devices/", {"platform": "expo", "token": f"ExponentPushToken[device{n:04d}xxxxxx]"}).json()["id"]
        for n in range(12)
    ]
    kept = {d["id"] for d in api.get("/devices/", limit=100).json()["results"]}
    assert kept == set(ids[2:])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"platform": "apns", "token": "a" * 64}, "platform_unsupported"),
        ({"platform": "fcm", "token": "f" * 160}, "platform_unavailable"),  # no FCM credentials configured
        ({"platform": "expo", "token": "not-a-token"}, "invalid_token"),
        ({"platform": "expo", "token": "ExponentPushToken[]"}, "invalid_token"),
        ({"platform": "webpush", "token": EXPO_TOKEN}, "validation_error"),
        ({"platform": "expo", "token": ""}, "validation_error"),
        ({"platform": "expo", "token": "x" * 513}, "validation_error"),
        ({"platform": "expo"}, "validation_error"),
    ],
)
def test_register_refuses_what_cannot_be_delivered(api, settings, body, code):
    settings.FCM_SERVICE_ACCOUNT_FILE = ""
    response = api.post("/devices/", body)
    assert response.status == 422, response
    assert response.json()["code"] == code
    assert not Device.objects.exists()


def test_fcm_tokens_are_accepted_when_fcm_is_configured(api, fcm):
    token = "fcm-registration-token:" + "a1B2_-" * 25
    response = api.post("/devices/", {"platform": "fcm", "token": token})
    assert response.status == 201, response
    assert response.json()["token_hint"] == f"…{token[-4:]} ({len(token)} chars)"


def test_delete_own_device_only(api):
    own = DeviceFactory(user=api.user)
    other = DeviceFactory()
    assert api.delete(f"/devices/{other.id}/").status == 404
    assert api.delete(f"/devices/{own.id}/").status == 204
    assert api.delete(f"/devices/{own.id}/").status == 404
    assert list(Device.objects.values_list("id", flat=True)) == [other.id]


def test_others_devices_are_not_listed(api):
    DeviceFactory()
    assert api.get("/devices/").json()["results"] == []


# --- authentication -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/notifications/"),
        ("POST", "/notifications/1/read/"),
        ("POST", "/notifications/read-all/"),
        ("GET", "/notifications/unread-count/"),
        ("GET", "/notifications/preferences/"),
        ("PATCH", "/notifications/preferences/"),
        ("POST", "/devices/"),
        ("GET", "/devices/"),
        ("DELETE", "/devices/1/"),
    ],
)
def test_every_endpoint_needs_a_signed_in_user(anon, method, path):
    response = anon.request(method, path, json_body=None if method in ("GET", "DELETE") else {})
    assert response.status == 401 and response.json()["code"] == "not_authenticated"


def test_like_notification_factory_makes_a_valid_group():
    group = LikeNotificationFactory()
    assert group.type == "like" and group.target_id is not None
