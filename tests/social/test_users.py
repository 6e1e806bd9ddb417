import pytest

from modules.profiles.models import PersonalProfile
from tests.factories import BlockFactory, PersonalProfileFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_me_has_private_fields_counts_and_settings(api):
    PersonalProfileFactory(user=api.user, birth_city="Batumi", birth_country="Georgia")
    body = api.get("/users/me/").json()
    assert body["id"] == api.user.id
    assert body["email"] == api.user.email
    assert body["birth_date"] == "1990-05-17"
    assert body["birth_place"] == "Batumi, Georgia"
    assert body["followers_count"] == body["following_count"] == body["posts_count"] == 0
    assert body["settings"]["privacy"] == "public"
    assert body["flags"] == {"is_staff": False, "profile_complete": True}


def test_me_requires_authentication(anon):
    response = anon.get("/users/me/")
    assert response.status == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_patch_me_changes_only_what_is_sent(api):
    response = api.patch("/users/me/", {"bio": "  Plant person.  ", "settings": {"dm_policy": "followers"}})
    assert response.status == 200, response
    body = response.json()
    assert body["bio"] == "Plant person."
    assert body["settings"]["dm_policy"] == "followers"
    assert body["settings"]["privacy"] == "public"
    assert body["name"] == api.user.name


def test_quiet_hours_may_wrap_midnight_and_be_cleared(api):
    body = api.patch("/users/me/", {"settings": {"quiet_hours": {"start": "22:30", "end": "07:00"}}}).json()
    assert body["settings"]["quiet_hours"] == {"start": "22:30:00", "end": "07:00:00"}
    body = api.patch("/users/me/", {"settings": {"quiet_hours": None}}).json()
    assert body["settings"]["quiet_hours"] is None


@pytest.mark.parametrize(
    "patch",
    [
        {"settings": {"dm_policy": "strangers"}},
        {"settings": {"privacy": 1}},
        {"locale": "en--US"},
        {"locale": "en-US,en;q=0.9"},
        {"locale": None},
        {"handle": None},
        {"settings": None},
        {"settings": {"privacy": None}},
        {"settings": {"language": "de"}},
        {"bio": "b" * 1001},
        {"settings": {"quiet_hours": {"start": "25:00", "end": "07:00"}}},
        {"handle": "NO SPACES"},
    ],
)
def test_patch_me_rejects_bad_values(api, patch):
    response = api.patch("/users/me/", patch)
    assert response.status == 422, response
    assert response.json()["errors"]


def test_changing_handle_to_a_taken_one_conflicts(api):
    UserFactory(handle="taken_handle")
    response = api.patch("/users/me/", {"handle": "taken_handle"})
    assert response.status == 409
    assert response.json()["code"] == "handle_taken"


def test_other_users_do_not_see_email_or_birth_data(api):
    other = UserFactory()
    PersonalProfileFactory(user=other)
    body = api.get(f"/users/{other.id}/").json()
    assert body["email"] is None
    assert body["birth_date"] is None and body["birth_time"] is None and body["birth_place"] is None
    assert body["handle"] == other.handle


def test_owner_and_staff_see_email_and_birth_data(api, make_client):
    PersonalProfileFactory(user=api.user)
    own = api.get(f"/users/{api.user.id}/").json()
    assert own["email"] == api.user.email and own["birth_date"] == "1990-05-17"
    staff = make_client(StaffFactory())
    seen_by_staff = staff.get(f"/users/{api.user.id}/").json()
    assert seen_by_staff["email"] == api.user.email and seen_by_staff["birth_place"] == "Tbilisi, Georgia"


def test_unknown_and_inactive_users_are_404(api):
    assert api.get("/users/999999/").status == 404
    assert api.get(f"/users/{UserFactory(is_active=False).id}/").status == 404


@pytest.mark.parametrize("bad_id", ["0", "abc", str(2**63), "-1"])
def test_bad_ids_are_client_errors(api, bad_id):
    response = api.get(f"/users/{bad_id}/")
    assert response.status in {404, 422}
    assert "code" in response.json()


def test_users_blocked_either_way_are_invisible(api):
    blocker = UserFactory()
    BlockFactory(blocker=blocker, blocked=api.user)
    assert api.get(f"/users/{blocker.id}/").status == 404
    blocked = UserFactory()
    BlockFactory(blocker=api.user, blocked=blocked)
    assert api.get(f"/users/{blocked.id}/").status == 404


def test_directory_search_and_pagination(api):
    for n in range(5):
        UserFactory(name=f"Nino {n}", handle=f"nino_{n}")
    UserFactory(name="Giorgi", handle="giorgi")
    first = api.get("/users/", search="nino", limit=2).json()
    assert [u["handle"] for u in first["results"]] == ["nino_4", "nino_3"]
    second = api.get("/users/", search="nino", limit=2, cursor=first["next"]).json()
    assert [u["handle"] for u in second["results"]] == ["nino_2", "nino_1"]
    third = api.get("/users/", search="nino", limit=2, cursor=second["next"]).json()
    assert [u["handle"] for u in third["results"]] == ["nino_0"]
    assert third["next"] is None


def test_directory_pages_are_stable_while_people_join(api):
    for n in range(4):
        UserFactory(handle=f"early_{n}")
    first = api.get("/users/", search="early", limit=2).json()
    UserFactory(handle="early_new")  # joins between page requests
    second = api.get("/users/", search="early", limit=2, cursor=first["next"]).json()
    seen = [u["handle"] for u in first["results"] + second["results"]]
    assert seen == ["early_3", "early_2", "early_1", "early_0"]


def test_directory_hides_blocked_people(api):
    hidden = UserFactory(handle="hidden_one")
    BlockFactory(blocker=hidden, blocked=api.user)
    handles = [u["handle"] for u in api.get("/users/", search="hidden", limit=50).json()["results"]]
    assert handles == []


@pytest.mark.parametrize("cursor", ["garbage", "eyJ0IjoiLWlkIiwiayI6WyJ4Il19", "e30", "%%%"])
def test_bad_cursors_are_400(api, cursor):
    response = api.get("/users/", cursor=cursor)
    assert response.status == 400
    assert response.json() == {"detail": "Invalid cursor.", "code": "invalid_cursor"}


def test_limit_is_bounded(api):
    assert api.get("/users/", limit=0).status == 422
    assert api.get("/users/", limit=101).status == 422
    assert api.get("/users/", limit="ten").status == 422


def test_profile_row_absent_gives_empty_birth_data(api):
    assert not PersonalProfile.objects.filter(user=api.user).exists()
    body = api.get("/users/me/").json()
    assert body["birth_date"] is None and body["flags"]["profile_complete"] is False
