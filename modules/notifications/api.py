"""/api/v1/notifications/… (`router`) and /api/v1/devices/… (`devices_router`)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import CursorParams, PathId, error_responses
from modules.notifications import selectors, services
from modules.notifications.schemas import (
    DeviceIn,
    DeviceOut,
    DevicePageOut,
    NotificationListParams,
    NotificationOut,
    NotificationPageOut,
    PreferencesOut,
    PreferencesPatch,
    ReadAllOut,
    UnreadCountOut,
)

router = Router(auth=bearer_auth, tags=["notifications"])
devices_router = Router(auth=bearer_auth, tags=["devices"])


# --- notifications --------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: NotificationPageOut, **error_responses(400, 401, 422)},
    summary="Your notifications, most recently updated first (likes on one target are grouped while unread)",
)
def notifications_list(request: HttpRequest, params: Query[NotificationListParams]):
    user_id = current_principal(request).user_id
    return selectors.notifications_page(user_id=user_id, unread=params.unread, cursor=params.cursor, limit=params.limit)


@router.post(
    "/{notification_id}/read/",
    response={200: NotificationOut, **error_responses(401, 404, 422)},
    summary="Mark one of your notifications read (idempotent)",
)
def notifications_read(request: HttpRequest, notification_id: PathId):
    return services.notification_mark_read(user_id=current_principal(request).user_id, notification_id=notification_id)


@router.post(
    "/read-all/",
    response={200: ReadAllOut, **error_responses(401)},
    summary="Mark all your notifications read; says how many were unread",
)
def notifications_read_all(request: HttpRequest):
    return {"marked": services.notifications_mark_all_read(user_id=current_principal(request).user_id)}


@router.get(
    "/unread-count/",
    response={200: UnreadCountOut, **error_responses(401)},
    summary="How many of your notifications are unread (the badge)",
)
def notifications_unread_count(request: HttpRequest):
    return {"count": selectors.unread_count(user_id=current_principal(request).user_id)}


@router.get(
    "/preferences/",
    response={200: PreferencesOut, **error_responses(401, 404)},
    summary="Your notification switches per type, push master switch, quiet hours and their time zone",
)
def notifications_preferences_get(request: HttpRequest):
    return selectors.preferences_get(user_id=current_principal(request).user_id)


@router.patch(
    "/preferences/",
    response={200: PreferencesOut, **error_responses(400, 401, 404, 422)},
    summary="Change some notification preferences (send only what changes)",
    description=(
        "`types.<type>.in_app: false` stops recording that type at all; `push: false` keeps it in the list but "
        "never pushes it. Quiet hours (no push; the notification is still listed) and `push_enabled` are account "
        "settings, shared with `usersMeUpdate`; `time_zone` says which wall clock the quiet hours follow."
    ),
)
def notifications_preferences_update(request: HttpRequest, payload: PreferencesPatch):
    return services.preferences_update(
        user_id=current_principal(request).user_id, changes=payload.model_dump(exclude_unset=True)
    )


# --- devices --------------------------------------------------------------------------------------


@devices_router.post(
    "/",
    response={201: DeviceOut, 200: DeviceOut, **error_responses(400, 401, 409, 422)},
    summary="Register this device's push token (idempotent: 201 when new for you, 200 when already yours)",
    description=(
        "Platforms:\n\n"
        "* `expo`: an Expo push token (`ExponentPushToken[…]`), delivered through the Expo push service. Use this "
        "on iOS and Android.\n"
        "* `fcm`: a native Firebase Cloud Messaging registration token, delivered with FCM HTTP v1. Accepted only "
        "when the server is configured with FCM credentials; otherwise **422 `platform_unavailable`**.\n"
        "* `apns`: **always refused with 422 `platform_unsupported`** — raw APNs tokens are not delivered to "
        "(register an Expo token, or an FCM token through Firebase, on iOS).\n\n"
        "A token belongs to one account. A token another account registered moves to you only once that account's "
        "session on the device has ended (it signed out there); while it is signed in, **409 `device_token_in_use`** "
        "and the token stays with it. Tokens "
        "are never shown again in full (`token_hint`). Register again at every app start, and delete the device "
        "(`devicesDelete`) when the user signs out."
    ),
)
def devices_register(request: HttpRequest, payload: DeviceIn):
    principal = current_principal(request)
    registration = services.device_register(
        user_id=principal.user_id, platform=payload.platform, token=payload.token, session_id=principal.session_id
    )
    return Status(201 if registration.created else 200, registration.device)


@devices_router.get(
    "/",
    response={200: DevicePageOut, **error_responses(400, 401, 422)},
    summary="Your registered push devices",
)
def devices_list(request: HttpRequest, params: Query[CursorParams]):
    return selectors.devices_page(user_id=current_principal(request).user_id, cursor=params.cursor, limit=params.limit)


@devices_router.delete(
    "/{device_id}/",
    response={204: None, **error_responses(401, 404, 422)},
    summary="Stop pushing to one of your devices",
)
def devices_delete(request: HttpRequest, device_id: PathId):
    services.device_delete(user_id=current_principal(request).user_id, device_id=device_id)
    return Status(204, None)
