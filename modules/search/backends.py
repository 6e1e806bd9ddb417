"""Search backends. PostgreSQL is the only one shipped; the interface is what another engine must provide.

Plugging in OpenSearch later: implement `SearchBackend` (index documents when posts and profiles change, through
a Dramatiq task fed by the owning modules' services; query with OpenSearch's relevance), and keep the two rules
the PostgreSQL backend enforces: results are filtered by the viewer's visibility and blocks *after* the engine
returns ids (re-checked against PostgreSQL, the source of truth), and pages use the same opaque cursor shape.
Select it with a setting; nothing in the API or the clients changes.
"""

from __future__ import annotations

from typing import Protocol

from modules.accounts.public import UserSummary, users_search
from modules.core.public import Page
from modules.posts.public import PostView, posts_search
from modules.social.public import blocked_either_way_ids


class SearchBackend(Protocol):
    def people(self, *, viewer_id: int, q: str, cursor: str | None, limit: int) -> Page[UserSummary]: ...

    def posts(
        self, *, viewer_id: int, q: str, language: str | None, cursor: str | None, limit: int
    ) -> Page[PostView]: ...


class PostgresSearch:
    """Trigram similarity for people (pg_trgm), ranked full-text search for posts (tsvector + GIN)."""

    def people(self, *, viewer_id: int, q: str, cursor: str | None, limit: int) -> Page[UserSummary]:
        return users_search(q=q, exclude_ids=blocked_either_way_ids(user_id=viewer_id), cursor=cursor, limit=limit)

    def posts(self, *, viewer_id: int, q: str, language: str | None, cursor: str | None, limit: int) -> Page[PostView]:
        return posts_search(viewer_id=viewer_id, q=q, language=language, cursor=cursor, limit=limit)


backend: SearchBackend = PostgresSearch()
