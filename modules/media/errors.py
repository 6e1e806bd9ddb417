"""Error codes of media uploads (images and videos, validated by their content)."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "invalid_image": "The file is not an image we accept (JPEG, PNG, WebP, GIF), or it is damaged.",
        "invalid_video": "The file is not an MP4/QuickTime video, or it is damaged.",
        "image_too_large": "The image's canvas has more pixels than allowed, or decoding it would need more memory "
        "than allowed.",
        "too_many_frames": "The animated image has more frames than allowed.",
        "animation_too_large": "The animated image has more pixels in all its frames together (width × height × "
        "frames) than allowed.",
        "media_busy": "Every image worker of the server is busy: retry after the seconds in `Retry-After`.",
        "file_too_large": "The file has more bytes than allowed for its kind.",
        "media_link_invalid": "The private media link is missing its signature or was altered: use the `url` the "
        "API gave you.",
        "media_link_expired": "The private media link has expired: fetch the message or post again for a fresh `url`.",
        "mixed_media": "Images and a video in one upload: attach images or one video, not both.",
    }
)
