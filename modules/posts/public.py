"""Public interface of the posts module (search and, later, notifications and realtime use these)."""

from modules.posts.models import TEXT_SEARCH_CONFIGS
from modules.posts.presenters import post_out
from modules.posts.schemas import PostOut, PostPageOut
from modules.posts.search import posts_search
from modules.posts.selectors import PostView, post_views
from modules.posts.services import comment_create, post_create, post_like

__all__ = [
    "TEXT_SEARCH_CONFIGS",
    "PostOut",
    "PostPageOut",
    "PostView",
    "comment_create",
    "post_create",
    "post_like",
    "post_out",
    "post_views",
    "posts_search",
]
