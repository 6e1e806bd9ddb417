"""media_upload_set: one rule for the media of a post, comment or message, and nothing left behind on failure."""

from __future__ import annotations

import pytest

from modules.core.public import ApiError
from modules.media.models import MediaAsset
from modules.media.public import Upload, UploadRefusal, UploadRefusals, media_upload_set
from tests.media.images import image_bytes, upload
from tests.media.videos import mp4, video_upload

pytestmark = pytest.mark.django_db

REFUSALS = UploadRefusals(
    mixed=UploadRefusal(field="f", message="Images or one video.", code="mixed_media"),
    too_many_images=UploadRefusal(field="f", message="Too many images.", code="too_many_images"),
    too_many_videos=UploadRefusal(field="f", message="Too many videos.", code="too_many_videos"),
)


def image(name: str = "a.jpg") -> Upload:
    return Upload(file=upload(name, image_bytes()), field="f")


def video(name: str = "v.mp4") -> Upload:
    return Upload(file=video_upload(name, mp4()), field="f")


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def store(uploads: list[Upload], user, refusals: UploadRefusals = REFUSALS) -> list:
    with media_upload_set(uploads, owner_id=user.id, private=False, refusals=refusals) as media:
        return media


def refusal(uploads: list[Upload], user, refusals: UploadRefusals = REFUSALS) -> ApiError:
    with pytest.raises(ApiError) as caught:
        store(uploads, user, refusals)
    return caught.value


def test_each_kind_is_recognised_by_content(user):
    assert [m.kind for m in store([image(), image("b.jpg")], user)] == ["image", "image"]
    with media_upload_set([video()], owner_id=user.id, private=True, refusals=REFUSALS) as media:
        assert [m.kind for m in media] == ["video"] and media[0].path.startswith("private/videos/")


def test_a_kind_the_field_names_is_the_one_validated(user):
    error = refusal([Upload(file=video_upload("v.mp4", mp4()), field="images", kind="image")], user)
    assert (error.status, error.code) == (415, "unsupported_media_type")
    assert not MediaAsset.objects.exists()


@pytest.mark.parametrize(
    ("uploads", "code"),
    [
        (lambda: [image(), video()], "mixed_media"),
        (lambda: [image(str(n)) for n in range(5)], "too_many_images"),
        (lambda: [video(), video("w.mp4")], "too_many_videos"),
    ],
)
def test_the_rule_is_checked_before_anything_is_stored(user, media_root, uploads, code):
    error = refusal(uploads(), user)
    assert (error.status, error.code, error.errors) == (422, code, {"f": [error.detail]})
    assert not MediaAsset.objects.exists() and stored_files(media_root) == []


def test_too_many_files_is_checked_first_when_the_endpoint_names_it(user):
    everything = UploadRefusals(
        mixed=REFUSALS.mixed,
        too_many_images=REFUSALS.too_many_images,
        too_many_videos=REFUSALS.too_many_videos,
        too_many_files=UploadRefusal(field="f", message="At most 4 files.", code="too_many_attachments"),
    )
    assert refusal([image(str(n)) for n in range(4)] + [video()], user).code == "mixed_media"
    assert refusal([image(str(n)) for n in range(4)] + [video()], user, everything).code == "too_many_attachments"


def test_a_refused_file_takes_the_earlier_ones_with_it(user, media_root, django_capture_on_commit_callbacks):
    bad = Upload(file=upload("evil.jpg", b"<script>alert(1)</script>"), field="f")
    with django_capture_on_commit_callbacks(execute=True):
        error = refusal([image(), bad], user)
    assert error.status == 415
    assert not MediaAsset.objects.exists() and stored_files(media_root) == []


def test_a_failure_in_the_callers_block_deletes_what_was_stored(user, media_root, django_capture_on_commit_callbacks):
    seen = []

    def link_fails():
        with media_upload_set([image(), image("b.jpg")], owner_id=user.id, private=False, refusals=REFUSALS) as media:
            seen.append((len(media), MediaAsset.objects.count(), len(stored_files(media_root))))
            raise RuntimeError("the row that would link them could not be written")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        link_fails()
    assert seen == [(2, 2, 4)]  # two images and their thumbnails, while the block ran
    assert not MediaAsset.objects.exists() and stored_files(media_root) == []


def test_success_keeps_everything(user):
    media = store([image()], user)
    assert list(MediaAsset.objects.values_list("id", flat=True)) == [media[0].id]
