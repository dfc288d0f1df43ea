"""Figures bounded by what their party held, every number within what the
database stores; an over-report is refused with 400 problem+json naming the field and the
rule (zh/en) and writes nothing; reports and closing keep working — also for a recall that
holds huge answers from before — and a recall without consignees is not "100 % effective"."""

from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.test import Client

from recalls import services
from recalls.models import (
    Recall,
    RecallAcknowledgement,
    RecallAckToken,
    RecallNotice,
    RecallProgressReport,
    RecallTimelineEntry,
)
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


def _activate(enterprise, lot) -> Recall:
    recall = services.recall_create(actor=enterprise.user, batch_ids=[lot.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    return services.recall_activate(recall_id=recall.pk, actor=enterprise.user)


@pytest.fixture
def lot(enterprise):
    product = ProductFactory(owner=enterprise.org)
    return trace_services.batch_produce(
        product=product, lot="L1", quantity=Decimal(300), unit="EA", actor=enterprise.user
    )


@pytest.fixture
def active(enterprise, partner, lot):
    """The partner received 100 of the lot and holds them when the recall starts."""
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(100), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=partner.user)
    recall = _activate(enterprise, lot)
    notice = RecallNotice.objects.get(recall=recall, organization=partner.org)
    assert notice.held == 100
    return recall, notice


def _ack(token: str, body: dict, language: str = "en"):
    return Client().post(
        f"/api/v1/public/recall-ack/{token}/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def _nothing_written(recall, notice) -> None:
    assert RecallAcknowledgement.objects.count() == 0
    assert not RecallAckToken.objects.filter(used_at__isnull=False).exists()
    fresh = RecallNotice.objects.get(pk=notice.pk)
    assert fresh.acknowledged_at is None and fresh.corrected == 0 and fresh.returned == 0
    assert not RecallTimelineEntry.objects.filter(
        recall=recall, action__in=["consignee_acknowledged", "consignee_reported"]
    ).exists()


def test_an_over_reported_acknowledgement_is_refused_and_nothing_is_written(active):
    recall, notice = active
    token = services.issue_token(notice)
    response = _ack(token, {"on_hand": "0", "corrected": "999999999999"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["field"] == "corrected" and error["rule"] == "quantity_exceeds_held"
    assert "100" in error["message"] and "held" in error["message"]
    zh = _ack(token, {"corrected": "999999999999"}, language="zh-hans").json()["errors"][0]
    assert zh["rule"] == "quantity_exceeds_held" and "持有" in zh["message"]
    # Each figure fits, but together they count units twice.
    response = _ack(token, {"returned": "60", "destroyed": "30", "corrected": "20"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "corrected",
        "rule": "quantity_exceeds_held",
        "message": "Returned, destroyed and corrected together exceed the 100 units you held.",
    }
    # Beyond what the database stores, and finer than it stores.
    for body, field, rule in (
        ({"corrected": "10000000000000"}, "corrected", "max_value"),
        ({"corrected": "1e20"}, "corrected", "max_digits"),
        ({"returned": "99999999999999999999"}, "returned", "max_digits"),
        ({"destroyed": "0.0001"}, "destroyed", "max_decimal_places"),
        ({"on_hand": "-1"}, "on_hand", "min_value"),
    ):
        response = _ack(token, body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == field
        assert response.json()["errors"][0]["rule"] == rule, response.json()
    # The phone form (no JSON) applies the same rules.
    page = Client().post(f"/recall-ack/{token}/", {"corrected": "999999999999"})
    assert page.status_code == 400
    page = Client().post(f"/recall-ack/{token}/", {"returned": "0.0001"})
    assert page.status_code == 400
    _nothing_written(recall, notice)
    # The same link still takes an honest answer.
    assert _ack(token, {"returned": "60", "destroyed": "30", "corrected": "10"}).status_code == 201


def test_reports_and_an_override_close_work_after_valid_answers(enterprise, regulator, active):
    recall, notice = active
    token = services.issue_token(notice)
    assert _ack(token, {"returned": "70", "corrected": "30"}).status_code == 201
    base = f"/api/v1/recalls/{recall.pk}"
    # The producer's own figures are bounded by the units of the scope too.
    too_many = enterprise.client.post(
        f"{base}/progress-reports/", {"units_recovered": "999999999999"}, format="json"
    )
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["field"] == "units_recovered"
    assert too_many.json()["errors"][0]["rule"] == "quantity_exceeds_scope"
    assert not RecallProgressReport.objects.filter(recall=recall).exists()
    beyond_db = enterprise.client.post(
        f"{base}/progress-reports/", {"units_destroyed": "1e16"}, format="json"
    )
    assert beyond_db.status_code == 400
    report = enterprise.client.post(f"{base}/progress-reports/", {}, format="json")
    assert report.status_code == 201, report.json()
    figures = report.json()
    assert Decimal(figures["units_recovered"]) == 70 and Decimal(figures["units_corrected"]) == 30
    assert Decimal(figures["recalled_over_planned"]) == 100
    assert Decimal(figures["effectiveness"]) == 100
    assert enterprise.client.get(f"{base}/progress-reports/").status_code == 200
    assert enterprise.client.post(f"{base}/complete/", {}, format="json").status_code == 200
    summary = enterprise.client.post(
        f"{base}/summary-report/", {"conclusion": "完成", "units_recovered": "70"}, format="json"
    )
    assert summary.status_code == 201, summary.json()
    assert enterprise.client.get(f"{base}/summary-report/").status_code == 200
    closed = regulator.client.post(
        f"{base}/close/", {"override": True, "reason": "核查属实"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_a_recall_holding_huge_answers_from_before_still_reports_and_closes(
    enterprise, regulator, active, client
):
    """Answers stored before the bound (as the issue found them) count up to what was held."""
    recall, notice = active
    RecallNotice.objects.filter(pk=notice.pk).update(
        corrected=Decimal("999999999999"),
        returned=Decimal("999999999999"),
        acknowledged_at=recall.activated_at,
    )
    base = f"/api/v1/recalls/{recall.pk}"
    report = enterprise.client.post(f"{base}/progress-reports/", {}, format="json")
    assert report.status_code == 201, report.content
    assert Decimal(report.json()["units_recovered"]) == 100
    assert Decimal(report.json()["units_corrected"]) == 0
    assert Decimal(report.json()["recalled_over_planned"]) == 100
    client.force_login(regulator.user)
    assert client.get(f"/workbench/recalls/{recall.pk}/").status_code == 200
    assert enterprise.client.post(f"{base}/complete/", {}, format="json").status_code == 200
    summary = enterprise.client.post(
        f"{base}/summary-report/", {"conclusion": "完成"}, format="json"
    )
    assert summary.status_code == 201, summary.content
    closed = regulator.client.post(
        f"{base}/close/", {"override": True, "reason": "核查属实"}, format="json"
    )
    assert closed.status_code == 200


def test_ratios_over_a_tiny_denominator_stay_within_the_column(enterprise, regulator, active):
    recall, _notice = active
    Recall.objects.filter(pk=recall.pk).update(units_sold=Decimal("0.001"))
    report = enterprise.client.post(
        f"/api/v1/recalls/{recall.pk}/progress-reports/", {"units_recovered": "90"}, format="json"
    )
    assert report.status_code == 201, report.content
    assert Decimal(report.json()["recalled_over_sold"]) == Decimal("99999.99")


def test_a_recall_without_consignees_is_not_100_percent_effective(enterprise, regulator, lot):
    recall = _activate(enterprise, lot)  # nothing left the producer
    base = f"/api/v1/recalls/{recall.pk}"
    report = enterprise.client.post(f"{base}/progress-reports/", {}, format="json")
    assert report.status_code == 201
    assert report.json()["consignees_total"] == 0
    assert report.json()["effectiveness"] is None and report.json()["target_met"] is False
    enterprise.client.post(f"{base}/complete/", {}, format="json")
    enterprise.client.post(f"{base}/summary-report/", {"conclusion": "无流通"}, format="json")
    refused = regulator.client.post(f"{base}/close/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["type"].endswith("/no-consignees")
    closed = regulator.client.post(
        f"{base}/close/", {"override": True, "reason": "产品未出厂"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["closed_by_override"] is True


def test_ids_beyond_a_primary_key_are_refused(enterprise, lot):
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, "batches": [2**70]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("batches")
    # The JSON parser (api.parsing.load_json) reads an integer beyond 64 bits as a double,
    # which is no whole number to the serializer: refused as not an integer, or as too large.
    assert response.json()["errors"][0]["rule"] in ("max_value", "invalid")
    response = enterprise.client.post(
        "/api/v1/recalls/",
        {**PLAN, "batches": [lot.pk], "linked_incidents": [2**64]},
        format="json",
    )
    assert response.status_code == 400 and not Recall.objects.exists()


@pytest.mark.parametrize(
    "query, urls",
    [
        ("producer_id=99999999999999999999999", ["/api/v1/recalls/"]),
        ("recall_class=7", ["/api/v1/recalls/", "/api/v1/public/recalls/"]),
    ],
)
def test_list_filters_are_bounded(enterprise, query, urls):
    for url in urls:
        response = enterprise.client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == query.split("=")[0]
        assert response.json()["errors"][0]["rule"] == "max_value"
