"""Working days on the Chinese calendar (holidays and swapped working weekends, 调休).

SAMR Order 19 (消费品召回管理暂行规定) and Order 20 count their deadlines in working days;
the calendar comes from the maintained ``chinesecalendar`` library, editable by administrators.
"""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from core.models import CalendarDay, CalendarYear
from core.workdays import (
    Deadline,
    add_working_days,
    library_years,
    mark_year_loaded,
    working_days_between,
)

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SH)


def test_the_migration_seeds_the_calendar_from_the_library():
    national_day = CalendarDay.objects.get(date=date(2024, 10, 1))
    assert national_day.is_workday is False
    # Sunday 29 September 2024 was a swapped working day (调休) before National Day.
    assert CalendarDay.objects.get(date=date(2024, 9, 29)).is_workday is True


def test_a_swapped_working_sunday_counts_and_the_golden_week_does_not():
    """National Day 2024: 1–7 October off, Sunday 29 September and Saturday 12 October worked."""
    friday = datetime(2024, 9, 27, 10, 0, tzinfo=SH)
    assert add_working_days(friday, 1) == Deadline(end_of(2024, 9, 29), True)
    assert add_working_days(friday, 2).due_at == end_of(2024, 9, 30)
    assert add_working_days(friday, 3).due_at == end_of(2024, 10, 8)
    assert add_working_days(datetime(2024, 10, 10, 9, tzinfo=SH), 2).due_at == end_of(2024, 10, 12)


def test_two_working_days_across_the_spring_festival():
    """SAMR Order 19: a report due within 2 working days of 27 January 2025 (eve of the holiday)
    falls after the 28 Jan – 4 Feb holiday, at the end of 6 February."""
    assert add_working_days(datetime(2025, 1, 27, 15, tzinfo=SH), 2).due_at == end_of(2025, 2, 6)
    assert add_working_days(datetime(2025, 1, 25, 15, tzinfo=SH), 1).due_at == end_of(2025, 1, 26)


def test_the_start_is_read_in_china_time():
    # 20:00 UTC on Friday is already Saturday morning in Shanghai.
    start = datetime(2024, 11, 1, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert add_working_days(start, 1).due_at == end_of(2024, 11, 4)


def test_a_year_the_table_does_not_cover_falls_back_to_weekends_and_says_so():
    deadline = add_working_days(datetime(2099, 1, 2, 9, tzinfo=SH), 3)  # a Friday
    assert deadline == Deadline(end_of(2099, 1, 7), False)


def test_an_administrator_edit_changes_the_deadline():
    """A day entered counts at once; the year is covered only once its notice is marked
    loaded whole (``CalendarYear``)."""
    assert add_working_days(datetime(2099, 1, 2, 9, tzinfo=SH), 1).due_at == end_of(2099, 1, 5)
    CalendarDay.objects.create(date=date(2099, 1, 5), is_workday=False, name="test holiday")
    deadline = add_working_days(datetime(2099, 1, 2, 9, tzinfo=SH), 1)
    assert deadline == Deadline(end_of(2099, 1, 6), False)
    assert mark_year_loaded(2099, notice="test") is True
    assert mark_year_loaded(2099) is False
    deadline = add_working_days(datetime(2099, 1, 2, 9, tzinfo=SH), 1)
    assert deadline == Deadline(end_of(2099, 1, 6), True)


def test_working_days_between_matches_add_working_days():
    assert working_days_between(date(2024, 9, 27), date(2024, 10, 8)) == 3
    assert working_days_between(date(2024, 10, 8), date(2024, 9, 27)) == -3
    assert working_days_between(date(2024, 10, 1), date(2024, 10, 7)) == 0
    for n in range(0, 12):
        due = add_working_days(datetime(2025, 1, 20, 8, tzinfo=SH), n).due_at.date()
        assert working_days_between(date(2025, 1, 20), due) == n


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(datetime(2024, 1, 2, tzinfo=SH), -1)


def test_seed_calendar_keeps_administrator_edits():
    CalendarDay.objects.filter(date=date(2024, 10, 1)).update(name="edited")
    call_command("seed_calendar")
    assert CalendarDay.objects.get(date=date(2024, 10, 1)).name == "edited"
    CalendarDay.objects.filter(date=date(2024, 10, 2)).delete()
    call_command("seed_calendar")
    assert CalendarDay.objects.filter(date=date(2024, 10, 2), is_workday=False).exists()


def test_seed_calendar_marks_the_years_the_library_carries_whole():
    """``seed_calendar`` loads the library's days and marks each year it carries as loaded; a
    year it does not carry stays uncovered."""
    last = library_years()[-1]
    CalendarYear.objects.filter(year=last).delete()
    assert not add_working_days(datetime(last, 3, 2, 9, tzinfo=SH), 1).calendar_covered
    out = StringIO()
    call_command("seed_calendar", stdout=out)
    assert str(last) in out.getvalue()
    assert add_working_days(datetime(last, 3, 2, 9, tzinfo=SH), 1).calendar_covered
    assert not CalendarYear.objects.filter(year=last + 1).exists()
