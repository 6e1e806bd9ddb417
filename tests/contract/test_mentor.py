"""Mentor rows of the mobile-app contract (rows 50–54; row 55, `/mentor/soulmatch/{user_id}/`, comes with SoulMatch).

The four mentor screens stream through `useMentorStream` (src/hooks/useMentorStream.ts): `new EventSource(url,
{headers: {Authorization: "Bearer …"}})` from react-native-event-source 1.1.0, a GET to `buildMentorStreamUrl()`
(`URLSearchParams` with `mode`, `language`, `message`), read by its line parser; on an `error` frame or after 12 s
the hook falls back to `POST /mentor/chat/` with `{mode, language, message}`. The chat screen pages its history
by GETting `next` as it is; the daily journal screens read `/mentor/daily/history/?limit=7` and
`/mentor/daily/session/{id}/`.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from modules.mentor.models import MentorMessage, MentorSession
from modules.profiles.public import compatibility_profile_update, personal_profile_update
from tests.contract.app import App

pytestmark = pytest.mark.integration

APP_MODES = ("chat_mentor", "daily_mentor", "natal_mentor", "soulmatch_mentor")
_URL_SEARCH_PARAMS_SAFE = re.compile(r"[A-Za-z0-9*\-._]")


def url_search_params(params: dict[str, str]) -> str:
    """`new URLSearchParams(...).toString()`: application/x-www-form-urlencoded, space as `+`."""

    def encode(text: str) -> str:
        return "".join(
            char
            if _URL_SEARCH_PARAMS_SAFE.fullmatch(char)
            else "+"
            if char == " "
            else "".join(f"%{byte:02X}" for byte in char.encode())
            for char in text
        )

    return "&".join(f"{encode(key)}={encode(value)}" for key, value in params.items())


def build_mentor_stream_url(app: App, *, mode: str, language: str | None, message: str) -> str:
    """src/services/api/mentor.ts `buildMentorStreamUrl`: mode, language (when set), message, in that order."""
    params = {"mode": mode, **({"language": language} if language else {}), "message": message}
    return f"{app.base_url}/mentor/stream/?{url_search_params(params)}"


def event_source_messages(text: str) -> list[str]:
    """react-native-event-source's parser: trimmed lines, `data` lines collected, dispatched on an empty line."""
    messages, data = [], []
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("data"):
            data.append(re.sub(r"^data:?\s*", "", line, count=1))
        elif line == "" and data:
            messages.append("\n".join(data))
            data = []
    return messages


def use_mentor_stream(app: App, *, mode: str, message: str, language: str = "en") -> dict:
    """What `useMentorStream.startStream` ends with: the reply text and session id, or the error it would show.
    The request is the EventSource's: GET, the hook's Authorization header, then the polyfill's own headers."""
    response = app.request(
        "GET",
        build_mentor_stream_url(app, mode=mode, language=language, message=message.strip()),
        headers={
            "Authorization": f"Bearer {app.token}",
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Requested-With": "XMLHttpRequest",
        },
    )
    # The polyfill only parses a 200 (anything else it silently retries until the hook's 12 s timeout).
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/event-stream"
    state = {"reply": "", "session_id": None, "ended": False, "error": None, "start": None}
    for data in event_source_messages(response.text):
        payload = json.loads(data)
        if payload["event"] == "start":
            state["start"] = payload
            state["session_id"] = payload["session_id"]
        elif payload["event"] == "token":
            state["reply"] += payload["delta"]
        elif payload["event"] == "end":
            state["session_id"] = payload["session_id"]
            state["ended"] = True
            break  # the hook closes the EventSource here (so the polyfill never polls again)
        elif payload["event"] == "error":
            state["error"] = payload["detail"]
            break
    return state


def get_as_is(app: App, url: str):
    """`apiClient.request(url, {method: "GET"})` with a URL that carries its own query (`next`, `?limit=7`).
    Not `App.get`: it passes `params=`, which makes httpx drop the URL's own query string."""
    return app.request("GET", url)


