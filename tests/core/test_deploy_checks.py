"""`manage.py check --deploy` knows the adapted security middleware (Django's own checks look for exact paths)."""

from django.test import override_settings

from modules.core.checks import security_middleware_installed


def test_the_adapted_middleware_satisfies_the_deploy_check():
    assert security_middleware_installed(None) == []


def test_a_missing_security_middleware_is_reported(settings):
    without = [
        path for path in settings.MIDDLEWARE if not path.endswith((".SecurityMiddleware", ".CsrfViewMiddleware"))
    ]
    with override_settings(MIDDLEWARE=without):
        assert sorted(error.id for error in security_middleware_installed(None)) == ["core.E001", "core.E003"]
