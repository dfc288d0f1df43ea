"""What each category's instrument says: how fast it is reported, how it is graded, how far up it
goes, who investigates and from which day the clocks count.

- ``food`` (食品安全事故): Food Safety Law Arts. 103–106 (the county reports up, the districted
  city or higher investigates), the national plan's response levels and the province's grading
  (``settings.INCIDENT_FOOD_PROVINCE_PROFILE``, Jiangsu by default; the national plan has no
  numbers); the business reports within the national plan's 2 hours (§4.2.2).
- ``special_equipment`` (特种设备事故): SAMR Order 50 (1-hour report, up to SAMR level by level,
  casualty changes within 30 days of the accident, investigation 60 days from the team's
  formation), the Regulations' grades (Arts. 61–64) and the Law's investigating levels (Art. 72).
- ``product`` (other products): the local emergency plan, which borrows the work-safety grades
  (the figures of ``settings.INCIDENT_GRADE_THRESHOLDS``); a consumer-product defect goes to the
  province under SAMR Order 19 Art. 8.

Every figure is a rulebook rule in force on the incident's date (``core.rulebook``). Day periods
start the day after the triggering day (Civil Code Art. 201) and end at 24:00 Beijing time; a
period whose last day is a public holiday ends on the day after the holiday (Art. 203).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings

from core.models import CalendarDay
from core.rulebook import CHINA_TZ, NoRuleInForce, Rule, day_of, rule
from core.workdays import add_working_days

from . import policy
from .choices import Category, Grade, Kind, Level, level_rank

ROMAN_NUMBER = {"I": 1, "II": 2, "III": 3, "IV": 4}

# Province profiles for food-incident grades: the rulebook prefix and the name of the figure.
FOOD_PROFILES = {
    "jiangsu": ("food_incident.jiangsu", "harmed_people"),
    "template_a": ("food_incident", "poisoned_people"),
}


@dataclass(frozen=True)
class Due:
    """A due time and the rule it comes from."""

    at: datetime
    rule: Rule | None
    calendar_covered: bool = True

    def citation(self) -> str:
        return self.rule.citation() if self.rule else ""


def _rule(key: str, on: datetime | date) -> Rule:
    """The rule in force on ``on``; an incident older than the text read is judged by the
    oldest text the rulebook holds."""
    try:
        return rule(key, on=on)
    except NoRuleInForce:
        return rule(key, on=date.today())


def _highest(*levels: str) -> str:
    return max(levels, key=level_rank)


def end_of_days(start: datetime, days: int) -> datetime:
    """The end (24:00 Beijing) of the ``days``-th calendar day after the day of ``start``
    (Civil Code Art. 201); a last day that is a public holiday moves to the day after the
    holiday (Art. 203)."""
    last = day_of(start) + timedelta(days=days)
    holidays = set(
        CalendarDay.objects.filter(
            date__gte=last, date__lte=last + timedelta(days=31), is_workday=False
        ).values_list("date", flat=True)
    )
    while last in holidays:
        last += timedelta(days=1)
    return datetime.combine(last, time.max, tzinfo=CHINA_TZ)


# --- grades --------------------------------------------------------------------------------


def compute_grade(
    category: str,
    *,
    deaths: int,
    serious_injuries: int,
    minor_injuries: int = 0,
    direct_loss,
    on: datetime,
) -> str:
    if category == Category.SPECIAL_EQUIPMENT:
        return _special_equipment_grade(deaths, serious_injuries, direct_loss, on)
    if category == Category.FOOD:
        return _food_grade(deaths, deaths + serious_injuries + minor_injuries, on)
    return policy.compute_grade(
        deaths=deaths, serious_injuries=serious_injuries, direct_loss=direct_loss
    )


def _special_equipment_grade(deaths, serious_injuries, direct_loss, on) -> str:
    """The Regulations Arts. 61–63: the most serious grade any one figure reaches; else IV."""
    figures = {
        "deaths": deaths,
        "serious_injuries": serious_injuries,
        "direct_loss_yuan": direct_loss,
    }
    for g, grade in ((1, Grade.I), (2, Grade.II), (3, Grade.III)):
        prefix = f"incident.special_equipment.grade{g}"
        if any(v >= _rule(f"{prefix}.{name}", on).value for name, v in figures.items()):
            return grade.value
    return Grade.IV.value


def _food_grade(deaths: int, harmed: int, on) -> str:
    """The province's plan (profile): II — a poisoning of N people with a death, or M deaths;
    III — N people or a death; else IV. Grade I is a regulator's assessment (spread across
    provinces or abroad), never computed from the figures."""
    prefix, people = FOOD_PROFILES[settings.INCIDENT_FOOD_PROVINCE_PROFILE]

    def value(g, name):
        return _rule(f"{prefix}.grade{g}.{name}", on).value

    if deaths >= value(2, "deaths") or (harmed >= value(2, people) and deaths > 0):
        return Grade.II.value
    if deaths >= value(3, "deaths") or harmed >= value(3, people):
        return Grade.III.value
    return Grade.IV.value


# --- levels --------------------------------------------------------------------------------


def required_level(category: str, *, grade: str, kind: str, on: datetime) -> str:
    """The highest level the report must reach."""
    if category == Category.SPECIAL_EQUIPMENT:
        return _rule("incident.special_equipment.report_up_to", on).value  # Order 50 Art. 8
    if category == Category.FOOD:
        return _highest(
            _rule(f"food_incident.grade{ROMAN_NUMBER[grade]}.response_level", on).value,
            _rule("food_incident.report_up_min_level", on).value,  # FSL Art. 103 ¶3
        )
    return policy.required_level(grade=grade, kind=kind)


def investigating_level(category: str, *, grade: str, kind: str, on: datetime) -> str:
    """The level that investigates (and concludes) the incident."""
    g = ROMAN_NUMBER[grade]
    if category == Category.SPECIAL_EQUIPMENT:
        return _rule(f"incident.special_equipment.grade{g}.investigator_level", on).value
    if category == Category.FOOD:
        return _highest(
            _rule(f"food_incident.grade{g}.response_level", on).value,
            _rule("food_incident.investigator_min_level", on).value,  # FSL Art. 106
        )
    level = _rule(f"incident.product.grade{g}.investigator_level", on).value
    if kind == Kind.DEFECT:  # SAMR Order 19 Arts. 8–9: the province investigates a defect
        level = _highest(level, settings.INCIDENT_DEFECT_LEVEL)
    return level


def handling_level(kind: str) -> str:
    """Who receives and handles the report: the county of the place (FSL Art. 103 ¶1; Order 50
    Art. 7; the local plan), the province for a consumer-product defect (Order 19 Art. 8)."""
    return Level(settings.INCIDENT_DEFECT_LEVEL) if kind == Kind.DEFECT else Level.COUNTY


# --- clocks --------------------------------------------------------------------------------


def pass_up_minutes(incident) -> int:
    """How long each level has to pass the report up: SAMR Order 50 Art. 8 for special
    equipment (2 hours a level); the local plan's setting otherwise (the national food plan sets
    no hours for government tiers)."""
    if incident.category == Category.SPECIAL_EQUIPMENT:
        return _rule("incident.special_equipment.pass_up_hours", incident.occurred_at).value * 60
    return settings.INCIDENT_PASS_UP_MINUTES


REPORT_RULES = {
    Category.FOOD: "food_incident.business_report_hours",
    Category.SPECIAL_EQUIPMENT: "incident.special_equipment.report_hours",
    Category.PRODUCT: "incident.product.report_hours",
}


def report_due(category: str, kind: str, discovered_at: datetime) -> Due:
    """When the first report is due after discovery."""
    if kind == Kind.DEFECT:  # SAMR Order 19 Art. 8: 2 working days, to the province
        found = _rule("recall.defect_report_working_days", discovered_at)
        deadline = add_working_days(discovered_at, found.value)
        return Due(deadline.due_at, found, deadline.calendar_covered)
    found = _rule(REPORT_RULES[category], discovered_at)
    if category == Category.PRODUCT:  # the local plan's clock is a setting
        return Due(discovered_at + timedelta(minutes=settings.INCIDENT_REPORT_DUE_MINUTES), found)
    return Due(discovered_at + timedelta(hours=found.value), found)


SUPPLEMENT_RULES = {
    Category.SPECIAL_EQUIPMENT: "incident.special_equipment.casualty_change_window_days",
    Category.PRODUCT: "incident.product.supplement_days",
}


def supplement_window(category: str, occurred_at: datetime) -> Due | None:
    """The end of the period in which casualty changes must be reported, counted from the day of
    the incident (Order 50 Art. 11; the local plan). Food: the national plan says keep reporting
    progress (§4.2.3) and sets no period."""
    key = SUPPLEMENT_RULES.get(category)
    if key is None:
        return None
    found = _rule(key, occurred_at)
    return Due(end_of_days(occurred_at, found.value), found)


INVESTIGATION_RULES = {
    Category.SPECIAL_EQUIPMENT: "incident.special_equipment.investigation_days",
    Category.PRODUCT: "incident.product.investigation_days",
}
EXTENSION_RULES = {
    Category.SPECIAL_EQUIPMENT: "incident.special_equipment.investigation_extension_days",
    Category.PRODUCT: "incident.product.investigation_extension_days",
}


def investigation_due(incident, *, team_formed_at: datetime | None = None) -> Due | None:
    """When the investigation report is due, counted from the day the instrument counts from:
    the incident (the local plan) or the investigation team's formation (Order 50 Art. 30: the
    ``investigate`` step). Food: neither the Law nor the national plan sets a period."""
    key = INVESTIGATION_RULES.get(incident.category)
    if key is None:
        return None
    found = _rule(key, incident.occurred_at)
    if incident.category == Category.SPECIAL_EQUIPMENT:
        if team_formed_at is None:
            return None
        return Due(end_of_days(team_formed_at, found.value), found)
    return Due(end_of_days(incident.occurred_at, found.value), found)


def extension(incident, base: datetime) -> Due:
    """The extended due time: ``base`` plus the instrument's extension (once)."""
    key = EXTENSION_RULES.get(incident.category)
    if key is None:
        return Due(base + timedelta(days=settings.INCIDENT_INVESTIGATION_EXTENSION_DAYS), None)
    found = _rule(key, incident.occurred_at)
    return Due(end_of_days(base, found.value), found)
