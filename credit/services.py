"""State changes on credit records and awards, each one function that writes its
``CreditTimelineEntry`` in the same transaction: objections and repair applications and their
decisions, award-condition declarations and their verification, award holders' written reports
to the award office, and revocations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from core.errors import Conflict
from core.models import Organization, organization_of
from core.outbox import notify
from core.validators import field_error
from incidents.models import QualityAward

from . import criteria, policy, selectors
from .choices import (
    DECISIONS,
    AwardTrigger,
    DeclarationStatus,
    RequestKind,
    RequestStatus,
    RevocationGround,
)
from .models import (
    AwardDeclaration,
    AwardReport,
    AwardRevocation,
    CreditRequest,
    CreditTimelineEntry,
)

ACTION_OF_KIND = {RequestKind.OBJECTION: "object", RequestKind.REPAIR: "repair"}


def _log(enterprise, action, *, actor, reason="", data=None, at=None):
    return CreditTimelineEntry.record(
        enterprise, action, actor=actor, reason=reason, data=data, at=at
    )


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise field_error(field, _("This field is required."), "required")
    return value


def repair_opens_on(fact: selectors.Fact) -> tuple[date, str]:
    """The first day a repair of ``fact`` may be applied for, and the rule's citation."""
    rule = selectors._rule("credit.repair_wait_days", fact.on)
    return fact.on + timedelta(days=int(rule.value)), rule.citation()


@transaction.atomic
def request_file(
    *,
    actor,
    enterprise: Organization,
    kind: str,
    fact: str,
    reason: str,
    now: datetime | None = None,
) -> CreditRequest:
    """The enterprise objects to a fact listed on its record, or applies to repair its credit
    for it (Hangzhou Art. 23: 信用修复机制), once the period of ``credit.repair_wait_days``
    has passed since the fact."""
    if kind not in RequestKind.values:
        raise field_error("kind", _("Choose objection or repair."), "credit_request_kind")
    policy.require(actor, ACTION_OF_KIND[RequestKind(kind)], enterprise)
    reason = _text(reason, "reason")
    now = now or timezone.now()
    record = selectors.credit_record(enterprise, now=now)
    listed = record.fact((fact or "").strip())
    if listed is None:
        raise field_error(
            "fact", _("No such fact is listed on this credit record."), "credit_fact_listed"
        )
    if listed.struck:
        raise Conflict(_("This fact no longer counts: it was struck out or repaired."))
    if listed.pending:
        raise Conflict(_("An objection or repair of this fact is already awaiting a decision."))
    if kind == RequestKind.REPAIR:
        opens, citation = repair_opens_on(listed)
        if timezone.localdate(now) < opens:
            raise field_error(
                "fact",
                _("Credit repair of this fact may be applied for from %(day)s (%(rule)s).")
                % {"day": opens.isoformat(), "rule": citation},
                "credit_repair_period",
            )
    try:
        with transaction.atomic():
            request = CreditRequest.objects.create(
                enterprise=enterprise,
                kind=kind,
                fact=listed.key,
                reason=reason,
                filed_by=actor,
                filed_at=now,
            )
    except IntegrityError as exc:  # a concurrent request on the same fact
        raise Conflict(
            _("An objection or repair of this fact is already awaiting a decision.")
        ) from exc
    _log(
        enterprise,
        "objection_filed" if kind == RequestKind.OBJECTION else "repair_applied",
        actor=actor,
        reason=reason,
        data={"request": request.pk, "fact": listed.key, "title": listed.title},
        at=now,
    )
    return request


@transaction.atomic
def request_decide(
    *,
    actor,
    request_id: int,
    decision: str,
    reason: str,
    now: datetime | None = None,
) -> CreditRequest:
    """A regulator governing the enterprise upholds or dismisses an objection, grants or refuses
    a repair; an upheld objection or a granted repair takes the fact out of the class."""
    request = (
        CreditRequest.objects.select_for_update()
        .select_related("enterprise")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound()
    policy.require(actor, "decide", request.enterprise)
    allowed = [s.value for s in DECISIONS[RequestKind(request.kind)]]
    if decision not in allowed:
        raise field_error(
            "decision",
            _("Decide one of: %(allowed)s.") % {"allowed": ", ".join(allowed)},
            "credit_decision",
        )
    reason = _text(reason, "reason")
    if request.status != RequestStatus.PENDING:
        raise Conflict(_("This request was decided already."))
    now = now or timezone.now()
    request.status = decision
    request.decided_by = actor
    request.decided_by_organization = organization_of(actor)
    request.decided_at = now
    request.decision_reason = reason
    request.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_by_organization",
            "decided_at",
            "decision_reason",
        ]
    )
    _log(
        request.enterprise,
        f"{request.kind}_{decision}",
        actor=actor,
        reason=reason,
        data={"request": request.pk, "fact": request.fact},
        at=now,
    )
    return request


