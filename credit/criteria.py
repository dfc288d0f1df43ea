"""The criteria of the credit class and of the award, each with the article it rests on or named
as the province's local policy (a setting).

The class scheme itself: Hangzhou Quality Promotion Measures Art. 23 (质量信用分类监管, credit
repair) and the Xinjiang Quality Promotion Regulation Art. 32 (质量信用评价机制, 分类监管). What
puts an enterprise in a class is a measure of its record (the facts a regulator concluded) and a
threshold per class; the measures cite the article under which those facts arise, the thresholds
are the province's local policy (``QUALITY_CLASS_THRESHOLDS``, one environment variable each).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.rulebook.data.instruments import (
    HANGZHOU_QUALITY,
    SICHUAN_QUALITY_DRAFT,
    SIP_AWARD,
    STATE_COUNCIL_ORDER_503,
    XINJIANG_QUALITY,
)
from core.rulebook.model import Instrument, Text, art


@dataclass(frozen=True)
class Citation:
    """Instrument and article(s), or the province's local policy (``setting`` names it)."""

    parts: tuple[tuple[Instrument, Text], ...] = ()
    setting: str = ""

    def __str__(self) -> str:
        cited = "; ".join(f"{i.name()} {a()}" for i, a in self.parts)
        if self.setting:
            local = str(_("the province's local policy (setting %(setting)s)")) % {
                "setting": self.setting
            }
            return f"{cited}; {local}" if cited else local
        return cited


SCHEME = Citation(((HANGZHOU_QUALITY, art(23)), (XINJIANG_QUALITY, art(32))))

_INCIDENTS = ((SICHUAN_QUALITY_DRAFT, art(28)), (XINJIANG_QUALITY, art(30)))
_COMPLAINTS = ((HANGZHOU_QUALITY, art(25)), (XINJIANG_QUALITY, art(27)))
_SPOT_CHECKS = ((SICHUAN_QUALITY_DRAFT, art(27)),)


@dataclass(frozen=True)
class Measure:
    key: str
    label: object  # lazy text
    basis: tuple[tuple[Instrument, Text], ...]
    env: str  # the environment-variable stem of its thresholds


MEASURES = {
    m.key: m
    for m in (
        Measure(
            "incidents_major",
            _("Incidents of grade I or II, as graded by the handling regulator"),
            _INCIDENTS,
            "MAJOR_INCIDENTS",
        ),
        Measure(
            "incidents_grade_III",
            _("Incidents of grade III, as graded by the handling regulator"),
            _INCIDENTS,
            "GRADE_III_INCIDENTS",
        ),
        Measure(
            "incidents_grade_IV",
            _("Incidents of grade IV, as graded by the handling regulator"),
            _INCIDENTS,
            "GRADE_IV_INCIDENTS",
        ),
        Measure("recalls", _("Ordered recalls (any class)"), (), "RECALLS"),
        Measure("recalls_class_1", _("Ordered class I recalls"), (), "CLASS_1_RECALLS"),
        Measure(
            "complaints_upheld",
            _("Complaints upheld (a mediation agreement in the consumer's favour)"),
            _COMPLAINTS,
            "COMPLAINTS_UPHELD",
        ),
        Measure(
            "failed_spot_checks",
            _("Official spot checks failed"),
            _SPOT_CHECKS,
            "FAILED_INSPECTIONS",
        ),
        Measure("late_reports", _("Late reports"), (), "LATE_REPORTS"),
    )
}
# Settings written before spot checks replaced inspection events keep working.
ALIASES = {"failed_inspections": "failed_spot_checks"}


def measure_citation(key: str, credit_class: str) -> Citation:
    measure = MEASURES[key]
    return Citation(measure.basis, f"QUALITY_CLASS_{credit_class}_{measure.env}")


# Why a voluntary recall never lowers the class: recalling is the producer's duty when it finds a
# hazard (主动召回产品，并向有关监督管理部门报告).
VOLUNTARY_RECALL = Citation(((STATE_COUNCIL_ORDER_503, art(9)),))


# --- the award (Suzhou Industrial Park Quality Award Measures, seed 004) -----------------------

RECORD, DECLARED = "record", "declared"


@dataclass(frozen=True)
class Condition:
    number: int  # the item of Art. 11
    label: object
    how: str  # RECORD: checked from the record; DECLARED: declared, verified by the award office

    @property
    def citation(self) -> Citation:
        return Citation(((SIP_AWARD, art(11, item=self.number)),))


CONDITIONS = (
    Condition(
        1,
        _(
            "Registered in the park and operating lawfully for 3 years or more, in line with "
            "industrial, environmental and quality policies"
        ),
        DECLARED,
    ),
    Condition(
        2,
        _("ISO 9000 or another management-system certification, effectively run"),
        DECLARED,
    ),
    Condition(
        3,
        _("The licences, compulsory certifications or registrations its products need"),
        DECLARED,
    ),
    Condition(
        4,
        _(
            "Products conform to their standards: every official spot check of the last 3 years "
            "passed, no ordered recall"
        ),
        RECORD,
    ),
    Condition(
        5,
        _("Export quality stable: no return, destruction or official notice for quality"),
        DECLARED,
    ),
    Condition(6, _("No loss in the last 3 years"), DECLARED),
    Condition(
        7,
        _("No record of serious dishonesty in the 3 years before applying (credit class)"),
        RECORD,
    ),
    Condition(
        8,
        _("No incident of grade III or higher in the 3 years before applying"),
        RECORD,
    ),
    Condition(
        9,
        _("Runs the performance-excellence model; leading indicators in its trade"),
        DECLARED,
    ),
)
CONDITION_BY_NUMBER = {c.number: c for c in CONDITIONS}
REVOCATION_CITATION = Citation(((SIP_AWARD, art(30)),))
WRITTEN_REPORT_CITATION = Citation(((SIP_AWARD, art(29)),))
