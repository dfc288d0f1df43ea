"""The workbench's frame: sign-in first, the bar each kind of organization gets."""

import pytest

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in_and_comes_back(client):
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/workbench/")


def test_signed_in_member_gets_the_inbox_in_chinese_then_english(client, demo):
    client.force_login(demo["county-regulator"])
    page = client.get("/workbench/").content.decode()
    assert "收件箱" in page and 'lang="zh-Hans"' in page
    page = client.get("/workbench/?lang=en").content.decode()
    assert "Inbox" in page and 'lang="en"' in page


def test_an_account_without_organization_is_told_why(client, django_user_model):
    user = django_user_model.objects.create_user("loner", password="x")
    client.force_login(user)
    response = client.get("/workbench/")
    assert response.status_code == 403
    assert "refused" in response.content.decode()
