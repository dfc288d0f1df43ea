"""The public side: the recall list with its filters, the Atom feed, the notice
page in both languages, and what the lot's Digital Link says (Xuzhou Art. 12:
recall information shared with consumers as warnings)."""

from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recalls import services
from recalls.filters import PublicRecallFilterSet
from recalls.models import Recall
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_type": "voluntary",
    "recall_class": 2,
    "defect": "标签错误",
    "hazard": "过敏原未标示",
    "remedies": ["warning", "refund"],
    "notice_title": "饼干召回",
    "notice_text": "含花生，过敏者请勿食用。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
    "notice_title_en": "Biscuit recall",
    "notice_text_en": "Contains peanuts.",
}


def _recall(persona, *, category="food", lot="B1", activate=True) -> Recall:
    product = ProductFactory(owner=persona.org, category=category)
    batch = trace_services.batch_produce(
        product=product, lot=lot, quantity=Decimal(10), unit="EA", actor=persona.user
    )
    recall = services.recall_create(actor=persona.user, batch_ids=[batch.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=persona.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=persona.user)
    if activate:
        services.recall_activate(recall_id=recall.pk, actor=persona.user)
    return recall


def test_public_list_filters_by_category_region_and_date(enterprise, other_enterprise):
    food = _recall(enterprise, lot="F1")
    toy = _recall(other_enterprise, category="key_consumer", lot="T1")
    _recall(enterprise, lot="D1", activate=False)  # filed, not started: not public

    def numbers(**params):
        body = Client().get("/api/v1/public/recalls/", params).json()
        return {r["number"] for r in body["results"]}

    assert numbers() == {food.number, toy.number}
    assert numbers(category="key_consumer") == {toy.number}
    assert numbers(region="32") == {food.number}
    today = timezone.localdate()
    assert numbers(date_from=str(today)) == {food.number, toy.number}
    assert numbers(date_to=str(today - timedelta(days=1))) == set()
    assert Client().get("/api/v1/public/recalls/", {"date_from": "yesterday"}).status_code == 400
    qs = PublicRecallFilterSet({"region": "33"}, Recall.objects.public()).qs
    assert list(qs) == [toy]


def test_public_list_answers_in_english_and_in_few_queries(enterprise):
    for lot in ("Q1", "Q2", "Q3"):
        _recall(enterprise, lot=lot)
    client = Client()
    with CaptureQueriesContext(connection) as three:
        body = client.get("/api/v1/public/recalls/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["results"][0]["title"] == "Biscuit recall"
    assert body["results"][0]["remedies"][0]["label"] in ("Warning or label correction", "Refund")
    _recall(enterprise, lot="Q4")
    with CaptureQueriesContext(connection) as four:
        client.get("/api/v1/public/recalls/")
    # Two per recall (its lots and their count) beyond the page's own: no per-row organization lookups.
    assert len(four) - len(three) <= 2


def test_feed_and_notice_page(enterprise):
    recall = _recall(enterprise)
    feed = Client().get("/api/v1/public/recalls/feed.atom")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    assert recall.number in feed.content.decode()
    page = Client().get(f"/recalls/{recall.number}/", {"lang": "en"})
    assert page.status_code == 200 and "Contains peanuts." in page.content.decode()
    assert Client().get("/recalls/RC-0000-000000/").status_code == 404


def test_recall_status_link_of_a_lot(enterprise):
    recall = _recall(enterprise)
    batch = recall.scope_batches.get().batch
    body = Client().get(f"/api/v1/public/batches/{batch.gtin}/{batch.lot}/recall-status/").json()
    assert body["recalled"] is True and body["recall"]["number"] == recall.number
    assert [r["code"] for r in body["recall"]["remedies"]] == ["warning", "refund"]


def test_recall_list_query_count_does_not_grow_with_rows(enterprise):
    _recall(enterprise, lot="C1")
    with CaptureQueriesContext(connection) as one:
        assert enterprise.client.get("/api/v1/recalls/").status_code == 200
    _recall(enterprise, lot="C2")
    _recall(enterprise, lot="C3")
    with CaptureQueriesContext(connection) as three:
        assert enterprise.client.get("/api/v1/recalls/").json()["count"] == 3
    assert len(three) == len(one)