@transaction.atomic
def declaration_file(
    *,
    actor,
    enterprise: Organization,
    condition: int,
    statement: str,
    evidence: str,
    now: datetime | None = None,
) -> AwardDeclaration:
    """The applicant declares, with evidence, that an award condition the record cannot show
    holds (SIP award Art. 11; Art. 21: 提供有关证明材料)."""
    policy.require(actor, "declare", enterprise)
    wanted = criteria.CONDITION_BY_NUMBER.get(condition)
    if wanted is None or wanted.how != criteria.DECLARED:
        declared = [c.number for c in criteria.CONDITIONS if c.how == criteria.DECLARED]
        raise field_error(
            "condition",
            _(
                "Conditions %(declared)s of Art. 11 are declared; the others are read from the record."
            )
            % {"declared": ", ".join(map(str, declared))},
            "award_condition_declared",
        )
    statement = _text(statement, "statement")
    evidence = _text(evidence, "evidence")
    now = now or timezone.now()
    declaration = AwardDeclaration.objects.create(
        enterprise=enterprise,
        condition=condition,
        statement=statement,
        evidence=evidence,
        declared_by=actor,
        declared_at=now,
    )
    _log(
        enterprise,
        "award_condition_declared",
        actor=actor,
        data={"declaration": declaration.pk, "condition": condition},
        at=now,
    )
    return declaration


@transaction.atomic
def declaration_verify(
    *,
    actor,
    declaration_id: int,
    verified: bool,
    note: str = "",
    now: datetime | None = None,
) -> AwardDeclaration:
    """The award office verifies or refuses a declaration (SIP award Art. 21)."""
    declaration = (
        AwardDeclaration.objects.select_for_update()
        .select_related("enterprise")
        .filter(pk=declaration_id)
        .first()
    )
    if declaration is None:
        raise NotFound()
    policy.require(actor, "verify", declaration.enterprise)
    if not isinstance(verified, bool):
        raise field_error("verified", _("Say true or false."), "required")
    if not verified:
        note = _text(note, "note")
    if declaration.status != DeclarationStatus.DECLARED:
        raise Conflict(_("This declaration was decided already."))
    now = now or timezone.now()
    declaration.status = DeclarationStatus.VERIFIED if verified else DeclarationStatus.REFUSED
    declaration.verified_by = actor
    declaration.verified_by_organization = organization_of(actor)
    declaration.verified_at = now
    declaration.note = note or ""
    declaration.save(
        update_fields=["status", "verified_by", "verified_by_organization", "verified_at", "note"]
    )
    _log(
        declaration.enterprise,
        "award_condition_verified" if verified else "award_condition_refused",
        actor=actor,
        reason=note or "",
        data={"declaration": declaration.pk, "condition": declaration.condition},
        at=now,
    )
    return declaration


def award_office_for(enterprise: Organization) -> Organization | None:
    """The award office receiving the holder's reports: the regulator governing it at the first
    level of ``AWARD_OFFICE_LEVELS`` that has one."""
    regulators = Organization.objects.filter(level__in=settings.AWARD_OFFICE_LEVELS).governing(
        enterprise.region_code
    )
    for level in settings.AWARD_OFFICE_LEVELS:
        for regulator in regulators:
            if regulator.level == level:
                return regulator
    return None


