import pytest
from django.test import Client
from django.urls import reverse

from modules.posts.models import Comment, Post
from tests.factories import StaffFactory
from tests.posts.factories import CommentFactory, PostFactory
from tests.profiles.images import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_post_and_comment_admin_pages(staff_client, api):
    post_id = api.request("POST", "/posts/", data={"text": "pic", "images": [upload("a.jpg", image_bytes())]}).json()[
        "id"
    ]
    CommentFactory(post_id=post_id)
    listing = staff_client.get(reverse("admin:posts_post_changelist"), {"media": "images", "visibility": "public"})
    assert listing.status_code == 200 and b"<img" in listing.content
    assert staff_client.get(reverse("admin:posts_post_change", args=[post_id])).status_code == 200
    assert staff_client.get(reverse("admin:posts_comment_changelist")).status_code == 200


def test_moderation_removal_keeps_counters_right(staff_client):
    post = PostFactory()
    CommentFactory(post=post)
    response = staff_client.post(
        reverse("admin:posts_post_changelist"), {"action": "remove_posts", "_selected_action": [post.id]}
    )
    assert response.status_code == 302
    assert not Post.objects.exists() and not Comment.objects.exists()


def test_comment_moderation(staff_client):
    post = PostFactory()
    root = CommentFactory(post=post)
    CommentFactory(post=post, parent=root)
    Post.objects.filter(id=post.id).update(comment_count=2)
    staff_client.post(
        reverse("admin:posts_comment_changelist"), {"action": "remove_comments", "_selected_action": [root.id]}
    )
    post.refresh_from_db()
    assert post.comment_count == 0 and not Comment.objects.exists()
