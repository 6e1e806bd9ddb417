import factory
from factory.django import DjangoModelFactory

from modules.posts.models import Comment, CommentLike, CommentMedia, FeedSession, Post, PostLike, PostMedia
from tests.factories import UserFactory


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    text = factory.Faker("sentence")
    visibility = "public"
    language = "en"


class PostLikeFactory(DjangoModelFactory):
    class Meta:
        model = PostLike

    post = factory.SubFactory(PostFactory)
    user = factory.SubFactory(UserFactory)


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Faker("sentence")


class CommentLikeFactory(DjangoModelFactory):
    class Meta:
        model = CommentLike

    comment = factory.SubFactory(CommentFactory)
    user = factory.SubFactory(UserFactory)


class PostMediaFactory(DjangoModelFactory):
    class Meta:
        model = PostMedia

    post = factory.SubFactory(PostFactory)
    position = factory.Sequence(lambda n: n % 4)


class CommentMediaFactory(DjangoModelFactory):
    class Meta:
        model = CommentMedia

    comment = factory.SubFactory(CommentFactory)
    position = 0


class FeedSessionFactory(DjangoModelFactory):
    class Meta:
        model = FeedSession

    id = factory.Faker("uuid4", cast_to=None)
    viewer = factory.SubFactory(UserFactory)
    feed = "for_you"
    rules_version = 1
    items = factory.LazyFunction(list)
