from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, re_path
from django.views.static import serve

from modules.accounts.admin_login import admin_login
from modules.media.public import private_media_view
from selflink.api import api


def api_docs(request: HttpRequest) -> HttpResponse:
    return api.docs.render_page(request, api)


urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs/", api_docs, name="api-docs"),
    # Before the admin's own login: the same brute-force limits as the API's sign-in (429/503 with Retry-After).
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", lambda request: redirect("api-docs")),
]

if settings.STORAGE_BACKEND == "local":
    # Private media (signed, expiring links) are checked by the app before anything is served, in production
    # too (the app answers with X-Accel-Redirect and nginx sends the file); before the route below.
    urlpatterns.append(re_path(r"^media/private/(?P<path>.+)$", private_media_view))

if settings.STORAGE_BACKEND == "local" and settings.SERVE_MEDIA:
    # Development: daphne serves uploads itself. In deploy/ the reverse proxy serves MEDIA_ROOT.
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
