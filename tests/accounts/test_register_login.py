import pytest

from modules.accounts.models import AuthSession, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def register(anon, **overrides):
    body = {
        "email": "Ana@Example.com",
        "password": "a long enough secret 42",
        "name": "Ana Kapanadze",
        **overrides,
    }
    return anon.post("/auth/register/", body)


def test_register_returns_tokens_and_the_account(anon):
    response = register(anon, intention="meet people", locale="ka")
    assert response.status == 201, response
    body = response.json()
    assert set(body) == {"token", "refreshToken", "user"}
    assert body["user"]["email"] == "ana@example.com"  # stored lower-cased
    assert body["user"]["handle"] == "ana_kapanadze"  # generated from the name
    assert body["user"]["locale"] == "ka"
    assert body["user"]["settings"]["dm_policy"] == "everyone"
    me = anon.get("/users/me/", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status == 200 and me.json()["id"] == body["user"]["id"]


def test_register_hashes_passwords_with_argon2(anon):
    register(anon)
    user = User.objects.get(email="ana@example.com")
    assert user.password.startswith("argon2")
    assert "a long enough secret" not in user.password


def test_email_is_unique_regardless_of_case(anon):
    assert register(anon).status == 201
    response = register(anon, email="ANA@example.COM", handle="someone_else")
    assert response.status == 409
    assert response.json()["code"] == "email_taken"


def test_generated_handles_do_not_collide(anon):
    register(anon, email="a1@example.com")
    second = register(anon, email="a2@example.com")
    third = register(anon, email="a3@example.com")
    assert second.json()["user"]["handle"] == "ana_kapanadze_2"
    assert third.json()["user"]["handle"] == "ana_kapanadze_3"


def test_handle_from_non_latin_name_is_still_valid(anon):
    response = register(anon, name="ნინო", email="nino@example.com")
    assert response.status == 201
    assert response.json()["user"]["handle"] == "user"


@pytest.mark.parametrize(
    ("handle", "code"),
    [
        ("ab", "invalid_handle"),
        ("Has Space", "invalid_handle"),
        ("x" * 31, "invalid_handle"),
        ("admin", "handle_reserved"),
    ],
)
def test_bad_handles_are_rejected(anon, handle, code):
    response = register(anon, handle=handle)
    assert response.status == 422
    assert response.json()["code"] in {code, "validation_error"}
    assert "handle" in response.json()["errors"]


def test_taken_handle_is_a_conflict(anon):
    UserFactory(handle="ana")
    response = register(anon, handle="ana")
    assert response.status == 409
    assert response.json()["code"] == "handle_taken"


def test_weak_passwords_are_rejected_with_reasons(anon):
    response = register(anon, password="12345678")
    assert response.status == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert any("common" in message or "numeric" in message for message in body["errors"]["password"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "ana@example.com"},
        {"email": 12, "password": "a long enough secret 42"},
        {"email": "ana@example.com", "password": "x" * 129},
        {"email": "ana@example.com", "password": "a long enough secret 42", "name": "n" * 121},
        {"email": "ana@example.com", "password": "a long enough secret 42", "locale": "en US"},
    ],
)
def test_register_validation_errors_name_the_fields(anon, body):
    response = anon.post("/auth/register/", body)
    assert response.status == 422
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert payload["errors"] and all(isinstance(v, list) for v in payload["errors"].values())


def test_malformed_json_is_a_clear_400(anon):
    response = anon.request("POST", "/auth/register/", raw=b'{"email": ')
    assert response.status == 400
    assert response.json() == {"detail": "Malformed JSON in the request body.", "code": "malformed_json"}


def test_login_returns_a_new_session(anon):
    user = UserFactory(email="bo@example.com")
    response = anon.post("/auth/login/", {"email": "BO@example.com", "password": DEFAULT_PASSWORD})
    assert response.status == 200, response
    assert response.json()["user"]["id"] == user.id
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("email", ["bo@example.com", "nobody@example.com"])
def test_wrong_credentials_look_the_same_for_known_and_unknown_accounts(anon, email):
    UserFactory(email="bo@example.com")
    response = anon.post("/auth/login/", {"email": email, "password": "wrong password"})
    assert response.status == 401
    assert response.json() == {"detail": "E-mail or password is incorrect.", "code": "invalid_credentials"}


def test_inactive_accounts_cannot_sign_in(anon):
    UserFactory(email="gone@example.com", is_active=False)
    response = anon.post("/auth/login/", {"email": "gone@example.com", "password": DEFAULT_PASSWORD})
    assert response.status == 401
