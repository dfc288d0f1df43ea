"""What ``handler500`` answers (``api.outage.server_error``): a database error raised outside a
view is a 503 with Retry-After, a bug a 500 — each as problem+json on the API and EPCIS paths
and as a page for people, in their language, instead of Django's bare "Server Error (500)".
(The whole path with a real PostgreSQL stopped: ``test_database_down.py``.)"""

import json

import pytest
from django.db import OperationalError

from api.outage import server_error
from core import degrade


@pytest.fixture(autouse=True)
def _no_outage_left_behind():
    yield
    degrade.reset()


def _raised(exc, request):
    try:
        raise exc
    except Exception:
        return server_error(request)


@pytest.mark.parametrize("path", ["/api/v1/batches/", "/epcis/capture"])
def test_a_database_error_outside_a_view_is_a_503_problem(rf, settings, path):
    settings.DATABASE_RETRY_AFTER_SECONDS = 9
    request = rf.post(path, HTTP_ACCEPT_LANGUAGE="en")
    response = _raised(OperationalError("connection refused"), request)
    assert response.status_code == 503 and response["Retry-After"] == "9"
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 503 and "9 seconds" in body["detail"]
    assert body["type"].startswith("epcisException:" if path.startswith("/epcis/") else "https://")


def test_a_bug_is_a_500_problem_on_the_api_and_a_page_for_people(rf):
    api = _raised(ValueError("bug"), rf.get("/api/v1/batches/", HTTP_ACCEPT_LANGUAGE="en"))
    assert api.status_code == 500 and api["Content-Type"] == "application/problem+json"
    assert json.loads(api.content)["type"].endswith("/server-error")
    assert "bug" not in api.content.decode()  # nothing of the error leaks
    page = _raised(ValueError("bug"), rf.get("/workbench/", HTTP_ACCEPT_LANGUAGE="zh-CN"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "抱歉" in text and "Server Error (500)" not in text and "bug" not in text
