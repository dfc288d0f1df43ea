import pytest
from rest_framework.test import APIClient

from tests.factories import EnterpriseFactory, UserFactory


@pytest.mark.django_db
def test_token_login_then_token_auth():
    user = UserFactory(username="op", organization=EnterpriseFactory())
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "op", "password": "pw-for-tests-2026"}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "op"
    assert me["organization"]["id"] == user.membership.organization_id


@pytest.mark.django_db
def test_wrong_password_is_problem_json_in_english_and_chinese():
    UserFactory(username="op", organization=EnterpriseFactory())
    client = APIClient()
    en = client.post(
        "/api/v1/auth/token/",
        {"username": "op", "password": "nope"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert en.status_code == 400
    assert en["Content-Type"] == "application/problem+json"
    assert en.json()["errors"][0]["rule"] == "authorization"
    assert "Unable to log in" in en.json()["detail"]
    zh = client.post(
        "/api/v1/auth/token/",
        {"username": "op", "password": "nope"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert "无法" in zh.json()["detail"]


@pytest.mark.django_db
def test_anonymous_gets_401_problem(anonymous):
    response = anonymous.client.get("/api/v1/batches/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_user_without_organization_is_refused(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get("/api/v1/products/").status_code == 403


def test_organization_directory(enterprise, partner, anonymous):
    response = enterprise.client.get("/api/v1/organizations/", {"q": partner.org.name})
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["results"]] == [partner.org.pk]
    assert anonymous.client.get("/api/v1/organizations/").status_code == 401


def test_openapi_schema_is_valid(db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
