"""The deadline-sweeper registry, the sweep_deadlines command and its beat schedule (DESIGN.md:
deadlines are columns and one periodic sweep finds what is due, so a worker that was down catches up)."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from core import deadlines, tasks


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(deadlines, "_sweepers", {})
    return deadlines


def test_sweep_all_runs_every_registered_sweeper_with_the_same_now(registry):
    seen = []
    registry.register_sweeper("a", lambda now: seen.append(("a", now)) or 2)
    registry.register_sweeper("b", lambda now: seen.append(("b", now)) or 0)
    moment = datetime(2026, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert registry.sweep_all(moment) == {"a": 2, "b": 0}
    assert seen == [("a", moment), ("b", moment)]


def test_registering_a_name_again_replaces_it(registry):
    registry.register_sweeper("a", lambda now: 1)
    registry.register_sweeper("a", lambda now: 5)
    assert registry.sweep_all(datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))) == {"a": 5}


def test_a_failing_sweeper_does_not_stop_the_others(registry):
    def broken(now):
        raise RuntimeError("boom")

    registry.register_sweeper("broken", broken)
    registry.register_sweeper("fine", lambda now: 3)
    assert registry.sweep_all(datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))) == {
        "broken": -1,
        "fine": 3,
    }


@pytest.mark.django_db
def test_the_command_sweeps_at_the_given_time_read_in_china_time(registry):
    seen = []
    registry.register_sweeper("x", lambda now: seen.append(now) or 1)
    out = StringIO()
    call_command("sweep_deadlines", "--now", "2026-03-02T10:00", stdout=out)
    assert seen == [datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))]
    assert "x: 1" in out.getvalue()
    call_command("sweep_deadlines", "--now", "2026-03-02T02:00:00+00:00", stdout=out)
    assert seen[1] == datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_time(registry):
    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("sweep_deadlines", "--now", "yesterday")


def test_the_beat_runs_the_sweep_every_minute(settings, registry):
    entry = settings.CELERY_BEAT_SCHEDULE["api-sweep-deadlines"]
    assert entry == {"task": "api.tasks.sweep_deadlines", "schedule": 60}
    registry.register_sweeper("x", lambda now: 7)
    assert tasks.sweep_deadlines() == {"x": 7}


@pytest.mark.django_db
def test_the_embedded_default_keeps_sweeping_every_interval(registry):
    """`make run` without Redis has no beat: ``sweep_deadlines --every 60`` runs beside the
    server, each round at the time it runs, printing only the rounds that acted."""
    seen = []
    registry.register_sweeper("x", lambda now: seen.append(now) or (1 if len(seen) == 2 else 0))
    out = StringIO()
    call_command("sweep_deadlines", "--every", "1", "--rounds", "2", stdout=out)
    assert len(seen) == 2 and seen[0] < seen[1]
    assert out.getvalue().count("deadline sweep: x: 1") == 1
    with pytest.raises(CommandError, match="--every"):
        call_command("sweep_deadlines", "--every", "0")
