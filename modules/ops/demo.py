"""Demo data for development: people with profiles and a follow graph. Idempotent.

Everything goes through the modules' public services, exactly as real sign-ups
and follows do, so demo data obeys the same rules (handles, validation,
counters).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from modules.accounts.public import ClientInfo, user_id_by_handle, user_register
from modules.core.public import ApiError
from modules.posts.public import comment_create, post_create, post_like
from modules.profiles.public import compatibility_profile_update, personal_profile_update
from modules.social.public import counts_get, follow_create

DEMO_PASSWORD = "selflink-demo-2026"
DEMO_DOMAIN = "demo.selflink.dev"

PEOPLE = [
    ("Ana", "Kapanadze", "Tbilisi", "Georgia", 41.7151, 44.8271, "Asia/Tbilisi", "en"),
    ("Giorgi", "Beridze", "Batumi", "Georgia", 41.6168, 41.6367, "Asia/Tbilisi", "ka"),
    ("Nino", "Tsiklauri", "Kutaisi", "Georgia", 42.2679, 42.6946, "Asia/Tbilisi", "ka"),
    ("Luka", "Maisuradze", "Tbilisi", "Georgia", 41.7151, 44.8271, "Asia/Tbilisi", "en"),
    ("Mariam", "Gelashvili", "Telavi", "Georgia", 41.9198, 45.4731, "Asia/Tbilisi", "ka"),
    ("Irina", "Volkova", "Moscow", "Russia", 55.7558, 37.6173, "Europe/Moscow", "ru"),
    ("Dmitri", "Sokolov", "Saint Petersburg", "Russia", 59.9311, 30.3609, "Europe/Moscow", "ru"),
    ("Olga", "Morozova", "Kazan", "Russia", 55.7961, 49.1064, "Europe/Moscow", "ru"),
    ("Pavel", "Lebedev", "Novosibirsk", "Russia", 55.0084, 82.9357, "Asia/Novosibirsk", "ru"),
    ("Maya", "Okafor", "Lagos", "Nigeria", 6.5244, 3.3792, "Africa/Lagos", "en"),
    ("Tomás", "Herrera", "Valencia", "Spain", 39.4699, -0.3763, "Europe/Madrid", "en"),
    ("Lena", "Hoffmann", "Leipzig", "Germany", 51.3397, 12.3731, "Europe/Berlin", "en"),
    ("Priya", "Raman", "Chennai", "India", 13.0827, 80.2707, "Asia/Kolkata", "en"),
    ("Kenji", "Watanabe", "Sapporo", "Japan", 43.0618, 141.3545, "Asia/Tokyo", "en"),
    ("Sofia", "Lindqvist", "Uppsala", "Sweden", 59.8586, 17.6389, "Europe/Stockholm", "en"),
    ("Omar", "Haddad", "Amman", "Jordan", 31.9454, 35.9284, "Asia/Amman", "en"),
    ("Chloé", "Martin", "Lyon", "France", 45.764, 4.8357, "Europe/Paris", "en"),
    ("Mateus", "Costa", "Porto Alegre", "Brazil", -30.0346, -51.2177, "America/Sao_Paulo", "en"),
    ("Aiyana", "Brooks", "Tucson", "United States", 32.2226, -110.9747, "America/Phoenix", "en"),
    ("Noah", "Fischer", "Graz", "Austria", 47.0707, 15.4395, "Europe/Vienna", "en"),
    ("Zainab", "Idris", "Kano", "Nigeria", 12.0022, 8.592, "Africa/Lagos", "en"),
    ("Elif", "Demir", "Izmir", "Türkiye", 38.4237, 27.1428, "Europe/Istanbul", "en"),
    ("Hana", "Novak", "Brno", "Czechia", 49.1951, 16.6068, "Europe/Prague", "en"),
    ("Rafael", "Mendes", "Recife", "Brazil", -8.0476, -34.877, "America/Recife", "en"),
]
INTENTIONS = ["meet kind people", "grow every day", "find my people", "share what I make", "learn and teach"]
VALUES = ["family", "growth", "honesty", "creativity", "nature", "kindness", "freedom", "health", "humor"]
LIFESTYLES = ["active", "quiet", "traveler", "urban", "foodie", "early_bird", "night_owl", "artistic"]
LOVE_LANGUAGES = [
    "words_of_affirmation",
    "acts_of_service",
    "receiving_gifts",
    "quality_time",
    "physical_touch",
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    handle: str
    name: str


def demo_email(first: str, last: str) -> str:
    local = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    return f"{local}@{DEMO_DOMAIN}"


def _rng(key: str) -> random.Random:
    """Each person's data comes from its own seeded generator, so a re-run makes exactly the same choices."""
    return random.Random(f"selflink-demo:{key}")  # noqa: S311 - demo data, not security


