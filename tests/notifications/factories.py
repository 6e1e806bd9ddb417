import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from modules.notifications.models import (
    Device,
    Notification,
    NotificationActor,
    NotificationPreferences,
    PushTicket,
)
from tests.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    type = "follow"
    actor = factory.SubFactory(UserFactory)
    actor_ids = factory.LazyAttribute(lambda o: [o.actor.id] if o.actor else [])
    actor_count = factory.LazyAttribute(lambda o: 1 if o.actor else 0)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)


class LikeNotificationFactory(NotificationFactory):
    type = "like"
    target_type = "post"
    target_id = factory.Sequence(lambda n: 1000 + n)


class NotificationActorFactory(DjangoModelFactory):
    class Meta:
        model = NotificationActor

    notification = factory.SubFactory(LikeNotificationFactory)
    actor = factory.SubFactory(UserFactory)


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    platform = "expo"
    token = factory.Sequence(lambda n: f"ExponentPushToken[device{n:06d}abcdefghij]")


class PushTicketFactory(DjangoModelFactory):
    class Meta:
        model = PushTicket

    device = factory.SubFactory(DeviceFactory)
    ticket_id = factory.Sequence(lambda n: f"ticket-{n:08d}")


class NotificationPreferencesFactory(DjangoModelFactory):
    class Meta:
        model = NotificationPreferences

    user = factory.SubFactory(UserFactory)
    time_zone = "UTC"
    in_app_off = factory.LazyFunction(list)
    push_off = factory.LazyFunction(list)
