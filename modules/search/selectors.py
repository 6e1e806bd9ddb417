"""Search reads, in PostgreSQL: people by trigram similarity (pg_trgm, in accounts), posts by ranked full-text
search (tsvector + GIN, in posts, which applies visibility and blocks).

Another engine (OpenSearch) would plug in here, when there is a reason for one: documents indexed by a Dramatiq
task fed by the owning modules' services, and two rules kept: results filtered by the viewer's visibility and
blocks *after* the engine returns ids (re-checked against PostgreSQL, the source of truth), and pages with the
same opaque cursor shape, so nothing in the API or the clients changes.
"""

from __future__ import annotations

from modules.accounts.public import UserSummary, users_search
from modules.core.public import Page
from modules.social.public import blocked_either_way_ids


def people_search(*, viewer_id: int, q: str, cursor: str | None, limit: int) -> Page[UserSummary]:
    """Active people matching `q` by handle or name, best match first, without anyone blocked either way."""
    return users_search(q=q, exclude_ids=blocked_either_way_ids(user_id=viewer_id), cursor=cursor, limit=limit)
