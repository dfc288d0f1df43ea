"""Query schedules of scheduled subscriptions (EPCIS 2.0 REST binding ``query-schedule.json``).

A schedule names, for ``second``, ``minute``, ``hour``, ``dayOfMonth``, ``month`` and
``dayOfWeek`` (1 = Monday … 7 = Sunday), the values it runs at: numbers and ``[a-b]`` ranges
separated by commas (``"0,30"``, ``"[9-17]"``). A time matches when every field matches.
A field left out matches every value when it is coarser than the finest field given, and
only its first value (0, or 1 for days and months) when it is finer: ``{"hour": "2"}`` runs
at 02:00:00 every day, ``{"dayOfWeek": "1"}`` at midnight every Monday. Times are UTC.

The deadline sweep runs due subscriptions (``services.scheduled_subscriptions_run``), so a
schedule is kept to the sweep's period (a minute under beat).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

# field, lowest, highest (finest last)
FIELDS = (
    ("month", 1, 12),
    ("dayOfMonth", 1, 31),
    ("dayOfWeek", 1, 7),
    ("hour", 0, 23),
    ("minute", 0, 59),
    ("second", 0, 59),
)
_RANK = {"month": 0, "dayOfMonth": 1, "dayOfWeek": 1, "hour": 2, "minute": 3, "second": 4}
_ELEMENT = re.compile(r"^(?:(\d{1,2})|\[(\d{1,2})-(\d{1,2})\])$")
_HORIZON_DAYS = 366 * 8  # covers 29 February with any day of the week


class ScheduleError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _values(field: str, text, low: int, high: int) -> frozenset[int]:
    if not isinstance(text, str | int) or isinstance(text, bool):
        raise ScheduleError(field, _('Each schedule field is a string such as "0,30" or "[1-5]".'))
    found: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        match = _ELEMENT.match(part)
        if not match:
            raise ScheduleError(
                field,
                _("Use numbers and [a-b] ranges separated by commas (%(value)s).")
                % {"value": text},
            )
        if match.group(1) is not None:
            start = end = int(match.group(1))
        else:
            start, end = int(match.group(2)), int(match.group(3))
        if not (low <= start <= end <= high):
            raise ScheduleError(
                field,
                _("Values of %(field)s run from %(low)s to %(high)s.")
                % {"field": field, "low": low, "high": high},
            )
        found.update(range(start, end + 1))
    return frozenset(found)


def parse(schedule) -> dict[str, frozenset[int]]:
    """The values each field matches, or :class:`ScheduleError` naming the field."""
    if not isinstance(schedule, dict) or not schedule:
        raise ScheduleError("schedule", _("A schedule is an object naming at least one field."))
    unknown = sorted(set(schedule) - {name for name, _low, _high in FIELDS})
    if unknown:
        raise ScheduleError(
            f"schedule.{unknown[0]}", _("Not a schedule field: %(name)s.") % {"name": unknown[0]}
        )
    finest = max(_RANK[name] for name in schedule)
    parsed = {}
    for name, low, high in FIELDS:
        if name in schedule:
            parsed[name] = _values(f"schedule.{name}", schedule[name], low, high)
        elif _RANK[name] > finest:
            parsed[name] = frozenset({low})
        else:
            parsed[name] = frozenset(range(low, high + 1))
    return parsed


def next_run(schedule, after: datetime) -> datetime | None:
    """The first time after ``after`` the schedule matches (UTC), or None if none does
    within eight years (``{"dayOfMonth": "31", "month": "2"}``)."""
    fields = parse(schedule)
    after = after.astimezone(UTC).replace(microsecond=0)
    day = after.replace(hour=0, minute=0, second=0)
    times = sorted(
        (h, m, s) for h in fields["hour"] for m in fields["minute"] for s in fields["second"]
    )
    for offset in range(_HORIZON_DAYS):
        current = day + timedelta(days=offset)
        if (
            current.month not in fields["month"]
            or current.day not in fields["dayOfMonth"]
            or current.isoweekday() not in fields["dayOfWeek"]
        ):
            continue
        for hour, minute, second in times:
            moment = current.replace(hour=hour, minute=minute, second=second)
            if moment > after:
                return moment
    return None
