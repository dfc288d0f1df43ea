"""The rules of the incident workflow, written once: grades, levels, the transition table, and
who may see and do what.

Grades, levels and transitions are pure functions over settings (every figure is a setting with
the default of the local emergency plan / SAMR Order 19 / seed 004). Access is one vocabulary:
reads ``visible_to(actor, queryset)``, writes ``can(actor, action, incident)`` and
``require(actor, action, incident)`` (403 naming the rule), jurisdiction always by
``Organization.governs``; ``roles(org, incident)`` says in which capacities an organization
holds an incident (what its work lists show).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from core.models import organization_of

from .choices import LEVEL_ORDER, Grade, Kind, Level, Status, level_rank
from .models import Incident

GRADES_MOST_SERIOUS_FIRST = [Grade.I, Grade.II, Grade.III]


def compute_grade(*, deaths: int, serious_injuries: int, direct_loss: Decimal | int) -> str:
    """The local plan: the most serious grade whose threshold any one figure reaches; else IV."""
    figures = {"deaths": deaths, "serious_injuries": serious_injuries, "direct_loss": direct_loss}
    for grade in GRADES_MOST_SERIOUS_FIRST:
        thresholds = settings.INCIDENT_GRADE_THRESHOLDS[grade.value]
        if any(figures[name] >= threshold for name, threshold in thresholds.items()):
            return grade.value
    return Grade.IV.value


def required_level(*, grade: str, kind: str) -> str:
    """The highest regulator level the incident must reach (the local plan by grade; SAMR Order 19
    sends a casualty-free consumer-product defect to the province)."""
    level = Level(settings.INCIDENT_GRADE_TOP_LEVEL[grade])
    if kind == Kind.DEFECT:
        level = max(level, Level(settings.INCIDENT_DEFECT_LEVEL), key=LEVEL_ORDER.index)
    return level.value


def next_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1].value if index + 1 < len(LEVEL_ORDER) else None


# action -> (states it is allowed from, state it leads to or None when the status stays).
# reported → accepted → responding → investigating → concluded → closed;
# transferred, rejected and merged are side exits.
OPEN = (Status.REPORTED, Status.ACCEPTED, Status.RESPONDING, Status.INVESTIGATING)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": ((Status.REPORTED,), Status.ACCEPTED),
    "reject": ((Status.REPORTED,), Status.REJECTED),
    "merge": ((Status.REPORTED, Status.ACCEPTED), Status.MERGED),
    "respond": ((Status.ACCEPTED,), Status.RESPONDING),
    "investigate": ((Status.ACCEPTED, Status.RESPONDING), Status.INVESTIGATING),
    "extend": ((Status.INVESTIGATING,), None),
    "conclude": ((Status.INVESTIGATING,), Status.CONCLUDED),
    "transfer": ((Status.ACCEPTED, Status.RESPONDING, Status.INVESTIGATING), Status.TRANSFERRED),
    "close": ((Status.CONCLUDED,), Status.CLOSED),
    "grade": (OPEN, None),
    "report-up": (OPEN, None),
    "acknowledge": (OPEN, None),
    "supplement": (OPEN, None),
    "attach": (OPEN + (Status.CONCLUDED,), None),
    "answer": (OPEN + (Status.CONCLUDED,), None),
}

# Actions only the regulator handling the case may take (the county of the place, or the
# province for a consumer-product defect); grade may also come from any higher level that sees it.
HANDLING_ACTIONS = {
    "accept",
    "reject",
    "merge",
    "respond",
    "investigate",
    "extend",
    "conclude",
    "transfer",
    "close",
}


# Of those, the investigation's steps belong to the level that investigates (Food Safety Law
# Art. 106; Special Equipment Safety Law Art. 72; the local plan), which may be above the county.
INVESTIGATION_ACTIONS = {"investigate", "extend", "conclude"}


def allowed_actions(status: str) -> list[str]:
    return [
        action
        for action, (sources, _target) in TRANSITIONS.items()
        if status in sources and action != "attach"
    ]


# --- filing and answering -------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why an input is refused: the field, the rule (problem+json ``errors[].rule``), the text."""

    field: str
    rule: str
    message: str


def filing_refusal(regulator, *, region_code: str, enterprises) -> Refusal | None:
    """A regulator opens an incident only at a place in its jurisdiction and only against
    enterprises registered there (``Organization.governs``). A regulator elsewhere that finds
    harm from another region's product informs or transfers the case to the enterprise's
    regulator (Food Safety Law Art. 103 and the county-of-the-place rule; SAMR Order 20 Art. 29:
    no competence, refer to the competent regulator) — it does not put the case on that
    enterprise's record itself. ``enterprises``: (field, organization) pairs, the enterprise
    named or the producers of the batches named."""
    if not regulator.governs(region_code):
        return Refusal(
            "region_code",
            "outside_jurisdiction",
            _("The place is outside your jurisdiction."),
        )
    for field, enterprise in enterprises:
        if enterprise is not None and not regulator.governs(enterprise.region_code):
            return Refusal(
                field,
                "enterprise_outside_jurisdiction",
                _(
                    "This enterprise is registered outside your jurisdiction: a regulator "
                    "opens an incident only against enterprises it governs; inform or transfer "
                    "the case to the enterprise's own regulator."
                ),
            )
    return None


