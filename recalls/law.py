"""The law that governs a recall: which text applies, its time limits and their citations.

Every figure comes from the rulebook (``core.rulebook``), looked up on the recall's date (when
the risk was discovered, else when the recall was opened): a food recall follows
《食品召回管理办法》 (CFDA Order 12 until 2026-11-30, SAMR Order 122 from 2026-12-01), a
consumer-product recall SAMR Order 19. ``settings.RULEBOOK_OVERRIDES`` changes a figure; the few
project settings left here (``RECALL_PROGRESS_INTERVAL_DAYS*``, ``RECALL_SUMMARY_WORKING_DAYS``,
``RECALL_EFFECTIVENESS_B``) only fill in where the rulebook has no rule (the old food text's
report intervals, FDA's level B, which is set case by case).

Counting (Civil Code Art. 201): an hour limit runs from the moment; a day limit starts the day
after and ends at 24:00 (China time) of its last day; working days skip holidays
(``core.workdays``).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.rulebook import Rule, Unit, day_of
from core.rulebook import rule as rulebook_rule
from core.workdays import CHINA_TZ, add_working_days, years_uncovered

from .choices import RecallCategory, RecallType
from .models import Recall


def recall_date(recall: Recall) -> datetime:
    """The day that chooses the text in force: the risk's discovery, else the opening."""
    return recall.risk_discovered_at or recall.created_at or timezone.now()


def rule(recall: Recall, key: str) -> Rule:
    return rulebook_rule(key, on=recall_date(recall))


def is_food(recall: Recall) -> bool:
    return recall.recall_category == RecallCategory.FOOD


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=CHINA_TZ)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    at: datetime
    calendar_covered: bool = True


def due_after(start: datetime, r: Rule) -> Due:
    """When a limit of rule ``r`` counted from ``start`` runs out, in the rule's own unit."""
    value = int(r.value)
    if r.unit == Unit.HOURS:
        return Due(start + timedelta(hours=value))
    if r.unit == Unit.WORKING_DAYS:
        deadline = add_working_days(start, value)
        return Due(deadline.due_at, deadline.calendar_covered)
    if r.unit == Unit.CALENDAR_DAYS:
        return Due(_end_of_day(day_of(start) + timedelta(days=value)))
    if r.unit == Unit.MONTHS:
        return Due(_end_of_day(add_months(day_of(start), value)))
    raise ValueError(f"{r.key}: a {r.unit} is not a time limit")


# --- the limits ----------------------------------------------------------------------------


def objection_rule(recall: Recall) -> Rule:
    """SAMR Order 19 Art. 13: the producer may object within 10 working days of the notice."""
    return rule(recall, "recall.objection_working_days")


def order_rule(recall: Recall) -> Rule:
    """SAMR Order 19 Art. 14: the order to recall (责令召回) is SAMR's own."""
    return rule(recall, "recall.order_level")


def plan_rule(recall: Recall) -> Rule | None:
    """A consumer product's plan is reported within 10 working days (SAMR Order 19 Art. 17): of
    the producer's own finding, of the notice to recall, or of the order. None for food (its
    plan is part of the launch, ``start_rule``)."""
    if is_food(recall):
        return None
    return rule(recall, "recall.plan_working_days")


def plan_counts_from(recall: Recall) -> datetime | None:
    """Art. 17's three starts: the order (to SAMR), else the notice to recall (to the
    notifying regulator), else the producer's own finding (to the provincial regulator)."""
    if recall.recall_type == RecallType.ORDERED:
        return recall.order_issued_at or recall.created_at
    return recall.risk_discovered_at or recall.created_at


def contents_rule(recall: Recall) -> Rule:
    """What the plan, and so the public notice, must contain: SAMR Order 19 Art. 18 for a
    consumer product; the food-recall text in force (CFDA Order 12 Art. 14 / SAMR Order 122
    Art. 12) for food."""
    return rule(recall, "food_recall.plan_contents" if is_food(recall) else "recall.plan_contents")


def notice_gaps(recall: Recall, plan: dict, *, lots: int) -> list[tuple[str, str]]:
    """What the public notice lacks of what the plan must carry (``contents_rule``): (field,
    what is missing), in the order a reader needs them."""
    wanted = [
        ("defect", _("the defect")),
        ("hazard", _("the hazard")),
        ("consumer_action", _("what consumers should do now")),
        ("remedies", _("the remedy")),
        ("contact", _("a contact for the public")),
        ("planned_end", _("the period (until when the remedy is offered)")),
    ]
    gaps = [(f, label) for f, label in wanted if not _given(plan.get(f))]
    if not lots:
        gaps.append(("batches", _("the lots recalled")))
    return gaps


