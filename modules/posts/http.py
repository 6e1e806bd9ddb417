"""The posts module's HTTP surface for other modules' routers (search lists posts as `/posts/` shows them)."""

from modules.posts.schemas import PostPageOut

__all__ = ["PostPageOut"]
