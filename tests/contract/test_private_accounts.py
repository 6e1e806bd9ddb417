"""Private accounts as the app meets them (issue 10, item 5), rows 13–16 of the mobile-app contract replayed
against a private account.

The app's follow button (FeedPostCard, SoulReelItem, UserProfileScreen, useUsersDirectory) POSTs
`/users/{id}/follow/` with `{}`, treats any 2xx as success, ignores the body, and later reads `is_following` /
`flags.following`. For a private account the answer is 202 `{is_following: false, is_requested: true}`: the
screen shows "Follow" again on its next read, and its toggle (DELETE `/users/{id}/follow/`) withdraws the request.
Nothing followers-only reaches the requester until the owner approves; both hear of it over the WebSocket.
"""

from __future__ import annotations

import pytest

from tests.contract.app import frames_until

pytestmark = pytest.mark.integration


def make_private(app) -> None:
    response = app.patch("/users/me/", {"settings": {"privacy": "private"}})
    assert response.status_code == 200 and response.json()["settings"]["privacy"] == "private", response.text


def frames_of_types(ws, *types: str) -> dict[str, dict]:
    """The first frame of each of these types (in whatever order they come)."""
    found: dict[str, dict] = {}

    def seen(frame: dict) -> bool:
        if frame.get("type") in types:
            found.setdefault(frame["type"], frame)
        return set(found) == set(types)

    frames_until(ws, seen)
    return found


def card(viewer, other) -> dict:
    """useUsersDirectory: the Community list's entry, whose button reads `flags.following`."""
    (entry,) = viewer.get("/users/", search=other.user["handle"]).json()["results"]
    return entry


def test_following_a_private_account_asks_and_the_app_keeps_offering_follow(sign_up):
    viewer, owner = sign_up(), sign_up(name="Private Owner")
    make_private(owner)
    post = owner.post("/posts/", {"text": "for my followers only"}).json()
    response = viewer.post(f"/users/{owner.id}/follow/", {})  # row 15, as the app sends it
    assert response.status_code == 202, response.text  # axios: a 2xx, so the toggle does not roll back
    assert response.json()["is_following"] is False and response.json()["is_requested"] is True
    profile = viewer.get(f"/users/{owner.id}/").json()  # row 13: getUserProfile → mapUser
    assert profile["is_following"] is False and profile["privacy"] == "private"
    assert card(viewer, owner)["flags"]["following"] is False
    assert viewer.get(f"/posts/{post['id']}/").status_code == 404
    assert viewer.get(f"/users/{owner.id}/posts/").json()["results"] == []
    # The app's toggle while its optimistic state says "Following": DELETE withdraws the request.
    assert viewer.delete(f"/users/{owner.id}/follow/").status_code == 200  # row 16
    assert owner.get("/users/me/follow-requests/").json()["results"] == []


def test_approval_arrives_over_the_socket_and_opens_the_account(sign_up):
    viewer, owner = sign_up(), sign_up()
    make_private(owner)
    post = owner.post("/posts/", {"text": "now you see me"}).json()
    with owner.socket() as owner_ws, viewer.socket() as viewer_ws:
        assert viewer.post(f"/users/{owner.id}/follow/", {}).status_code == 202
        frames = frames_of_types(owner_ws, "follow_request:new", "notification:new")
        asked = frames["follow_request:new"]
        assert asked["requester_id"] == viewer.id and asked["user"]["id"] == viewer.id
        assert frames["notification:new"]["notification"]["type"] == "follow_request"
        (entry,) = owner.get("/users/me/follow-requests/").json()["results"]
        assert entry["user"]["id"] == viewer.id
        response = owner.post(f"/users/me/follow-requests/{viewer.id}/approve/", {})
        assert response.status_code == 200 and response.json()["status"] == "approved"
        frames = frames_of_types(viewer_ws, "follow_request:resolved", "notification:new")
        resolved = frames["follow_request:resolved"]
        assert (resolved["status"], resolved["target_id"]) == ("approved", owner.id)
        assert frames["notification:new"]["notification"]["type"] == "follow_accept"
    assert viewer.get(f"/users/{owner.id}/").json()["is_following"] is True
    assert card(viewer, owner)["flags"]["following"] is True
    assert viewer.get(f"/posts/{post['id']}/").status_code == 200
