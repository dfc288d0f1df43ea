"""The quality record (rolling three years), the credit class at its thresholds, award
eligibility, the award holders' written-report duty, and who may see which record."""

from datetime import timedelta
from trace.core import services as trace_services

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services as complaint_services
from incidents import services as incident_services
from incidents.models import QualityAward
from tests.credit.conftest import spot_check
from tests.factories import EnterpriseFactory
from tests.workbench.analytics_world import build_world, days_ago
from workbench import quality

pytestmark = pytest.mark.django_db

THRESHOLDS = {
    "D": {"incidents_major": 1, "failed_inspections": 4, "late_reports": 3},
    "C": {"incidents_grade_III": 1, "failed_inspections": 2, "complaints_upheld": 5},
    "B": {"incidents_grade_IV": 1, "recalls": 1, "failed_inspections": 1},
}


@override_settings(QUALITY_CLASS_THRESHOLDS=THRESHOLDS)
@pytest.mark.parametrize(
    ("measure", "threshold", "credit_class", "below"),
    [
        ("incidents_major", 1, "D", "A"),
        ("late_reports", 3, "D", "A"),
        ("failed_spot_checks", 4, "D", "C"),
        ("failed_spot_checks", 2, "C", "B"),
        ("complaints_upheld", 5, "C", "A"),
        ("incidents_grade_III", 1, "C", "A"),
        ("recalls", 1, "B", "A"),
        ("failed_spot_checks", 1, "B", "A"),
    ],
)
def test_each_threshold_puts_the_record_in_its_class_from_its_count(
    measure, threshold, credit_class, below
):
    reached, reasons = quality.classify({measure: threshold})
    assert reached == credit_class
    assert any(str(threshold) in str(r) for r in reasons) and len(reasons) == 1
    assert all("QUALITY_CLASS_" in r.citation for r in reasons)  # the setting is named
    assert quality.classify({measure: threshold - 1})[0] == below


@override_settings(QUALITY_CLASS_THRESHOLDS={"D": {"late_reports": 0}, "C": {}, "B": {}})
def test_a_threshold_of_zero_is_switched_off():
    assert quality.classify({"late_reports": 50})[0] == "A"


def test_the_worst_class_wins_and_every_reason_of_it_is_listed():
    with override_settings(QUALITY_CLASS_THRESHOLDS=THRESHOLDS):
        credit_class, reasons = quality.classify(
            {"incidents_major": 1, "late_reports": 3, "recalls": 4}
        )
    assert credit_class == "D" and len(reasons) == 2


@pytest.fixture
def world():
    return build_world()


def _record(world, who="a"):
    return quality.quality_record(world.users[who].membership.organization)


def _item(world, number, who="a"):
    """One condition of the award (SIP award Art. 11) as the record shows it."""
    org = world.users[who].membership.organization
    return next(c for c in quality.award_eligibility(org).conditions if c.number == number)


def test_the_record_counts_what_happened_to_the_enterprise_in_three_years(world):
    a = world.users["a"]
    county = world.users["tongshan"]
    world.report("a", at=days_ago(400), handled=True)  # IV
    world.report("a", at=days_ago(30), late=True, handled=True)  # IV, late
    world.report("a", at=days_ago(20), deaths=3, handled=True)  # III
    world.report("b", at=days_ago(20), deaths=3, handled=True)  # B's: not A's record
    rejected = world.report("a", at=days_ago(10))
    incident_services.incident_reject(
        incident_id=rejected.pk, actor=county, reason="重复报告", now=days_ago(10, hour=12)
    )
    lot = world.lots["a"]
    for result in ("fail", "fail", "pass"):  # anyone's inspection events: not official checks
        trace_services.batch_inspect(batch=lot, result=result, actor=a)
    spot_check(world, "a", on=timezone.localdate())
    # Upheld = ended in the consumer's favour (a mediation agreement), never mere acceptance.
    upheld = world.complain("a", at=days_ago(15))
    complaint_services.complaint_accept(complaint_id=upheld.pk, actor=county, now=days_ago(14))
    complaint_services.complaint_agree_mediation(complaint_id=upheld.pk, actor=a, now=days_ago(13))
    complaint_services.complaint_record_agreement(
        complaint_id=upheld.pk, actor=county, agreement="退款。", now=days_ago(12)
    )
    answered = world.complain("a", at=days_ago(15))  # accepted and answered: not upheld
    complaint_services.complaint_accept(complaint_id=answered.pk, actor=county, now=days_ago(14))
    complaint_services.complaint_reply(
        complaint_id=answered.pk, actor=county, reply="已处理。", now=days_ago(13)
    )
    declined = world.complain("a", at=days_ago(15))
    complaint_services.complaint_decline(
        complaint_id=declined.pk, actor=county, reason="不属于本局管辖", now=days_ago(14)
    )
    world.complain("a", at=days_ago(2))  # undecided

    record = _record(world)
    assert record.incidents_by_grade == {"I": 0, "II": 0, "III": 1, "IV": 2}
    assert record.failed_spot_checks == 1
    assert record.complaints_upheld == 1
    assert record.late_reports == 1
    # III -> class C (defaults: one grade III incident), and the reasons say why.
    assert record.credit_class == "C"
    assert any("Ⅲ" in str(r) or "III" in str(r) for r in record.reasons)
    assert not _item(world, 8).holds
    assert [f.grade for f in record.disqualifying] == ["III"]


