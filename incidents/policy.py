"""The rules of the incident workflow, written once: grades, levels, the transition table.

Pure functions over settings (every figure is a setting with the default of
the local emergency plan / SAMR Order 19 / seed 004).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import LEVEL_ORDER, Grade, Kind, Level, Status

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


def allowed_actions(status: str) -> list[str]:
    return [
        action
        for action, (sources, _target) in TRANSITIONS.items()
        if status in sources and action != "attach"
    ]


# --- filing and answering (issue 19 item 9) -------------------------------------------------


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