def require_filer(actor, action: str):
    """Who files an incident: an enterprise reports one (``action`` ``report``); a regulator
    opens one itself (``open``). Returns the actor's organization, else 403."""
    org = organization_of(actor)
    if action == "report":
        if org is None or not org.is_enterprise:
            raise NotYourAction(
                gettext("Only an enterprise reports an incident; a regulator opens one.")
            )
    elif org is None or not org.is_regulator:
        raise NotYourAction(gettext("Only a regulator opens an incident."))
    return org


def may_answer(org, incident) -> bool:
    """The enterprise an incident names, when someone else filed it, answers it on the record
    (its statement on the timeline); the reporting enterprise supplements its own report."""
    return bool(
        org is not None
        and org.is_enterprise
        and incident.enterprise_id == org.pk
        and incident.reporter_id != org.pk
    )


# What an enterprise's credit record and award eligibility count (workbench/quality.py): only an
# incident the handling regulator has accepted and whose grade a regulator confirmed. Until then a
# report is an allegation: the credit record holds quality *supervision* information (seed 002
# Art. 23 质量监管信用信息, seed 001 Art. 25), and the award rules take an incident against a
# holder only once "investigated and verified" (seed 004, Suzhou Art. 29 / SIP Art. 30: 调查核实,
# 情况属实的). The rulebook sets no other condition; rejected and merged reports are no incidents.
COUNTS_IN_CREDIT_RECORD = (
    Q(accepted_at__isnull=False)
    & Q(grade_confirmed=True)
    & ~Q(status__in=(Status.REJECTED, Status.MERGED))
)


# --- who may see and do what -------------------------------------------------------------------


class NotYourAction(exceptions.PermissionDenied):
    default_code = "wrong_actor"


def visible_to(actor, queryset=None):
    """The incidents ``actor`` may read: the reporting enterprise and the
    enterprise named; a producer of a named batch once accepted; a regulator once the incident
    reached its level, when the place or the enterprise lies in its jurisdiction."""
    return (Incident.objects.all() if queryset is None else queryset).visible_to(actor)


def sees(actor, incident) -> bool:
    return visible_to(actor).filter(pk=incident.pk).exists()


def governs(org, incident) -> bool:
    """``org`` is a regulator whose jurisdiction holds the place of the incident."""
    return bool(org is not None and org.is_regulator and org.governs(incident.region_code))


def owes_late_report(incident, org) -> bool:
    """A level the sweep escalated the incident past (it did not pass it up in time) still owes
    its own report up (the local plan: each level reports to the one above; the sweep's escalation
    alerts the next level, it does not report for the level that failed to). It may file it,
    late, once; the incident stays where the escalation took it."""
    if not governs(org, incident) or level_rank(org.level) >= incident.level_rank:
        return False
    rows = incident.timeline.filter(action__in=("escalated", "reported_up")).values_list(
        "action", "data"
    )
    owes = False
    for action, data in rows.order_by("pk"):  # the order they were written
        if (data or {}).get("from") == org.level:
            owes = action == "escalated"
    return owes


def roles(org, incident) -> frozenset[str]:
    """In which capacities ``org`` holds ``incident``: ``reporter`` (it filed it), ``current``
    (the regulator of the level the incident has reached), ``handling`` (the regulator handling
    the case), ``late_report`` (a level escalated past that still owes its report up)."""
    held = set()
    if org is None:
        return frozenset()
    if org.pk == incident.reporter_id:
        held.add("reporter")
    if governs(org, incident):
        if org.level == incident.level:
            held.add("current")
        if org.level == incident.handling_level:
            held.add("handling")
        late = incident.overdue_since and org.level != incident.level
        if late and owes_late_report(incident, org):
            held.add("late_report")
    return frozenset(held)


def _at_level(org, incident, level: str, verb: str, code: str):
    if not governs(org, incident) or org.level != level:
        raise NotYourAction(
            gettext("Only the %(level)s regulator of the place may %(action)s this incident.")
            % {"level": Level(level).label, "action": verb},
            code=code,
        )
    return org


def _require_enterprise_side(org, action: str, incident):
    if action == "answer":
        if not may_answer(org, incident):
            raise NotYourAction(
                gettext("Only the enterprise this incident names answers it."),
                code="enterprise_concerned_only",
            )
        return org
    # supplement: the reporting enterprise, or the regulator handling the case
    handler = governs(org, incident) and org.level == incident.handling_level
    if org != incident.reporter and not handler:
        raise NotYourAction(
            gettext("Only the reporting enterprise files supplementary reports."),
            code="reporter_only",
        )
    return org


