"""The one NinjaAPI: mounts every module's router under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import autodiscover_modules
from ninja import NinjaAPI

from modules.accounts.api import router as auth_router
from modules.core.public import ERROR_CODES, EXTRA_OPENAPI_SCHEMAS, SafeParser, install_error_handlers
from modules.mentor.api import router as mentor_router
from modules.messaging.api import messages_router, threads_router
from modules.notifications.api import devices_router
from modules.notifications.api import router as notifications_router
from modules.ops.api import router as health_router
from modules.posts.api import comments_router, feed_router, posts_router, user_posts_router
from modules.profiles.api import router as profiles_router
from modules.realtime.api import router as realtime_router
from modules.realtime.public import realtime_catalog_schemas
from modules.rewards.api import router as rewards_router
from modules.search.api import router as search_router
from modules.social.api import router as users_router

DESCRIPTION = """
The SelfLink API. Conventions, the same on every endpoint:

* **Auth**: `Authorization: Bearer <access token>` (from `authLogin`/`authRegister`, renewed with `authRefresh`).
* **Errors**: `{"detail": "...", "code": "machine_code"}`, plus `"errors": {"field": ["message"]}` on 422.
* **Paging**: `?cursor=&limit=` → `{"results": [...], "next": "<opaque>" | null}`; a bad cursor is a 400
  `invalid_cursor`.
* **IDs** are integers below 2^53 (safe as JavaScript numbers) or UUID strings.
* **Realtime**: `/ws` (WebSocket) and `eventsStream` (SSE) carry `RealtimeFrame`s; every event type has its
  schema here.

`docs/API.md` in the repository lists the conventions and each endpoint that departs from them.
"""

# Every module's error codes (`errors.py`) and realtime events (`events.py`) register themselves on import.
autodiscover_modules("errors", "events")

ERROR_CODE_REF = {"$ref": "#/components/schemas/ErrorCode"}


def error_code_schema() -> dict[str, Any]:
    return {
        "title": "ErrorCode",
        "type": "string",
        "enum": sorted(ERROR_CODES),
        "description": "Every `code` an error can carry (HTTP bodies, realtime `error` frames, mentor stream "
        "`error` events):\n\n" + "\n".join(f"* `{code}`: {ERROR_CODES[code]}" for code in sorted(ERROR_CODES)),
    }


class SelfLinkAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """Operation ids are the view function's name in camelCase (`users_me_update` → `usersMeUpdate`): one
        rule, so a handler's name is its id in every generated client."""
        first, *rest = operation.view_func.__name__.split("_")
        return first + "".join(part.title() for part in rest)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in sorted(EXTRA_OPENAPI_SCHEMAS.items()):
            components.setdefault(name, model.model_json_schema(ref_template="#/components/schemas/{model}"))
        for name, definition in realtime_catalog_schemas().items():
            components.setdefault(name, definition)
        components["ErrorCode"] = error_code_schema()
        for name in ("ErrorOut", "ValidationErrorOut", "ErrorFrame"):
            components[name]["properties"]["code"] = {**ERROR_CODE_REF}
        return schema


api = SelfLinkAPI(
    title="SelfLink API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    parser=SafeParser(),
    docs_url=None,  # served at /api/docs/ (see selflink.urls)
)
install_error_handlers(api)

api.add_router("/health", health_router)
api.add_router("/auth", auth_router)
api.add_router("/users", users_router)
api.add_router("", profiles_router)
api.add_router("/posts", posts_router)
api.add_router("/users", user_posts_router)
api.add_router("/comments", comments_router)
api.add_router("/feed", feed_router)
api.add_router("/search", search_router)
api.add_router("/events", realtime_router)
api.add_router("/notifications", notifications_router)
api.add_router("/devices", devices_router)
api.add_router("/threads", threads_router)
api.add_router("/messages", messages_router)
api.add_router("/mentor", mentor_router)
api.add_router("/rewards", rewards_router)
