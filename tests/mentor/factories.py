"""factory-boy factories for every mentor model."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from modules.mentor.models import (
    MentorMemory,
    MentorMessage,
    MentorProfile,
    MentorSession,
    MentorTask,
    Role,
    SessionKind,
    TaskStatus,
)
from tests.factories import UserFactory


class MentorProfileFactory(DjangoModelFactory):
    class Meta:
        model = MentorProfile

    user = factory.SubFactory(UserFactory)
    goals = factory.LazyFunction(lambda: ["Sleep before midnight"])


class MentorSessionFactory(DjangoModelFactory):
    class Meta:
        model = MentorSession

    user = factory.SubFactory(UserFactory)
    title = factory.Faker("sentence", nb_words=5)


class DailySessionFactory(MentorSessionFactory):
    kind = SessionKind.DAILY
    mode = "daily"
    day = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))


class MentorMessageFactory(DjangoModelFactory):
    """The person's message; `assistant=True` makes the mentor's (offline) reply."""

    class Meta:
        model = MentorMessage

    class Params:
        assistant = factory.Trait(role=Role.ASSISTANT, provider="offline", model="selflink-offline-1")

    session = factory.SubFactory(MentorSessionFactory)
    user = factory.SelfAttribute("session.user")
    role = Role.USER
    content = factory.Faker("sentence", nb_words=10)


class MentorMemoryFactory(DjangoModelFactory):
    class Meta:
        model = MentorMemory

    user = factory.SubFactory(UserFactory)
    summary = "Talks about sleep and work."
    messages_summarised = 6
    provider = "offline"
    updated_at = factory.LazyFunction(timezone.now)


class MentorTaskFactory(DjangoModelFactory):
    class Meta:
        model = MentorTask

    request_message = factory.SubFactory(MentorMessageFactory)
    user = factory.SelfAttribute("request_message.user")
    session = factory.SelfAttribute("request_message.session")
    status = TaskStatus.PENDING
