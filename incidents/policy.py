"""The rules of the incident workflow, written once: grades, levels, the transition table.

Pure functions over settings (every figure is a setting with the default of
State Council Order 493 / SAMR Order 19 / seed 004).
"""

from decimal import Decimal

from django.conf import settings

from .choices import LEVEL_ORDER, Grade, Kind, Level, Status

GRADES_MOST_SERIOUS_FIRST = [Grade.I, Grade.II, Grade.III]


def compute_grade(*, deaths: int, serious_injuries: int, direct_loss: Decimal | int) -> str:
    """Order 493: the most serious grade whose threshold any one figure reaches; else IV."""
    figures = {"deaths": deaths, "serious_injuries": serious_injuries, "direct_loss": direct_loss}
    for grade in GRADES_MOST_SERIOUS_FIRST:
        thresholds = settings.INCIDENT_GRADE_THRESHOLDS[grade.value]
        if any(figures[name] >= threshold for name, threshold in thresholds.items()):
            return grade.value
    return Grade.IV.value


def required_level(*, grade: str, kind: str) -> str:
    """The highest regulator level the incident must reach (Order 493 by grade; SAMR Order 19
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