def test_an_incident_older_than_three_years_leaves_the_record(world):
    world.report("a", at=timezone.localtime() - timedelta(days=365 * 3 + 5), deaths=3, handled=True)
    world.report("a", at=days_ago(5), handled=True)
    record = _record(world)
    assert record.incidents_by_grade["III"] == 0 and record.incidents_by_grade["IV"] == 1
    assert _item(world, 8).holds and record.credit_class == "B"


def test_a_clean_record_is_class_a_and_award_eligible(world):
    record = _record(world)
    assert record.credit_class == "A" and _item(world, 8).holds and not record.award_holder


def test_the_award_holders_written_report_is_due_then_overdue_then_filed(world):
    org = world.users["a"].membership.organization
    QualityAward.objects.create(
        organization=org, name="徐州市质量奖", awarded_on=days_ago(300).date()
    )
    at = days_ago(40)
    major = world.report(
        "a", at=at, serious_injuries=50, handled=True
    )  # grade II: the award rules' major incident
    filed = world.report("a", at=days_ago(3), serious_injuries=50)
    assert major.grade == "II" and major.written_report_due_at
    record = _record(world)
    assert record.award_holder and record.award_names == ["徐州市质量奖"]
    statuses = {d.incident_id: d.status for d in record.written_reports}
    assert statuses == {major.pk: "overdue", filed.pk: "due"}  # 40 days: past the 30
    incident_services.incidents_sweep(at + timedelta(days=31))
    incident_services.incident_supplement(
        incident_id=filed.pk, actor=world.users["a"], written_report=True, reason="书面报告"
    )
    record = _record(world)
    by_id = {d.incident_id: d for d in record.written_reports}
    assert by_id[major.pk].status == "overdue" and by_id[filed.pk].status == "filed"
    assert record.overdue_written_reports == 1 and record.late_reports == 1
    assert record.credit_class == "D"  # a grade II incident


def test_a_regulator_lists_the_enterprises_of_its_jurisdiction_with_their_class(client, world):
    world.report("a", at=days_ago(5), handled=True)
    client.force_login(world.users["tongshan"])
    page = client.get("/workbench/quality/").content.decode()
    assert "甲乳业" in page and "乙电器" not in page
    assert 'wb-class--B">B<' in page
    client.force_login(world.users["national"])
    page = client.get("/workbench/quality/?class=A").content.decode()
    assert "乙电器" in page and "甲乳业" not in page


def test_a_record_is_for_the_enterprise_and_its_regulators_only(client, world):
    a = world.users["a"].membership.organization
    url = f"/workbench/quality/organizations/{a.pk}/"
    for who, status in (
        ("a", 200),
        ("tongshan", 200),
        ("city", 200),
        ("national", 200),
        ("b", 404),
        ("hangzhou", 404),
    ):
        client.force_login(world.users[who])
        assert client.get(url).status_code == status, who
    regulator = world.users["city"].membership.organization
    client.force_login(world.users["national"])
    assert client.get(f"/workbench/quality/organizations/{regulator.pk}/").status_code == 404
    assert client.get("/workbench/quality/organizations/999999/").status_code == 404


def test_an_enterprise_sees_its_own_record_on_the_quality_page(client, world):
    client.force_login(world.users["b"])
    page = client.get("/workbench/quality/").content.decode()
    assert "乙电器" in page and "甲乳业" not in page and 'id="credit-class"' in page
    page = client.get("/workbench/quality/?lang=en").content.decode()
    assert "Credit class" in page and "No threshold of classes B to D is reached." in page


def test_the_list_reads_a_fixed_number_of_queries_however_many_enterprises(client, world):
    client.force_login(world.users["city"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/workbench/quality/").status_code == 200
    for _ in range(5):
        EnterpriseFactory(region_code="320311")
    world.report("a", at=days_ago(3))
    with CaptureQueriesContext(connection) as many:
        page = client.get("/workbench/quality/").content.decode()
    assert page.count("/workbench/quality/organizations/") == 6
    assert len(many.captured_queries) == len(few.captured_queries)