def stored_reply(session_id: int) -> str:
    return MentorMessage.objects.filter(session_id=session_id, role="assistant").latest("id").content


def give_birth_data(app: App) -> None:
    personal_profile_update(
        user_id=app.id,
        changes={
            "first_name": "Nino",
            "last_name": "K",
            "birth_date": dt.date(1994, 8, 2),
            "birth_time": dt.time(6, 15),
            "birth_city": "Kutaisi",
            "birth_country": "Georgia",
        },
    )


# --- row 50: GET /mentor/stream/ --------------------------------------------------------------------


@pytest.mark.parametrize("mode", APP_MODES)
def test_row_50_every_mentor_screen_streams_a_reply(sign_up, mode):
    app = sign_up()
    state = use_mentor_stream(app, mode=mode, message="I keep postponing things that matter to me.")
    assert state["error"] is None and state["ended"], state
    assert isinstance(state["session_id"], int) and state["reply"].strip()
    assert state["reply"] == stored_reply(state["session_id"])  # what the screen shows is what history keeps
    assert state["start"]["mode"] == {"chat_mentor": "default", "daily_mentor": "daily"}.get(
        mode, mode.removesuffix("_mentor")
    )


def test_row_50_the_chat_screen_continues_its_conversation(sign_up):
    app = sign_up()
    first = use_mentor_stream(app, mode="chat_mentor", message="Hello, mentor.")
    second = use_mentor_stream(app, mode="chat_mentor", message="What should I focus on this week?")
    assert second["session_id"] == first["session_id"]
    assert MentorSession.objects.get(id=first["session_id"]).kind == "chat"


def utc_today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def test_row_50_the_daily_screen_writes_in_todays_journal(sign_up):
    app = sign_up()
    before = utc_today()
    state = use_mentor_stream(app, mode="daily_mentor", message="Walked to work, finished the report. Tired.")
    session = MentorSession.objects.get(id=state["session_id"])
    assert session.kind == "daily" and session.day in {before, utc_today()}  # the server's UTC day
    [day] = get_as_is(app, "/mentor/daily/history/?limit=7").json()["results"]
    assert day["session_id"] == state["session_id"]  # the list the screen reloads shows the new entry


def test_row_50_the_natal_screen_reads_the_computed_chart_and_invents_none(sign_up, places):
    app = sign_up()
    give_birth_data(app)
    state = use_mentor_stream(
        app, mode="natal_mentor", message="Give me a short natal mentor reading based on my chart."
    )
    assert state["ended"] and "Nino" in state["reply"]
    assert "1994-08-02" in state["reply"] and "06:15" in state["reply"] and "Kutaisi, Georgia" in state["reply"]
    chart = app.get("/astro/natal/me/").json()  # the chart the natal chart screen shows
    sun, moon = chart["planets"]["sun"], chart["planets"]["moon"]
    assert (
        f"Sun in {sun['sign']} (house {sun['house']}), Moon in {moon['sign']} (house {moon['house']})"
        in (state["reply"])
    )

    bare = sign_up()
    without = use_mentor_stream(bare, mode="natal_mentor", message="Give me a short natal mentor reading.")
    assert "no birth date yet" in without["reply"] and "I won't name planets" in without["reply"]


def test_row_50_the_soulmatch_screen_says_what_it_cannot_know(sign_up):
    app, match = sign_up(), sign_up(name="Lia M")
    compatibility_profile_update(user_id=app.id, changes={"values": ["honesty"], "relationship_goal": "long_term"})
    # SoulMatchMentorScreen.handleSend: the prompt, then whom it is about.
    message = (
        "What should I know about my compatibility with Lia M?\n\n"
        f"Context: This question is about Lia M (user {match.id})."
    )
    state = use_mentor_stream(app, mode="soulmatch_mentor", message=message, language="en")
    assert state["ended"] and "Values: honesty" in state["reply"]
    assert "cannot compute a compatibility score yet" in state["reply"] and "%" not in state["reply"]