def require(actor, action: str, incident):
    """Who may take ``action`` on ``incident``, one rule for every path;
    returns the actor's organization or raises ``NotYourAction`` (403) naming the rule.

    - ``supplement``: the reporting enterprise, or the regulator handling the case;
    - ``report-up``, ``acknowledge``: the regulator of the level the incident has reached
      (the local plan: each level acknowledges and passes it up), and for ``report-up`` a level
      escalated past that still owes its own report;
    - ``grade``: a regulator at the handling level or above;
    - investigate, extend, conclude: the regulator of the investigating level;
    - the other handling actions (accept … close): the regulator handling the case;
    - ``attach``: whoever sees the incident;
    - ``answer``: the enterprise the incident names, when someone else filed it.
    """
    org = organization_of(actor)
    if action == "attach":
        return org
    if action in ("answer", "supplement"):
        return _require_enterprise_side(org, action, incident)
    if org is None or not org.is_regulator:
        raise NotYourAction(
            gettext("Only a regulator may take this action on an incident."),
            code="regulator_only",
        )
    if action == "report-up" and owes_late_report(incident, org):
        return org
    if action in ("report-up", "acknowledge"):
        verb = gettext("pass up") if action == "report-up" else gettext("acknowledge")
        return _at_level(org, incident, incident.level, verb, "current_level_only")
    if action == "grade":
        if not governs(org, incident) or level_rank(org.level) < level_rank(
            incident.handling_level
        ):
            raise NotYourAction(
                gettext("Only a regulator handling the incident or above may grade it."),
                code="handling_level_or_above",
            )
        return org
    if action in INVESTIGATION_ACTIONS:
        # who investigates follows the grade where the category's instrument says so
        # (``incidents.law.investigating_level``)
        return _at_level(
            org, incident, incident.investigating_level, action, "investigating_level_only"
        )
    if action in HANDLING_ACTIONS:
        return _at_level(org, incident, incident.handling_level, action, "handling_level_only")
    raise ValueError(f"no actor rule for incident action {action!r}")


def taken_from(incident) -> str | None:
    """The level the case was taken over from, while the taking level still handles it."""
    row = (
        incident.timeline.filter(action__in=("taken_over", "handed_back"))
        .order_by("-at", "-id")
        .values_list("action", "data")
        .first()
    )
    if row is None or row[0] != "taken_over":
        return None
    data = row[1] or {}
    if data.get("to") != incident.handling_level:
        return None
    return data.get("from")


def require_escalation(actor, action: str, incident):
    """Who may take an escalation ``action`` (403 naming the rule otherwise):

    - ``take-over`` and ``urge``: a regulator governing the place at the level holding the
      incident, when that level ranks above the handling level;
    - ``hand-back``: the regulator handling a case its level took over.
    """
    org = organization_of(actor)
    if not governs(org, incident):
        raise NotYourAction(
            gettext("Only a regulator governing the place may take this action on an incident."),
            code="regulator_only",
        )
    if action in ("take-over", "urge"):
        if org.level != incident.level or level_rank(org.level) <= level_rank(
            incident.handling_level
        ):
            raise NotYourAction(
                gettext(
                    "Only the level holding the incident, above the level handling it, may "
                    "take it over or urge the handling level."
                ),
                code="holding_level_above_handler",
            )
        return org
    if action == "hand-back":
        # the lowest level takes nothing over (and asks the timeline nothing)
        if (
            org.level == Level.COUNTY
            or org.level != incident.handling_level
            or taken_from(incident) is None
        ):
            raise NotYourAction(
                gettext("Only the level that took the incident over hands it back."),
                code="taken_over_only",
            )
        return org
    raise ValueError(f"no actor rule for escalation action {action!r}")


def can(actor, action: str, incident) -> bool:
    """``require`` as a question: may ``actor`` take ``action`` on ``incident`` (its status aside)."""
    try:
        require(actor, action, incident)
    except NotYourAction:
        return False
    return True


def actions_for(actor, incident) -> list[str]:
    """The actions ``actor`` may take on ``incident`` now: the transition table's actions from
    its status that ``can`` allows and the incident's state does not rule out (what the workbench
    offers as buttons; the services decide again)."""
    org = organization_of(actor)
    offered = []
    for action in allowed_actions(incident.status):
        if not can(actor, action, incident):
            continue
        if action == "extend" and incident.investigation_extended:
            continue
        if action == "acknowledge" and incident.level_acknowledged:
            continue
        # the actor rule let a level below the current one through only for its late report
        if action == "report-up" and org.level == incident.level and next_level(org.level) is None:
            continue
        offered.append(action)
    return offered


def may_list_batch_incidents(org, batch) -> bool:
    """The open incidents on a lot are for the regulators who see the lot and for the lot's
    producer (its product's owner), not for every holder of it."""
    return bool(
        org
        and (org.is_regulator or (batch.product is not None and batch.product.owner_id == org.pk))
    )
