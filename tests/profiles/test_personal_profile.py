import io

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from PIL import Image

from modules.profiles.models import PersonalProfile
from tests.profiles.images import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }
    return tmp_path


def test_empty_profile_has_defaults(api):
    body = api.get("/me/profile/").json()
    assert body == {
        "first_name": "",
        "last_name": "",
        "birth_date": None,
        "birth_time": None,
        "birth_timezone": "",
        "birth_place_city": "",
        "birth_place_country": "",
        "birth_place": "",
        "birth_latitude": None,
        "birth_longitude": None,
        "birth_country": "",
        "birth_city": "",
        "birth_lat": None,
        "birth_lon": None,
        "avatar_image": None,
        "is_complete": False,
    }


# What the app's onboarding (PersonalMapScreen → savePersonalMapProfile) sends, all six fields required.
ONBOARDING = {
    "first_name": "Nino",
    "last_name": "Beridze",
    "birth_date": "1994-07-21",
    "birth_time": "08:15",
    "birth_place_country": "Georgia",
    "birth_place_city": "Kutaisi",
}


def test_the_apps_onboarding_completes_the_profile_and_reads_back(api):
    response = api.patch("/me/profile/", ONBOARDING)
    assert response.status == 200, response
    assert response.json()["is_complete"] is True
    body = api.get("/me/profile/").json()
    assert {key: body[key] for key in ONBOARDING} == {**ONBOARDING, "birth_time": "08:15:00"}
    assert body["is_complete"] is True
    assert body["birth_place"] == "Kutaisi, Georgia"
    assert (body["birth_city"], body["birth_country"]) == ("Kutaisi", "Georgia")  # the former names, same values
    me = api.get("/users/me/").json()
    assert me["birth_place"] == "Kutaisi, Georgia" and me["flags"]["profile_complete"] is True


def test_the_onboarding_as_multipart_completes_the_profile(api):
    response = api.request("PATCH", "/me/profile/", data=ONBOARDING)
    assert response.status == 200, response
    assert response.json()["is_complete"] is True
    assert response.json()["birth_place_city"] == "Kutaisi"


@pytest.mark.parametrize("missing", ["first_name", "last_name", "birth_date", "birth_place_city"])
def test_is_complete_needs_names_birth_date_and_a_city(api, missing):
    body = api.patch("/me/profile/", {k: v for k, v in ONBOARDING.items() if k != missing}).json()
    assert body["is_complete"] is False


@pytest.mark.parametrize("optional", ["birth_time", "birth_place_country"])
def test_birth_time_and_country_are_not_needed_to_complete(api, optional):
    body = api.patch("/me/profile/", {k: v for k, v in ONBOARDING.items() if k != optional}).json()
    assert body["is_complete"] is True


def test_coordinates_stand_in_for_the_city(api):
    place = {k: v for k, v in ONBOARDING.items() if not k.startswith("birth_place")}
    body = api.patch("/me/profile/", {**place, "birth_latitude": 42.27, "birth_longitude": 42.7}).json()
    assert body["is_complete"] is True
    assert body["birth_latitude"] == pytest.approx(42.27) and body["birth_lat"] == pytest.approx(42.27)


def test_former_field_names_still_work(api):
    body = api.patch(
        "/me/profile/", {"birth_city": "Batumi", "birth_country": "Georgia", "birth_lat": 41.6, "birth_lon": 41.6}
    ).json()
    assert (body["birth_place_city"], body["birth_place_country"]) == ("Batumi", "Georgia")
    assert body["birth_latitude"] == pytest.approx(41.6)


def test_both_names_may_be_sent_when_they_agree(api):
    body = api.patch("/me/profile/", {"birth_place_city": "Batumi", "birth_city": "Batumi"}).json()
    assert body["birth_place_city"] == "Batumi"


def test_both_names_with_different_values_are_refused(api):
    response = api.patch("/me/profile/", {"birth_place_city": "Batumi", "birth_city": "Poti"})
    assert response.status == 422 and "birth_city" in response.json()["errors"]
    assert api.get("/me/profile/").json()["birth_place_city"] == ""


@pytest.mark.parametrize("field", ["birth_place", "email", "is_complete", "avatar_url", "birth_place_town"])
def test_unknown_fields_are_refused_by_name(api, field):
    response = api.patch("/me/profile/", {**ONBOARDING, field: "x"})
    assert response.status == 422, response
    assert response.json()["code"] == "unknown_field" and field in response.json()["errors"]
    assert api.get("/me/profile/").json()["first_name"] == ""


def test_unknown_multipart_fields_are_refused_too(api):
    response = api.request("PATCH", "/me/profile/", data={"birth_place_town": "Kutaisi"})
    assert response.status == 422 and "birth_place_town" in response.json()["errors"]


def test_json_patch_completes_the_profile(api):
    response = api.patch(
        "/me/profile/",
        {
            "first_name": "Ana",
            "last_name": "Kapanadze",
            "birth_date": "1991-03-08",
            "birth_time": "06:45",
            "birth_timezone": "Asia/Tbilisi",
            "birth_place_city": "Tbilisi",
            "birth_place_country": "Georgia",
            "birth_latitude": 41.7151,
            "birth_longitude": 44.8271,
        },
    )
    assert response.status == 200, response
    body = response.json()
    assert body["is_complete"] is True
    assert body["birth_place"] == "Tbilisi, Georgia"
    assert body["birth_latitude"] == pytest.approx(41.7151)
    assert api.get("/users/me/").json()["flags"]["profile_complete"] is True


