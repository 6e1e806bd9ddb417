"""Notification rows → response dicts: actor cards with absolute photo URLs and the rendered summary.

Names are read when the notification is shown, not when it was created, so renamed accounts show their new name.
Actors who are deactivated, or blocked either way with the viewer, are left out of the cards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.http import HttpRequest

from modules.accounts.public import user_summaries
from modules.media.public import media_url
from modules.notifications.models import Notification
from modules.notifications.schemas import NotificationOut
from modules.notifications.text import summary

# social imports notifications (follow notifications): bind the module, read its names at call time.
from modules.social import public as social


def _display_name(card) -> str:
    return card.name.strip() or f"@{card.handle}"


def notifications_out(
    rows: Sequence[Notification],
    *,
    viewer_id: int,
    request: HttpRequest | None = None,
    actor_cards: Mapping | None = None,
) -> list[dict]:
    """`actor_cards`: the summaries of the actors by id, when the caller already read them and knows none of them
    is blocked with the viewer (no further queries)."""
    actor_ids = {actor_id for row in rows for actor_id in row.actor_ids}
    if actor_cards is not None:
        cards = actor_cards
    else:
        hidden = social.blocked_either_way_ids(user_id=viewer_id) if actor_ids else set()
        cards = user_summaries(user_ids=actor_ids - hidden) if actor_ids else {}
    out = []
    for row in rows:
        actors = [cards[actor_id] for actor_id in row.actor_ids if actor_id in cards]
        out.append(
            {
                "id": row.id,
                "type": row.type,
                "actors": [
                    {
                        "id": card.id,
                        "name": card.name,
                        "handle": card.handle,
                        "photo": media_url(card.photo_path, request),
                    }
                    for card in actors
                ],
                "actor_count": row.actor_count,
                "summary": summary(
                    type=row.type,
                    names=[_display_name(card) for card in actors],
                    actor_count=row.actor_count,
                    target_type=row.target_type,
                    text=row.text,
                ),
                "text": row.text,
                "target": {"type": row.target_type, "id": row.target_id} if row.target_id is not None else None,
                "data": row.data or {},
                "created_at": row.created_at,
                "updated_at": row.updated_at,
                "read": row.read_at is not None,
            }
        )
    return out


def notification_out(row: Notification, *, viewer_id: int, request: HttpRequest | None = None) -> dict:
    return notifications_out([row], viewer_id=viewer_id, request=request)[0]


def notification_model(row: Notification, *, actor_cards: Mapping | None = None) -> NotificationOut:
    """A notification for realtime events (absolute URLs from PUBLIC_BASE_URL)."""
    out = notifications_out([row], viewer_id=row.recipient_id, actor_cards=actor_cards)[0]
    return NotificationOut.model_validate(out)
