"""The staff admin's sign-in under the API's brute-force limits (`signin.py`): per client address, and the
per-account backoff that the owner passes from a known device or network.

`admin.site.login_form` is `StaffSignInForm` (set in accounts/admin.py), so the admin's own login view checks
passwords through `sign_in_verify`; `admin_login` (routed at /admin/login/ by selflink/urls.py) wraps that view to
answer a refused attempt with its status (429, or 503 when too many passwords are being hashed) and `Retry-After`,
and to hand out the device cookie after a successful sign-in.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from unfold.forms import AuthenticationForm

from modules.accounts.signin import ClientInfo, device_cookie_set, device_from_request, sign_in_verify
from modules.core.public import NotAuthenticated, RateLimited, ServiceUnavailable, client_ip

_DEVICE_ATTRIBUTE = "_selflink_sign_in_device"


class StaffSignInForm(AuthenticationForm):
    """The admin's login form, checking the password through `sign_in_verify` instead of `authenticate()`."""

    status = 200
    retry_after: int | None = None

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data  # the field errors say what is missing
        device, is_new = device_from_request(self.request)
        setattr(self.request, _DEVICE_ATTRIBUTE, (device, is_new))
        client = ClientInfo(
            ip=client_ip(self.request), user_agent=self.request.headers.get("User-Agent", ""), device=device
        )
        try:
            user = sign_in_verify(email=email, password=password, client=client)
        except RateLimited as exc:
            self.status, self.retry_after = 429, exc.retry_after
            detail = exc.detail if "second" in exc.detail else f"{exc.detail} (in {exc.retry_after} seconds)"
            raise ValidationError(detail) from exc
        except ServiceUnavailable as exc:
            self.status, self.retry_after = 503, int(exc.headers.get("Retry-After", "1"))
            raise ValidationError(exc.detail) from exc
        except NotAuthenticated as exc:
            raise self.get_invalid_login_error() from exc
        self.confirm_login_allowed(user)  # active staff only
        self.user_cache = user
        return self.cleaned_data


def admin_login(request: HttpRequest) -> HttpResponse:
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if isinstance(form, StaffSignInForm) and form.retry_after is not None:
        response.status_code = form.status
        response["Retry-After"] = str(form.retry_after)
    device, is_new = getattr(request, _DEVICE_ATTRIBUTE, ("", False))
    if is_new and request.method == "POST" and response.status_code == 302 and request.user.is_authenticated:
        device_cookie_set(response, device)
    return response
