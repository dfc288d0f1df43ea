"""Every write to an incident: keyword-only ``incident_<action>`` services, one module per stage.

Each locks the row, checks the transition table (``policy.TRANSITIONS``) and who may act
(``policy.require``), saves with ``update_fields``, writes its timeline row and its notifications
(outbox) in the same transaction. Complaints call ``incident_open`` to convert a complaint into
an incident.

- ``intake``: report (enterprise) and open (regulator);
- ``grading``: confirm or change the grade;
- ``supplements``: supplementary reports and the named enterprise's answer;
- ``escalation``: acknowledge and pass up the reporting chain;
- ``review``: accept, reject, merge, emergency handling;
- ``closure``: investigate, extend, conclude, transfer, close, and notes from other apps;
- ``sweep``: the deadlines acted on;
- ``common`` and ``notices``: the steps they share.

This package re-exports the public names, so ``from incidents import services`` and
``services.incident_accept`` work as they always have.
"""

from core.errors import Conflict

from ..policy import NotYourAction
from .closure import (
    incident_close,
    incident_conclude,
    incident_extend,
    incident_investigate,
    incident_note_attachment,
    incident_note_recall,
    incident_transfer,
)
from .common import (
    FIGURES,
    IllegalTransition,
    incident_actions_for,
    incident_require_actor,
    owes_late_report,
    regulators_at,
)
from .escalation import incident_acknowledge, incident_report_up
from .grading import incident_grade
from .intake import incident_open, incident_report
from .review import incident_accept, incident_merge, incident_reject, incident_respond
from .supplements import incident_answer, incident_supplement
from .sweep import SWEEP_FIELDS, _save_swept, incidents_sweep

__all__ = [
    "Conflict",
    "FIGURES",
    "SWEEP_FIELDS",
    "IllegalTransition",
    "NotYourAction",
    "_save_swept",
    "incident_accept",
    "incident_acknowledge",
    "incident_actions_for",
    "incident_answer",
    "incident_close",
    "incident_conclude",
    "incident_extend",
    "incident_grade",
    "incident_investigate",
    "incident_merge",
    "incident_note_attachment",
    "incident_note_recall",
    "incident_open",
    "incident_reject",
    "incident_report",
    "incident_report_up",
    "incident_require_actor",
    "incident_respond",
    "incident_supplement",
    "incident_transfer",
    "incidents_sweep",
    "owes_late_report",
    "regulators_at",
]
