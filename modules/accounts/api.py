"""/api/v1/auth/…: sign-up, sign-in, token refresh, sign-out, password and sessions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from modules.accounts import selectors, services
from modules.accounts.auth import bearer_auth, current_principal, viewer_id
from modules.accounts.schemas import (
    AuthOut,
    LoginIn,
    PasswordChangedOut,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    SessionOut,
    TokenPairOut,
)
from modules.accounts.signin import device_cookie_set, device_from_request
from modules.core.http import error_responses
from modules.core.public import client_ip, rate_limit_enforce

router = Router(tags=["auth"])


def _client(request: HttpRequest, device: str = "") -> services.ClientInfo:
    return services.ClientInfo(ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""), device=device)


@router.post(
    "/register/",
    response={201: AuthOut, **error_responses(400, 409, 422, 429, 503)},
    summary="Create an account and sign in",
)
def auth_register(request: HttpRequest, payload: RegisterIn):
    rate_limit_enforce(
        "register:ip",
        client_ip(request),
        settings.RATE_REGISTER_PER_IP,
        detail="Too many sign-ups from this network. Try again later.",
    )
    result = services.user_register(
        email=payload.email,
        password=payload.password,
        name=payload.name,
        handle=payload.chosen_handle,
        intention=payload.intention,
        locale=payload.locale,
        client=_client(request),
    )
    return Status(201, result)


@router.post(
    "/login/",
    response={200: AuthOut, **error_responses(400, 401, 422, 429, 503)},
    summary="Sign in with e-mail and password",
)
def auth_login(request: HttpRequest, response: HttpResponse, payload: LoginIn):
    # The device cookie makes this device "known" to the account: failures elsewhere never slow it down.
    device, is_new = device_from_request(request)
    result = services.auth_login(email=payload.email, password=payload.password, client=_client(request, device))
    if is_new:
        device_cookie_set(response, device)
    return result


@router.post(
    "/refresh/",
    response={200: TokenPairOut, **error_responses(400, 401, 422, 429)},
    summary="Exchange a refresh token for a new token pair (rotation)",
)
def auth_refresh(request: HttpRequest, response: HttpResponse, payload: RefreshIn):
    rate_limit_enforce("refresh:ip", client_ip(request), settings.RATE_REFRESH_PER_IP)
    device, is_new = device_from_request(request)
    tokens = services.auth_refresh(refresh_token=payload.refresh, client=_client(request, device))
    if is_new:
        device_cookie_set(response, device)
    return tokens


@router.post(
    "/logout/",
    response={204: None, **error_responses(400, 422)},
    summary="End the session of a refresh token",
)
def auth_logout(request: HttpRequest, payload: RefreshIn):
    services.auth_logout(refresh_token=payload.refresh)
    return Status(204, None)


@router.post(
    "/password/",
    auth=bearer_auth,
    response={200: PasswordChangedOut, **error_responses(400, 401, 422, 503)},
    summary="Change the password and sign out every other session",
)
def auth_password_change(request: HttpRequest, payload: PasswordChangeIn):
    principal = current_principal(request)
    ended = services.password_change(
        user_id=principal.user_id,
        session_id=principal.session_id,
        current_password=payload.current_password,
        new_password=payload.new_password,
    )
    return PasswordChangedOut(sessions_ended=ended)


@router.get(
    "/sessions/",
    auth=bearer_auth,
    response={200: list[SessionOut], **error_responses(401)},
    summary="My signed-in devices",
)
def auth_sessions_list(request: HttpRequest):
    principal = current_principal(request)
    return selectors.sessions_active(user_id=principal.user_id, current_session_id=principal.session_id)


@router.delete(
    "/sessions/{session_id}/",
    auth=bearer_auth,
    response={204: None, **error_responses(401, 404, 422)},
    summary="Sign out one of my devices",
)
def auth_sessions_revoke(request: HttpRequest, session_id: uuid.UUID):
    services.session_revoke(user_id=viewer_id(request), session_id=session_id)
    return Status(204, None)
