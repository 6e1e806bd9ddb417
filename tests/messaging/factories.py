"""factory-boy factories for every messaging model."""

import datetime as dt
import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from modules.messaging.models import (
    Message,
    MessageAttachment,
    MessageReaction,
    Thread,
    ThreadMember,
    TypingState,
)
from tests.factories import UserFactory
from tests.media.factories import MediaAssetFactory


class GroupThreadFactory(DjangoModelFactory):
    class Meta:
        model = Thread

    is_group = True
    title = factory.Faker("sentence", nb_words=3)
    created_by = factory.SubFactory(UserFactory)


class DirectThreadFactory(DjangoModelFactory):
    """A direct thread between `user_a` and `user_b` (both made when not given), with both as members."""

    class Meta:
        model = Thread
        exclude = ("user_a", "user_b")
        skip_postgeneration_save = True

    user_a = factory.SubFactory(UserFactory)
    user_b = factory.SubFactory(UserFactory)
    is_group = False
    title = ""
    created_by = factory.SelfAttribute("user_a")
    direct_user_low = factory.LazyAttribute(lambda o: min(o.user_a.id, o.user_b.id))
    direct_user_high = factory.LazyAttribute(lambda o: max(o.user_a.id, o.user_b.id))

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create:
            for user_id in (obj.direct_user_low, obj.direct_user_high):
                ThreadMember.objects.create(thread=obj, user_id=user_id)


class ThreadMemberFactory(DjangoModelFactory):
    class Meta:
        model = ThreadMember

    thread = factory.SubFactory(GroupThreadFactory)
    user = factory.SubFactory(UserFactory)


class MessageFactory(DjangoModelFactory):
    """A message; also moves the thread's last message, like sending does."""

    class Meta:
        model = Message
        skip_postgeneration_save = True

    thread = factory.SubFactory(GroupThreadFactory)
    sender = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence")
    client_uuid = factory.LazyFunction(lambda: str(uuid.uuid4()))

    @factory.post_generation
    def touch_thread(obj, create, extracted, **kwargs):
        if create:
            Thread.objects.filter(id=obj.thread_id).update(last_message=obj, last_activity_at=obj.created_at)
            obj.thread.last_message, obj.thread.last_activity_at = obj, obj.created_at


class MessageAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = MessageAttachment

    message = factory.SubFactory(MessageFactory, media_count=1, type="image")
    asset = factory.SubFactory(MediaAssetFactory)
    position = 0


class MessageReactionFactory(DjangoModelFactory):
    class Meta:
        model = MessageReaction

    message = factory.SubFactory(MessageFactory)
    user = factory.SubFactory(UserFactory)
    emoji = "👍"


class TypingStateFactory(DjangoModelFactory):
    class Meta:
        model = TypingState

    thread = factory.SubFactory(GroupThreadFactory)
    user = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(seconds=6))
    announced_at = factory.LazyFunction(timezone.now)
