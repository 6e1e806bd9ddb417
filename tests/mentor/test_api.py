"""The mentor's REST endpoints: chat, sessions, history, journal, profile, memory, limits, data rights."""

import datetime as dt

import pytest
from django.utils import timezone

from modules.mentor.models import MentorMemory, MentorMessage, MentorSession
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def chat(api, message="How do I find more focus?", **extra):
    response = api.post("/mentor/chat/", {"message": message, **extra})
    assert response.status == 200, response
    return response.json()


def test_chat_answers_and_continues_the_session(api):
    first = chat(api, "I want to write a book.")
    assert set(first) == {
        "session_id",
        "mode",
        "language",
        "reply",
        "message_id",
        "user_message_id",
        "provider",
        "model",
        "safety",
    }
    assert first["mode"] == "default" and first["language"] == "en" and first["safety"] == ""
    second = chat(api, "Where do I start?")
    assert second["session_id"] == first["session_id"]  # recent chat in the same mode continues
    other_mode = chat(api, "Looking back at last year.", mode="reflection")
    assert other_mode["session_id"] != first["session_id"]
    explicit = chat(api, "Back to the book.", session_id=first["session_id"], mode="goals")
    assert explicit["session_id"] == first["session_id"] and explicit["mode"] == "goals"
    session = api.get(f"/mentor/sessions/{first['session_id']}/").json()
    assert [m["role"] for m in session["messages"]] == ["user", "mentor"] * 3
    assert session["title"] == "I want to write a book." and session["message_count"] == 6
    assert session["has_more_messages"] is False


def test_an_old_chat_is_not_continued(api):
    first = chat(api)
    MentorSession.objects.filter(id=first["session_id"]).update(last_message_at=timezone.now() - dt.timedelta(hours=7))
    assert chat(api)["session_id"] != first["session_id"]


def test_someone_elses_session_is_not_found(api):
    theirs = chat(client_for(UserFactory()))
    response = api.post("/mentor/chat/", {"message": "hi", "session_id": theirs["session_id"]})
    assert response.status == 404 and response.json()["code"] == "not_found"
    assert api.get(f"/mentor/sessions/{theirs['session_id']}/").status == 404
    assert api.delete(f"/mentor/sessions/{theirs['session_id']}/").status == 404
    assert api.get("/mentor/history/", session_id=theirs["session_id"]).json()["results"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "hi", "mode": "therapy"}, "mode"),
        ({"message": "hi", "language": "de"}, "language"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "hi", "session_id": 0}, "session_id"),
        ({"message": "hi", "extra": 1}, "extra"),
        ({}, "message"),
    ],
)
def test_invalid_chat_input_is_a_422(api, body, field):
    response = api.post("/mentor/chat/", body)
    assert response.status == 422, response
    assert field in response.json()["errors"]
    assert MentorMessage.objects.count() == 0


def test_the_maximum_input_length_follows_the_setting(api, settings):
    settings.MENTOR_MAX_INPUT_CHARS = 100
    assert api.post("/mentor/chat/", {"message": "x" * 100}).status == 200
    response = api.post("/mentor/chat/", {"message": "x" * 101})
    assert response.status == 422 and "100 characters" in response.json()["errors"]["message"][0]


def test_language_defaults_to_the_profile_then_the_account(api):
    api.user.language = "ru"
    api.user.save()
    assert chat(api)["language"] == "ru"
    api.patch("/mentor/profile/", {"language": "ka"})
    reply = chat(api, "სამსახური")
    assert reply["language"] == "ka"
    assert chat(api, language="en")["language"] == "en"


def test_requests_need_a_token(anon):
    for method, path in [
        ("POST", "/mentor/chat/"),
        ("GET", "/mentor/history/"),
        ("GET", "/mentor/sessions/"),
        ("GET", "/mentor/profile/"),
        ("GET", "/mentor/memory/"),
        ("POST", "/mentor/daily/entry/"),
    ]:
        body = {"message": "hi"} if method == "POST" else None
        assert anon.request(method, path, json_body=body).status == 401


def test_history_pages_newest_first_and_filters_by_session(api):
    a = chat(api, "one")
    chat(api, "two", mode="goals")
    page = api.get("/mentor/history/", limit=3).json()
    assert [m["role"] for m in page["results"]] == ["mentor", "user", "mentor"]
    assert page["results"][1]["content"] == "two" and page["results"][1]["provider"] is None
    rest = api.get("/mentor/history/", limit=3, cursor=page["next"]).json()
    assert [m["content"] for m in rest["results"]] == ["one"] and rest["next"] is None
    only_a = api.get("/mentor/history/", session_id=a["session_id"]).json()["results"]
    assert {m["session_id"] for m in only_a} == {a["session_id"]} and len(only_a) == 2
    assert api.get("/mentor/history/", cursor="garbage").status == 400


def test_sessions_list_and_filter(api):
    chat(api)
    api.post("/mentor/daily/entry/", {"text": "A quiet day."})
    sessions = api.get("/mentor/sessions/").json()["results"]
    assert [s["kind"] for s in sessions] == ["daily", "chat"]
    assert sessions[0]["date"] == timezone.now().date().isoformat()
    assert [s["kind"] for s in api.get("/mentor/sessions/", kind="chat").json()["results"]] == ["chat"]


