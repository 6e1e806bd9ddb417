from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address as the server saw it.

    Behind the reverse proxy, daphne runs with `--proxy-headers`, which already
    puts the forwarded client address into REMOTE_ADDR; trusting an
    X-Forwarded-For header here would let any client pick its own rate-limit key.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"
