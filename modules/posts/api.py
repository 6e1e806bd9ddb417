"""/api/v1/posts/…, /api/v1/users/{id}/posts/, /api/v1/comments/… and /api/v1/feed/…: four routers, each
mounted at its prefix by `selflink/api.py`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import CursorParams, PathId, error_responses, multipart_or_json_body, parse_json_or_form
from modules.core.public import ValidationFailed, rate_limit_enforce
from modules.posts import feeds, selectors, services
from modules.posts.schemas import (
    CommentCreateIn,
    CommentListParams,
    CommentOut,
    CommentPageOut,
    CommentPatch,
    FeedOut,
    FeedParams,
    FeedRulesOut,
    LikeStateOut,
    PostCreateIn,
    PostOut,
    PostPageOut,
    PostPatch,
)
from modules.social.http import UserPageOut

posts_router = Router(auth=bearer_auth, tags=["posts"])
user_posts_router = Router(auth=bearer_auth, tags=["posts"])  # /users/{id}/posts/, beside social's /users/…
comments_router = Router(auth=bearer_auth, tags=["comments"])
feed_router = Router(auth=bearer_auth, tags=["feed"])

UPLOAD_ERRORS = error_responses(400, 401, 413, 415, 422, 429)
FEED_RESPONSES = {200: FeedOut, **error_responses(400, 401, 422)}


def _viewer(request: HttpRequest) -> int:
    return current_principal(request).user_id


def _uploads(request: HttpRequest, schema, file_fields: tuple[str, ...]):
    """The body and its files; a file under another name is a 422 `unknown_field`, like any unknown field."""
    payload, files = parse_json_or_form(request, schema)
    unknown = sorted(set(files) - set(file_fields))
    if unknown:
        raise ValidationFailed(
            f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
            code="unknown_field",
            errors={name: ["Unknown field: this endpoint does not accept it."] for name in unknown},
        )
    return payload, files


# --- posts ----------------------------------------------------------------------------------------


@posts_router.post(
    "/",
    response={201: PostOut, **UPLOAD_ERRORS},
    summary="Publish a post: text and up to 4 images or one video (JSON or multipart)",
    openapi_extra=multipart_or_json_body(
        PostCreateIn,
        files={
            "images": "Up to 4 JPEG, PNG, WebP or GIF images (repeat the field).",
            "video": "One MP4 or QuickTime video.",
        },
    ),
)
def posts_create(request: HttpRequest):
    rate_limit_enforce(
        "post:user",
        str(_viewer(request)),
        settings.RATE_POSTS_PER_USER,
        detail="You are posting too fast. Try again in a moment.",
    )
    payload, files = _uploads(request, PostCreateIn, ("images", "video"))
    post_id = services.post_create(
        author_id=_viewer(request),
        text=payload.text,
        visibility=payload.visibility,
        language=payload.language,
        images=files.getlist("images"),
        videos=files.getlist("video"),
    )
    return Status(201, selectors.own_post_view(author_id=_viewer(request), post_id=post_id))


@posts_router.get(
    "/{post_id}/", response={200: PostOut, **error_responses(401, 404, 422)}, summary="A post you may see"
)
def posts_get(request: HttpRequest, post_id: PathId):
    return selectors.post_view(viewer_id=_viewer(request), post_id=post_id)


@posts_router.patch(
    "/{post_id}/",
    response={200: PostOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Edit your post's text, visibility or language",
)
def posts_update(request: HttpRequest, post_id: PathId, payload: PostPatch):
    services.post_update(author_id=_viewer(request), post_id=post_id, changes=payload.model_dump(exclude_unset=True))
    return selectors.post_view(viewer_id=_viewer(request), post_id=post_id)


@posts_router.delete(
    "/{post_id}/",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Delete your post with its comments, likes and media",
)
def posts_delete(request: HttpRequest, post_id: PathId):
    services.post_delete(author_id=_viewer(request), post_id=post_id)
    return Status(204, None)


@posts_router.post(
    "/{post_id}/like/",
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Like a post (idempotent)",
)
def posts_like(request: HttpRequest, post_id: PathId):
    return services.post_like(user_id=_viewer(request), post_id=post_id, like=True)


@posts_router.delete(
    "/{post_id}/unlike/",
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Remove your like (idempotent)",
)
def posts_unlike(request: HttpRequest, post_id: PathId):
    return services.post_like(user_id=_viewer(request), post_id=post_id, like=False)


@posts_router.get(
    "/{post_id}/likes/",
    response={200: UserPageOut, **error_responses(400, 401, 404, 422)},
    summary="Who liked a post",
)
def posts_likers(request: HttpRequest, post_id: PathId, params: Query[CursorParams]):
    return selectors.post_likers(viewer_id=_viewer(request), post_id=post_id, cursor=params.cursor, limit=params.limit)


@user_posts_router.get(
    "/{user_id}/posts/",
    response={200: PostPageOut, **error_responses(400, 401, 422)},
    summary="A user's posts that you may see",
)
def posts_of_user(request: HttpRequest, user_id: PathId, params: Query[CursorParams]):
    return selectors.posts_of_author(
        viewer_id=_viewer(request), author_id=user_id, cursor=params.cursor, limit=params.limit
    )


# --- comments -------------------------------------------------------------------------------------


@comments_router.get(
    "/",
    response={200: CommentPageOut, **error_responses(400, 401, 404, 422)},
    summary="A post's comments, oldest first (by cursor, or by page number)",
)
def comments_list(request: HttpRequest, params: Query[CommentListParams]):
    return selectors.comments_of_post(
        viewer_id=_viewer(request), post_id=params.post, cursor=params.cursor, limit=params.limit, page=params.page
    )


@comments_router.post(
    "/",
    response={201: CommentOut, **error_responses(400, 401, 404, 413, 415, 422, 429)},
    summary="Comment on a post (text and/or up to 4 images; optional parent on the same post)",
    openapi_extra=multipart_or_json_body(CommentCreateIn, files={"images": "Up to 4 images (repeat the field)."}),
)
def comments_create(request: HttpRequest):
    rate_limit_enforce(
        "comment:user",
        str(_viewer(request)),
        settings.RATE_COMMENTS_PER_USER,
        detail="You are commenting too fast. Try again in a moment.",
    )
    payload, files = _uploads(request, CommentCreateIn, ("images",))
    comment_id = services.comment_create(
        author_id=_viewer(request),
        post_id=payload.post,
        text=payload.text,
        parent_id=payload.parent,
        images=files.getlist("images"),
    )
    return Status(201, selectors.comment_view(viewer_id=_viewer(request), comment_id=comment_id))


@comments_router.patch(
    "/{comment_id}/",
    response={200: CommentOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Edit your comment",
)
def comments_update(request: HttpRequest, comment_id: PathId, payload: CommentPatch):
    services.comment_update(author_id=_viewer(request), comment_id=comment_id, text=payload.text)
    return selectors.comment_view(viewer_id=_viewer(request), comment_id=comment_id)


@comments_router.delete(
    "/{comment_id}/",
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Delete your comment (and the replies to it)",
)
def comments_delete(request: HttpRequest, comment_id: PathId):
    services.comment_delete(author_id=_viewer(request), comment_id=comment_id)
    return Status(204, None)


@comments_router.post(
    "/{comment_id}/like/",
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Like a comment (idempotent)",
)
def comments_like(request: HttpRequest, comment_id: PathId):
    return services.comment_like(user_id=_viewer(request), comment_id=comment_id, like=True)


@comments_router.delete(
    "/{comment_id}/unlike/",
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Remove your like",
)
def comments_unlike(request: HttpRequest, comment_id: PathId):
    return services.comment_like(user_id=_viewer(request), comment_id=comment_id, like=False)


# --- feeds ----------------------------------------------------------------------------------------
# One handler per feed (each its own path and operation id), all served by `feeds.feed_page`. The first page of
# a ranked feed stores a FeedSession (see `feeds.ranked_feed`).


def _feed(request: HttpRequest, feed: str, params: FeedParams) -> feeds.FeedPage:
    return feeds.feed_page(viewer_id=_viewer(request), feed=feed, cursor=params.cursor, limit=params.limit)


@feed_router.get("/for_you/", response=FEED_RESPONSES, summary="Ranked by the published formula; every item says why")
def feed_for_you(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "for_you", params)


@feed_router.get("/for_you_videos/", response=FEED_RESPONSES, summary="Ranked video posts")
def feed_for_you_videos(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "for_you_videos", params)


@feed_router.get("/following/", response=FEED_RESPONSES, summary="People you follow and you, newest first")
def feed_following(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "following", params)


@feed_router.get(
    "/following_videos/", response=FEED_RESPONSES, summary="Video posts of people you follow, newest first"
)
def feed_following_videos(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "following_videos", params)


@feed_router.get(
    "/home/",
    response=FEED_RESPONSES,
    summary="Home: your network, newest first (insight cards join as their modules arrive)",
)
def feed_home(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "home", params)


@feed_router.get(
    "/rules/",
    auth=None,
    response={200: FeedRulesOut},
    summary="How every feed is built: the formula, weights, candidates and order",
)
def feed_rules(request: HttpRequest):
    return feeds.rules()
