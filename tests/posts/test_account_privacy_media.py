"""An account that goes private (or public again) takes its public posts' media with it: a job moves them to
the private area, so the permanent URLs handed out while it was public stop working."""

from __future__ import annotations

import dramatiq
import pytest
from django.core.files.storage import default_storage

from modules.media.models import MediaAsset
from modules.posts.tasks import posts_author_media_privacy_sync
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload
from tests.media.test_private_media import fetch, public_file, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def queued_authors(broker) -> list[int]:
    queue = broker.queues.get(posts_author_media_privacy_sync.queue_name)
    messages = [dramatiq.Message.decode(raw) for raw in list(queue.queue)] if queue else []
    return [m.args[0] for m in messages if m.actor_name == posts_author_media_privacy_sync.actor_name]


def test_going_private_moves_the_public_posts_media_and_going_public_brings_it_back(
    broker, django_capture_on_commit_callbacks
):
    author, reader = client_for(UserFactory()), client_for(UserFactory())
    post = author.request("POST", "/posts/", data={"text": "look", "images": [upload("a.jpg", image_bytes())]}).json()
    comment = reader.request(
        "POST", "/comments/", data={"post": str(post["id"]), "text": "x", "images": [upload("c.jpg", image_bytes())]}
    ).json()
    public_paths = [public_file(post["images"][0]["url"]), public_file(comment["images"][0]["url"])]

    with django_capture_on_commit_callbacks(execute=True):
        response = author.patch("/users/me/", {"settings": {"privacy": "private"}})
    assert response.status == 200, response
    assert queued_authors(broker) == [author.user.id]  # moved by a job: a large account has many files

    with django_capture_on_commit_callbacks(execute=True):
        posts_author_media_privacy_sync(author.user.id)
    assert not any(default_storage.exists(path) for path in public_paths)
    assert all(asset.path.startswith("private/") for asset in MediaAsset.objects.all())
    image = author.get(f"/posts/{post['id']}/").json()["images"][0]
    assert signed(image["url"]) and fetch(image["url"]).status_code == 200

    broker.flush_all()
    with django_capture_on_commit_callbacks(execute=True):
        author.patch("/users/me/", {"settings": {"privacy": "public"}})
        posts_author_media_privacy_sync(author.user.id)
    assert public_file(author.get(f"/posts/{post['id']}/").json()["images"][0]["url"]) == public_paths[0]
    assert not any(asset.path.startswith("private/") for asset in MediaAsset.objects.all())


def test_a_change_that_leaves_privacy_alone_moves_nothing(broker, django_capture_on_commit_callbacks):
    author = client_for(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        author.patch("/users/me/", {"bio": "hello", "settings": {"privacy": "public"}})
    assert queued_authors(broker) == []