POST_TEXTS = [
    ("en", "Morning walk by the river. The light at 7 am is unreal."),
    ("en", "Started journaling again. Three lines a day, no pressure."),
    ("ka", "დღეს ძალიან ლამაზი ამინდია თბილისში"),
    ("ru", "Прочитала отличную книгу о привычках. Советую всем!"),
    ("en", "Who else is learning to cook something new this month?"),
    ("en", "Small wins: fixed my sleep schedule for a whole week."),
    ("ru", "Сегодня был долгий, но хороший день."),
    ("en", "Sketching in the park. Not good yet, but fun."),
]
COMMENTS = ["Love this!", "So true.", "Beautiful 😍", "Tell me more?", "Same here!", "Congrats 🎉"]


def demo_image(rng: random.Random) -> bytes:
    """A small generated picture (two-colour gradient with circles), so demo posts have real images."""
    from PIL import Image, ImageDraw

    start, end = [tuple(rng.randrange(40, 230) for _ in range(3)) for _ in range(2)]
    image = Image.new("RGB", (640, 480))
    draw = ImageDraw.Draw(image)
    for y in range(480):
        mix = y / 479
        draw.line([(0, y), (639, y)], fill=tuple(int(a + (b - a) * mix) for a, b in zip(start, end, strict=True)))
    for _ in range(5):
        x, y, r = rng.randrange(640), rng.randrange(480), rng.randrange(20, 90)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=(255, 255, 255), width=4)
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85)
    return output.getvalue()


def seed_steps() -> int:
    return len(PEOPLE) * 3


def seed_demo(*, progress: Callable[[str], None] = lambda _: None) -> Iterator[DemoLogin]:
    """Create the demo people (once) and their follows. Yields each person; safe to run again."""
    ids: list[int] = []
    for index, (first, last, city, country, lat, lon, zone, locale) in enumerate(PEOPLE):
        rng = _rng(f"person:{index}")
        email = demo_email(first, last)
        handle = f"{first}_{last}".lower().encode("ascii", "ignore").decode()[:30]
        existing = user_id_by_handle(handle=handle)
        if existing is None:
            result = user_register(
                email=email,
                password=DEMO_PASSWORD,
                name=f"{first} {last}",
                handle=handle,
                intention=rng.choice(INTENTIONS),
                locale=locale,
                client=ClientInfo(ip="127.0.0.1", user_agent="seed"),
            )
            existing = result.account.id
            birth = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 30))
            personal_profile_update(
                user_id=existing,
                changes={
                    "first_name": first,
                    "last_name": last,
                    "birth_date": birth,
                    "birth_time": dt.time(rng.randrange(24), rng.randrange(60)),
                    "birth_timezone": zone,
                    "birth_city": city,
                    "birth_country": country,
                    "birth_lat": lat,
                    "birth_lon": lon,
                },
            )
            compatibility_profile_update(
                user_id=existing,
                changes={
                    "values": rng.sample(VALUES, 3),
                    "preferred_lifestyle": rng.sample(LIFESTYLES, 2),
                    "love_language": rng.sample(LOVE_LANGUAGES, 2),
                    "attachment_style": rng.choice(["secure", "anxious", "avoidant", "secure"]),
                    "relationship_goal": rng.choice(["friendship", "long_term", "not_sure"]),
                },
            )
        ids.append(existing)
        progress(f"person {index + 1}/{len(PEOPLE)}")
        yield DemoLogin(email=email, handle=handle, name=f"{first} {last}")
    for index, user_id in enumerate(ids):
        for other in _rng(f"follows:{index}").sample(ids, 6):
            if other != user_id:
                follow_create(follower_id=user_id, followee_id=other)
        progress(f"follows {index + 1}/{len(ids)}")
    _seed_posts(ids, progress)


def _seed_posts(ids: list[int], progress: Callable[[str], None]) -> None:
    """Two posts per person (some with a picture), then comments and likes on each other's posts. A person who
    already has posts is skipped, so a re-run adds nothing."""
    created: list[int] = []
    for index, user_id in enumerate(ids):
        rng = _rng(f"posts:{index}")
        if counts_get(user_ids=[user_id])[user_id].posts_count == 0:
            for number in range(2):
                language, text = rng.choice(POST_TEXTS)
                images = (
                    [SimpleUploadedFile(f"demo-{index}-{number}.jpg", demo_image(rng), "image/jpeg")]
                    if (rng.random() < 0.5)
                    else []
                )
                created.append(
                    post_create(
                        author_id=user_id,
                        text=text,
                        language=language,
                        visibility=rng.choice(["public", "public", "followers"]),
                        images=images,
                    )
                )
        progress(f"posts {index + 1}/{len(ids)}")
    for number, post_id in enumerate(created):
        rng = _rng(f"engagement:{number}")
        for fan in rng.sample(ids, 5):
            try:
                post_like(user_id=fan, post_id=post_id, like=True)
                if rng.random() < 0.4:
                    comment_create(author_id=fan, post_id=post_id, text=rng.choice(COMMENTS))
            except ApiError:
                continue  # a followers-only post the fan may not see