def _given(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return bool(value)


def start_rule(recall: Recall) -> Rule | None:
    """Food: launch within 24/48/72 h of learning of the risk (CFDA Order 12 Art. 13) or finish
    launching within 24/36/48 h of discovering it (SAMR Order 122 Art. 11)."""
    if not is_food(recall):
        return None
    return rule(recall, f"food_recall.grade{recall.recall_class}.start_hours")


def complete_rule(recall: Recall) -> Rule | None:
    """Food: complete within 10/20/30 working days of the announcement (CFDA Order 12 Art. 17)
    or 10/20/30 calendar days of submitting the plan (SAMR Order 122 Art. 15)."""
    if not is_food(recall):
        return None
    return rule(recall, f"food_recall.grade{recall.recall_class}.complete_days")


def complete_counts_from(recall: Recall) -> datetime | None:
    """The old text counts completion from the announcement (the recall's start, when the
    notices go out); Order 122 from submitting the plan."""
    r = complete_rule(recall)
    if r is None:
        return None
    if r.unit == Unit.WORKING_DAYS:
        return recall.activated_at
    return recall.submitted_at


def progress_rule(recall: Recall) -> Rule | None:
    """Products: every 3 months from the start (SAMR Order 19 Art. 21 ¶1). Food under Order 122:
    daily / every 5 / every 10 days by grade (Art. 24); None where the rulebook has no rule
    (the old food text; the project setting applies)."""
    if not is_food(recall):
        return rule(recall, "recall.progress_report_months")
    try:
        return rule(recall, f"food_recall.grade{recall.recall_class}.progress_report_days")
    except LookupError:
        return None


def progress_exempt(recall: Recall) -> bool:
    """SAMR Order 122 Art. 24: a voluntary grade 2 or 3 food recall may skip the in-process
    reports."""
    r = progress_rule(recall)
    return (
        r is not None
        and is_food(recall)
        and r.instrument.key == "samr-order-122"
        and recall.recall_type == RecallType.VOLUNTARY
        and recall.recall_class > 1
    )


def summary_rule(recall: Recall) -> Rule | None:
    """Products: the summary within 15 working days of completing the plan (SAMR Order 19
    Art. 21 ¶1). Food under Order 122: report within 5 days after the recall and disposal end
    (Art. 24). None for the old food text (the project setting applies)."""
    key = "food_recall.final_report_days" if is_food(recall) else "recall.summary_working_days"
    try:
        return rule(recall, key)
    except LookupError:
        return None


def earliest_expiry(recall: Recall) -> date | None:
    """The first expiry date among the lots in the recall's scope (None: no lot has one)."""
    return (
        recall.scope_batches.filter(included=True, batch__expiry_date__isnull=False)
        .order_by("batch__expiry_date")
        .values_list("batch__expiry_date", flat=True)
        .first()
    )


def next_progress_due(recall: Recall, start: datetime, *, first: bool) -> datetime | None:
    """When the next progress report falls due, counted from ``start``. The first one never
    falls due after the recalled product's expiry (a report after the goods have expired tells
    nobody anything in time): it is due by the end of the expiry day, or by the end of the
    start day if the product has already expired."""
    if progress_exempt(recall):
        return None
    r = progress_rule(recall)
    if r is not None:
        due = due_after(start, r).at
    else:
        days = (
            settings.RECALL_PROGRESS_INTERVAL_DAYS_CLASS_I
            if recall.recall_class == 1
            else settings.RECALL_PROGRESS_INTERVAL_DAYS
        )
        due = start + timedelta(days=days)
    if first:
        expiry = earliest_expiry(recall)
        if expiry is not None:
            due = min(due, max(_end_of_day(day_of(start)), _end_of_day(expiry)))
    return due


def summary_due(recall: Recall, completed_at: datetime) -> Due:
    r = summary_rule(recall)
    if r is not None:
        return due_after(completed_at, r)
    deadline = add_working_days(completed_at, settings.RECALL_SUMMARY_WORKING_DAYS)
    return Due(deadline.due_at, deadline.calendar_covered)


# --- effectiveness checks (FDA 21 CFR 7.42(b)(3)) -----------------------------------------


def effectiveness_rule(level: str, on: datetime | date) -> Rule | None:
    """The share of consignees a level's checks reach and verify; level B has no rule (a
    percentage set case by case, ``RECALL_EFFECTIVENESS_B``)."""
    if level == "B":
        return None
    return rulebook_rule(f"fda_recall.effectiveness.level_{level.lower()}_percent", on=on)


def effectiveness_percent(level: str, on: datetime | date | None = None) -> int:
    r = effectiveness_rule(level, on or timezone.now())
    return settings.RECALL_EFFECTIVENESS_B if r is None else int(r.value)


def consignees_to_check(level: str, consignees: int, on=None) -> int:
    """How many consignees the effectiveness checks must reach and verify."""
    return math.ceil(Decimal(effectiveness_percent(level, on)) * consignees / 100)


# --- what the API and the page show --------------------------------------------------------


def _rule_out(r: Rule | None) -> dict:
    if r is None:
        return {"rule": None, "value": None, "unit": None, "citation": _("project setting")}
    return {
        "rule": r.key,
        "value": r.value,
        "unit": r.unit.value,
        "unit_label": r.unit.label,
        "citation": r.citation(),
        "verified": r.verified,
    }


def deadlines(recall: Recall) -> list[dict]:
    """Each time limit of the recall with its due time (None: not running yet) and the
    instrument and article it comes from. Reads only the recall's own columns."""
    rows: list[dict] = []

    def add(name: str, label: str, due_at, r: Rule | None, covered: bool = True, **extra) -> None:
        rows.append(
            {
                "name": name,
                "label": label,
                "due_at": due_at,
                **_rule_out(r),
                **provisional(recall, due_at, covered),
                **extra,
            }
        )

    if recall.recall_type == RecallType.ORDERED and recall.objection_due_at is not None:
        add(
            "objection",
            _("Producer's objection window"),
            recall.objection_due_at,
            objection_rule(recall),
            recall.objection_calendar_covered,
        )
    if plan_rule(recall) is not None:
        add(
            "plan",
            _("Recall plan reported"),
            recall.plan_due_at,
            plan_rule(recall),
            recall.plan_calendar_covered,
            met=recall.submitted_at is not None,
        )
    if is_food(recall):
        add("start", _("Recall launched"), recall.start_due_at, start_rule(recall))
        add(
            "complete",
            _("Recall completed"),
            recall.complete_due_at,
            complete_rule(recall),
            recall.complete_calendar_covered,
        )
    exempt = progress_exempt(recall)
    add(
        "progress_report",
        _("Next progress report"),
        recall.next_report_due_at,
        progress_rule(recall),
        exempt=exempt,
    )
    add(
        "summary_report",
        _("Summary report"),
        recall.summary_due_at,
        summary_rule(recall),
        recall.summary_calendar_covered,
    )
    return rows


def provisional(recall: Recall, due_at, covered: bool) -> dict:
    """A working-day deadline counted across a year whose State Council holiday notice is not
    loaded is provisional: shown as such, with the years, and recomputed when they are loaded."""
    if covered or due_at is None:
        return {"provisional": False, "provisional_reason": ""}
    years = years_uncovered(recall.created_at or due_at, due_at) or [day_of(due_at).year]
    return {
        "provisional": True,
        "provisional_years": years,
        "provisional_reason": _(
            "Counted Monday to Friday: the State Council holiday notice for %(years)s is not "
            "loaded yet; recomputed when it is."
        )
        % {"years": "、".join(map(str, years))},
    }


def due_provisional(recall: Recall) -> bool:
    """Whether any running deadline of the recall is provisional (``provisional``)."""
    return not (
        recall.objection_calendar_covered
        and recall.plan_calendar_covered
        and recall.complete_calendar_covered
        and recall.summary_calendar_covered
    )


def effectiveness(recall: Recall, *, consignees: int, answered: int) -> dict:
    """The effectiveness-check level (the share of consignees the checks reach and verify) and,
    separately, the response rate (consignees who answered, of those notified or to notify)."""
    on = recall_date(recall)
    r = effectiveness_rule(recall.target_effectiveness, on)
    percent = effectiveness_percent(recall.target_effectiveness, on)
    return {
        "level": recall.target_effectiveness,
        "check_percent": percent,
        "consignees": consignees,
        "consignees_to_check": consignees_to_check(recall.target_effectiveness, consignees, on),
        "citation": r.citation() if r is not None else _("project setting (level B)"),
        "answered": answered,
        "response_rate": (
            None
            if not consignees
            else (Decimal(answered) * 100 / consignees).quantize(Decimal("0.01"))
        ),
    }
