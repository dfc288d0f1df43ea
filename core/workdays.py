"""Working days on the Chinese calendar (public holidays and swapped working weekends, 调休).

The table ``CalendarDay`` holds the exceptions to "Monday–Friday work": every
public holiday and every weekend day made a working day. It is seeded from the
maintained ``chinesecalendar`` library (data migration and ``manage.py
seed_calendar``) and administrators may edit it. A year is covered only once its
``CalendarYear`` marker records that the year's State Council holiday notice is loaded whole;
deadlines in an uncovered year fall back to Monday–Friday and say so (``calendar_covered``).
Marking a year loaded (``mark_year_loaded``: ``seed_calendar`` or the admin) sends
``calendar_year_loaded``, on which the apps recompute their provisional deadlines.

Due-time convention: the end (23:59:59.999999) of the Nth working day after the
start day, Asia/Shanghai.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar.constants as library_constants
from django.dispatch import Signal

from .models import CalendarDay, CalendarYear

# Sent with ``year`` when a year's holiday notice has been loaded whole (in the transaction).
calendar_year_loaded = Signal()

CHINA_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    # False when some day on the way lies in a year the holiday table does not cover
    # (the due time was computed with Monday–Friday only).
    calendar_covered: bool


def library_calendar_days():
    """(date, is_workday, name) for every exception the ``chinesecalendar`` library knows."""
    for day, holiday in library_constants.holidays.items():
        yield day, False, _holiday_name(holiday)
    for day, holiday in library_constants.workdays.items():
        yield day, True, _holiday_name(holiday)


def _holiday_name(holiday) -> str:
    # The library's Holiday enum carries "English name,中文名".
    value = getattr(holiday, "value", holiday)
    return str(value)[:64]


def _to_local_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TZ)
    return moment.astimezone(CHINA_TZ).date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=CHINA_TZ)


class _Calendar:
    """The exceptions and covered years for a span of dates, read in one query."""

    def __init__(self, first: date, last: date):
        rows = CalendarDay.objects.filter(
            date__year__gte=first.year, date__year__lte=last.year
        ).values_list("date", "is_workday")
        self.exceptions = dict(rows)
        self.covered_years = covered_years(first.year, last.year)
        self.used_uncovered = False

    def is_workday(self, day: date) -> bool:
        if day.year not in self.covered_years:
            self.used_uncovered = True  # the days entered so far still count
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5


def add_working_days(start: datetime, days: int) -> Deadline:
    """The end of the ``days``-th working day after the day of ``start`` (Asia/Shanghai)."""
    if days < 0:
        raise ValueError("days must not be negative")
    first = _to_local_date(start)
    # Even the longest Chinese holiday run (Spring Festival plus weekends) keeps at least
    # two working days in every 14 calendar days, so this span always suffices.
    span_end = first + timedelta(days=days * 7 + 21)
    calendar = _Calendar(first, span_end)
    day, counted = first, 0
    if days == 0:
        calendar.is_workday(day)
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return Deadline(due_at=_end_of(day), calendar_covered=not calendar.used_uncovered)


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``)."""
    if b < a:
        return -working_days_between(b, a)
    calendar = _Calendar(a, b)
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


def seed_calendar_days(model=CalendarDay) -> int:
    """Insert the library's exceptions not yet in the table (edits by administrators are kept)."""
    existing = set(model.objects.values_list("date", flat=True))
    rows = [
        model(date=day, is_workday=is_workday, name=name)
        for day, is_workday, name in library_calendar_days()
        if day not in existing
    ]
    model.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def covered_years(first: int, last: int) -> set[int]:
    """The years from ``first`` to ``last`` whose holiday notice is loaded whole."""
    return set(
        CalendarYear.objects.filter(year__gte=first, year__lte=last).values_list("year", flat=True)
    )


def years_uncovered(start: datetime | date, end: datetime | date) -> list[int]:
    """The years a span touches whose holiday notice is not loaded (a deadline in them is
    provisional)."""
    first = start if isinstance(start, date) and not isinstance(start, datetime) else None
    a = first or _to_local_date(start)
    b = end if isinstance(end, date) and not isinstance(end, datetime) else _to_local_date(end)
    a, b = min(a, b), max(a, b)
    covered = covered_years(a.year, b.year)
    return [y for y in range(a.year, b.year + 1) if y not in covered]


def library_years() -> list[int]:
    """The years whose whole notice the ``chinesecalendar`` library carries."""
    return sorted({day.year for day in library_constants.holidays})


def mark_year_loaded(year: int, *, notice: str = "") -> bool:
    """Record that ``year``'s holiday notice is loaded whole and tell the apps (their
    provisional deadlines in it are recomputed); False when it already was."""
    _row, created = CalendarYear.objects.get_or_create(year=year, defaults={"notice": notice})
    if created:
        calendar_year_loaded.send(sender=CalendarYear, year=year)
    return created
