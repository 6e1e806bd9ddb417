import json
import urllib.request

import pytest

from tests.factories import UserFactory


@pytest.mark.integration
def test_live_daphne_serves_the_test_database(daphne_server, transactional_db):
    UserFactory(email="live@example.com")
    body = json.dumps({"email": "live@example.com", "password": "correct horse battery staple"}).encode()
    request = urllib.request.Request(
        f"{daphne_server.url}/api/v1/auth/login/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read())["user"]["email"] == "live@example.com"
