"""The domain's error vocabulary (``core.errors``) as the one problem+json handler renders it:
a state-machine refusal names the current state and the allowed actions, whatever the app."""

from types import SimpleNamespace

import pytest
from django.utils import translation
from rest_framework.views import APIView

from api.exceptions import problem_exception_handler
from core.errors import Hidden, NotAllowed, RuleViolated, StateConflict, check_transition

TABLE = {
    "accept": (("submitted",), "accepted"),
    "close": (("accepted", "submitted"), "closed"),
    "note": (("submitted", "accepted", "closed"), None),
}


def _render(exc):
    return problem_exception_handler(exc, {"view": APIView(), "request": None})


def test_a_transition_from_its_source_state_gives_its_target():
    assert check_transition(SimpleNamespace(status="submitted"), "accept", TABLE) == "accepted"
    assert check_transition(SimpleNamespace(status="closed"), "note", TABLE) is None


def test_a_refused_transition_names_the_state_and_what_is_allowed():
    with pytest.raises(StateConflict) as refused:
        check_transition(SimpleNamespace(status="closed"), "accept", TABLE)
    response = _render(refused.value)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.data["type"].endswith("/illegal-transition")
    assert response.data["current_status"] == "closed"
    assert response.data["allowed_actions"] == ["note"]
    assert "accept" in response.data["detail"]


def test_the_refusal_speaks_the_readers_language():
    with translation.override("zh-hans"), pytest.raises(StateConflict) as refused:
        check_transition(SimpleNamespace(status="closed"), "close", TABLE)
    assert "不允许" in str(refused.value.detail) or "不能" in str(refused.value.detail)


@pytest.mark.parametrize(
    ("error", "status", "type_"),
    [
        (RuleViolated("too long", field="reason", rule="max_length"), 400, "validation-error"),
        (NotAllowed("only the county"), 403, "not-allowed"),
        (Hidden(), 404, "not-found"),
    ],
)
def test_each_domain_error_carries_its_status(error, status, type_):
    response = _render(error)
    assert response.status_code == status
    assert response.data["type"].endswith("/" + type_)


def test_a_rule_violation_names_its_field_and_rule():
    response = _render(RuleViolated("too long", field="reason", rule="max_length"))
    assert response.data["errors"] == [
        {"field": "reason", "rule": "max_length", "message": "too long"}
    ]
