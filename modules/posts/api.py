"""/api/v1/posts/…, /api/v1/comments/… and /api/v1/feed/…"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Status

from modules.accounts.public import bearer_auth, current_principal
from modules.core.public import (
    CursorParams,
    PathId,
    ValidationFailed,
    error_responses,
    multipart_or_json_body,
    parse_json_or_form,
    rate_limit_enforce,
)
from modules.posts import feeds, selectors, services
from modules.posts.presenters import comment_out, feed_item_out, post_out
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
from modules.social.public import user_cards

router = Router(auth=bearer_auth)

UPLOAD_ERRORS = error_responses(400, 401, 413, 415, 422, 429)


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


def _post(request: HttpRequest, post_id: int) -> dict:
    return post_out(selectors.post_view(viewer_id=current_principal(request).user_id, post_id=post_id), request)


# --- posts ----------------------------------------------------------------------------------------


@router.post(
    "/posts/",
    operation_id="postsCreate",
    tags=["posts"],
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
        str(current_principal(request).user_id),
        settings.RATE_POSTS_PER_USER,
        detail="You are posting too fast. Try again in a moment.",
    )
    payload, files = _uploads(request, PostCreateIn, ("images", "video"))
    post = services.post_create(
        author_id=current_principal(request).user_id,
        text=payload.text,
        visibility=payload.visibility,
        language=payload.language,
        images=files.getlist("images"),
        videos=files.getlist("video"),
    )
    return Status(201, _post(request, post.id))


@router.get(
    "/posts/{post_id}/",
    operation_id="postsGet",
    tags=["posts"],
    response={200: PostOut, **error_responses(401, 404, 422)},
    summary="A post you may see",
)
def posts_get(request: HttpRequest, post_id: PathId):
    return _post(request, post_id)


@router.patch(
    "/posts/{post_id}/",
    operation_id="postsUpdate",
    tags=["posts"],
    response={200: PostOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Edit your post's text, visibility or language",
)
def posts_update(request: HttpRequest, post_id: PathId, payload: PostPatch):
    services.post_update(
        author_id=current_principal(request).user_id, post_id=post_id, changes=payload.model_dump(exclude_unset=True)
    )
    return _post(request, post_id)


@router.delete(
    "/posts/{post_id}/",
    operation_id="postsDelete",
    tags=["posts"],
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Delete your post with its comments, likes and media",
)
def posts_delete(request: HttpRequest, post_id: PathId):
    services.post_delete(author_id=current_principal(request).user_id, post_id=post_id)
    return Status(204, None)


@router.post(
    "/posts/{post_id}/like/",
    operation_id="postsLike",
    tags=["posts"],
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Like a post (idempotent)",
)
def posts_like(request: HttpRequest, post_id: PathId):
    return services.post_like(user_id=current_principal(request).user_id, post_id=post_id, like=True)


@router.delete(
    "/posts/{post_id}/unlike/",
    operation_id="postsUnlike",
    tags=["posts"],
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Remove your like (idempotent)",
)
def posts_unlike(request: HttpRequest, post_id: PathId):
    return services.post_like(user_id=current_principal(request).user_id, post_id=post_id, like=False)


@router.get(
    "/posts/{post_id}/likes/",
    operation_id="postsLikers",
    tags=["posts"],
    response={200: UserPageOut, **error_responses(400, 401, 404, 422)},
    summary="Who liked a post",
)
def posts_likers(request: HttpRequest, post_id: PathId, params: Query[CursorParams]):
    viewer = current_principal(request).user_id
    page = selectors.post_likers(viewer_id=viewer, post_id=post_id, cursor=params.cursor, limit=params.limit)
    return {"results": user_cards(viewer_id=viewer, user_ids=page.results), "next": page.next}


@router.get(
    "/users/{user_id}/posts/",
    operation_id="postsOfUser",
    tags=["posts"],
    response={200: PostPageOut, **error_responses(400, 401, 422)},
    summary="A user's posts that you may see",
)
def posts_of_user(request: HttpRequest, user_id: PathId, params: Query[CursorParams]):
    viewer = current_principal(request).user_id
    page = selectors.posts_of_author(viewer_id=viewer, author_id=user_id, cursor=params.cursor, limit=params.limit)
    return {"results": [post_out(view, request) for view in page.results], "next": page.next}


# --- comments -------------------------------------------------------------------------------------


def _comment(request: HttpRequest, comment_id: int) -> dict:
    viewer = current_principal(request).user_id
    comment = selectors.comment_get(viewer_id=viewer, comment_id=comment_id)
    return comment_out(selectors.comment_views([comment], viewer_id=viewer)[0], request)


@router.get(
    "/comments/",
    operation_id="commentsList",
    tags=["comments"],
    response={200: CommentPageOut, **error_responses(400, 401, 404, 422)},
    summary="A post's comments, oldest first (by cursor, or by page number)",
)
def comments_list(request: HttpRequest, params: Query[CommentListParams]):
    page = selectors.comments_of_post(
        viewer_id=current_principal(request).user_id,
        post_id=params.post,
        cursor=params.cursor,
        limit=params.limit,
        page=params.page,
    )
    return {"results": [comment_out(view, request) for view in page.results], "next": page.next}


@router.post(
    "/comments/",
    operation_id="commentsCreate",
    tags=["comments"],
    response={201: CommentOut, **error_responses(400, 401, 404, 413, 415, 422, 429)},
    summary="Comment on a post (text and/or up to 4 images; optional parent on the same post)",
    openapi_extra=multipart_or_json_body(CommentCreateIn, files={"images": "Up to 4 images (repeat the field)."}),
)
def comments_create(request: HttpRequest):
    rate_limit_enforce(
        "comment:user",
        str(current_principal(request).user_id),
        settings.RATE_COMMENTS_PER_USER,
        detail="You are commenting too fast. Try again in a moment.",
    )
    payload, files = _uploads(request, CommentCreateIn, ("images",))
    comment = services.comment_create(
        author_id=current_principal(request).user_id,
        post_id=payload.post,
        text=payload.text,
        parent_id=payload.parent,
        images=files.getlist("images"),
    )
    return Status(201, _comment(request, comment.id))


@router.patch(
    "/comments/{comment_id}/",
    operation_id="commentsUpdate",
    tags=["comments"],
    response={200: CommentOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Edit your comment",
)
def comments_update(request: HttpRequest, comment_id: PathId, payload: CommentPatch):
    services.comment_update(author_id=current_principal(request).user_id, comment_id=comment_id, text=payload.text)
    return _comment(request, comment_id)


@router.delete(
    "/comments/{comment_id}/",
    operation_id="commentsDelete",
    tags=["comments"],
    response={204: None, **error_responses(401, 403, 404, 422)},
    summary="Delete your comment (and the replies to it)",
)
def comments_delete(request: HttpRequest, comment_id: PathId):
    services.comment_delete(author_id=current_principal(request).user_id, comment_id=comment_id)
    return Status(204, None)


@router.post(
    "/comments/{comment_id}/like/",
    operation_id="commentsLike",
    tags=["comments"],
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Like a comment (idempotent)",
)
def comments_like(request: HttpRequest, comment_id: PathId):
    return services.comment_like(user_id=current_principal(request).user_id, comment_id=comment_id, like=True)


@router.delete(
    "/comments/{comment_id}/unlike/",
    operation_id="commentsUnlike",
    tags=["comments"],
    response={200: LikeStateOut, **error_responses(401, 404, 422)},
    summary="Remove your like",
)
def comments_unlike(request: HttpRequest, comment_id: PathId):
    return services.comment_like(user_id=current_principal(request).user_id, comment_id=comment_id, like=False)


# --- feeds ----------------------------------------------------------------------------------------


def _feed(request: HttpRequest, feed: str, params: FeedParams) -> dict:
    viewer = current_principal(request).user_id
    if feed in feeds.WEIGHTS:
        page = feeds.ranked_feed(viewer_id=viewer, feed=feed, cursor=params.cursor, limit=params.limit)
    else:
        page = feeds.chronological_feed(viewer_id=viewer, feed=feed, cursor=params.cursor, limit=params.limit)
    return {"items": [feed_item_out(view, request) for view in page.items], "next": page.next}


FEED_RESPONSES = {200: FeedOut, **error_responses(400, 401, 422)}


@router.get(
    "/feed/for_you/",
    operation_id="feedForYou",
    tags=["feed"],
    response=FEED_RESPONSES,
    summary="Ranked by the published formula; every item says why",
)
def feed_for_you(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "for_you", params)


@router.get(
    "/feed/for_you_videos/",
    operation_id="feedForYouVideos",
    tags=["feed"],
    response=FEED_RESPONSES,
    summary="Ranked video posts",
)
def feed_for_you_videos(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "for_you_videos", params)


@router.get(
    "/feed/following/",
    operation_id="feedFollowing",
    tags=["feed"],
    response=FEED_RESPONSES,
    summary="People you follow and you, newest first",
)
def feed_following(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "following", params)


@router.get(
    "/feed/following_videos/",
    operation_id="feedFollowingVideos",
    tags=["feed"],
    response=FEED_RESPONSES,
    summary="Video posts of people you follow, newest first",
)
def feed_following_videos(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "following_videos", params)


@router.get(
    "/feed/home/",
    operation_id="feedHome",
    tags=["feed"],
    response=FEED_RESPONSES,
    summary="Home: your network, newest first (insight cards join as their modules arrive)",
)
def feed_home(request: HttpRequest, params: Query[FeedParams]):
    return _feed(request, "home", params)


@router.get(
    "/feed/rules/",
    operation_id="feedRules",
    tags=["feed"],
    auth=None,
    response={200: FeedRulesOut},
    summary="How every feed is built: the formula, weights, candidates and order",
)
def feed_rules(request: HttpRequest):
    return feeds.rules()
