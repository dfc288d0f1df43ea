"""Recalls on the law that governs them (issue 21): the food-recall text in force on the
recall's date, the ordered recall's objection and the regulator's decision, who completes and
who closes, effectiveness-check levels against the response rate, and progress reports that
never first fall due after the recalled product's expiry. Every figure is the rulebook's."""

from datetime import datetime, timedelta
from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.utils import timezone

from core.rulebook import rule
from core.workdays import CHINA_TZ, working_days_between
from recalls import services
from recalls.models import Recall
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_class": 2,
    "defect": "菌落总数超标",
    "hazard": "可能引起肠胃不适",
    "remedies": ["refund", "replacement"],
    "notice_title": "酸奶召回",
    "notice_text": "请停止食用并退货。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


def _lot(enterprise, partner, *, category="food", lot="Y1", expiry=None):
    product = ProductFactory(owner=enterprise.org, category=category, name="原味酸奶")
    batch = trace_services.batch_produce(
        product=product,
        lot=lot,
        quantity=Decimal(100),
        unit="EA",
        actor=enterprise.user,
        production_date=timezone.localdate() - timedelta(days=5),
        expiry_date=expiry,
    )
    trace_services.batch_ship(
        batch=batch, to=partner.org, quantity=Decimal(40), actor=enterprise.user
    )
    trace_services.batch_receive(batch=batch, actor=partner.user)
    return batch


def _deadline(body: dict, name: str) -> dict:
    return next(d for d in body["deadlines"] if d["name"] == name)


def _start(recall: Recall, actor) -> Recall:
    services.recall_edit_scope(recall_id=recall.pk, actor=actor, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=actor)
    return services.recall_activate(recall_id=recall.pk, actor=actor)


# --- the date switch: CFDA Order 12 Art. 13 until 2026-11-30, SAMR Order 122 Art. 11 from 12-01


