"""/api/v1/users/…: people, the follow graph, blocks and mutes."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.accounts.public import account_get
from modules.core.http import CursorParams, PathId, error_responses
from modules.social import selectors, services
from modules.social.http import UserPageOut
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
)

router = Router(tags=["users"], auth=bearer_auth)


@router.get(
    "/",
    response={200: PeoplePageOut, **error_responses(400, 401, 422)},
    summary="Browse or search people (newest first)",
)
def users_list(request: HttpRequest, params: Query[UserListParams]):
    user_id = current_principal(request).user_id
    return selectors.people_page(viewer_id=user_id, search=params.search, cursor=params.cursor, limit=params.limit)


@router.get(
    "/me/",
    response={200: UserMeOut, **error_responses(401)},
    summary="My account, settings and counts",
)
def users_me(request: HttpRequest):
    return selectors.me_view(user_id=current_principal(request).user_id)


@router.get(
    "/me/recipient-id/",
    response={200: RecipientIdOut, **error_responses(401)},
    summary="Your account key: what others enter to send you coins or gifts",
)
def users_me_recipient_id(request: HttpRequest):
    return account_get(user_id=current_principal(request).user_id)


@router.patch(
    "/me/",
    response={200: UserMeOut, **error_responses(400, 401, 409, 422)},
    summary="Update my name, bio, handle, locale, birth place or settings",
)
def users_me_update(request: HttpRequest, payload: UserMePatch):
    return services.me_update(
        user_id=current_principal(request).user_id,
        changes=payload.model_dump(exclude_unset=True, exclude={"settings"}),
        settings_changes=payload.settings.model_dump(exclude_unset=True) if payload.settings else None,
    )


@router.get(
    "/me/blocked/",
    response={200: UserPageOut, **error_responses(400, 401, 422)},
    summary="People I blocked",
)
def users_blocked_list(request: HttpRequest, params: Query[CursorParams]):
    return selectors.blocked_page(user_id=current_principal(request).user_id, cursor=params.cursor, limit=params.limit)


@router.get(
    "/me/muted/",
    response={200: UserPageOut, **error_responses(400, 401, 422)},
    summary="People I muted",
)
def users_muted_list(request: HttpRequest, params: Query[CursorParams]):
    return selectors.muted_page(user_id=current_principal(request).user_id, cursor=params.cursor, limit=params.limit)


@router.get(
    "/me/follow-requests/",
    response={200: FollowRequestPageOut, **error_responses(400, 401, 422)},
    summary="Who asked to follow your private account, newest first",
)
def users_follow_requests(request: HttpRequest, params: Query[CursorParams]):
    user_id = current_principal(request).user_id
    return selectors.follow_requests_incoming_page(user_id=user_id, cursor=params.cursor, limit=params.limit)


@router.get(
    "/me/follow-requests/sent/",
    response={200: FollowRequestPageOut, **error_responses(400, 401, 422)},
    summary="The private accounts you asked to follow that have not answered, newest first",
)
def users_follow_requests_sent(request: HttpRequest, params: Query[CursorParams]):
    user_id = current_principal(request).user_id
    return selectors.follow_requests_sent_page(user_id=user_id, cursor=params.cursor, limit=params.limit)


@router.post(
    "/me/follow-requests/{user_id}/approve/",
    response={200: FollowRequestDecisionOut, **error_responses(401, 404, 422)},
    summary="Approve a follow request: the requester follows you from now on (idempotent)",
)
def users_follow_request_approve(request: HttpRequest, user_id: PathId):
    return services.follow_request_approve(owner_id=current_principal(request).user_id, requester_id=user_id)


@router.post(
    "/me/follow-requests/{user_id}/decline/",
    response={200: FollowRequestDecisionOut, **error_responses(401, 422)},
    summary="Decline a follow request (idempotent; the requester is not notified)",
)
def users_follow_request_decline(request: HttpRequest, user_id: PathId):
    return services.follow_request_decline(owner_id=current_principal(request).user_id, requester_id=user_id)


@router.delete(
    "/me/follow-requests/sent/{user_id}/",
    response={200: FollowStateOut, **error_responses(401, 422)},
    summary="Withdraw your follow request to a private account (idempotent)",
)
def users_follow_request_cancel(request: HttpRequest, user_id: PathId):
    return services.follow_request_cancel(requester_id=current_principal(request).user_id, target_id=user_id)


@router.get(
    "/{user_id}/",
    response={200: UserOut, **error_responses(401, 404, 422)},
    summary="A user's profile card (e-mail and birth data only for the owner and staff)",
)
def users_get(request: HttpRequest, user_id: PathId):
    principal = current_principal(request)
    return selectors.user_view(viewer_id=principal.user_id, viewer_is_staff=principal.is_staff, user_id=user_id)


@router.get(
    "/{user_id}/followers/",
    response={200: UserPageOut, **error_responses(400, 401, 403, 404, 422)},
    summary="A user's followers",
)
def users_followers(request: HttpRequest, user_id: PathId, params: Query[CursorParams]):
    principal = current_principal(request)
    return selectors.followers_page(
        user_id=user_id,
        viewer_id=principal.user_id,
        viewer_is_staff=principal.is_staff,
        cursor=params.cursor,
        limit=params.limit,
    )


@router.get(
    "/{user_id}/following/",
    response={200: UserPageOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Who a user follows",
)
def users_following(request: HttpRequest, user_id: PathId, params: Query[CursorParams]):
    principal = current_principal(request)
    return selectors.following_page(
        user_id=user_id,
        viewer_id=principal.user_id,
        viewer_is_staff=principal.is_staff,
        cursor=params.cursor,
        limit=params.limit,
    )


@router.post(
    "/{user_id}/follow/",
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
    "/{user_id}/follow/",
    response={200: FollowStateOut, **error_responses(400, 401, 404, 422)},
    summary="Stop following a user, or withdraw a pending follow request (idempotent)",
)
def users_unfollow(request: HttpRequest, user_id: PathId):
    return services.follow_delete(follower_id=current_principal(request).user_id, followee_id=user_id)


@router.post(
    "/{user_id}/block/",
    response={200: BlockStateOut, **error_responses(400, 401, 404, 422)},
    summary="Block a user: removes follows both ways and hides you from each other",
)
def users_block(request: HttpRequest, user_id: PathId):
    services.block_create(blocker_id=current_principal(request).user_id, blocked_id=user_id)
    return {"is_blocked": True}


@router.delete(
    "/{user_id}/block/",
    response={200: BlockStateOut, **error_responses(400, 401, 404, 422)},
    summary="Unblock a user",
)
def users_unblock(request: HttpRequest, user_id: PathId):
    services.block_delete(blocker_id=current_principal(request).user_id, blocked_id=user_id)
    return {"is_blocked": False}


@router.post(
    "/{user_id}/mute/",
    response={200: MuteStateOut, **error_responses(400, 401, 404, 422)},
    summary="Mute a user: their posts leave your feeds; they are not told",
)
def users_mute(request: HttpRequest, user_id: PathId):
    services.mute_create(muter_id=current_principal(request).user_id, muted_id=user_id)
    return {"is_muted": True}


@router.delete(
    "/{user_id}/mute/",
    response={200: MuteStateOut, **error_responses(400, 401, 404, 422)},
    summary="Unmute a user",
)
def users_unmute(request: HttpRequest, user_id: PathId):
    services.mute_delete(muter_id=current_principal(request).user_id, muted_id=user_id)
    return {"is_muted": False}
