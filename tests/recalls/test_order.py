"""The ordered recall after the notice to recall (SAMR Order 19 Arts. 13, 14, 17): the producer's
objection window, the regulator's recorded decision, then SAMR's own order; the plan is due to
SAMR within 10 working days of the order; a regulator starts the recall only once ordered."""

from datetime import timedelta
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
    "recall_type": "ordered",
    "recall_class": 1,
    "defect": "玩具小零件易脱落",
    "hazard": "儿童误吞窒息",
    "remedies": ["refund"],
    "notice_title": "玩具召回",
    "notice_text": "请立即停止使用。",
    "consumer_action": "请立即停止让儿童玩耍该玩具。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


@pytest.fixture
def notice(enterprise, partner, regulator):
    """A notice to recall sent by the Xuzhou city regulator to the toy maker."""
    product = ProductFactory(owner=enterprise.org, category="key_consumer", name="积木")
    lot = trace_services.batch_produce(
        product=product, lot="T9", quantity=Decimal(30), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(10), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=partner.user)
    response = regulator.client.post(
        "/api/v1/recalls/", {**PLAN, "batches": [lot.pk]}, format="json"
    )
    assert response.status_code == 201, response.json()
    return Recall.objects.get(pk=response.json()["id"])


def _window_passes(recall: Recall) -> None:
    Recall.objects.filter(pk=recall.pk).update(
        objection_due_at=timezone.now() - timedelta(minutes=1)
    )


def test_only_samr_orders_once_the_window_passed_and_the_plan_is_due_in_10_working_days_samr_order19_art14_art17(
    enterprise, regulator, samr, notice
):
    """SAMR Order 19 Art. 14: a producer that neither recalls nor objects in time is ordered to
    recall by SAMR itself, not by the regulator of the place (403 naming the rule); not before
    the window ends (409). Art. 17: the plan is then due to SAMR within 10 working days of the
    order. A regulator starts the recall only after the order (409 naming Art. 14 before it)."""
    url = f"/api/v1/recalls/{notice.pk}/"
    order = {"reason": "未在期限内实施召回，亦未提出异议"}
    early = samr.client.post(url + "order/", order, format="json")
    assert early.status_code == 409 and "objection-window-open" in early.json()["type"]
    _window_passes(notice)
    local = regulator.client.post(url + "order/", order, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert local.status_code == 403 and "samr-orders" in local.json()["type"]
    assert "Art. 14" in local.json()["detail"]
    assert enterprise.client.post(url + "order/", order, format="json").status_code == 403
    assert samr.client.post(url + "order/", {}, format="json").status_code == 400

    services.recall_edit_scope(recall_id=notice.pk, actor=enterprise.user, edits=[], confirm=True)
    unordered = regulator.client.post(
        url + "activate/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    # Not filed yet: the state refuses first; file it, then the order is what is missing.
    assert unordered.status_code == 409
    ordered = samr.client.post(url + "order/", order, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert ordered.status_code == 200, ordered.content
    body = ordered.json()
    assert body["order_issued_by"]["id"] == samr.org.pk
    issued = timezone.localtime(Recall.objects.get(pk=notice.pk).order_issued_at, CHINA_TZ)
    due = timezone.localtime(Recall.objects.get(pk=notice.pk).plan_due_at, CHINA_TZ)
    limit = rule("recall.plan_working_days", on=issued)
    assert working_days_between(issued.date(), due.date()) == limit.value == 10
    plan = next(d for d in body["deadlines"] if d["name"] == "plan")
    assert "SAMR Order 19" in plan["citation"] and "Art. 17" in plan["citation"]
    assert samr.client.post(url + "order/", order, format="json").status_code == 409

    services.recall_submit(recall_id=notice.pk, actor=enterprise.user)
    started = regulator.client.post(url + "activate/", {}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "active"
    actions = list(notice.timeline.order_by("at", "id").values_list("action", flat=True))
    assert actions.index("recall_ordered") < actions.index("activated")


def test_a_regulator_may_not_start_a_notice_to_recall_samr_has_not_ordered_samr_order19_art14(
    enterprise, regulator, notice
):
    services.recall_edit_scope(recall_id=notice.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=notice.pk, actor=enterprise.user)
    _window_passes(notice)
    refused = regulator.client.post(
        f"/api/v1/recalls/{notice.pk}/activate/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 409 and "order-not-issued" in refused.json()["type"]
    assert "SAMR Order 19" in refused.json()["detail"] and "Art. 14" in refused.json()["detail"]
    # The producer complies with the notice and starts it itself: no order needed.
    started = enterprise.client.post(f"/api/v1/recalls/{notice.pk}/activate/", {}, format="json")
    assert started.status_code == 200 and started.json()["status"] == "active"


def test_an_undecided_objection_blocks_the_order_and_the_start_samr_order19_art13(
    enterprise, regulator, samr, notice
):
    """SAMR Order 19 Art. 13: while the producer's objection awaits the regulator's recorded
    decision, SAMR does not order and nobody starts the recall (409 naming Art. 13)."""
    url = f"/api/v1/recalls/{notice.pk}/"
    services.recall_edit_scope(recall_id=notice.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=notice.pk, actor=enterprise.user)
    assert (
        enterprise.client.post(url + "object/", {"reason": "非缺陷"}, format="json").status_code
        == 200
    )
    _window_passes(notice)
    for who, path in ((samr, "order/"), (enterprise, "activate/"), (regulator, "activate/")):
        body = {"reason": "责令召回"} if path == "order/" else {}
        refused = who.client.post(url + path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 409, (path, refused.content)
        assert "objection-undecided" in refused.json()["type"]
        assert "Art. 13" in refused.json()["detail"]
    assert Recall.objects.get(pk=notice.pk).order_issued_at is None
