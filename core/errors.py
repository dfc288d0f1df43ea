"""The domain's error vocabulary: what a service raises when it refuses.

Each error carries its HTTP status, so the one problem+json handler (``api.exceptions``)
renders it without knowing the app, and the workbench shows its message:

- ``RuleViolated`` (400): the input breaks a rule; names the field and the rule
  (``core.validators.field_error`` builds the field-keyed form);
- ``NotAllowed`` (403): this actor may not do this (the policy modules raise it);
- ``Hidden`` (404): the object exists, but not for this actor;
- ``Conflict`` (409): the record's state forbids it; ``StateConflict`` (409) is the
  state machine's refusal, naming the current state and the actions allowed from it, for
  incidents, complaints, reports, risk signals and recalls alike (``check_transition``).

They are DRF ``APIException`` subclasses, so views, the workbench's error handling and the
handler treat them like any other refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.utils.translation import gettext as _
from rest_framework import exceptions, status


class RuleViolated(exceptions.ValidationError):
    """400: the input breaks a rule. ``field`` and ``rule`` appear in the problem's errors."""

    def __init__(self, message: str, *, field: str | None = None, rule: str = "invalid"):
        super().__init__({field: [message]} if field else [message], code=rule)


class NotAllowed(exceptions.PermissionDenied):
    default_code = "not_allowed"


class Hidden(exceptions.NotFound):
    default_code = "not_found"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class StateConflict(Conflict):
    """409: ``action`` is not allowed in the current state. The problem body carries
    ``current_status`` and ``allowed_actions`` (the handler adds them). ``message`` is a
    translated template naming ``%(action)s``, ``%(status)s`` and ``%(allowed)s`` (the subject's
    own wording); without it the generic one."""

    default_code = "illegal_transition"

    def __init__(
        self,
        *,
        status: str,
        label: str,
        action: str,
        allowed: Iterable[str],
        message: str | None = None,
    ):
        self.current_status = status
        self.allowed_actions = list(allowed)
        template = message or _(
            "“%(action)s” is not allowed while it is %(status)s; allowed: %(allowed)s."
        )
        text = template % {
            "action": action.replace("_", " "),
            "status": label,
            "allowed": ", ".join(self.allowed_actions) or "—",
        }
        super().__init__(text, code="illegal_transition")

    def problem_fields(self) -> dict:
        return {"current_status": self.current_status, "allowed_actions": self.allowed_actions}


Table = Mapping[str, tuple[Iterable[str], str | None]]


def allowed_actions(table: Table, state: str) -> list[str]:
    """The actions of a transition table allowed from ``state``, in the table's order."""
    return [action for action, (sources, _target) in table.items() if state in sources]


def check_transition(
    obj,
    action: str,
    table: Table,
    *,
    field: str = "status",
    allowed: Callable[[str], list[str]] | None = None,
    message: str | None = None,
) -> str | None:
    """The one state-machine check of incidents, complaints, reports, risk signals and
    recalls: the target state of ``action`` from ``obj``'s current state, or ``StateConflict``
    naming that state and what is allowed from it (``allowed``: the subject's own list, when it
    hides some actions of its table; ``message``: its wording, a template as ``StateConflict``
    takes)."""
    sources, target = table[action]
    state = getattr(obj, field)
    if state not in sources:
        label_of = getattr(obj, f"get_{field}_display", None)
        raise StateConflict(
            status=state,
            label=str(label_of()) if label_of else state,
            action=action,
            allowed=(allowed or (lambda s: allowed_actions(table, s)))(state),
            message=message,
        )
    return target