def test_row_50_languages_the_app_sends(sign_up):
    app = sign_up()
    state = use_mentor_stream(app, mode="chat_mentor", message="Мне трудно сосредоточиться.", language="ru")
    assert state["ended"] and re.search("[а-яА-Я]", state["reply"])
    ka = use_mentor_stream(app, mode="natal_mentor", message="მომიყევი ჩემს რუკაზე.", language="ka")
    assert ka["ended"] and "შენს პირად რუკაში დაბადების თარიღი ჯერ არ არის" in ka["reply"]


def test_row_50_without_a_token_the_stream_is_refused(server):
    response = App(server).request(
        "GET",
        build_mentor_stream_url(App(server), mode="chat_mentor", language="en", message="hi"),
        headers={"Accept": "text/event-stream", "Cache-Control": "no-cache"},
    )
    assert response.status_code == 401 and response.json()["code"]


# --- row 51: POST /mentor/chat/ (the hook's fallback) -----------------------------------------------------


@pytest.mark.parametrize("mode", APP_MODES)
def test_row_51_the_fallback_answers_every_mode(sign_up, mode):
    app = sign_up()
    response = app.post("/mentor/chat/", {"mode": mode, "language": "en", "message": "Help me plan tomorrow."})
    assert response.status_code == 200, response.text
    body = response.json()
    # callMentorChat reads these three.
    assert isinstance(body["session_id"], int) and body["reply"].strip() and isinstance(body["mode"], str)
    assert body["reply"] == stored_reply(body["session_id"])
    if mode == "daily_mentor":
        assert body["mode"] == "daily" and MentorSession.objects.get(id=body["session_id"]).kind == "daily"


def test_row_51_the_fallback_continues_the_streamed_conversation(sign_up):
    app = sign_up()
    streamed = use_mentor_stream(app, mode="natal_mentor", message="Tell me about my chart.")
    fallback = app.post("/mentor/chat/", {"mode": "natal_mentor", "language": "en", "message": "And my work life?"})
    assert fallback.json()["session_id"] == streamed["session_id"]


# --- row 52: GET /mentor/history/ and "load earlier" ------------------------------------------------------


def test_row_52_history_renders_roles_and_loads_earlier_by_getting_next(sign_up):
    app = sign_up()
    # An earlier conversation of 30 messages, an hour old: the chat screen's next message continues it.
    earlier = timezone.now() - dt.timedelta(hours=1)
    session = MentorSession.objects.create(user_id=app.id, kind="chat", mode="default", last_message_at=earlier)
    MentorMessage.objects.bulk_create(
        MentorMessage(
            session=session,
            user_id=app.id,
            role="user" if i % 2 == 0 else "assistant",
            provider="" if i % 2 == 0 else "offline",
            content=f"older {i}",
            created_at=earlier - dt.timedelta(minutes=30 - i),
        )
        for i in range(30)
    )
    streamed = use_mentor_stream(app, mode="chat_mentor", message="First real question.")
    assert streamed["session_id"] == session.id

    first = app.get("/mentor/history/").json()  # fetchMentorHistory() without a cursor
    assert len(first["results"]) == 20 and first["next"].startswith(f"{app.server_url}/api/v1/mentor/history/?")
    newest, asked = first["results"][0], first["results"][1]
    assert newest["role"] == "mentor" and newest["content"] == streamed["reply"]
    assert isinstance(newest["meta"], dict) and newest["meta"]["provider"] == "offline"
    assert asked["role"] == "user" and asked["content"] == "First real question." and asked["meta"] is None
    for message in first["results"]:
        assert message["role"] in ("user", "mentor")
        assert isinstance(message["id"], int) and message["session_id"] == session.id
        assert dt.datetime.fromisoformat(message["created_at"])  # `new Date(created_at)` sorts the list

    seen = [m["id"] for m in first["results"]]
    url = first["next"]
    for _ in range(5):  # "Load earlier": fetchMentorHistory(next) GETs it as it is
        page = get_as_is(app, url)
        assert page.status_code == 200, page.text
        seen += [m["id"] for m in page.json()["results"]]
        assert all(m["role"] in ("user", "mentor") for m in page.json()["results"])
        url = page.json()["next"]
        if url is None:
            break
    assert url is None and len(seen) == len(set(seen)) == 32


