"""`just status`: is the API answering, the database reachable, every migration applied, a worker alive?"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from modules.ops.selectors import readiness


def _check_api(url: str) -> tuple[bool, str]:
    # Production answers 400 to a Host outside ALLOWED_HOSTS, so ask as the first allowed host.
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in {"*", ""}), None)
    request = urllib.request.Request(url, headers={"Host": host} if host else {})  # noqa: S310 - http:// only
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 - local health URL
            body = json.loads(response.read() or b"{}")
            return response.status == 200, f"HTTP {response.status} {body.get('status', '')}".strip()
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"not answering ({getattr(exc, 'reason', exc)})"


class Command(BaseCommand):
    help = "Report the health of the API, database, migrations and worker; exit 1 if anything is down."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="port of the local API (default 8000)")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options):
        url = f"http://{options['host']}:{options['port']}/api/v1/health/"
        api_ok, api_detail = _check_api(url)
        rows = [("api", api_ok, f"{api_detail} ({url})")]
        rows += [(name, check.ok, check.detail) for name, check in readiness().checks.items()]
        for name, ok, detail in rows:
            mark = self.style.SUCCESS("up  ") if ok else self.style.ERROR("DOWN")
            self.stdout.write(f"{mark} {name:<11} {detail}")
        if not all(ok for _, ok, _ in rows):
            raise CommandError("some components are down")
        self.stdout.write(self.style.SUCCESS("all components healthy"))
