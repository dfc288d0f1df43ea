"""The workbench recall page shows the law (issue 21): each time limit with its instrument and
article, the effectiveness-check level beside the response rate, and the regulator's button to
decide an objection to a notice to recall (SAMR Order 19 Art. 13)."""

from decimal import Decimal
from trace.core import services as trace_services

import pytest

from recalls import services
from recalls.models import Recall
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_class": 3,
    "defect": "标签错误",
    "hazard": "配料表漏标",
    "remedies": ["warning", "refund"],
    "notice_title": "饼干召回",
    "notice_text": "请核对配料表。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


def test_the_page_cites_each_limit_and_shows_level_and_response_rate_samr122_art11_21cfr742(
    client, enterprise, partner
):
    """A grade 3 food recall (SAMR Order 122 Arts. 11, 15, 24): its limits carry their
    citations; level C checks 10 % (21 CFR 7.42(b)(3)), shown apart from the response rate."""
    product = ProductFactory(owner=enterprise.org, category="food")
    lot = trace_services.batch_produce(
        product=product, lot="W1", quantity=Decimal(10), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(batch=lot, to=partner.org, quantity=Decimal(5), actor=enterprise.user)
    recall = services.recall_create(
        actor=enterprise.user, batch_ids=[lot.pk], recall_type="voluntary", **PLAN
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    services.recall_activate(recall_id=recall.pk, actor=enterprise.user)
    client.force_login(enterprise.user)
    page = client.get(f"/workbench/recalls/{recall.pk}/?lang=en").content.decode()
    assert 'data-deadline="start"' in page and 'data-deadline="complete"' in page
    assert "(SAMR Order 122, 2026), Art. 11" in page and "(SAMR Order 122, 2026), Art. 15" in page
    assert 'id="effectiveness-check"' in page and "7.42(b)(3)" in page
    assert 'id="response-rate"' in page and "0.00 %" in page
    assert "10 %" in page


def test_the_regulator_decides_an_objection_from_the_page_samr_order19_art13(
    client, enterprise, partner, regulator
):
    product = ProductFactory(owner=enterprise.org, category="key_consumer")
    lot = trace_services.batch_produce(
        product=product, lot="K1", quantity=Decimal(10), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(batch=lot, to=partner.org, quantity=Decimal(5), actor=enterprise.user)
    recall = services.recall_create(
        actor=regulator.user, batch_ids=[lot.pk], recall_type="ordered", **PLAN
    )
    services.recall_object(recall_id=recall.pk, actor=enterprise.user, reason="不存在缺陷")
    client.force_login(regulator.user)
    page = client.get(f"/workbench/recalls/{recall.pk}/?lang=en").content.decode()
    assert "/do/decide-objection/" in page
    assert "(SAMR Order 19), Art. 13" in page
    client.post(
        f"/workbench/recalls/{recall.pk}/do/decide-objection/",
        {"reason": "复检确认缺陷", "expert_review": "专家组意见"},
        follow=True,
    )
    recall = Recall.objects.get(pk=recall.pk)
    assert recall.objection_upheld is False and recall.objection_expert_review == "专家组意见"
    assert recall.timeline.filter(action="objection_rejected").exists()