# --- rows 53 and 54: the daily journal --------------------------------------------------------------------


def test_row_53_daily_history_shows_previews_of_entries_made_on_the_daily_screen(sign_up):
    app = sign_up()
    entry = "Slept badly, but the afternoon walk helped. " * 5
    state = use_mentor_stream(app, mode="daily_mentor", message=entry)
    response = get_as_is(app, "/mentor/daily/history/?limit=7")  # fetchDailyMentorHistory(7)
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["session_id"] == state["session_id"]
    assert item["date"] == MentorSession.objects.get(id=state["session_id"]).day.isoformat()
    assert item["entry_preview"] and entry.startswith(item["entry_preview"].removesuffix("…"))
    assert len(item["entry_preview"]) <= 120
    assert item["reply_preview"] and state["reply"].startswith(item["reply_preview"].removesuffix("…"))


def test_row_53_the_latest_seven_days_newest_first(sign_up):
    app = sign_up()
    state = use_mentor_stream(app, mode="daily_mentor", message="Today.")
    today = MentorSession.objects.get(id=state["session_id"]).day
    for days_ago in range(1, 10):
        day = MentorSession.objects.create(
            user_id=app.id, kind="daily", mode="daily", day=today - dt.timedelta(days_ago)
        )
        MentorMessage.objects.create(session=day, user_id=app.id, role="user", content=f"Entry {days_ago} days ago")
        MentorMessage.objects.create(
            session=day, user_id=app.id, role="assistant", provider="offline", content=f"Reply {days_ago}"
        )
    items = get_as_is(app, "/mentor/daily/history/?limit=7").json()["results"]
    assert [i["date"] for i in items] == [(today - dt.timedelta(d)).isoformat() for d in range(7)]
    assert len(get_as_is(app, "/mentor/daily/history/?limit=3").json()["results"]) == 3  # the URL's limit counts
    assert [(i["entry_preview"], i["reply_preview"]) for i in items[1:3]] == [
        ("Entry 1 days ago", "Reply 1"),
        ("Entry 2 days ago", "Reply 2"),
    ]


def test_row_54_a_journal_day_shows_its_entry_and_reply(sign_up):
    app = sign_up()
    morning = use_mentor_stream(app, mode="daily_mentor", message="Morning: nervous about the interview.")
    evening = use_mentor_stream(app, mode="daily_mentor", message="Evening: it went well!", language="en")
    assert evening["session_id"] == morning["session_id"]
    response = app.get(f"/mentor/daily/session/{morning['session_id']}/")  # fetchDailyMentorSession(id)
    assert response.status_code == 200
    day = response.json()
    assert day["session_id"] == morning["session_id"]
    assert day["date"] == MentorSession.objects.get(id=morning["session_id"]).day.isoformat()
    assert day["entry"] == "Morning: nervous about the interview.\n\nEvening: it went well!"
    assert day["reply"] == f"{morning['reply']}\n\n{evening['reply']}"
    assert day["language"] == "en"


def test_row_54_someone_elses_day_is_not_found(sign_up):
    owner, other = sign_up(), sign_up()
    state = use_mentor_stream(owner, mode="daily_mentor", message="Private thoughts.")
    assert other.get(f"/mentor/daily/session/{state['session_id']}/").status_code == 404
