"""Investigation and closure: investigate, extend once, conclude with findings and a public
result, transfer, close; and the notes other apps add (attachment, recall).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.validators import field_error as _field_error

from .. import law
from ..choices import TransferTarget
from ..models import Incident
from .common import _lock, _log, _need, _require_sees
from .review import _simple


def incident_investigate(*, incident_id: int, actor, reason: str = "", now=None) -> Incident:
    """The investigation starts (the team is formed): where the instrument counts the period
    from the team's formation (SAMR Order 50 Art. 30), the report's due time is set now."""
    extra: dict = {}

    def apply(incident, now):
        due = law.investigation_due(incident, team_formed_at=now)
        if due is None or incident.investigation_due_at:
            return []
        incident.investigation_due_at = due.at
        extra.update(investigation_due_at=due.at, investigation_rule=due.citation())
        return ["investigation_due_at"]

    return _simple(
        "investigate",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        apply=apply,
        extra=extra,
    )


def incident_extend(*, incident_id: int, actor, reason: str, now=None) -> Incident:
    """The investigation report deadline is extended once, with a reason, by the category's
    instrument (the local plan; SAMR Order 50 Art. 30: at most 60 days)."""
    extra: dict = {}

    def apply(incident, now):
        if incident.investigation_extended:
            raise Conflict(
                _("The investigation may be extended only once."), code="already_extended"
            )
        due = law.extension(incident, incident.investigation_due_at or now)
        incident.investigation_due_at = due.at
        incident.investigation_extended = True
        extra.update(investigation_due_at=due.at, investigation_rule=due.citation())
        return ["investigation_due_at", "investigation_extended"]

    return _simple(
        "extend",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        require_reason=True,
        apply=apply,
        extra=extra,
    )


def incident_conclude(
    *, incident_id: int, actor, findings: str, public_result: str, reason: str = "", now=None
) -> Incident:
    extra: dict = {}

    def apply(incident, now):
        findings_text = _need(findings, "findings")
        extra["public_result"] = public_text = _need(public_result, "public_result")
        incident.findings, incident.public_result, incident.concluded_at = (
            findings_text,
            public_text,
            now,
        )
        incident.investigation_due_at = incident.escalation_due_at = incident.reminder_due_at = None
        incident.supplement_due_at = None
        return [
            "findings",
            "public_result",
            "concluded_at",
            "investigation_due_at",
            "escalation_due_at",
            "reminder_due_at",
            "supplement_due_at",
        ]

    return _simple(
        "conclude",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        apply=apply,
        extra=extra,
    )


def incident_transfer(
    *, incident_id: int, actor, target: str, body: str, reference: str, reason: str = "", now=None
) -> Incident:
    """Case transfer (案件移送): public security, another department or jurisdiction."""
    extra: dict = {}

    def apply(incident, now):
        if target not in TransferTarget.values:
            raise _field_error(
                "target", _("Choose public_security, department or jurisdiction."), "invalid_choice"
            )
        extra.update(
            target=target, body=_need(body, "body"), reference=_need(reference, "reference")
        )
        incident.transfer_target, incident.transfer_body, incident.transfer_reference = (
            target,
            extra["body"],
            extra["reference"],
        )
        return ["transfer_target", "transfer_body", "transfer_reference"]

    return _simple(
        "transfer",
        incident_id=incident_id,
        actor=actor,
        reason=reason,
        now=now,
        apply=apply,
        extra=extra,
    )


def incident_close(*, incident_id: int, actor, reason: str = "", now=None) -> Incident:
    def apply(incident, now):
        incident.closed_at = now
        return ["closed_at"]

    return _simple(
        "close", incident_id=incident_id, actor=actor, reason=reason, now=now, apply=apply
    )


def incident_note_attachment(*, incident: Incident, actor, attachment, now=None) -> None:
    _log(
        incident,
        "attachment",
        actor=actor,
        at=now,
        data={
            "attachment": attachment.pk,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@transaction.atomic
def incident_note_recall(
    *,
    incident_id: int,
    actor,
    recall_id: int,
    number: str,
    recall_type: str,
    batch_ids: list[int],
    now=None,
) -> Incident:
    """A recall was opened from this incident (the recalls app calls this in its own
    transaction; incidents knows nothing of recalls beyond these values)."""
    incident = _lock(incident_id)
    _require_sees(actor, incident)
    _log(
        incident,
        "recall_opened",
        actor=actor,
        at=now,
        data={
            "recall": recall_id,
            "number": number,
            "recall_type": recall_type,
            "batches": batch_ids,
        },
    )
    return incident
