"""Public interface of realtime: publish inside your transaction; register who may follow your topics."""

from modules.realtime.access import register_topic_authorizer, user_topic
from modules.realtime.publishing import publish, publish_ephemeral
from modules.realtime.runtime import hub_status

__all__ = ["hub_status", "publish", "publish_ephemeral", "register_topic_authorizer", "user_topic"]
