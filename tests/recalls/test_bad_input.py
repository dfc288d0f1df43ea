"""Bad input of issue 13, and the workflow's guard rails: a clear 4xx with the
field and rule, nothing half-written, never a 500."""

from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services
from trace.core.choices import ProductCategory

import pytest
from django.test import Client
from django.utils import timezone

from core.workdays import CHINA_TZ
from recalls import services
from recalls.models import (
    Recall,
    RecallAcknowledgement,
    RecallAckToken,
    RecallNotice,
    RecallTimelineEntry,
)
from recalls.sweeps import sweep_recalls
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_type": "voluntary",
    "recall_class": 2,
    "defect": "包装破损",
    "hazard": "可能变质",
    "remedies": ["refund", "replacement"],
    "notice_title": "酸奶召回",
    "notice_text": "请停止食用并退货。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


@pytest.fixture
def chain(enterprise, partner):
    """The enterprise makes a lot and ships 100 of it to its partner, which receives it."""
    product = ProductFactory(owner=enterprise.org)
    lot = trace_services.batch_produce(
        product=product, lot="L1", quantity=Decimal(300), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(100), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=partner.user)
    return lot


def rules(response) -> set[str]:
    body = response.json()
    return {e["rule"] for e in body.get("errors", [])} | {body["type"].rsplit("/", 1)[1]}