def test_grade3_food_recall_start_limit_is_72h_on_2026_11_30_and_48h_from_2026_12_01_cfda12_art13_samr122_art11(
    enterprise, partner
):
    """A grade 3 food recall whose risk was discovered on 2026-11-30 must launch within 72 h
    (CFDA Order 12 Art. 13); one discovered on 2026-12-01 within 48 h (SAMR Order 122 Art. 11).
    Each deadline cites its own text."""
    lot = _lot(enterprise, partner)
    seen = {}
    for day in (30, 1):
        month = 11 if day == 30 else 12
        discovered = datetime(2026, month, day, 9, 0, tzinfo=CHINA_TZ)
        response = enterprise.client.post(
            "/api/v1/recalls/",
            {
                **PLAN,
                "recall_class": 3,
                "recall_type": "voluntary",
                "batches": [lot.pk],
                "risk_discovered_at": discovered.isoformat(),
            },
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["recall_category"] == "food"  # from the lot's product
        start = _deadline(body, "start")
        due = datetime.fromisoformat(start["due_at"])
        seen[day] = (due - discovered, start["citation"], start["unit"])
    assert seen[30][0] == timedelta(hours=72)
    assert seen[1][0] == timedelta(hours=48)
    assert "CFDA Order 12" in seen[30][1] and "Art. 13" in seen[30][1]
    assert "SAMR Order 122" in seen[1][1] and "Art. 11" in seen[1][1]
    assert seen[30][2] == seen[1][2] == "hours"


def test_food_completion_counts_calendar_days_from_the_plan_under_samr122_art15(
    enterprise, partner
):
    """SAMR Order 122 Art. 15: a grade 2 recall completes within 20 calendar days of submitting
    the plan; the unit and the citation are the rulebook's."""
    lot = _lot(enterprise, partner)
    recall = services.recall_create(
        actor=enterprise.user, batch_ids=[lot.pk], recall_type="voluntary", **PLAN
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    body = enterprise.client.get(f"/api/v1/recalls/{recall.pk}/").json()
    complete = _deadline(body, "complete")
    limit = rule("food_recall.grade2.complete_days", on=recall.risk_discovered_at)
    assert complete["unit"] == "calendar_days" and complete["value"] == limit.value == 20
    recall.refresh_from_db()
    submitted_day = timezone.localtime(recall.submitted_at, CHINA_TZ).date()
    due = datetime.fromisoformat(complete["due_at"]).astimezone(CHINA_TZ)
    assert due.date() == submitted_day + timedelta(days=20)
    assert "Art. 15" in complete["citation"] or "第十五条" in complete["citation"]


# --- the ordered recall: notice → objection (SAMR Order 19 Art. 13) → decision → order ------


@pytest.fixture
def ordered(enterprise, partner, regulator):
    lot = _lot(enterprise, partner, category="key_consumer", lot="T1")
    response = regulator.client.post(
        "/api/v1/recalls/",
        {**PLAN, "recall_type": "ordered", "batches": [lot.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    recall = Recall.objects.get(pk=response.json()["id"])
    assert recall.recall_category == "product"
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    return recall


def test_objection_window_is_10_working_days_samr_order19_art13(enterprise, ordered):
    """SAMR Order 19 Art. 13: the producer may object within 10 working days of the notice
    (not the vehicle regulation's 15)."""
    created = timezone.localtime(ordered.created_at, CHINA_TZ).date()
    due = timezone.localtime(ordered.objection_due_at, CHINA_TZ).date()
    assert working_days_between(created, due) == 10
    body = enterprise.client.get(f"/api/v1/recalls/{ordered.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    objection = _deadline(body, "objection")
    assert objection["value"] == 10 and objection["unit"] == "working_days"
    assert "SAMR Order 19" in objection["citation"] and "Art. 13" in objection["citation"]


def test_an_undecided_objection_blocks_activation_and_a_decided_one_allows_it_samr_order19_art13_14(
    enterprise, regulator, samr, ordered
):
    """SAMR Order 19 Arts. 13-14: while the producer's objection awaits the regulator's
    decision, the recall cannot start (409 naming Art. 13), not even by the producer; once the
    regulator records that it does not uphold it (expert review noted), the recall starts."""
    url = f"/api/v1/recalls/{ordered.pk}/"
    objected = enterprise.client.post(
        url + "object/", {"reason": "检测方法不适用于本产品"}, format="json"
    )
    assert objected.status_code == 200 and objected.json()["objection_reason"]
    for who in (regulator, enterprise):
        refused = who.client.post(url + "activate/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 409, refused.content
        assert refused["Content-Type"].startswith("application/problem+json")
        problem = refused.json()
        assert "objection-undecided" in problem["type"]
        assert "SAMR Order 19" in problem["detail"] and "Art. 13" in problem["detail"]
    assert Recall.objects.get(pk=ordered.pk).status == "submitted"

    # Only a regulator decides; the producer may not decide its own objection.
    decide = {"upheld": False, "reason": "复检确认缺陷存在", "expert_review": "专家组复核检测报告"}
    assert (
        enterprise.client.post(url + "decide-objection/", decide, format="json").status_code == 403
    )
    decided = regulator.client.post(url + "decide-objection/", decide, format="json")
    assert decided.status_code == 200, decided.content
    body = decided.json()
    assert body["objection_upheld"] is False and body["objection_expert_review"]
    again = regulator.client.post(url + "decide-objection/", decide, format="json")
    assert again.status_code == 409

    # The notice stands; SAMR orders the recall (Art. 14), then the regulator may start it.
    order = {"reason": "异议不成立，责令召回", "expert_review": "专家组复核检测报告"}
    assert regulator.client.post(url + "order/", order, format="json").status_code == 403
    ordered_now = samr.client.post(url + "order/", order, format="json")
    assert ordered_now.status_code == 200, ordered_now.content
    assert ordered_now.json()["order_issued_at"]
    started = regulator.client.post(url + "activate/", {}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "active"
    actions = list(ordered.timeline.values_list("action", flat=True))
    assert (
        actions.index("objected")
        < actions.index("objection_rejected")
        < actions.index("recall_ordered")
        < actions.index("activated")
    )


def test_an_upheld_objection_withdraws_the_notice_to_recall_samr_order19_art13(
    enterprise, regulator, ordered
):
    url = f"/api/v1/recalls/{ordered.pk}/"
    enterprise.client.post(url + "object/", {"reason": "产品不存在缺陷"}, format="json")
    decided = regulator.client.post(
        url + "decide-objection/",
        {"upheld": True, "reason": "专家论证不存在缺陷"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "cancelled"
    assert regulator.client.post(url + "activate/", {}, format="json").status_code == 409


def test_deciding_needs_a_reason_and_an_objection(enterprise, regulator, ordered):
    url = f"/api/v1/recalls/{ordered.pk}/decide-objection/"
    none_yet = regulator.client.post(url, {"upheld": False, "reason": "无异议"}, format="json")
    assert none_yet.status_code == 409 and "no-objection" in none_yet.json()["type"]
    enterprise.client.post(
        f"/api/v1/recalls/{ordered.pk}/object/", {"reason": "异议"}, format="json"
    )
    missing = regulator.client.post(url, {"upheld": "maybe"}, format="json")
    assert missing.status_code == 400
    assert Recall.objects.get(pk=ordered.pk).objection_decided_at is None


# --- who completes, who closes --------------------------------------------------------------


def test_the_producer_completes_its_recall_but_may_not_close_it_samr_order19_art21_22(
    enterprise, partner
):
    """The producer reports completion and files the summary (SAMR Order 19 Art. 21 ¶1:
    within 15 working days, cited); only the regulator closes after evaluating (Art. 22;
    FDA 21 CFR 7.55): the producer's close is 403."""
    lot = _lot(enterprise, partner, category="key_consumer", lot="P1")
    recall = services.recall_create(
        actor=enterprise.user, batch_ids=[lot.pk], recall_type="voluntary", **PLAN
    )
    _start(recall, enterprise.user)
    url = f"/api/v1/recalls/{recall.pk}/"
    refused = enterprise.client.post(url + "close/", {}, format="json")
    assert refused.status_code == 403
    assert "regulator-of-place-only" in refused.json()["type"]
    done = enterprise.client.post(url + "complete/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    summary = _deadline(done.json(), "summary_report")
    assert summary["due_at"] and summary["value"] == 15 and summary["unit"] == "working_days"
    assert "SAMR Order 19" in summary["citation"] and "Art. 21" in summary["citation"]
    assert enterprise.client.post(url + "close/", {}, format="json").status_code == 403


# --- effectiveness-check level vs response rate (FDA 21 CFR 7.42(b)(3)) ---------------------


def test_effectiveness_level_is_the_share_checked_and_the_response_rate_is_separate_21cfr_7_42(
    enterprise, partner
):
    """21 CFR 7.42(b)(3): level C checks 10 % of the consignees (at least one of one); the
    response rate is the share who answered, a different figure shown beside it. A class III
    recall gets level C by default, a class I recall level A (every consignee)."""
    lot = _lot(enterprise, partner, category="key_consumer", lot="E1")
    recall = services.recall_create(
        actor=enterprise.user,
        batch_ids=[lot.pk],
        recall_type="voluntary",
        **{**PLAN, "recall_class": 3},
    )
    assert recall.target_effectiveness == "C"
    _start(recall, enterprise.user)
    url = f"/api/v1/recalls/{recall.pk}/"
    check = enterprise.client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["effectiveness_check"]
    assert check["level"] == "C" and check["check_percent"] == 10
    assert (
        check["check_percent"]
        == rule("fda_recall.effectiveness.level_c_percent", on=recall.created_at).value
    )
    assert check["consignees"] == 1 and check["consignees_to_check"] == 1
    assert Decimal(check["response_rate"]) == 0 and check["answered"] == 0
    assert "7.42" in check["citation"]

    notice = recall.notices.get(organization=partner.org)
    token = services.issue_token(notice)
    services.recall_acknowledge(token=token, data={"on_hand": "0", "returned": "40"})
    check = enterprise.client.get(url).json()["effectiveness_check"]
    assert Decimal(check["response_rate"]) == 100 and check["check_percent"] == 10

    class1 = services.recall_create(
        actor=enterprise.user,
        batch_ids=[lot.pk],
        recall_type="voluntary",
        **{**PLAN, "recall_class": 1},
    )
    assert class1.target_effectiveness == "A"


# --- progress reports by grade, never first due after expiry --------------------------------


def test_class2_yogurt_first_progress_report_is_due_no_later_than_expiry_samr_order122_art24(
    enterprise, partner, regulator
):
    """SAMR Order 122 Art. 24: an (ordered) grade 2 food recall reports every 5 days; yogurt
    expiring in 2 days gets its first report due by the end of the expiry day, not after."""
    expiry = timezone.localdate() + timedelta(days=2)
    lot = _lot(enterprise, partner, lot="Y2", expiry=expiry)
    response = regulator.client.post(
        "/api/v1/recalls/", {**PLAN, "recall_type": "ordered", "batches": [lot.pk]}, format="json"
    )
    recall = _start(Recall.objects.get(pk=response.json()["id"]), enterprise.user)
    interval = rule("food_recall.grade2.progress_report_days", on=recall.risk_discovered_at)
    assert interval.value == 5
    due = timezone.localtime(recall.next_report_due_at, CHINA_TZ)
    assert due.date() == expiry
    assert due < recall.activated_at + timedelta(days=interval.value)
    body = enterprise.client.get(f"/api/v1/recalls/{recall.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    progress = _deadline(body, "progress_report")
    assert "SAMR Order 122" in progress["citation"] and "Art. 24" in progress["citation"]


def test_class2_yogurt_under_the_old_text_first_report_also_capped_at_expiry(enterprise, partner):
    """A grade 2 yogurt recall dated under CFDA Order 12 (no interval in the rulebook: the
    project's 90 days) whose first report would fall after the yogurt expires gets it due on the
    expiry day; a voluntary grade 2 recall under SAMR Order 122 is exempt (Art. 24)."""
    expiry = timezone.localdate() + timedelta(days=20)
    lot = _lot(enterprise, partner, lot="Y3", expiry=expiry)
    old = services.recall_create(
        actor=enterprise.user,
        batch_ids=[lot.pk],
        recall_type="voluntary",
        risk_discovered_at=datetime(2026, 11, 28, 10, 0, tzinfo=CHINA_TZ),
        **PLAN,
    )
    old = _start(old, enterprise.user)
    assert timezone.localtime(old.next_report_due_at, CHINA_TZ).date() == expiry

    lot2 = _lot(enterprise, partner, lot="Y4", expiry=expiry)
    new = services.recall_create(
        actor=enterprise.user,
        batch_ids=[lot2.pk],
        recall_type="voluntary",
        risk_discovered_at=datetime(2026, 12, 1, 10, 0, tzinfo=CHINA_TZ),
        **PLAN,
    )
    new = _start(new, enterprise.user)
    assert new.next_report_due_at is None
    body = enterprise.client.get(f"/api/v1/recalls/{new.pk}/").json()
    assert _deadline(body, "progress_report")["exempt"] is True


def test_a_consumer_product_reports_every_3_months_samr_order19_art21(enterprise, partner):
    lot = _lot(enterprise, partner, category="key_consumer", lot="P9")
    recall = services.recall_create(
        actor=enterprise.user,
        batch_ids=[lot.pk],
        recall_type="voluntary",
        **{**PLAN, "recall_class": 1},
    )
    recall = _start(recall, enterprise.user)
    started = timezone.localtime(recall.activated_at, CHINA_TZ).date()
    due = timezone.localtime(recall.next_report_due_at, CHINA_TZ).date()
    assert (due.year * 12 + due.month) - (started.year * 12 + started.month) == 3
