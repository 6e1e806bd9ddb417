"""/api/v1/me/profile/ (personal map) and /api/v1/profile/me/ (compatibility profile)."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from modules.accounts.public import SERVED_LANGUAGES, account_get, account_set_photo, bearer_auth, current_principal
from modules.core.public import error_responses, multipart_or_json_body, parse_json_or_form
from modules.media.public import media_url
from modules.profiles import selectors, services, vocabulary
from modules.profiles.contracts import CompatibilityProfileData, PersonalProfileData
from modules.profiles.schemas import (
    CompatibilityOptionsOut,
    CompatibilityProfileOut,
    CompatibilityProfilePatch,
    PersonalProfileOut,
    PersonalProfilePatch,
)

router = Router(tags=["profiles"], auth=bearer_auth)


def _personal_out(request: HttpRequest, data: PersonalProfileData, photo_path: str) -> dict:
    return {
        **{field: getattr(data, field) for field in services.PERSONAL_FIELDS},
        **{name: getattr(data, column) for name, column in services.PERSONAL_API_NAMES.items()},
        "birth_place": data.birth_place,
        "avatar_image": media_url(photo_path, request),
        "is_complete": data.is_complete,
    }


def _compatibility_out(data: CompatibilityProfileData) -> dict:
    return {**asdict(data), "language": account_get(user_id=data.user_id).settings.language}


@router.get(
    "/me/profile/",
    operation_id="profilesPersonalGet",
    response={200: PersonalProfileOut, **error_responses(401)},
    summary="My personal map (name, birth data, avatar)",
)
def personal_get(request: HttpRequest):
    user_id = current_principal(request).user_id
    return _personal_out(
        request, selectors.personal_profile_get(user_id=user_id), account_get(user_id=user_id).photo_path
    )


@router.patch(
    "/me/profile/",
    operation_id="profilesPersonalUpdate",
    response={200: PersonalProfileOut, **error_responses(400, 401, 413, 415, 422)},
    summary="Update my personal map; multipart with `avatar_image` replaces the avatar",
    openapi_extra=multipart_or_json_body(PersonalProfilePatch, files={"avatar_image": "JPEG, PNG, WebP or GIF."}),
)
def personal_update(request: HttpRequest):
    user_id = current_principal(request).user_id
    payload, files = parse_json_or_form(request, PersonalProfilePatch)
    avatar = files.get("avatar_image")
    with transaction.atomic():
        # The avatar goes first: a rejected image leaves the whole request without effect.
        account = account_set_photo(user_id=user_id, upload=avatar) if avatar else account_get(user_id=user_id)
        data = services.personal_profile_update(user_id=user_id, changes=payload.changes())
    return _personal_out(request, data, account.photo_path)


@router.delete(
    "/me/profile/avatar/",
    operation_id="profilesAvatarDelete",
    response={200: PersonalProfileOut, **error_responses(401)},
    summary="Remove my avatar",
)
def avatar_delete(request: HttpRequest):
    user_id = current_principal(request).user_id
    account = account_set_photo(user_id=user_id, upload=None)
    return _personal_out(request, selectors.personal_profile_get(user_id=user_id), account.photo_path)


@router.get(
    "/profile/me/",
    operation_id="profilesCompatibilityGet",
    response={200: CompatibilityProfileOut, **error_responses(401)},
    summary="My compatibility profile (defaults when empty)",
)
def compatibility_get(request: HttpRequest):
    return _compatibility_out(selectors.compatibility_profile_get(user_id=current_principal(request).user_id))


@router.patch(
    "/profile/me/",
    operation_id="profilesCompatibilityUpdate",
    response={200: CompatibilityProfileOut, **error_responses(400, 401, 422)},
    summary="Update my compatibility profile (and the language we answer in); `null` clears a value",
)
def compatibility_update(request: HttpRequest, payload: CompatibilityProfilePatch):
    return _compatibility_out(
        services.compatibility_profile_update(
            user_id=current_principal(request).user_id, changes=payload.model_dump(exclude_unset=True)
        )
    )


@router.get(
    "/profile/options/",
    operation_id="profilesCompatibilityOptions",
    auth=None,
    response={200: CompatibilityOptionsOut},
    summary="The known values of every compatibility field",
)
def compatibility_options(request: HttpRequest):
    return {
        "genders": list(vocabulary.GENDERS),
        "orientations": list(vocabulary.ORIENTATIONS),
        "relationship_goals": list(vocabulary.RELATIONSHIP_GOALS),
        "values": list(vocabulary.VALUES),
        "preferred_lifestyles": list(vocabulary.LIFESTYLES),
        "attachment_styles": list(vocabulary.ATTACHMENT_STYLES),
        "love_languages": list(vocabulary.LOVE_LANGUAGES),
        "languages": list(SERVED_LANGUAGES),
        "aliases": vocabulary.ALIASES,
        "max_values": vocabulary.MAX_VALUES,
        "max_preferred_lifestyle": vocabulary.MAX_LIFESTYLES,
        "max_love_language": vocabulary.MAX_LOVE_LANGUAGES,
    }
