"""Grades and the transition table (the local product plan; its default figures are the State Council Order 493 work-safety model, as settings)."""

from decimal import Decimal

import pytest

from incidents.choices import Kind, Status
from incidents.policy import TRANSITIONS, allowed_actions, compute_grade, required_level


@pytest.mark.parametrize(
    ("deaths", "serious", "loss", "grade"),
    [
        (0, 0, 0, "IV"),
        (2, 9, 9_999_999, "IV"),
        (3, 0, 0, "III"),
        (0, 10, 0, "III"),
        (0, 0, 10_000_000, "III"),
        (10, 0, 0, "II"),
        (12, 0, 0, "II"),
        (0, 50, 0, "II"),
        (0, 0, 50_000_000, "II"),
        (30, 0, 0, "I"),
        (0, 100, 0, "I"),
        (0, 0, 100_000_000, "I"),
        # The highest criterion met wins: 2 deaths but 60 serious injuries is grade II.
        (2, 60, 0, "II"),
        (0, 0, Decimal("150000000.00"), "I"),
    ],
)
def test_grade_by_deaths_serious_injuries_and_direct_loss(deaths, serious, loss, grade):
    """The local product plan's defaults (Order 493's work-safety model): deaths ≥30/10/3, serious injuries ≥100/50/10, direct loss ≥¥100m/50m/10m."""
    assert compute_grade(deaths=deaths, serious_injuries=serious, direct_loss=loss) == grade


def test_thresholds_are_settings(settings):
    settings.INCIDENT_GRADE_THRESHOLDS = {
        **settings.INCIDENT_GRADE_THRESHOLDS,
        "III": {"deaths": 1, "serious_injuries": 10, "direct_loss": 10**7},
    }
    assert compute_grade(deaths=1, serious_injuries=0, direct_loss=0) == "III"


def test_required_level_by_grade():
    """The local product plan's defaults (Order 493's model): I–II national, III province, IV city; SAMR Order 19 defects go to the province."""
    assert [required_level(grade=g, kind=Kind.INCIDENT) for g in ("I", "II", "III", "IV")] == [
        "national",
        "national",
        "province",
        "city",
    ]
    assert required_level(grade="IV", kind=Kind.DEFECT) == "province"


def test_the_transition_table_is_the_documented_workflow():
    """Issue 11 §2: reported → accepted → responding → investigating → concluded → closed."""
    assert TRANSITIONS["accept"] == ((Status.REPORTED,), Status.ACCEPTED)
    assert TRANSITIONS["close"] == ((Status.CONCLUDED,), Status.CLOSED)
    assert allowed_actions(Status.CLOSED) == []
    assert set(allowed_actions(Status.REPORTED)) >= {
        "accept",
        "reject",
        "merge",
        "report-up",
        "supplement",
    }
