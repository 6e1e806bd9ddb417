"""Error codes of posts, comments, feeds and post search."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "empty_post": "A post needs text or media.",
        "empty_comment": "A comment needs text or an image.",
        "not_author": "Only the author may change or delete this.",
        "parent_on_other_post": "A reply's parent comment must be on the same post.",
        "too_many_images": "More images than a post or comment may carry.",
        "too_many_videos": "A post carries at most one video.",
        "invalid_language": "Not a two-letter ISO 639-1 language code.",
        "cursor_expired": "The ranked feed this cursor belongs to has expired: reload the first page.",
        "query_too_short": "Search for at least 2 characters.",
    }
)
