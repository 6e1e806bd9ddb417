import pytest
from django.core.management import call_command

from modules.accounts.models import User
from modules.ops.demo import DEMO_PASSWORD, PEOPLE
from modules.social.models import Follow, UserStats

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    users, follows = User.objects.count(), Follow.objects.count()
    assert users == len(PEOPLE) + 1  # the people and one staff account
    assert follows > len(PEOPLE)
    call_command("seed_demo")
    assert (User.objects.count(), Follow.objects.count()) == (users, follows)
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output and "admin@demo.selflink.dev" in output


def test_seed_demo_counters_match_the_graph():
    call_command("seed_demo", "--quiet-logins")
    for stats in UserStats.objects.all():
        assert stats.followers_count == Follow.objects.filter(followee_id=stats.user_id).count()
        assert stats.following_count == Follow.objects.filter(follower_id=stats.user_id).count()


def test_seed_demo_once_skips_when_seeded(capsys):
    call_command("seed_demo", "--quiet-logins")
    call_command("seed_demo", "--once")
    assert "already present" in capsys.readouterr().out


def test_demo_people_can_sign_in(anon):
    call_command("seed_demo", "--quiet-logins")
    response = anon.post("/auth/login/", {"email": "ana.kapanadze@demo.selflink.dev", "password": DEMO_PASSWORD})
    assert response.status == 200


def test_seed_demo_refuses_production(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(Exception, match="production"):
        call_command("seed_demo")


def test_seed_demo_grows_to_posts_with_images_comments_and_likes(settings, tmp_path):
    from modules.media.models import MediaAsset
    from modules.posts.models import Comment, Post, PostLike

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("seed_demo", "--quiet-logins")
    posts, likes, comments = Post.objects.count(), PostLike.objects.count(), Comment.objects.count()
    assert posts == 2 * len(PEOPLE)
    assert MediaAsset.objects.filter(kind="image").exists() and likes > posts and comments > 0
    call_command("seed_demo", "--quiet-logins")
    assert (Post.objects.count(), PostLike.objects.count(), Comment.objects.count()) == (posts, likes, comments)
