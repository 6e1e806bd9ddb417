import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from modules.notifications.providers import FcmProvider
from tests.notifications.fakepush import EXPO_RECEIPTS, EXPO_SEND, OAUTH_TOKEN, FakePushServer


@pytest.fixture
def fake_push(settings):
    """The fake push services, with the settings pointing at them and short timeouts and backoff."""
    server = FakePushServer()
    settings.EXPO_PUSH_URL = server.url + EXPO_SEND
    settings.EXPO_RECEIPTS_URL = server.url + EXPO_RECEIPTS
    settings.EXPO_ACCESS_TOKEN = ""
    settings.PUSH_ENABLED = True
    settings.PUSH_TIMEOUT_SECONDS = 1
    settings.PUSH_MAX_ATTEMPTS = 3
    settings.PUSH_RETRY_BACKOFF_MS = 10
    settings.FCM_SERVICE_ACCOUNT_FILE = ""
    yield server
    server.close()


@pytest.fixture
def fcm(settings, fake_push, tmp_path):
    """FCM configured with a freshly generated service-account key whose token endpoint is the fake server."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    fake_push.public_key = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "selflink-test",
                "private_key_id": "key-1",
                "private_key": private_pem,
                "client_email": "push@selflink-test.iam.gserviceaccount.com",
                "token_uri": fake_push.url + OAUTH_TOKEN,
            }
        )
    )
    settings.FCM_SERVICE_ACCOUNT_FILE = str(path)
    settings.FCM_PROJECT_ID = ""
    settings.FCM_TOKEN_URL = ""
    settings.FCM_SEND_URL = fake_push.url + "/v1/projects/{project_id}/messages:send"
    FcmProvider.forget_access_token()
    yield fake_push
    FcmProvider.forget_access_token()
