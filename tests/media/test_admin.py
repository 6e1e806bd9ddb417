"""The media admin: list with thumbnails, filters and search, read-only detail, deletion through the service."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from modules.media.models import MediaAsset
from modules.media.services import media_upload
from tests.factories import StaffFactory, UserFactory
from tests.media.factories import MediaAssetFactory
from tests.media.images import image_bytes, upload
from tests.media.videos import mp4, video_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:media_mediaasset_changelist")


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def assets():
    ana = UserFactory(handle="ana_k", email="ana@example.com")
    bob = UserFactory(handle="bob_v", email="bob@example.com")
    image = media_upload(upload("a.jpg", image_bytes("JPEG", (800, 600))), owner_id=ana.id, kind="image", field="f")
    video = media_upload(video_upload("v.mp4", mp4()), owner_id=bob.id, kind="video", field="f")
    return image, video


def change_url(asset_id: int) -> str:
    return reverse("admin:media_mediaasset_change", args=[asset_id])


def test_changelist_shows_thumbnails(staff_client, assets):
    image, _ = assets
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<img src="/media/{image.thumbnail_path}"' in html
    assert "video/mp4" in html and "1280×720" in html and "12.3 s" in html


# unfold's date range filter builds naive datetimes from the dates; Django warns and uses the current time zone.
@pytest.mark.filterwarnings("ignore:DateTimeField MediaAsset.created_at received a naive datetime")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind__exact": "video"}, {"video"}),
        ({"mime_type__exact": "image/jpeg"}, {"image"}),
        ({"q": "ana_k"}, {"image"}),
        ({"q": "bob@example.com"}, {"video"}),
        ({"created_at_from": "2000-01-01", "created_at_to": "2000-01-02"}, set()),
        ({"created_at_from": "2000-01-01"}, {"image", "video"}),
    ],
    ids=["kind", "mime type", "owner handle", "owner email", "date range (empty)", "date from"],
)
def test_filters_and_search(staff_client, assets, query, expected):
    response = staff_client.get(CHANGELIST, query)
    assert response.status_code == 200
    shown = {asset.kind for asset in response.context["cl"].result_list}
    assert shown == expected


def test_change_pages_render_read_only(staff_client, assets):
    image, video = assets
    page = staff_client.get(change_url(image.id))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/media/{image.thumbnail_path}" in html and image.path in html
    assert 'name="path"' not in html  # read-only: no inputs
    video_page = staff_client.get(change_url(video.id))
    assert video_page.status_code == 200
    assert f'<video src="/media/{video.path}"' in video_page.content.decode()


def test_assets_cannot_be_added_or_edited(staff_client, assets):
    image, _ = assets
    assert staff_client.get(reverse("admin:media_mediaasset_add")).status_code == 403
    staff_client.post(change_url(image.id), {"path": "evil/x.jpg"})
    assert MediaAsset.objects.get(id=image.id).path == image.path


def test_delete_action_goes_through_the_service(staff_client, assets, django_capture_on_commit_callbacks):
    image, video = assets
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(
            CHANGELIST, {"action": "delete_selected", "_selected_action": [image.id, video.id], "post": "yes"}
        )
    assert response.status_code == 302
    assert callbacks, "files are deleted on commit"
    assert not MediaAsset.objects.exists()
    for path in (image.path, image.thumbnail_path, video.path):
        assert not default_storage.exists(path)


def test_delete_view_removes_the_files(staff_client, assets, django_capture_on_commit_callbacks):
    image, _ = assets
    url = reverse("admin:media_mediaasset_delete", args=[image.id])
    assert staff_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not MediaAsset.objects.filter(id=image.id).exists()
    assert not default_storage.exists(image.path) and not default_storage.exists(image.thumbnail_path)


def test_factory_rows_render_too(staff_client):
    asset = MediaAssetFactory(video=True)
    assert staff_client.get(CHANGELIST).status_code == 200
    assert staff_client.get(change_url(asset.id)).status_code == 200


def test_closed_to_non_staff(assets):
    image, _ = assets
    client = Client()
    client.force_login(UserFactory())
    for url in (CHANGELIST, change_url(image.id)):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
