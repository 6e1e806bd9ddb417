"""/api/v1/search/users/ and /api/v1/search/posts/ (PostgreSQL; no external engine)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import CursorParams, error_responses
from modules.posts.http import PostPageOut
from modules.posts.public import posts_search
from modules.search.selectors import people_search
from modules.social.http import PersonOut
from modules.social.public import people


class SearchParams(CursorParams):
    q: str = Field(min_length=1, max_length=200, description='Words; for posts also "phrases", -exclusions, or')
    limit: int | None = Field(None, ge=1, le=50, description="Page size (1–50; default 20).")
    page_size: int | None = Field(None, ge=1, le=50, description="Another name for `limit`.")


router = Router(tags=["search"], auth=bearer_auth)


def _next_link(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return f'<{request.build_absolute_uri(f"{request.path}?{query.urlencode()}")}>; rel="next"'


@router.get(
    "/users/",
    response={200: list[PersonOut], **error_responses(400, 401, 422)},
    summary="People by handle or name (typo-tolerant), best match first",
    description="A bare array (what the mobile app maps over), not a `{results, next}` page: `limit` bounds it, "
    'and when more matches follow, the `Link` header names the next page (`<URL>; rel="next"`, the URL carries '
    "`cursor=`).",
    openapi_extra={
        "responses": {
            200: {
                "headers": {
                    "Link": {
                        "description": 'The next page, `<URL>; rel="next"`, when more matches follow.',
                        "schema": {"type": "string"},
                    }
                }
            }
        }
    },
)
def search_users(request: HttpRequest, response: HttpResponse, params: Query[SearchParams]):
    viewer = current_principal(request).user_id
    page = people_search(viewer_id=viewer, q=params.q, cursor=params.cursor, limit=params.limit)
    if page.next:
        response["Link"] = _next_link(request, page.next)
    return people(viewer_id=viewer, summaries=page.results)


@router.get(
    "/posts/",
    response={200: PostPageOut, **error_responses(400, 401, 422)},
    summary="Posts you may see, by full-text relevance (stemmed in your language and word by word)",
)
def search_posts(request: HttpRequest, params: Query[SearchParams]):
    language = (request.headers.get("Accept-Language") or "").split(",")[0].strip()
    return posts_search(
        viewer_id=current_principal(request).user_id,
        q=params.q,
        language=language,
        cursor=params.cursor,
        limit=params.limit,
    )
