"""Posts, comments and likes. Counters are kept in the same transaction as the rows they count."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

# Languages with a PostgreSQL stemmer; any other language (Georgian included) is indexed word by word.
TEXT_SEARCH_CONFIGS = {
    "en": "english",
    "ru": "russian",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "tr": "turkish",
    "nl": "dutch",
    "sv": "swedish",
}


class LanguageSearchConfig(Func):
    """The text-search configuration of a post's language, as a constant-folded (immutable) CASE."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        cases = " ".join(f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in TEXT_SEARCH_CONFIGS.items())
        return f"CASE {column} {cases} ELSE 'simple'::regconfig END", params


class PostSearchVector(Func):
    """Stemmed words in the post's language plus every word as written, so both kinds of query match."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection, **extra):
        config, config_params = compiler.compile(self.source_expressions[0])
        text, text_params = compiler.compile(self.source_expressions[1])
        return (
            f"(to_tsvector({config}, {text}) || to_tsvector('simple'::regconfig, {text}))",
            [*config_params, *text_params, *text_params],
        )


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    FOLLOWERS = "followers", "My followers"
    PRIVATE = "private", "Only me"


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=5000, blank=True)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code of the text.")
    has_video = models.BooleanField(default=False)
    media_count = models.PositiveSmallIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=PostSearchVector(LanguageSearchConfig(F("language")), F("text")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="post_visibility_known"),
            models.CheckConstraint(condition=Q(language__regex=r"^[a-z]{2}$"), name="post_language_code"),
            models.CheckConstraint(condition=~Q(text="") | Q(media_count__gt=0), name="post_not_empty"),
            models.CheckConstraint(condition=Q(media_count__lte=4), name="post_media_at_most_4"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="post_recent_idx"),
            models.Index(fields=["author", "-created_at", "-id"], name="post_author_recent_idx"),
            models.Index(fields=["-created_at", "-id"], condition=Q(has_video=True), name="post_video_recent_idx"),
            GinIndex(fields=["search_vector"], name="post_search_idx"),
        ]

    def __str__(self) -> str:
        return f"post {self.id} by {self.author_id}"


class PostMedia(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.RESTRICT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="postmedia_position_unique"),
            models.UniqueConstraint(fields=["asset"], name="postmedia_asset_once"),
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"media {self.asset_id} of post {self.post_id}"


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="postlike_unique")]
        indexes = [
            models.Index(fields=["post", "-created_at"], name="postlike_post_recent_idx"),
            models.Index(fields=["user", "-created_at"], name="postlike_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes post {self.post_id}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=2000, blank=True)
    media_count = models.PositiveSmallIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(text="") | Q(media_count__gt=0), name="comment_not_empty"),
            models.CheckConstraint(condition=Q(media_count__lte=4), name="comment_media_at_most_4"),
        ]
        indexes = [
            models.Index(fields=["post", "created_at", "id"], name="comment_post_order_idx"),
            models.Index(fields=["post", "-created_at"], name="comment_post_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"comment {self.id} on post {self.post_id}"


class CommentMedia(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.RESTRICT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "position"], name="commentmedia_position_unique"),
            models.UniqueConstraint(fields=["asset"], name="commentmedia_asset_once"),
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"media {self.asset_id} of comment {self.comment_id}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="commentlike_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} likes comment {self.comment_id}"


class FeedSession(models.Model):
    """A ranked feed computed once and paged through: new posts or changing likes never shift the pages
    a client is reading (they appear on the next refresh). Purged after a few hours."""

    id = models.UUIDField(primary_key=True)
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    feed = models.CharField(max_length=32)
    rules_version = models.PositiveSmallIntegerField()
    items = models.JSONField(help_text="Ranked post ids with the inputs and contributions that explain each.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.feed} feed of {self.viewer_id} at {self.created_at:%H:%M:%S}"