def test_null_clears_a_field(api):
    api.patch("/me/profile/", {"birth_time": "06:45", "first_name": "Ana"})
    body = api.patch("/me/profile/", {"birth_time": None}).json()
    assert body["birth_time"] is None and body["first_name"] == "Ana"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "1850-01-01"}, "birth_date"),
        ({"birth_date": "not a date"}, "birth_date"),
        ({"birth_lat": 91, "birth_lon": 10}, "birth_lat"),
        ({"birth_lat": 10, "birth_lon": -181}, "birth_lon"),
        ({"birth_lat": 10.1234567, "birth_lon": 10}, "birth_lat"),
        ({"birth_timezone": "Mars/Olympus"}, "birth_timezone"),
        ({"first_name": "x" * 81}, "first_name"),
        ({"birth_lat": 41.7}, "birth_longitude"),
        ({"birth_latitude": 91, "birth_longitude": 10}, "birth_latitude"),
        ({"birth_latitude": 41.7}, "birth_longitude"),
        ({"birth_date": "21/07/1994"}, "birth_date"),
        ({"birth_time": "8:15pm"}, "birth_time"),
    ],
)
def test_invalid_birth_data_is_rejected(api, patch, field):
    response = api.patch("/me/profile/", patch)
    assert response.status == 422, response
    assert field in response.json()["errors"]
    assert not PersonalProfile.objects.filter(user=api.user, birth_lat__isnull=False).exists()


def test_multipart_patch_with_avatar_strips_exif_and_gps(api, media_root):
    content = image_bytes("JPEG", (80, 40), gps=True)
    assert Image.open(io.BytesIO(content)).getexif().get(0x8825)  # the original carries GPS
    response = api.request(
        "PATCH", "/me/profile/", data={"first_name": "Ana", "avatar_image": upload("me.jpg", content)}
    )
    assert response.status == 200, response
    body = response.json()
    assert body["first_name"] == "Ana"
    assert body["avatar_image"].startswith("http://testserver/media/avatars/")
    stored_path = body["avatar_image"].split("/media/", 1)[1]
    stored = Image.open(default_storage.open(stored_path))
    exif = stored.getexif()
    assert 0x8825 not in exif and 0x010F not in exif  # no GPS, no camera make
    assert stored.size == (40, 80)  # EXIF orientation applied before stripping
    assert api.get("/users/me/").json()["photo"] == body["avatar_image"]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_other_image_formats_are_accepted(api, fmt):
    response = api.request("PATCH", "/me/profile/", data={"avatar_image": upload(f"a.{fmt.lower()}", image_bytes(fmt))})
    assert response.status == 200, response


def test_replacing_the_avatar_deletes_the_old_file(api, media_root, django_capture_on_commit_callbacks):
    first = api.request("PATCH", "/me/profile/", data={"avatar_image": upload("a.jpg", image_bytes())}).json()[
        "avatar_image"
    ]
    assert default_storage.exists(first.split("/media/", 1)[1])
    with django_capture_on_commit_callbacks(execute=True):
        api.request("PATCH", "/me/profile/", data={"avatar_image": upload("b.png", image_bytes("PNG"))})
    assert not default_storage.exists(first.split("/media/", 1)[1])


def test_avatar_can_be_removed(api):
    api.request("PATCH", "/me/profile/", data={"avatar_image": upload("a.jpg", image_bytes())})
    body = api.delete("/me/profile/avatar/").json()
    assert body["avatar_image"] is None


def test_text_file_renamed_to_jpg_is_refused(api):
    response = api.request("PATCH", "/me/profile/", data={"avatar_image": upload("evil.jpg", b"#!/bin/sh\necho hi\n")})
    assert response.status == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_truncated_image_is_refused(api):
    content = image_bytes("JPEG", (400, 300))
    response = api.request(
        "PATCH", "/me/profile/", data={"avatar_image": upload("cut.jpg", content[: len(content) // 2])}
    )
    assert response.status == 422
    assert response.json()["code"] == "invalid_image"


def test_bmp_is_not_accepted(api):
    response = api.request("PATCH", "/me/profile/", data={"avatar_image": upload("a.jpg", image_bytes("BMP"))})
    assert response.status == 415


@override_settings(MEDIA_MAX_IMAGE_BYTES=2_000)
def test_oversize_image_is_refused(api):
    response = api.request(
        "PATCH",
        "/me/profile/",
        data={"avatar_image": upload("big.png", image_bytes("PNG", (300, 300), noise=True))},
    )
    assert response.status == 413
    assert response.json()["code"] == "file_too_large"


@override_settings(MEDIA_MAX_IMAGE_PIXELS=100_000)
def test_pixel_bomb_is_refused_before_decoding(api):
    # A small file that declares a huge canvas (a flat-colour PNG compresses extremely well).
    bomb = image_bytes("PNG", (2000, 2000), color="white")
    assert len(bomb) < 50_000
    response = api.request("PATCH", "/me/profile/", data={"avatar_image": upload("bomb.png", bomb)})
    assert response.status == 413
    assert response.json()["code"] == "image_too_large"


def test_rejected_avatar_leaves_the_profile_unchanged(api):
    response = api.request(
        "PATCH", "/me/profile/", data={"first_name": "Changed", "avatar_image": upload("x.jpg", b"no")}
    )
    assert response.status == 415
    assert api.get("/me/profile/").json()["first_name"] == ""


def test_unsupported_content_type(api):
    response = api.request("PATCH", "/me/profile/", raw=b"first_name=x", content_type="text/plain")
    assert response.status == 415


def test_malformed_json(api):
    response = api.request("PATCH", "/me/profile/", raw=b"{nope")
    assert response.status == 400 and response.json()["code"] == "malformed_json"


def test_profile_endpoints_require_auth(anon):
    assert anon.get("/me/profile/").status == 401
    assert anon.patch("/me/profile/", {"first_name": "x"}).status == 401
    assert anon.get("/profile/me/").status == 401
