"""Accounts (issue 9, item 7): lockout on every login path, expiring and revocable API tokens.

Attack: ``/api/v1/auth/token/`` and ``/accounts/login/`` took unlimited password guesses
(OWASP ASVS 2.2.1: anti-automation against credential stuffing and brute force); tokens
never expired and could not be revoked (ASVS 3.3: session termination).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import EnterpriseFactory, UserFactory

PASSWORD = "pw-for-tests-2026"


@pytest.fixture
def operator(db):
    return UserFactory(username="op", organization=EnterpriseFactory())


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)


def _token(client=None, password=PASSWORD, **extra):
    return (client or APIClient()).post(
        "/api/v1/auth/token/", {"username": "op", "password": password}, format="json", **extra
    )


def test_token_is_stored_hashed_and_expires(operator, settings):
    response = _token()
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["expiry"]
    stored = AuthToken.objects.get(user=operator)
    assert token not in (stored.digest, stored.token_key) and stored.digest != token
    assert stored.expiry - timezone.now() == pytest.approx(
        settings.REST_KNOX["TOKEN_TTL"], abs=timedelta(minutes=1)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    expired = client.get("/api/v1/me/")
    assert expired.status_code == 401 and expired["Content-Type"] == "application/problem+json"


def test_logout_revokes_this_token_and_logout_all_every_token(operator):
    first, second, third = (_token().json()["token"] for _ in range(3))
    clients = {}
    for name, token in (("first", first), ("second", second), ("third", third)):
        clients[name] = APIClient()
        clients[name].credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert clients["first"].post("/api/v1/auth/logout/").status_code == 204
    assert clients["first"].get("/api/v1/me/").status_code == 401
    assert clients["second"].get("/api/v1/me/").status_code == 200
    assert clients["second"].post("/api/v1/auth/logout-all/").status_code == 204
    assert clients["second"].get("/api/v1/me/").status_code == 401
    assert clients["third"].get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=operator).exists()
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401


def test_api_login_locks_out_after_repeated_failures(operator):
    for _ in range(2):
        assert _token(password="guess").status_code == 400
    locked = _token(password="guess", HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert (
        locked.json()["status"] == 429
        and "Too many failed sign-in attempts" in locked.json()["detail"]
    )
    assert int(locked["Retry-After"]) == 30 * 60
    # Even the right password is refused until the cool-off has passed.
    assert _token().status_code == 429
    assert not AuthToken.objects.exists()


def test_a_success_before_the_limit_resets_the_count(operator):
    for _ in range(2):
        _token(password="guess")
    assert _token().status_code == 200
    for _ in range(2):
        assert _token(password="guess").status_code == 400


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/", "/api-auth/login/"])
def test_every_login_form_locks_out(operator, path):
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    client = Client()
    for _ in range(2):
        assert (
            client.post(path, {"username": "op", "password": "guess"}).status_code == 200
        )  # form again
    locked = client.post(path, {"username": "op", "password": "guess"})
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    right = client.post(path, {"username": "op", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # The API shares the count: the same user from the same address is locked there too.
    assert _token().status_code == 429


def test_lockout_is_per_address(operator):
    for _ in range(3):
        _token(password="guess", REMOTE_ADDR="203.0.113.9")
    assert _token(REMOTE_ADDR="203.0.113.9").status_code == 429
    assert _token(REMOTE_ADDR="198.51.100.7").status_code == 200