@transaction.atomic
def award_report_file(
    *,
    actor,
    enterprise: Organization,
    trigger: int,
    text: str,
    fact: str = "",
    confirmed_on: date | None = None,
    now: datetime | None = None,
) -> AwardReport:
    """An award holder reports one of the five events of SIP award Art. 29 in writing to the
    award office. A major incident (1) or a failed spot check (3) names the fact of its record;
    the others give the day they were confirmed. Only an award valid on that day creates the
    duty; an expired or revoked award creates none."""
    policy.require(actor, "report", enterprise)
    if trigger not in AwardTrigger.values:
        raise field_error("trigger", _("Choose one of the five events (1 to 5)."), "award_trigger")
    text = _text(text, "text")
    now = now or timezone.now()
    fact = (fact or "").strip()
    if trigger in (AwardTrigger.MAJOR_INCIDENT, AwardTrigger.SPOT_CHECK_FAILED):
        kind = "incident" if trigger == AwardTrigger.MAJOR_INCIDENT else "spot_check"
        listed = selectors.credit_record(enterprise, now=now).fact(fact)
        if listed is None or listed.kind != kind:
            raise field_error(
                "fact",
                _("Name the %(kind)s on the credit record this report is about.") % {"kind": kind},
                "award_report_fact",
            )
        confirmed_on = listed.on
    elif confirmed_on is None:
        raise field_error("confirmed_on", _("This field is required."), "required")
    award = selectors.valid_awards(confirmed_on).filter(organization=enterprise).first()
    if award is None:
        raise field_error(
            "confirmed_on",
            _(
                "No award of this enterprise was valid on %(day)s: no written report is owed (%(rule)s)."
            )
            % {"day": confirmed_on.isoformat(), "rule": criteria.WRITTEN_REPORT_CITATION},
            "award_report_valid_award",
        )
    office = award_office_for(enterprise)
    if office is None:
        raise Conflict(_("No award office governs this enterprise (AWARD_OFFICE_LEVELS)."))
    if (
        fact
        and AwardReport.objects.filter(
            award__organization=enterprise, trigger=trigger, fact=fact
        ).exists()
    ):
        raise Conflict(_("A written report of this event was filed already."))
    report = AwardReport.objects.create(
        award=award,
        trigger=trigger,
        fact=fact,
        confirmed_on=confirmed_on,
        text=text,
        office=office,
        filed_by=actor,
        filed_at=now,
    )
    _log(
        enterprise,
        "award_report_filed",
        actor=actor,
        data={"report": report.pk, "trigger": trigger, "fact": fact, "office": office.pk},
        at=now,
    )
    _notify_award_office(report, enterprise, actor=actor, now=now)
    return report


def _notify_award_office(report: AwardReport, enterprise: Organization, *, actor, now) -> None:
    """The written report goes to the award office through the outbox (SIP award Art. 29), and
    the award's rows of the credit timeline say it was sent and to whom."""
    award, office = report.award, report.office
    citation = str(criteria.WRITTEN_REPORT_CITATION)
    rows = notify(
        organization=office,
        topic="award.written_report",
        subject=_("%(holder)s reports in writing on award %(award)s: %(event)s")
        % {"holder": enterprise.name, "award": award.name, "event": report.get_trigger_display()},
        body=_("Written report of an award holder (%(rule)s), event of %(day)s:\n%(text)s")
        % {"rule": citation, "day": report.confirmed_on.isoformat(), "text": report.text},
        payload={
            "award": award.pk,
            "report": report.pk,
            "holder": enterprise.pk,
            "trigger": report.trigger,
            "fact": report.fact,
            "confirmed_on": report.confirmed_on.isoformat(),
            "url": f"{settings.PUBLIC_BASE_URL}/api/v1/credit/{enterprise.pk}/",
        },
        about=report,
    )
    _log(
        enterprise,
        "award_office_notified",
        actor=actor,
        data={
            "award": award.pk,
            "report": report.pk,
            "office": office.pk,
            "notifications": len(rows),
            "citation": "SIP award Art. 29",
        },
        at=now,
    )


@transaction.atomic
def award_revoke(
    *,
    actor,
    award_id: int,
    ground: int,
    reason: str,
    now: datetime | None = None,
) -> AwardRevocation:
    """The award office revokes an award on a ground of SIP award Art. 30 the record shows."""
    award = QualityAward.objects.select_related("organization").filter(pk=award_id).first()
    if award is None:
        raise NotFound()
    policy.require(actor, "revoke", award.organization)
    if ground not in RevocationGround.values:
        raise field_error(
            "ground", _("Choose ground 1 or 2 of Art. 30."), "award_revocation_ground"
        )
    reason = _text(reason, "reason")
    if AwardRevocation.objects.filter(award=award).exists():
        raise Conflict(_("This award was revoked already."))
    found = {g.ground: g for g in selectors.revocation_grounds(award)}
    if ground not in found:
        raise field_error(
            "ground",
            _("The record does not show this ground while the award was valid (%(rule)s).")
            % {"rule": criteria.REVOCATION_CITATION},
            "award_revocation_ground_shown",
        )
    now = now or timezone.now()
    revocation = AwardRevocation.objects.create(
        award=award,
        ground=ground,
        facts=found[ground].facts,
        reason=reason,
        decided_by=actor,
        decided_by_organization=organization_of(actor),
        decided_at=now,
    )
    _log(
        award.organization,
        "award_revoked",
        actor=actor,
        reason=reason,
        data={"award": award.pk, "ground": ground, "facts": found[ground].facts},
        at=now,
    )
    return revocation
