"""/api/v1/users/…: people, the follow graph, blocks and mutes."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.accounts.public import Principal, account_get, users_directory
from modules.core.http import CursorParams, PathId, error_responses
from modules.core.public import PermissionDenied
from modules.profiles.public import personal_profile_get
from modules.social import selectors, services
from modules.social.schemas import (
    BlockStateOut,
    FollowRequestDecisionOut,
    FollowRequestPageOut,
    FollowStateOut,
    MuteStateOut,
    PeoplePageOut,
    RecipientIdOut,
    UserListParams,
    UserMeOut,
    UserMePatch,
    UserOut,
    UserPageOut,
)

router = Router(tags=["users"], auth=bearer_auth)


def _me(user_id: int) -> dict:
    account = account_get(user_id=user_id)
    personal = personal_profile_get(user_id=user_id)
    counts = selectors.counts_get(user_ids=[user_id])[user_id]
    return {
        **asdict(account),
        "settings": account.settings,
        "photo_path": account.photo_path,
        "birth_date": personal.birth_date,
        "birth_time": personal.birth_time,
        "birth_place": personal.birth_place or None,
        **asdict(counts),
        "is_following": False,
        "flags": {"is_staff": account.is_staff, "profile_complete": personal.is_complete},
    }


def _view(view) -> dict:
    return {
        **{key: value for key, value in view.__dict__.items() if key not in {"counts", "relationship"}},
        **asdict(view.counts),
        "is_following": view.relationship.is_following,
        "is_followed_by": view.relationship.is_followed_by,
        "is_requested": view.relationship.is_requested,
        "has_requested_you": view.relationship.has_requested_you,
        "is_blocked": view.relationship.is_blocked,
        "is_muted": view.relationship.is_muted,
    }


def _cards(principal: Principal, page) -> dict:
    return {
        "results": selectors.user_cards(viewer_id=principal.user_id, user_ids=page.results),
        "next": page.next,
    }


@router.get(
    "/users/",
    operation_id="usersList",
    response={200: PeoplePageOut, **error_responses(400, 401, 422)},
    summary="Browse or search people (newest first)",
)
def users_list(request: HttpRequest, params: Query[UserListParams]):
    principal = current_principal(request)
    hidden = selectors.blocked_either_way_ids(user_id=principal.user_id)
    page = users_directory(search=params.search, exclude_ids=hidden, cursor=params.cursor, limit=params.limit)
    return {"results": selectors.people(viewer_id=principal.user_id, summaries=page.results), "next": page.next}


@router.get(
    "/users/me/",
    operation_id="usersMe",
    response={200: UserMeOut, **error_responses(401)},
    summary="My account, settings and counts",
)
def users_me(request: HttpRequest):
    return _me(current_principal(request).user_id)


@router.get(
    "/users/me/recipient-id/",
    operation_id="usersMeRecipientId",
    response={200: RecipientIdOut, **error_responses(401)},
    summary="Your account key: what others enter to send you coins or gifts",
)
def users_me_recipient_id(request: HttpRequest):
    return {"account_key": account_get(user_id=current_principal(request).user_id).account_key}


@router.patch(
    "/users/me/",
    operation_id="usersMeUpdate",
    response={200: UserMeOut, **error_responses(400, 401, 409, 422)},
    summary="Update my name, bio, handle, locale, birth place or settings",
)
def users_me_update(request: HttpRequest, payload: UserMePatch):
    user_id = current_principal(request).user_id
    services.me_update(
        user_id=user_id,
        changes=payload.model_dump(exclude_unset=True, exclude={"settings"}),
        settings_changes=payload.settings.model_dump(exclude_unset=True) if payload.settings else None,
    )
    return _me(user_id)


@router.get(
    "/users/me/blocked/",
    operation_id="usersBlockedList",
    response={200: UserPageOut, **error_responses(400, 401, 422)},
    summary="People I blocked",
)
def users_blocked(request: HttpRequest, params: Query[CursorParams]):
    principal = current_principal(request)
    return _cards(
        principal, selectors.blocked_page(user_id=principal.user_id, cursor=params.cursor, limit=params.limit)
    )


@router.get(
    "/users/me/muted/",
    operation_id="usersMutedList",
    response={200: UserPageOut, **error_responses(400, 401, 422)},
    summary="People I muted",
)
def users_muted(request: HttpRequest, params: Query[CursorParams]):
    principal = current_principal(request)
    return _cards(principal, selectors.muted_page(user_id=principal.user_id, cursor=params.cursor, limit=params.limit))


@router.get(
    "/users/me/follow-requests/",
    operation_id="usersFollowRequests",
    response={200: FollowRequestPageOut, **error_responses(400, 401, 422)},
    summary="Who asked to follow your private account, newest first",
)
def users_follow_requests(request: HttpRequest, params: Query[CursorParams]):
    user_id = current_principal(request).user_id
    return selectors.follow_requests_incoming_page(user_id=user_id, cursor=params.cursor, limit=params.limit)


@router.get(
    "/users/me/follow-requests/sent/",
    operation_id="usersFollowRequestsSent",
    response={200: FollowRequestPageOut, **error_responses(400, 401, 422)},
    summary="The private accounts you asked to follow that have not answered, newest first",
)
def users_follow_requests_sent(request: HttpRequest, params: Query[CursorParams]):
    user_id = current_principal(request).user_id
    return selectors.follow_requests_sent_page(user_id=user_id, cursor=params.cursor, limit=params.limit)


@router.post(
    "/users/me/follow-requests/{user_id}/approve/",
    operation_id="usersFollowRequestApprove",
    response={200: FollowRequestDecisionOut, **error_responses(401, 404, 422)},
    summary="Approve a follow request: the requester follows you from now on (idempotent)",
)
def users_follow_request_approve(request: HttpRequest, user_id: PathId):
    return services.follow_request_approve(owner_id=current_principal(request).user_id, requester_id=user_id)


@router.post(
    "/users/me/follow-requests/{user_id}/decline/",
    operation_id="usersFollowRequestDecline",
    response={200: FollowRequestDecisionOut, **error_responses(401, 422)},
    summary="Decline a follow request (idempotent; the requester is not notified)",
)
def users_follow_request_decline(request: HttpRequest, user_id: PathId):
    return services.follow_request_decline(owner_id=current_principal(request).user_id, requester_id=user_id)


@router.delete(
    "/users/me/follow-requests/sent/{user_id}/",
    operation_id="usersFollowRequestCancel",
    response={200: FollowStateOut, **error_responses(401, 422)},
    summary="Withdraw your follow request to a private account (idempotent)",
)
def users_follow_request_cancel(request: HttpRequest, user_id: PathId):
    return services.follow_request_cancel(requester_id=current_principal(request).user_id, target_id=user_id)


@router.get(
    "/users/{user_id}/",
    operation_id="usersGet",
    response={200: UserOut, **error_responses(401, 404, 422)},
    summary="A user's profile card (e-mail and birth data only for the owner and staff)",
)
def users_get(request: HttpRequest, user_id: PathId):
    principal = current_principal(request)
    return _view(selectors.user_view(viewer_id=principal.user_id, viewer_is_staff=principal.is_staff, user_id=user_id))


def _connections_guard(principal: Principal, user_id: PathId) -> None:
    # 404 for users blocked either way (they do not exist for each other), 403 for private lists.
    selectors.user_view(viewer_id=principal.user_id, viewer_is_staff=principal.is_staff, user_id=user_id)
    if not selectors.can_see_connections(
        viewer_id=principal.user_id, viewer_is_staff=principal.is_staff, user_id=user_id
    ):
        raise PermissionDenied(
            "This account is private: only its followers see its connections.", code="private_account"
        )


@router.get(
    "/users/{user_id}/followers/",
    operation_id="usersFollowers",
    response={200: UserPageOut, **error_responses(400, 401, 403, 404, 422)},
    summary="A user's followers",
)
def users_followers(request: HttpRequest, user_id: PathId, params: Query[CursorParams]):
    principal = current_principal(request)
    _connections_guard(principal, user_id)
    return _cards(
        principal,
        selectors.followers_page(
            user_id=user_id, viewer_id=principal.user_id, cursor=params.cursor, limit=params.limit
        ),
    )


@router.get(
    "/users/{user_id}/following/",
    operation_id="usersFollowing",
    response={200: UserPageOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Who a user follows",
)
def users_following(request: HttpRequest, user_id: PathId, params: Query[CursorParams]):
    principal = current_principal(request)
    _connections_guard(principal, user_id)
    return _cards(
        principal,
        selectors.following_page(
            user_id=user_id, viewer_id=principal.user_id, cursor=params.cursor, limit=params.limit
        ),
    )


@router.post(
    "/users/{user_id}/follow/",
    operation_id="usersFollow",
    response={200: FollowStateOut, 202: FollowStateOut, **error_responses(400, 401, 403, 404, 422, 429)},
    summary="Follow a user, or ask to follow a private account (idempotent)",
    description="200 with `is_following: true` when you follow the user (now or already). For a private account "
    "you do not follow yet: 202 with `is_following: false, is_requested: true`, a follow request its owner approves "
    "or declines; until then nothing of theirs that is for followers is visible to you. New requests are limited "
    "(429 `follow_requests_limited`).",
)
def users_follow(request: HttpRequest, user_id: PathId):
    state = services.follow_create(follower_id=current_principal(request).user_id, followee_id=user_id)
    return Status(202 if state.is_requested else 200, state)


@router.delete(
    "/users/{user_id}/follow/",
    operation_id="usersUnfollow",
    response={200: FollowStateOut, **error_responses(400, 401, 404, 422)},
    summary="Stop following a user, or withdraw a pending follow request (idempotent)",
)
def users_unfollow(request: HttpRequest, user_id: PathId):
    return services.follow_delete(follower_id=current_principal(request).user_id, followee_id=user_id)


@router.post(
    "/users/{user_id}/block/",
    operation_id="usersBlock",
    response={200: BlockStateOut, **error_responses(400, 401, 404, 422)},
    summary="Block a user: removes follows both ways and hides you from each other",
)
def users_block(request: HttpRequest, user_id: PathId):
    services.block_create(blocker_id=current_principal(request).user_id, blocked_id=user_id)
    return {"is_blocked": True}


@router.delete(
    "/users/{user_id}/block/",
    operation_id="usersUnblock",
    response={200: BlockStateOut, **error_responses(400, 401, 404, 422)},
    summary="Unblock a user",
)
def users_unblock(request: HttpRequest, user_id: PathId):
    services.block_delete(blocker_id=current_principal(request).user_id, blocked_id=user_id)
    return {"is_blocked": False}


@router.post(
    "/users/{user_id}/mute/",
    operation_id="usersMute",
    response={200: MuteStateOut, **error_responses(400, 401, 404, 422)},
    summary="Mute a user: their posts leave your feeds; they are not told",
)
def users_mute(request: HttpRequest, user_id: PathId):
    services.mute_create(muter_id=current_principal(request).user_id, muted_id=user_id)
    return {"is_muted": True}


@router.delete(
    "/users/{user_id}/mute/",
    operation_id="usersUnmute",
    response={200: MuteStateOut, **error_responses(400, 401, 404, 422)},
    summary="Unmute a user",
)
def users_unmute(request: HttpRequest, user_id: PathId):
    services.mute_delete(muter_id=current_principal(request).user_id, muted_id=user_id)
    return {"is_muted": False}
