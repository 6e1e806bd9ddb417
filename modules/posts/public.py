"""Public interface of the posts module (the schema other routers reuse is in `http.py`)."""

from modules.posts.search import posts_search
from modules.posts.services import comment_create, post_create, post_like

__all__ = ["comment_create", "post_create", "post_like", "posts_search"]
