"""Full-text search over posts, in PostgreSQL, respecting visibility and blocks."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, FloatField
from django.db.models.functions import Cast

from modules.core.public import Page, ValidationFailed, paginate_ranked
from modules.posts.models import TEXT_SEARCH_CONFIGS
from modules.posts.selectors import Audience, PostView, post_views, visible_posts


def posts_search(*, viewer_id: int, q: str, language: str | None, cursor: str | None, limit: int) -> Page[PostView]:
    """Posts matching `q` (web-search syntax: words, "phrases", -exclusions, or), best match first.

    Each post is indexed twice: stemmed in its own language and word by word. The query is parsed the same two
    ways (the viewer's language for stemming), so "кошки" finds "кошка" in Russian posts and any exact word
    matches in every language.
    """
    q = q.strip()
    if len(q) < 2:
        raise ValidationFailed.for_field("q", "Search for at least 2 characters.", code="query_too_short")
    config = TEXT_SEARCH_CONFIGS.get((language or "")[:2], "simple")
    query = SearchQuery(q, search_type="websearch", config="simple") | SearchQuery(
        q, search_type="websearch", config=config
    )
    queryset = (
        visible_posts(Audience.of(viewer_id))
        .filter(search_vector=query)
        # double precision, so the cursor carries the exact value (a float4 loses digits in transit)
        .annotate(rank=Cast(SearchRank(F("search_vector"), query, cover_density=True), FloatField()))
    )
    page = paginate_ranked(queryset, score="rank", tag=f"search:posts:{q}", cursor=cursor, limit=limit)
    return Page(results=post_views(page.results, viewer_id=viewer_id), next=page.next)
