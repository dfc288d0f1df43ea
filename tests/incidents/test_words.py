"""Words that mean two things get two translations (msgctxt): an English word shared by the
traceability core and the incident, complaint or recall side is translated for its own meaning."""

from trace.core.choices import BatchStatus
from trace.core.labels import BIZ_STEP_LABELS

from django.utils import translation

from complaints.models import Complaint
from incidents.choices import Source
from recalls.choices import RecallStatus


def test_each_meaning_reads_in_its_own_chinese():
    """A regulator's source of an incident is a supervisory inspection (监督检查, SAMR's word for
    it); trace's inspection of a lot is 检验. A recall being carried out is 实施中; a lot in
    circulation is 正常. A consumer's complaint describes a problem, not an accident."""
    with translation.override("zh-hans"):
        assert str(Source.INSPECTION.label) == "监督检查"
        assert str(BIZ_STEP_LABELS["inspecting"]) == "检验"
        assert str(RecallStatus.ACTIVE.label) == "实施中"
        assert str(BatchStatus.ACTIVE.label) == "正常"
        assert str(Complaint._meta.get_field("description").verbose_name) == "问题描述"
    with translation.override("en"):
        assert str(Source.INSPECTION.label) == "Inspection"
        assert str(RecallStatus.ACTIVE.label) == "Active"