def test_daily_journal_one_session_per_day(api):
    first = api.post("/mentor/daily/entry/", {"text": "Ran 5 km this morning. Felt strong."}).json()
    assert first["provider"] == "offline" and first["entry"]["role"] == "user" and first["reply"]["role"] == "mentor"
    assert first["entry"]["session_kind"] == "daily" and first["reply"]["mode"] == "daily"
    second = api.post("/mentor/daily/entry/", {"text": "Evening: tired but happy."}).json()
    assert second["session_id"] == first["session_id"] and second["date"] == first["date"]
    yesterday = (timezone.now().date() - dt.timedelta(days=1)).isoformat()
    older = api.post("/mentor/daily/entry/", {"text": "Catching up on yesterday.", "date": yesterday}).json()
    assert older["session_id"] != first["session_id"] and older["date"] == yesterday

    history = api.get("/mentor/daily/history/", limit=7).json()["results"]
    assert [d["date"] for d in history] == [first["date"], yesterday]
    assert history[0]["entries"] == 2 and history[0]["last_entry"] == "Evening: tired but happy."
    assert history[0]["last_reply"] == second["reply"]["content"]
    assert len(api.get("/mentor/daily/history/", limit=1).json()["results"]) == 1

    day = api.get(f"/mentor/daily/session/{first['session_id']}/").json()
    assert [m["content"] for m in day["messages"] if m["role"] == "user"] == [
        "Ran 5 km this morning. Felt strong.",
        "Evening: tired but happy.",
    ]
    chat_session = chat(api)["session_id"]
    assert api.get(f"/mentor/daily/session/{chat_session}/").status == 404
    # A chat message cannot be added to a journal day.
    response = api.post("/mentor/chat/", {"message": "hi", "session_id": first["session_id"]})
    assert response.status == 422 and response.json()["code"] == "not_a_chat"


def test_journal_entries_feed_later_replies(api):
    api.post("/mentor/daily/entry/", {"text": "Painting again, painting all evening."})
    reply = api.post("/mentor/daily/entry/", {"text": "Another day.", "date": None}).json()["reply"]["content"]
    assert "painting" in reply


@pytest.mark.parametrize(("date", "code"), [("2999-01-01", "date_in_future"), ("1999-12-31", "date_too_old")])
def test_journal_dates_are_checked(api, date, code):
    response = api.post("/mentor/daily/entry/", {"text": "x", "date": date})
    assert response.status == 422 and response.json()["code"] == code


def test_profile_defaults_and_updates(api):
    profile = api.get("/mentor/profile/").json()
    assert profile == {"tone": "warm", "language": "en", "goals": [], "updated_at": None}
    updated = api.patch(
        "/mentor/profile/", {"tone": "calm", "goals": ["  Sleep   8 hours ", "Sleep 8 hours", "Call mum"]}
    )
    assert updated.status == 200
    assert updated.json()["goals"] == ["Sleep 8 hours", "Call mum"] and updated.json()["tone"] == "calm"
    assert api.patch("/mentor/profile/", {"language": "ru"}).json()["goals"] == ["Sleep 8 hours", "Call mum"]
    assert api.patch("/mentor/profile/", {"goals": []}).json()["goals"] == []
    for bad in ({"tone": "harsh"}, {"goals": ["x" * 201]}, {"goals": [f"g{i}" for i in range(11)]}, {"goals": [""]}):
        assert api.patch("/mentor/profile/", bad).status == 422, bad


def test_rate_limit_is_a_429_with_retry_after(api, settings):
    settings.RATE_MENTOR_PER_USER = type(settings.RATE_MENTOR_PER_USER)(count=2, seconds=60)
    chat(api)
    api.post("/mentor/daily/entry/", {"text": "entry"})  # the journal shares the limit
    response = api.post("/mentor/chat/", {"message": "third"})
    assert response.status == 429 and response.json()["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


def test_daily_quota_renews_at_utc_midnight(api, settings):
    settings.MENTOR_DAILY_QUOTA = 2
    chat(api)
    chat(api)
    response = api.post("/mentor/chat/", {"message": "third"})
    assert response.status == 429 and response.json()["code"] == "mentor_quota_exceeded"
    now = timezone.now()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    assert abs(int(response.headers["Retry-After"]) - (midnight - now).total_seconds()) < 5
    # Yesterday's messages do not count.
    MentorMessage.objects.update(created_at=now - dt.timedelta(days=1))
    assert api.post("/mentor/chat/", {"message": "a new day"}).status == 200


def test_deleting_a_session_and_the_whole_history(api):
    a = chat(api)
    b = chat(api, mode="goals")
    api.post("/mentor/daily/entry/", {"text": "entry"})
    MentorMemory.objects.create(user=api.user, summary="Talks about focus.", covered_message_id=1)
    assert api.delete(f"/mentor/sessions/{a['session_id']}/").status == 204
    assert not MentorSession.objects.filter(id=a["session_id"]).exists()
    assert MentorMessage.objects.filter(session_id=b["session_id"]).count() == 2
    bystander = client_for(UserFactory())
    chat(bystander)
    deleted = api.delete("/mentor/history/").json()
    assert deleted == {"deleted_sessions": 2, "deleted_messages": 4}
    assert not MentorMessage.objects.filter(user=api.user).exists()
    assert api.get("/mentor/memory/").json()["summary"] == ""
    assert MentorMessage.objects.filter(user=bystander.user).count() == 2


def test_a_long_session_shows_its_newest_messages(api):
    session = chat(api)["session_id"]
    MentorMessage.objects.bulk_create(
        [MentorMessage(session_id=session, user=api.user, role="user", content=f"m{i}") for i in range(205)]
    )
    detail = api.get(f"/mentor/sessions/{session}/").json()
    assert len(detail["messages"]) == 200 and detail["has_more_messages"] is True
    assert detail["messages"][-1]["content"] == "m204"