def _active(enterprise, lot) -> Recall:
    recall = services.recall_create(actor=enterprise.user, batch_ids=[lot.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    return services.recall_activate(recall_id=recall.pk, actor=enterprise.user)


def test_recalling_batches_you_do_not_own_is_refused(chain, partner):
    """Only the producer recalls its lots voluntarily (SAMR Order 19 Art. 12): the partner holds some, but may not."""
    response = partner.client.post(
        "/api/v1/recalls/", {**PLAN, "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "batch_not_owned" in rules(response)
    assert Recall.objects.count() == 0 and RecallTimelineEntry.objects.count() == 0


def test_unknown_batches_and_out_of_range_class_are_refused(enterprise, chain):
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "batches": [999999]}, format="json"
    )
    assert response.status_code == 400 and "does_not_exist" in rules(response)
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "recall_class": 4, "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "recall_class"
    assert Recall.objects.count() == 0


@pytest.mark.parametrize(
    "field,text",
    [
        ("notice_text", "This is a voluntary recall."),
        ("notice_text", "As a precaution we recall the product."),
        ("notice_title_en", "Precautionary recall"),
        ("notice_text", "本次为预防性召回。"),
        ("notice_title", "出于谨慎主动召回"),
    ],
)
def test_notice_wording_that_plays_down_the_risk_is_refused(enterprise, chain, field, text):
    """GPSR Art. 36(3): no "voluntary", "precautionary" … in the notice; the type is shown by the system."""
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, field: text, "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        **response.json()["errors"][0],
        "field": field,
        "rule": "refused_wording",
    }
    assert Recall.objects.count() == 0


def test_refused_wording_is_a_setting(enterprise, chain, settings):
    settings.RECALL_REFUSED_PHRASES = ["放心"]
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "notice_text": "请放心", "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 400 and "refused_wording" in rules(response)


def test_one_remedy_is_enough_by_default_and_two_are_a_setting(enterprise, chain, settings):
    """Chinese law asks for a remedy (SAMR Order 19 Art. 3); the EU's choice of two (GPSR
    Art. 37) is a setting: where it is on, one remedy needs the producer's reason."""
    body = {**PLAN, "remedies": ["refund"], "batches": [chain.pk]}
    assert enterprise.client.post("/api/v1/recalls/", body, format="json").status_code == 201
    settings.RECALL_MIN_REMEDIES = 2
    response = enterprise.client.post("/api/v1/recalls/", body, format="json")
    assert response.status_code == 400 and "too_few_remedies" in rules(response)
    response = enterprise.client.post(
        "/api/v1/recalls/", {**body, "remedies_reason": "食品无法维修或更换"}, format="json"
    )
    assert response.status_code == 201


def test_illegal_transitions_are_409(enterprise, chain):
    recall = services.recall_create(actor=enterprise.user, batch_ids=[chain.pk], **PLAN)
    for action in ("activate", "complete", "close"):
        response = enterprise.client.post(
            f"/api/v1/recalls/{recall.pk}/{action}/", {}, format="json"
        )
        assert response.status_code in (403, 409), action
    response = enterprise.client.post(f"/api/v1/recalls/{recall.pk}/activate/")
    assert response.status_code == 409 and "illegal-transition" in response.json()["type"]
    # The same 409 as incidents and complaints (core.errors.check_transition): where it is,
    # and what it allows from there.
    body = response.json()
    assert body["current_status"] == "draft"
    assert "submit" in body["allowed_actions"] and "activate" not in body["allowed_actions"]
    # Filing needs a confirmed scope first.
    response = enterprise.client.post(f"/api/v1/recalls/{recall.pk}/submit/")
    assert response.status_code == 409 and "scope-not-confirmed" in response.json()["type"]
    chain.refresh_from_db()
    assert chain.status == "active"


def test_scope_edits_need_a_reason_each(enterprise, partner, chain):
    recall = services.recall_create(actor=enterprise.user, batch_ids=[chain.pk], **PLAN)
    url = f"/api/v1/recalls/{recall.pk}/scope/"
    response = enterprise.client.post(
        url,
        {"edits": [{"organization": partner.org.pk, "include": False, "reason": ""}]},
        format="json",
    )
    assert (
        response.status_code == 400 and response.json()["errors"][0]["field"] == "edits[0].reason"
    )
    assert RecallNotice.objects.get(recall=recall, organization=partner.org).included
    response = enterprise.client.post(
        url,
        {
            "confirm": True,
            "edits": [
                {"organization": partner.org.pk, "include": False, "reason": "已在召回前全部退回"}
            ],
        },
        format="json",
    )
    assert response.status_code == 200
    holder = next(
        h for h in response.json()["holders"] if h["organization"]["id"] == partner.org.pk
    )
    assert holder["included"] is False and holder["edit_reason"] == "已在召回前全部退回"


@pytest.fixture
def active(enterprise, partner, chain):
    recall = _active(enterprise, chain)
    notice = RecallNotice.objects.get(recall=recall, organization=partner.org)
    return recall, notice


def test_returned_more_than_held_is_refused_and_nothing_is_written(active):
    recall, notice = active
    token = services.issue_token(notice)
    response = Client().post(
        f"/api/v1/public/recall-ack/{token}/", {"returned": "101"}, content_type="application/json"
    )
    assert response.status_code == 400 and "quantity_exceeds_held" in rules(response)
    assert RecallAcknowledgement.objects.count() == 0
    assert not RecallAckToken.objects.filter(used_at__isnull=False).exists()
    notice.refresh_from_db()
    assert notice.acknowledged_at is None
    # Negative and non-numeric quantities too.
    for bad in ("-1", "many"):
        response = Client().post(
            f"/api/v1/public/recall-ack/{token}/",
            {"returned": bad},
            content_type="application/json",
        )
        assert response.status_code == 400


def test_an_ack_token_is_single_use_expires_and_cannot_be_guessed(active):
    recall, notice = active
    token = services.issue_token(notice)
    url = f"/api/v1/public/recall-ack/{token}/"
    first = Client().post(url, {"returned": "100"}, content_type="application/json")
    assert first.status_code == 201
    again = Client().post(url, {"returned": "100"}, content_type="application/json")
    assert again.status_code == 409 and "token-used" in again.json()["type"]
    guessed = Client().post(
        "/api/v1/public/recall-ack/not-a-real-token-at-all/",
        {"returned": "1"},
        content_type="application/json",
    )
    assert guessed.status_code == 404
    old = services.issue_token(notice)
    RecallAckToken.objects.filter(token_hash=services.token_hash(old)).update(
        expires_at=timezone.now()
    )
    expired = Client().post(
        f"/api/v1/public/recall-ack/{old}/", {"returned": "1"}, content_type="application/json"
    )
    assert expired.status_code == 410
    # The phone page says so in words, with the same status.
    assert Client().get(f"/recall-ack/{old}/").status_code == 410
    assert Client().get("/recall-ack/guessed/").status_code == 404
    # Tokens are stored hashed: the table never holds a working link.
    assert not RecallAckToken.objects.filter(token_hash=token).exists()
    assert RecallAckToken.objects.filter(token_hash=services.token_hash(token)).exists()


def test_closing_below_target_needs_an_override_with_a_reason(enterprise, regulator, active):
    """FDA 21 CFR 7.55 / SAMR Order 19 Art. 22: the regulator closes after verifying effectiveness."""
    recall, _notice = active
    services.recall_complete(recall_id=recall.pk, actor=enterprise.user)
    services.recall_file_summary_report(
        recall_id=recall.pk, actor=enterprise.user, conclusion="完成"
    )
    url = f"/api/v1/recalls/{recall.pk}/close/"
    response = regulator.client.post(url, {}, format="json")
    assert response.status_code == 409 and "target-not-met" in response.json()["type"]
    response = regulator.client.post(url, {"override": True}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    assert Recall.objects.get(pk=recall.pk).status == "completed"
    response = regulator.client.post(
        url, {"override": True, "reason": "收货方已注销，无法联系"}, format="json"
    )
    assert response.status_code == 200 and response.json()["closed_by_override"] is True


def test_only_a_regulator_in_jurisdiction_closes(enterprise, regulator_elsewhere, active):
    recall, _notice = active
    services.recall_complete(recall_id=recall.pk, actor=enterprise.user)
    services.recall_file_summary_report(
        recall_id=recall.pk, actor=enterprise.user, conclusion="完成"
    )
    assert (
        enterprise.client.post(f"/api/v1/recalls/{recall.pk}/close/", {}, format="json").status_code
        == 403
    )
    assert (
        regulator_elsewhere.client.post(
            f"/api/v1/recalls/{recall.pk}/close/", {}, format="json"
        ).status_code
        == 404
    )


def test_who_sees_what(
    enterprise,
    partner,
    other_enterprise,
    regulator,
    regulator_elsewhere,
    anonymous,
    enterprise_viewer,
    active,
):
    recall, notice = active
    detail = f"/api/v1/recalls/{recall.pk}/"
    assert enterprise.client.get(detail).status_code == 200
    assert regulator.client.get(detail).status_code == 200
    assert (
        partner.client.get(detail).status_code == 200
    )  # a consignee sees the recall that reached it
    assert other_enterprise.client.get(detail).status_code == 404
    assert regulator_elsewhere.client.get(detail).status_code == 404
    assert anonymous.client.get(detail).status_code in (401, 403)
    # The consignee sees its own notice with its link, not the whole scope.
    own = partner.client.get(detail + "notices/").json()["results"]
    assert [n["organization"]["id"] for n in own] == [partner.org.pk] and own[0]["ack_url"]
    assert partner.client.get(detail + "scope/").status_code == 403
    # The producer sees every notice but no consignee's link.
    assert all(
        n["ack_url"] is None for n in enterprise.client.get(detail + "notices/").json()["results"]
    )
    assert enterprise_viewer.client.post(detail + "complete/", {}, format="json").status_code == 403


def test_a_draft_is_private_to_its_producer(enterprise, partner, chain):
    recall = services.recall_create(actor=enterprise.user, batch_ids=[chain.pk], **PLAN)
    assert partner.client.get(f"/api/v1/recalls/{recall.pk}/").status_code == 404
    assert Client().get("/api/v1/public/recalls/").json()["results"] == []


@pytest.fixture
def ordered(enterprise, regulator, chain):
    """A notice to recall a consumer product (SAMR Order 19); a food recall's notice is the
    order itself (``tests/recalls/test_food_order_level.py``)."""
    chain.product.category = ProductCategory.KEY_CONSUMER
    chain.product.save(update_fields=["category"])
    response = regulator.client.post(
        "/api/v1/recalls/", {**PLAN, "recall_type": "ordered", "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 201, response.json()
    return Recall.objects.get(pk=response.json()["id"])


def test_an_ordered_recall_gives_the_producer_10_working_days_to_object(
    enterprise, regulator, samr, ordered
):
    """SAMR Order 19 Art. 13: the producer may object within 10 working days of the notice
    (the 15 days were the vehicle regulation's); not after. Then SAMR orders it (Art. 14) and
    the regulator of the place may start it."""
    assert ordered.objection_due_at - ordered.created_at >= timedelta(days=12)
    services.recall_edit_scope(recall_id=ordered.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=ordered.pk, actor=enterprise.user)
    # The regulator cannot start it while the window is open.
    response = regulator.client.post(f"/api/v1/recalls/{ordered.pk}/activate/")
    assert response.status_code == 409 and "objection-window-open" in response.json()["type"]
    url = f"/api/v1/recalls/{ordered.pk}/object/"
    assert enterprise.client.post(url, {"reason": ""}, format="json").status_code == 400
    assert (
        enterprise.client.post(url, {"reason": "检测方法不适用"}, format="json").status_code == 200
    )
    assert enterprise.client.post(url, {"reason": "再次异议"}, format="json").status_code == 409
    Recall.objects.filter(pk=ordered.pk).update(
        objection_due_at=timezone.now() - timedelta(minutes=1), objected_at=None
    )
    late = enterprise.client.post(url, {"reason": "逾期异议"}, format="json")
    assert late.status_code == 409 and "objection-window-closed" in late.json()["type"]
    unordered = regulator.client.post(f"/api/v1/recalls/{ordered.pk}/activate/")
    assert unordered.status_code == 409 and "order-not-issued" in unordered.json()["type"]
    order = {"reason": "未在期限内实施召回"}
    assert samr.client.post(f"/api/v1/recalls/{ordered.pk}/order/", order).status_code == 200
    started = regulator.client.post(f"/api/v1/recalls/{ordered.pk}/activate/")
    assert started.status_code == 200 and started.json()["status"] == "active"


def test_only_a_regulator_orders_a_recall_and_only_in_its_jurisdiction(
    enterprise, regulator_elsewhere, chain
):
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "recall_type": "ordered", "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 403
    response = regulator_elsewhere.client.post(
        "/api/v1/recalls/", {**PLAN, "recall_type": "ordered", "batches": [chain.pk]}, format="json"
    )
    assert response.status_code == 400 and "outside_jurisdiction" in rules(response)


def test_a_refiled_plan_is_versioned_and_needs_a_reason(enterprise, chain):
    """SAMR Order 19 Art. 15: a changed plan is filed again."""
    recall = _active(enterprise, chain)
    url = f"/api/v1/recalls/{recall.pk}/"
    response = enterprise.client.patch(url, {"remedies": ["refund", "repair"]}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "reason"
    response = enterprise.client.patch(
        url, {"remedies": ["refund", "repair"], "reason": "增加维修"}, format="json"
    )
    assert response.status_code == 200 and response.json()["plan_version"] == 2
    assert recall.plan_versions.count() == 2
    assert enterprise.client.put(url, {}, format="json").status_code == 405


def test_terminate_and_cancel_need_a_reason(enterprise, chain):
    recall = services.recall_create(actor=enterprise.user, batch_ids=[chain.pk], **PLAN)
    url = f"/api/v1/recalls/{recall.pk}/cancel/"
    assert enterprise.client.post(url, {}, format="json").status_code == 400
    response = enterprise.client.post(url, {"reason": "误报"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert (
        enterprise.client.post(
            f"/api/v1/recalls/{recall.pk}/terminate/", {"reason": "x"}, format="json"
        ).status_code
        == 409
    )


def test_overdue_reports_are_swept_once_per_period(enterprise, partner, regulator):
    """A consumer product's progress reports fall due every 3 months from the start (SAMR
    Order 19 Art. 21 ¶1, whatever the class); overdue ones are escalated once per period."""
    toy = ProductFactory(owner=enterprise.org, category="key_consumer")
    lot = trace_services.batch_produce(
        product=toy, lot="T1", quantity=Decimal(50), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(20), actor=enterprise.user
    )
    recall = _active(enterprise, lot)
    started = timezone.localtime(recall.activated_at, CHINA_TZ).date()
    due = timezone.localtime(recall.next_report_due_at, CHINA_TZ).date()
    assert (due.year - started.year) * 12 + due.month - started.month == 3
    later = recall.next_report_due_at + timedelta(hours=1)
    sweep_recalls(later)
    sweep_recalls(later)  # idempotent
    assert (
        RecallTimelineEntry.objects.filter(recall=recall, action="progress_report_overdue").count()
        == 1
    )
    services.recall_complete(recall_id=recall.pk, actor=enterprise.user)
    recall.refresh_from_db()
    sweep_recalls(recall.summary_due_at + timedelta(hours=1))
    assert (
        RecallTimelineEntry.objects.filter(recall=recall, action="summary_report_overdue").count()
        == 1
    )


def test_an_empty_acknowledgement_is_refused_and_leaves_the_token_unused(active):
    """An acknowledgement is the consignee's evidence of what it holds (issue 13, item 5): an
    answer with no figure at all is refused, naming the rule, and the link still works."""
    recall, notice = active
    token = services.issue_token(notice)
    url = f"/api/v1/public/recall-ack/{token}/"
    empty = Client().post(url, {}, content_type="application/json")
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["rule"] == "figures_required"
    answered = Client().post(url, {"on_hand": "0"}, content_type="application/json")
    assert answered.status_code == 201
