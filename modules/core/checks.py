"""`manage.py check --deploy` for the adapted middleware.

Django's deployment checks security.W001–W003 look for the exact paths of its Security, X-Frame-Options and CSRF
middleware, so they do not recognise the subclasses in `middleware_django.py` (same settings, fewer thread hops)
and are silenced in settings. This check takes their place: it fails when one of the three is missing."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils.module_loading import import_string

REQUIRED_MIDDLEWARE = {
    "core.E001": SecurityMiddleware,
    "core.E002": XFrameOptionsMiddleware,
    "core.E003": CsrfViewMiddleware,
}


@register(Tags.security, deploy=True)
def security_middleware_installed(app_configs, **kwargs) -> list[Error]:
    installed = [import_string(path) for path in settings.MIDDLEWARE]
    return [
        Error(
            f"{required.__module__}.{required.__name__} (or a subclass of it) is not in MIDDLEWARE",
            hint="modules/core/middleware_django.py has the adapted class to use",
            id=check_id,
        )
        for check_id, required in REQUIRED_MIDDLEWARE.items()
        if not any(issubclass(cls, required) for cls in installed if isinstance(cls, type))
    ]
