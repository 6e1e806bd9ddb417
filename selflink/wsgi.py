"""WSGI entry point (management tooling and WSGI servers; production serves ASGI through daphne)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
application = get_wsgi_application()
