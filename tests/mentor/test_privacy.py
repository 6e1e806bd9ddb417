"""Object-level access: nothing of another person's mentor data can be read, changed or deleted through the API."""

import pytest

from modules.mentor.models import MentorMemory, MentorMessage, MentorProfile, MentorSession
from tests.mentor.factories import (
    DailySessionFactory,
    MentorMemoryFactory,
    MentorMessageFactory,
    MentorProfileFactory,
    MentorSessionFactory,
    MentorTaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs():
    """Someone else's chat session with messages, journal day, profile, memory and task."""
    session = MentorSessionFactory(title="their private chat")
    owner = session.user
    MentorMessageFactory(session=session, content="their secret")
    MentorMessageFactory(session=session, assistant=True, content="the mentor's answer to them")
    daily = DailySessionFactory(user=owner)
    MentorMessageFactory(session=daily, content="their journal entry")
    MentorProfileFactory(user=owner, goals=["their goal"])
    MentorMemoryFactory(user=owner, summary="their memory")
    task = MentorTaskFactory(request_message__session=session)
    return {"session": session, "daily": daily, "task": task, "owner": owner}


def test_another_persons_sessions_tasks_and_journal_are_not_found(api, theirs):
    session, daily, task = theirs["session"], theirs["daily"], theirs["task"]
    for path in (
        f"/mentor/sessions/{session.id}/",
        f"/mentor/sessions/{daily.id}/",
        f"/mentor/daily/session/{daily.id}/",
        f"/mentor/tasks/{task.id}/",
    ):
        response = api.get(path)
        assert response.status == 404 and response.json()["code"] == "not_found", path
    assert api.delete(f"/mentor/sessions/{session.id}/").status == 404
    assert api.post("/mentor/chat/", {"message": "hi", "session_id": session.id}).status == 404
    assert MentorSession.objects.filter(user=theirs["owner"]).count() == 2


def test_lists_and_personal_resources_show_only_ones_own(api, theirs):
    everything = [
        api.get("/mentor/history/").json(),
        api.get("/mentor/history/", session_id=theirs["session"].id).json(),
        api.get("/mentor/sessions/").json(),
        api.get("/mentor/daily/history/").json(),
        api.get("/mentor/profile/").json(),
        api.get("/mentor/memory/").json(),
    ]
    text = repr(everything)
    assert "their" not in text, text
    # Clearing one's own memory and history leaves the other person's untouched.
    assert api.delete("/mentor/memory/").status == 200
    assert api.delete("/mentor/history/").status == 200
    assert MentorMemory.objects.get(user=theirs["owner"]).summary == "their memory"
    assert MentorMessage.objects.filter(user=theirs["owner"]).count() == 4  # 3 above + the task's request
    assert MentorProfile.objects.get(user=theirs["owner"]).goals == ["their goal"]
