"""The mobile app's mentor vocabulary: its four mode names next to ours, the journal they reach, the natal and
soulmatch conversations (honest about what SelfLink cannot know yet), and the fields its screens read (history
`role`/`meta`, journal previews, a journal day's `entry`/`reply`)."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.utils import timezone

from modules.mentor import offline, tasks
from modules.mentor.contracts import APP_MODES, MODES, UserContext, ask_for
from modules.mentor.models import MentorMessage, MentorSession
from modules.mentor.personas import CONTEXT_LABELS, FACTS, LINES, persona, personas
from modules.mentor.prompts import context_text, prompt_build
from modules.mentor.schemas import preview
from modules.realtime.models import RealtimeEvent
from selflink.api import api as ninja_api
from tests.conftest import client_for
from tests.factories import CompatibilityProfileFactory, PersonalProfileFactory, UserFactory
from tests.mentor.conftest import stream

pytestmark = pytest.mark.django_db

FROZEN = "2026-03-10T23:30:00Z"  # late evening in UTC: the journal day is the UTC date, 2026-03-10


def chat(api, message="How do I find more focus?", **extra):
    response = api.post("/mentor/chat/", {"message": message, **extra})
    assert response.status == 200, response
    return response.json()


# --- vocabulary -------------------------------------------------------------------------------------


def test_every_app_mode_names_one_of_ours():
    assert set(APP_MODES.values()) <= set(MODES)
    assert ask_for("chat_mentor").mode == "default" and not ask_for("chat_mentor").journal
    assert ask_for("daily_mentor").mode == "daily" and ask_for("daily_mentor").journal
    assert not ask_for("daily").journal  # our `daily` stays a chat check-in
    with pytest.raises(ValueError):
        ask_for("therapy")


@pytest.mark.parametrize(
    ("sent", "carried"),
    [("chat_mentor", "default"), ("natal_mentor", "natal"), ("soulmatch_mentor", "soulmatch")],
)
def test_app_modes_are_chats_answered_under_our_name(api, sent, carried):
    first = chat(api, "Hello there.", mode=sent, language="en")
    assert first["mode"] == carried and first["reply"] and first["session_id"]
    session = MentorSession.objects.get(id=first["session_id"])
    assert (session.kind, session.mode) == ("chat", carried)
    # The app's name and ours continue the same conversation.
    assert chat(api, "More.", mode=carried)["session_id"] == first["session_id"]
    assert chat(api, "Again.", mode=sent)["session_id"] == first["session_id"]


@pytest.mark.parametrize("mode", ["default", "daily", "reflection", "goals", "natal", "soulmatch"])
def test_our_modes_are_still_accepted(api, mode):
    reply = chat(api, mode=mode)
    assert reply["mode"] == mode
    assert MentorSession.objects.get(id=reply["session_id"]).kind == "chat"  # `daily` included


def test_app_modes_are_chats_apart_from_each_other(api):
    sessions = {chat(api, mode=mode)["session_id"] for mode in ("chat_mentor", "natal_mentor", "soulmatch_mentor")}
    assert len(sessions) == 3


def test_an_unknown_mode_is_still_a_422(api):
    response = api.post("/mentor/chat/", {"message": "hi", "mode": "astro_mentor"})
    assert response.status == 422 and "mode" in response.json()["errors"]
    assert stream(api, message="hi", mode="astro_mentor").status == 422
    assert MentorMessage.objects.count() == 0


def test_the_schema_lists_both_vocabularies():
    components = ninja_api.get_openapi_schema()["components"]["schemas"]
    mode_in = components["MentorChatIn"]["properties"]["mode"]
    assert set(mode_in["enum"]) == set(MODES) | set(APP_MODES)
    assert "daily_mentor" in mode_in["description"]
    assert set(components["MentorChatOut"]["properties"]["mode"]["enum"]) == set(MODES)
    assert components["MentorMessageOut"]["properties"]["role"]["enum"] == ["user", "mentor"]


# --- daily_mentor is the journal ----------------------------------------------------------------------


def test_daily_mentor_on_chat_writes_in_todays_journal():
    with time_machine.travel(FROZEN, tick=False):
        api = client_for(UserFactory())
        reply = chat(api, "Long walk by the river. Calm evening.", mode="daily_mentor", language="en")
        assert reply["mode"] == "daily"
        session = MentorSession.objects.get(id=reply["session_id"])
        assert (session.kind, session.day, session.mode) == ("daily", dt.date(2026, 3, 10), "daily")
        # The same journal day as POST /mentor/daily/entry/ writes in.
        entry = api.post("/mentor/daily/entry/", {"text": "Later: read a chapter."}).json()
        assert entry["session_id"] == reply["session_id"] and entry["date"] == "2026-03-10"
        again = chat(api, "Before bed: grateful.", mode="daily_mentor")
        assert again["session_id"] == reply["session_id"]

        [day] = api.get("/mentor/daily/history/", limit=7).json()["results"]
        assert day["session_id"] == reply["session_id"] and day["date"] == "2026-03-10"
        assert day["entries"] == 3 and day["entry_preview"] == "Before bed: grateful."
        assert day["reply_preview"] == preview(again["reply"]) and day["last_reply"] == again["reply"]


def test_daily_mentor_stream_writes_in_todays_journal():
    with time_machine.travel(FROZEN, tick=False):
        api = client_for(UserFactory())
        result = stream(api, message="A good day at work.", mode="daily_mentor", language="en")
        assert result.status == 200
        start, *_, end = result.events()
        assert start["event"] == "start" and start["mode"] == "daily" and end["event"] == "end"
        session = MentorSession.objects.get(id=start["session_id"])
        assert (session.kind, session.day) == ("daily", dt.date(2026, 3, 10))
        posted = stream(api, method="POST", body={"message": "And a calm evening.", "mode": "daily_mentor"})
        assert posted.events()[0]["session_id"] == session.id
        day = api.get(f"/mentor/daily/session/{session.id}/").json()
        assert day["entry"] == "A good day at work.\n\nAnd a calm evening."
        assert day["reply"] == f"{result.text()}\n\n{posted.text()}"


def test_daily_mentor_takes_no_session_id(api):
    journal = api.post("/mentor/daily/entry/", {"text": "entry"}).json()
    for session_id in (journal["session_id"], chat(api)["session_id"]):
        response = api.post("/mentor/chat/", {"message": "hi", "mode": "daily_mentor", "session_id": session_id})
        assert response.status == 422 and response.json()["code"] == "journal_session_id"
        assert "session_id" in response.json()["errors"]
    streamed = stream(api, message="hi", mode="daily_mentor", session_id=journal["session_id"])
    assert streamed.status == 422 and streamed.json()["code"] == "journal_session_id"
    assert MentorMessage.objects.filter(role="user").count() == 2


def test_async_daily_mentor_lands_in_the_journal_and_announces_our_mode(
    api, stub_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.request(
            "POST", "/mentor/chat/?async=true", json_body={"message": "Quiet Sunday.", "mode": "daily_mentor"}
        )
    assert response.status == 202, response
    accepted = response.json()
    assert MentorSession.objects.get(id=accepted["session_id"]).kind == "daily"
    with django_capture_on_commit_callbacks(execute=True):
        tasks.mentor_chat_reply(accepted["task_id"])
    event = RealtimeEvent.objects.get(type="mentor:reply")
    assert event.payload["mode"] == "daily" and event.payload["session_id"] == accepted["session_id"]
    assert api.get(f"/mentor/tasks/{uuid.UUID(accepted['task_id'])}/").json()["status"] == "done"


# --- natal: the personal map's birth data, and no invented chart -------------------------------------------


def test_natal_offline_reply_uses_the_birth_data_and_says_what_it_cannot_know(api):
    PersonalProfileFactory(user=api.user, first_name="Nino")
    reply = chat(api, "Give me a short natal mentor reading based on my chart.", mode="natal_mentor")["reply"]
    assert reply.startswith(("Let's look at what you are asking about your chart, Nino.", "Thank you for bringing"))
    assert "date 1990-05-17, time 14:30, place Tbilisi, Georgia, time zone Asia/Tbilisi" in reply
    assert persona("en").line("natal_limits") in reply
    # Nothing a chart would say: no sign, planet or house is named.
    signs = "aries|taurus|gemini|cancer|leo|virgo|libra|scorpio|sagittarius|capricorn|aquarius|pisces"
    assert not re.search(rf"\b({signs}|ascendant|moon in|sun in)\b", reply.lower())


def test_natal_without_birth_data_asks_for_it(api):
    reply = chat(api, "Read my chart.", mode="natal")["reply"]
    assert persona("en").line("natal_no_birth") in reply and persona("en").line("natal_limits") in reply
    ru = chat(api, "Расскажи о моей карте.", mode="natal_mentor", language="ru")["reply"]
    assert persona("ru").line("natal_no_birth") in ru


def test_the_model_gets_birth_data_only_in_the_natal_mode(api, fake_llm):
    PersonalProfileFactory(user=api.user, first_name="Nino", birth_time=None)
    chat(api, "What does my chart say?", mode="natal_mentor")
    system, context = (m["content"] for m in fake_llm.requests[-1].messages[:2])
    assert persona("en").modes["natal"] in system
    assert "- Birth data (from their personal map): date 1990-05-17, birth time unknown, place Tbilisi" in context
    assert f"- Natal chart: {persona('en').facts['chart']}" in context
    chat(api, "Something else.", mode="chat_mentor")
    context = fake_llm.requests[-1].messages[1]["content"]
    assert "1990" not in context and "Tbilisi" not in context and "Natal chart" not in context


def test_the_natal_context_says_when_there_is_no_birth_data():
    text = context_text(UserContext(user_id=1), "ka", "natal")
    assert persona("ka").facts["no_birth"] in text and persona("ka").facts["chart"] in text


# --- soulmatch: the compatibility profile, no score, not the other person -----------------------------------


def test_soulmatch_offline_reply_uses_the_compatibility_profile_and_its_limits(api):
    CompatibilityProfileFactory(user=api.user)
    message = "What should I know about my compatibility with Lia?\n\nContext: This question is about Lia (user 7)."
    reply = chat(api, message, mode="soulmatch_mentor")["reply"]
    assert "Values: family, growth; Love languages: quality time; Relationship goal: long term" in reply
    assert "Attachment style: secure" in reply and persona("en").line("soulmatch_limits") in reply
    assert "%" not in reply and not re.search(r"\d+\s*/\s*100", reply)
    assert "What stands out in your words" not in reply  # the screen's "Context: …" line is not the person's words


def test_soulmatch_with_an_empty_profile_invites_filling_it(api):
    reply = chat(api, "Are we a match?", mode="soulmatch")["reply"]
    assert persona("en").line("soulmatch_no_profile") in reply


def test_the_model_is_told_what_soulmatch_cannot_know(api, fake_llm):
    other = UserFactory()
    CompatibilityProfileFactory(user=other, values=["adventure"], attachment_style="avoidant")
    CompatibilityProfileFactory(user=api.user)
    chat(api, f"Me and user {other.id}?", mode="soulmatch_mentor")
    system, context = (m["content"] for m in fake_llm.requests[-1].messages[:2])
    assert persona("en").modes["soulmatch"] in system
    assert f"- Compatibility with the other person: {persona('en').facts['match']}" in context
    assert "family, growth" in context
    assert "adventure" not in context and "avoidant" not in context  # the other person's profile stays theirs


# --- personas --------------------------------------------------------------------------------------------


def test_every_persona_has_the_new_modes_lines_and_facts():
    for voice in personas():
        assert set(MODES) <= set(voice.modes) and set(MODES) <= set(voice.offline["openers"])
        assert set(MODES) <= set(voice.offline["prompts"])
        assert set(LINES) <= set(voice.offline["lines"]) and set(FACTS) <= set(voice.facts)
        assert set(CONTEXT_LABELS) <= set(voice.context_labels)


@pytest.mark.parametrize("language", ["en", "ru", "ka"])
@pytest.mark.parametrize("mode", ["natal", "soulmatch"])
def test_new_modes_compose_deterministically_in_every_language(language, mode):
    context = UserContext(user_id=1, name="Ana", birth_date="1990-05-17", values=("growth",))
    prompt = prompt_build(
        context=context, mode=mode, language=language, tone="warm", history=[], message="?", history_max_chars=100
    )
    assert offline.compose(prompt) == offline.compose(prompt)
    assert persona(language).line(f"{mode}_limits") in offline.compose(prompt)


# --- what the screens read ---------------------------------------------------------------------------------


def test_history_roles_meta_and_next_as_a_url(api):
    for i in range(3):
        chat(api, f"message {i}", mode="chat_mentor")
    page = api.get("/mentor/history/").json()
    assert [m["role"] for m in page["results"]] == ["mentor", "user"] * 3 and page["next"] is None
    mentor, mine = page["results"][0], page["results"][1]
    assert mine["meta"] is None
    assert mentor["meta"] == {"provider": "offline", "model": mentor["model"], "status": "complete", "safety": ""}
    assert {"id", "session_id", "content", "created_at"} <= set(mentor)

    seen, url = [], "/mentor/history/?limit=4"
    while url:
        body = api.get(url.removeprefix("http://testserver")).json()
        seen += [m["id"] for m in body["results"]]
        url = body["next"]
        assert url is None or url.startswith("http://testserver/api/v1/mentor/history/?")
    assert seen == [m["id"] for m in page["results"]]


def test_daily_history_previews_are_one_short_line(api):
    long_entry = "First line of a long day.\n" + "word " * 60
    api.post("/mentor/daily/entry/", {"text": long_entry})
    [day] = api.get("/mentor/daily/history/", limit=7).json()["results"]
    assert day["last_entry"] == long_entry.strip()  # ours, whole
    assert len(day["entry_preview"]) == 120 and day["entry_preview"].endswith("…")
    assert day["entry_preview"].startswith("First line of a long day. word word") and "\n" not in day["entry_preview"]
    assert day["reply_preview"] == preview(day["last_reply"]) and day["reply_preview"]
    assert set(day) >= {"session_id", "date", "entry_preview", "reply_preview", "language", "entries"}


def test_daily_session_has_entry_and_reply_as_the_app_reads_them(api):
    first = api.post("/mentor/daily/entry/", {"text": "Morning run.", "language": "ru"}).json()
    second = api.post("/mentor/daily/entry/", {"text": "Evening tea."}).json()
    day = api.get(f"/mentor/daily/session/{first['session_id']}/").json()
    assert day["session_id"] == day["id"] == first["session_id"] and day["date"] == first["date"]
    assert day["entry"] == "Morning run.\n\nEvening tea."
    assert day["reply"] == f"{first['reply']['content']}\n\n{second['reply']['content']}"
    assert day["language"] == "en"  # the latest entry's language (the profile's)
    assert [m["role"] for m in day["messages"]] == ["user", "mentor", "user", "mentor"]


def test_a_journal_day_without_a_reply_yet_has_an_empty_reply(api):
    session = MentorSession.objects.create(
        user=api.user, kind="daily", mode="daily", day=timezone.now().date(), language="ka"
    )
    MentorMessage.objects.create(session=session, user=api.user, role="user", content="Only an entry.")
    day = api.get(f"/mentor/daily/session/{session.id}/").json()
    assert (day["entry"], day["reply"], day["language"]) == ("Only an entry.", "", "ka")
    [item] = api.get("/mentor/daily/history/").json()["results"]
    assert item["reply_preview"] == "" and item["entry_preview"] == "Only an entry."


def test_someone_elses_journal_day_is_not_found(api):
    theirs = client_for(UserFactory()).post("/mentor/daily/entry/", {"text": "private"}).json()
    assert api.get(f"/mentor/daily/session/{theirs['session_id']}/").status == 404
    assert api.get("/mentor/daily/history/").json()["results"] == []


@pytest.mark.parametrize(("sent", "carried"), [*APP_MODES.items(), ("goals", "goals")])
def test_both_streams_take_every_mode(api, sent, carried):
    got = stream(api, message="Hello there.", mode=sent, language="en")
    posted = stream(api, method="POST", body={"message": "And more.", "mode": sent, "language": "en"})
    for result in (got, posted):
        assert result.status == 200, result.body
        start, *_, end = result.events()
        assert (start["mode"], end["event"]) == (carried, "end")
    assert got.events()[0]["session_id"] == posted.events()[0]["session_id"]
