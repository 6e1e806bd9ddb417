"""The offline mentor is a real feature: deterministic, built from the person's own context, in three languages."""

import pytest

from modules.mentor import offline
from modules.mentor.contracts import Prompt, UserContext
from modules.mentor.personas import persona
from modules.mentor.prompts import prompt_build
from tests.factories import UserFactory
from tests.mentor.conftest import stream

pytestmark = pytest.mark.django_db


def prompt(message: str, *, mode="default", language="en", tone="warm", **context) -> Prompt:
    return prompt_build(
        context=UserContext(user_id=1, **context),
        mode=mode,
        language=language,
        tone=tone,
        history=[],
        message=message,
        history_max_chars=1000,
    )


def test_keywords_rank_repeated_then_longer_words_and_skip_stopwords():
    stopwords = set(persona("en").offline["stopwords"])
    text = "Work work work. My manager and my deadlines; the deadlines scare me about work."
    assert offline.keywords(text, stopwords) == ["work", "deadlines", "manager"]
    assert offline.keywords("I am ok", stopwords) == []


def test_first_question_is_found_and_shortened():
    assert offline.first_question("I moved. Should I stay here? Or go?") == "Should I stay here?"
    long = "Why " + "really " * 40 + "?"
    assert offline.first_question(long).endswith("…?") and len(offline.first_question(long)) <= 160
    assert offline.first_question("No question here.") is None


def test_reply_is_composed_from_the_context_and_deterministic():
    p = prompt(
        "My sleep is bad and my running plans fall apart.",
        mode="goals",
        name="Nino Beridze",
        goals=("Run a half marathon in spring", "Read more books"),
        journal=("Slept badly again, tired at work", "Tired, skipped the run"),
    )
    reply = offline.compose(p)
    assert reply == offline.compose(p)  # same request, same reply
    assert "Nino" in reply and "Beridze" not in reply  # first name only
    assert "“Run a half marathon in spring”" in reply  # the goal sharing words with the message ("run")
    assert "sleep" in reply and "running" in reply
    assert reply.endswith("?")
    assert reply.split()[-1] in " ".join(persona("en").offline["prompts"]["goals"])


def test_question_is_reflected_back():
    reply = offline.compose(prompt("Work is heavy. Should I quit my job?"))
    assert "“Should I quit my job?”" in reply


def test_modes_and_tones_change_the_phrasing():
    message = "Thinking about my family and my new city."
    replies = {
        mode: offline.compose(prompt(message, mode=mode)) for mode in ("default", "daily", "reflection", "goals")
    }
    assert len(set(replies.values())) == 4
    openers = persona("en").offline["openers"]
    for mode, reply in replies.items():
        assert any(reply.startswith(o.format(name_suffix="")[:-1]) for o in openers[mode]), (mode, reply)
    calm = offline.compose(prompt(message, tone="calm"))
    direct = offline.compose(prompt(message, tone="direct"))
    assert persona("en").offline["tones"]["calm"] in calm
    assert len(direct) < len(calm)


def test_no_goals_in_goal_mode_invites_setting_one():
    assert persona("en").offline["lines"]["no_goal"] in offline.compose(prompt("Hmm.", mode="goals"))


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        ("ru", "Меня тревожит работа и работа снова не даёт спать", "работа"),
        ("ka", "სამსახური მაწუხებს და სამსახური ძილს მიშლის", "სამსახური"),
    ],
)
def test_other_languages_use_their_persona(language, message, expected):
    reply = offline.compose(prompt(message, language=language, name="Ana"))
    assert expected in reply and "Ana" in reply
    assert any(reply.endswith(q) for q in persona(language).offline["prompts"]["default"])
    assert not any(word in reply for word in ("Thank", "What stands out"))


def test_chunks_rebuild_the_reply_exactly():
    text = "Hello there,  friend.\nHow are you?"
    parts = offline.chunks(text)
    assert "".join(parts) == text and parts[0] == "Hello" and len(parts) == 6


def test_chat_with_the_offline_mentor(api):
    api.patch("/mentor/profile/", {"goals": ["Learn to cook for my family"], "tone": "direct"})
    first = api.post("/mentor/chat/", {"message": "I want to cook more for my family.", "mode": "goals"})
    assert first.status == 200, first
    body = first.json()
    assert body["provider"] == "offline" and body["model"] == "selflink-offline-1"
    assert "“Learn to cook for my family”" in body["reply"]
    other = UserFactory(name=api.user.name)
    from tests.conftest import client_for

    twin = client_for(other)
    twin.patch("/mentor/profile/", {"goals": ["Learn to cook for my family"], "tone": "direct"})
    again = twin.post("/mentor/chat/", {"message": "I want to cook more for my family.", "mode": "goals"})
    assert again.json()["reply"] == body["reply"]  # deterministic across people with the same context


def test_offline_stream_matches_the_chat_reply(api):
    streamed = stream(api, message="Family dinners feel tense lately.", mode="reflection")
    assert streamed.status == 200
    events = streamed.events()
    assert events[0]["provider"] == "offline"
    history = api.get("/mentor/history/").json()["results"]
    assert history[0]["content"] == streamed.text() and history[0]["provider"] == "offline"
