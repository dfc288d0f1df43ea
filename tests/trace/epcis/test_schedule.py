"""Query schedules: which times a scheduled subscription runs at."""

from datetime import UTC, datetime
from trace.epcis.schedule import ScheduleError, next_run, parse

import pytest

AFTER = datetime(2026, 12, 5, 18, 30, 15, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ({"hour": "2"}, datetime(2026, 12, 6, 2, 0, 0, tzinfo=UTC)),
        ({"minute": "0,30"}, datetime(2026, 12, 5, 19, 0, 0, tzinfo=UTC)),
        ({"minute": "[31-59]"}, datetime(2026, 12, 5, 18, 31, 0, tzinfo=UTC)),
        ({"second": "20"}, datetime(2026, 12, 5, 18, 30, 20, tzinfo=UTC)),
        ({"dayOfWeek": "1", "hour": "9"}, datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)),
        ({"dayOfMonth": "1", "hour": "0"}, datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)),
        ({"month": "2", "dayOfMonth": "29"}, datetime(2028, 2, 29, 0, 0, 0, tzinfo=UTC)),
    ],
)
def test_next_run(schedule, expected):
    assert next_run(schedule, AFTER) == expected


def test_a_schedule_that_never_matches_has_no_next_run():
    assert next_run({"month": "2", "dayOfMonth": "30"}, AFTER) is None


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({}, "schedule"),
        ({"hour": "24"}, "schedule.hour"),
        ({"minute": "[40-20]"}, "schedule.minute"),
        ({"dayOfWeek": "0"}, "schedule.dayOfWeek"),
        ({"second": "a"}, "schedule.second"),
        ({"hour": True}, "schedule.hour"),
        ({"fortnight": "1"}, "schedule.fortnight"),
    ],
)
def test_bad_schedules_name_the_field(schedule, field):
    with pytest.raises(ScheduleError) as raised:
        parse(schedule)
    assert raised.value.field == field
