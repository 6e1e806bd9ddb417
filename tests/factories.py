"""factory-boy factories, one per model."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from modules.accounts.models import AuthSession, RefreshToken, User
from modules.accounts.tokens import refresh_token_hash
from modules.core.models import RateLimitCounter
from modules.ops.models import WorkerHeartbeat
from modules.profiles.models import CompatibilityProfile, PersonalProfile
from modules.social.models import Block, Follow, Mute, UserStats

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    handle = factory.Sequence(lambda n: f"person_{n}")
    name = factory.Faker("name")
    bio = ""
    password = factory.django.Password(DEFAULT_PASSWORD)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class AuthSessionFactory(DjangoModelFactory):
    class Meta:
        model = AuthSession

    user = factory.SubFactory(UserFactory)
    user_agent = "pytest"
    ip_address = "127.0.0.1"


class RefreshTokenFactory(DjangoModelFactory):
    class Meta:
        model = RefreshToken

    class Params:
        raw = factory.LazyFunction(lambda: uuid.uuid4().hex)

    session = factory.SubFactory(AuthSessionFactory)
    token_hash = factory.LazyAttribute(lambda o: refresh_token_hash(o.raw))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


class PersonalProfileFactory(DjangoModelFactory):
    class Meta:
        model = PersonalProfile

    user = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    birth_date = dt.date(1990, 5, 17)
    birth_time = dt.time(14, 30)
    birth_timezone = "Asia/Tbilisi"
    birth_city = "Tbilisi"
    birth_country = "Georgia"


class CompatibilityProfileFactory(DjangoModelFactory):
    class Meta:
        model = CompatibilityProfile

    user = factory.SubFactory(UserFactory)
    gender = "female"
    relationship_goal = "long_term"
    values = factory.LazyFunction(lambda: ["family", "growth"])
    preferred_lifestyle = factory.LazyFunction(lambda: ["active"])
    attachment_style = "secure"
    love_language = factory.LazyFunction(lambda: ["quality_time"])


class FollowFactory(DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followee = factory.SubFactory(UserFactory)


class BlockFactory(DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class MuteFactory(DjangoModelFactory):
    class Meta:
        model = Mute

    muter = factory.SubFactory(UserFactory)
    muted = factory.SubFactory(UserFactory)


class UserStatsFactory(DjangoModelFactory):
    class Meta:
        model = UserStats

    user = factory.SubFactory(UserFactory)


class WorkerHeartbeatFactory(DjangoModelFactory):
    class Meta:
        model = WorkerHeartbeat

    worker = factory.Sequence(lambda n: f"test-host:{1000 + n}")
    beat_at = factory.LazyFunction(timezone.now)
    beats = 1


class RateLimitCounterFactory(DjangoModelFactory):
    class Meta:
        model = RateLimitCounter

    scope = "test:scope"
    subject = factory.Sequence(lambda n: f"{n:064x}")
    window_start = factory.LazyFunction(timezone.now)
    count = 1
