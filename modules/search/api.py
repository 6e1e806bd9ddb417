"""/api/v1/search/users/ and /api/v1/search/posts/ (PostgreSQL; no external engine)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router

from modules.accounts.public import bearer_auth, current_principal
from modules.core.public import CursorParams, error_responses
from modules.posts.public import PostPageOut, post_out
from modules.search.backends import backend
from modules.social.public import UserPageOut, following_among


class SearchParams(CursorParams):
    q: str = Field(min_length=1, max_length=200, description='Words; for posts also "phrases", -exclusions, or')
    limit: int | None = Field(None, ge=1, le=50, description="Page size (1–50; default 20).")
    page_size: int | None = Field(None, ge=1, le=50, description="Another name for `limit`.")


router = Router(tags=["search"], auth=bearer_auth)


@router.get(
    "/search/users/",
    operation_id="searchUsers",
    response={200: UserPageOut, **error_responses(400, 401, 422)},
    summary="People by handle or name (typo-tolerant), best match first",
)
def search_users(request: HttpRequest, params: Query[SearchParams]):
    viewer = current_principal(request).user_id
    page = backend.people(viewer_id=viewer, q=params.q, cursor=params.cursor, limit=params.limit)
    followed = following_among(viewer_id=viewer, user_ids=[s.id for s in page.results])
    return {"results": [{**s.__dict__, "is_following": s.id in followed} for s in page.results], "next": page.next}


@router.get(
    "/search/posts/",
    operation_id="searchPosts",
    response={200: PostPageOut, **error_responses(400, 401, 422)},
    summary="Posts you may see, by full-text relevance (stemmed in your language and word by word)",
)
def search_posts(request: HttpRequest, params: Query[SearchParams]):
    viewer = current_principal(request).user_id
    language = (request.headers.get("Accept-Language") or "").split(",")[0].strip()
    page = backend.posts(viewer_id=viewer, q=params.q, language=language, cursor=params.cursor, limit=params.limit)
    return {"results": [post_out(view, request) for view in page.results], "next": page.next}
