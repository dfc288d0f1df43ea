"""The credit record counts what the handling regulator concluded, and every reason of the class
cites its article or names the local setting (Hangzhou Art. 23, Xinjiang Art. 32)."""

from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.test import override_settings
from django.utils import timezone

from complaints import services as complaint_services
from credit import selectors
from recalls import services as recall_services
from recalls.choices import RecallType
from recalls.models import Recall
from tests.factories import EnterpriseFactory, UserFactory
from tests.workbench.analytics_world import days_ago

from .conftest import spot_check

pytestmark = pytest.mark.django_db


def _record(world, who="a"):
    return selectors.credit_record(world.users[who].membership.organization)


def test_each_reason_cites_its_article_and_the_setting_of_its_threshold_hangzhou_art23(world):
    world.report("a", at=days_ago(20), deaths=3, handled=True)  # grade III
    record = _record(world)
    assert record.credit_class == "C"
    (reason,) = [r for r in record.reasons if r.measure == "incidents_grade_III"]
    assert "第二十八条" in reason.citation or "Art. 28" in reason.citation  # Sichuan draft
    assert "QUALITY_CLASS_C_GRADE_III_INCIDENTS" in reason.citation


@override_settings(QUALITY_CLASS_THRESHOLDS={"D": {}, "C": {}, "B": {"late_reports": 1}})
def test_a_criterion_without_an_article_is_named_the_provinces_local_policy():
    _class, (reason,) = selectors.classify({"late_reports": 1})
    assert "QUALITY_CLASS_B_LATE_REPORTS" in reason.citation
    assert (
        "local policy" in reason.citation
        or "地方" in reason.citation
        or "local" in str(reason.citation)
    )


def test_an_incident_counts_only_once_accepted_and_graded_sichuan_draft_art28(world):
    world.report("a", at=days_ago(10))  # filed, not yet accepted: an allegation
    assert _record(world).credit_class == "A"
    world.report("a", at=days_ago(9), handled=True)  # IV, accepted and graded
    record = _record(world)
    assert record.credit_class == "B" and record.incidents_by_grade["IV"] == 1


def test_a_complaint_counts_once_upheld_not_when_declined_hangzhou_art25(world):
    county = world.users["tongshan"]
    declined = world.complain("a", at=days_ago(15))
    complaint_services.complaint_decline(
        complaint_id=declined.pk, actor=county, reason="不属于本局管辖", now=days_ago(14)
    )
    world.complain("a", at=days_ago(3))  # undecided
    assert _record(world).complaints_upheld == 0
    answered = world.complain("a", at=days_ago(15))  # accepted and answered: not upheld
    complaint_services.complaint_accept(complaint_id=answered.pk, actor=county, now=days_ago(14))
    complaint_services.complaint_reply(
        complaint_id=answered.pk, actor=county, reply="已处理。", now=days_ago(13)
    )
    assert _record(world).complaints_upheld == 0
    # Upheld: ended in the consumer's favour, a mediation agreement (Order 20 Art. 16, 21).
    upheld = world.complain("a", at=days_ago(15))
    complaint_services.complaint_accept(complaint_id=upheld.pk, actor=county, now=days_ago(14))
    complaint_services.complaint_agree_mediation(
        complaint_id=upheld.pk, actor=world.users["a"], now=days_ago(13)
    )
    complaint_services.complaint_record_agreement(
        complaint_id=upheld.pk, actor=county, agreement="退款。", now=days_ago(12)
    )
    record = _record(world)
    assert record.complaints_upheld == 1
    assert [f.key for f in record.counted("complaints_upheld")] == [f"complaint:{upheld.pk}"]


def test_only_an_official_spot_check_failed_counts_not_an_inspection_event_sichuan_art27(world):
    lot = world.lots["a"]
    for _ in range(3):
        trace_services.batch_inspect(batch=lot, result="fail", actor=world.users["a"])
    record = _record(world)
    assert record.failed_spot_checks == 0 and record.credit_class == "A"
    check = spot_check(world, "a", on=timezone.localdate())
    spot_check(world, "a", on=timezone.localdate(), result="pass")
    record = _record(world)
    assert record.failed_spot_checks == 1 and record.credit_class == "B"
    assert record.fact(f"spot_check:{check.pk}").counts


def test_a_voluntary_recall_never_lowers_the_class_order_503_art9(world):
    a = world.users["a"]
    customer = UserFactory(organization=EnterpriseFactory(region_code="320311"))
    lot = world.lots["a"]
    trace_services.batch_ship(
        batch=lot, to=customer.membership.organization, quantity=Decimal(5), actor=a
    )
    recall = recall_services.recall_create(
        actor=a,
        batch_ids=[lot.pk],
        recall_type=RecallType.VOLUNTARY,
        recall_class=1,
        defect="杀菌不彻底",
        hazard="可能致病",
        notice_title="酸奶召回",
        notice_text="请停止食用。",
        consumer_action="请立即停止食用，退回购买处。",
        contact="客服电话 400-800-0000",
        planned_end=timezone.now() + timedelta(days=60),
        remedies=["refund", "replacement"],
    )
    recall_services.recall_edit_scope(recall_id=recall.pk, actor=a, edits=[], confirm=True)
    recall_services.recall_submit(recall_id=recall.pk, actor=a)
    recall_services.recall_activate(recall_id=recall.pk, actor=a)
    record = _record(world)
    assert record.credit_class == "A" and record.recalls == 0
    # The same recall, had a regulator ordered it, counts.
    Recall.objects.filter(pk=recall.pk).update(
        recall_type=RecallType.ORDERED, ordered_by=world.users["tongshan"].membership.organization
    )
    record = _record(world)
    assert record.recalls == 1 and record.recalls_by_class[1] == 1
    assert record.credit_class == "B"


def test_many_records_are_read_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    orgs = [world.users[w].membership.organization for w in ("a", "b")]
    world.report("a", at=days_ago(9), handled=True)
    with django_assert_max_num_queries(12):
        records = selectors.credit_records(orgs)
    assert records[orgs[0].pk].credit_class == "B" and records[orgs[1].pk].credit_class == "A"
