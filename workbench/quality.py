"""The quality record as the workbench shows it: a thin front on ``credit.selectors`` (the
credit record and class, award eligibility and written-report duties), which owns the rules.
The workbench only renders."""

from credit.policy import may_see_record
from credit.selectors import (
    CLASSES,
    QualityRecord,
    WrittenReport,
    award_duties,
    award_eligibility,
    class_a_reason,
    classify,
    enterprises_governed_by,
    measure_labels,
    quality_record,
    quality_records,
    timeline,
    window,
    written_reports,
)

__all__ = [
    "CLASSES",
    "QualityRecord",
    "WrittenReport",
    "award_duties",
    "award_eligibility",
    "class_a_reason",
    "classify",
    "enterprises_governed_by",
    "may_see_record",
    "measure_labels",
    "quality_record",
    "quality_records",
    "timeline",
    "window",
    "written_reports",
]
