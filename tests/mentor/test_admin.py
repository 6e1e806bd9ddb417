"""Staff see the mentor's metadata for support, never what people told it."""

import pytest
from django.test import Client
from django.urls import reverse

from modules.mentor.models import MentorMemory, MentorMessage, MentorProfile, MentorSession, MentorTask
from modules.mentor.services import memory_update
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

SECRET_TEXT = "my sister Tamar and the divorce papers"
GOAL = "forgive my father Zurab"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_pages_render_without_the_conversation(staff_client, api):
    assert api.patch("/mentor/profile/", {"goals": [GOAL]}).status == 200
    assert api.post("/mentor/chat/", {"message": f"I keep thinking about {SECRET_TEXT}"}).status == 200
    assert api.post("/mentor/daily/entry/", {"text": f"Today: {SECRET_TEXT}"}).status == 200
    assert api.request("POST", "/mentor/chat/?async=true", json_body={"message": SECRET_TEXT}).status == 202
    memory_update(user_id=api.user.id)
    # It is all there to be leaked: in titles, messages, goals and (its keywords) the memory.
    assert MentorSession.objects.filter(title__contains=SECRET_TEXT).exists()
    assert MentorProfile.objects.get().goals == [GOAL] and "tamar" in MentorMemory.objects.get().summary.lower()

    for model in (MentorSession, MentorMessage, MentorMemory, MentorProfile, MentorTask):
        prefix = f"admin:mentor_{model._meta.model_name}"
        listing = staff_client.get(reverse(f"{prefix}_changelist"))
        page = staff_client.get(reverse(f"{prefix}_change", args=[model.objects.first().pk]))
        for response in (listing, page):
            assert response.status_code == 200, model
            assert SECRET_TEXT.encode() not in response.content and GOAL.encode() not in response.content, model
            assert b"tamar" not in response.content.lower()
        assert staff_client.get(reverse(f"{prefix}_add")).status_code == 403


def test_admin_is_closed_to_non_staff(api):
    client = Client()
    client.force_login(api.user)
    response = client.get(reverse("admin:mentor_mentormessage_changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
