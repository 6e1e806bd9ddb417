"""Public interface of realtime: publish inside your transaction (`publish_many` for a fan-out in one statement);
register who may follow your topics."""

from modules.realtime.access import register_topic_authorizer, user_topic
from modules.realtime.events import RealtimeEvent, realtime_event
from modules.realtime.events import catalog_schemas as realtime_catalog_schemas
from modules.realtime.publishing import publish, publish_ephemeral, publish_many
from modules.realtime.runtime import hub_status

__all__ = [
    "RealtimeEvent",
    "hub_status",
    "publish",
    "publish_ephemeral",
    "publish_many",
    "realtime_catalog_schemas",
    "realtime_event",
    "register_topic_authorizer",
    "user_topic",
]
