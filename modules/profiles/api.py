"""/api/v1/me/profile/ (the personal map) and /api/v1/profile/ (the compatibility profile and its options)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from modules.accounts.http import bearer_auth, viewer_id
from modules.core.http import error_responses, multipart_or_json_body, parse_json_or_form
from modules.profiles import selectors, services
from modules.profiles.schemas import (
    CompatibilityOptionsOut,
    CompatibilityProfileOut,
    CompatibilityProfilePatch,
    PersonalProfileOut,
    PersonalProfilePatch,
)

personal_router = Router()
compatibility_router = Router()

# The module's one router (mounted at the API's root): the two resources under their own prefixes.
router = Router(tags=["profiles"], auth=bearer_auth)
router.add_router("/me/profile", personal_router)
router.add_router("/profile", compatibility_router)


@personal_router.get(
    "/",
    response={200: PersonalProfileOut, **error_responses(401)},
    summary="My personal map (name, birth data, avatar)",
)
def profiles_personal_get(request: HttpRequest):
    return selectors.personal_profile_view(user_id=viewer_id(request))


@personal_router.patch(
    "/",
    response={200: PersonalProfileOut, **error_responses(400, 401, 413, 415, 422)},
    summary="Update my personal map; multipart with `avatar_image` replaces the avatar",
    openapi_extra=multipart_or_json_body(PersonalProfilePatch, files={"avatar_image": "JPEG, PNG, WebP or GIF."}),
)
def profiles_personal_update(request: HttpRequest):
    payload, files = parse_json_or_form(request, PersonalProfilePatch)
    return services.personal_profile_update(
        user_id=viewer_id(request), changes=payload.changes(), avatar=files.get("avatar_image")
    )


@personal_router.delete(
    "/avatar/",
    response={200: PersonalProfileOut, **error_responses(401)},
    summary="Remove my avatar",
)
def profiles_avatar_delete(request: HttpRequest):
    return services.personal_avatar_delete(user_id=viewer_id(request))


@compatibility_router.get(
    "/me/",
    response={200: CompatibilityProfileOut, **error_responses(401)},
    summary="My compatibility profile (defaults when empty)",
)
def profiles_compatibility_get(request: HttpRequest):
    return selectors.compatibility_profile_view(user_id=viewer_id(request))


@compatibility_router.patch(
    "/me/",
    response={200: CompatibilityProfileOut, **error_responses(400, 401, 422)},
    summary="Update my compatibility profile (and the language we answer in); `null` clears a value",
)
def profiles_compatibility_update(request: HttpRequest, payload: CompatibilityProfilePatch):
    return services.compatibility_profile_update(
        user_id=viewer_id(request), changes=payload.model_dump(exclude_unset=True)
    )


@compatibility_router.get(
    "/options/",
    auth=None,
    response={200: CompatibilityOptionsOut},
    summary="The known values of every compatibility field",
)
def profiles_compatibility_options(request: HttpRequest):
    return selectors.compatibility_options()
