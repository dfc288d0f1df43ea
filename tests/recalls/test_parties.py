"""Who acts on a recall: the producer and the regulators of the place. A consignee that was
notified sees the recall and answers through its acknowledgement link; every write on the
recall itself is refused to it with 403 before its body is read (issue 9, the authorization
matrix: a 400 would read as "allowed", a 409 as "not now")."""

from decimal import Decimal
from trace.core import services as trace_services

import pytest

from recalls import services
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
}
WRITES = [
    ("patch", ""),
    ("post", "scope/"),
    ("post", "submit/"),
    ("post", "approve/"),
    ("post", "activate/"),
    ("post", "object/"),
    ("post", "terminate/"),
    ("post", "cancel/"),
    ("post", "complete/"),
    ("post", "close/"),
    ("post", "progress-reports/"),
    ("post", "summary-report/"),
]


@pytest.fixture
def active_recall(enterprise, partner):
    product = ProductFactory(owner=enterprise.org)
    lot = trace_services.batch_produce(
        product=product, lot="R1", quantity=Decimal(10), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(batch=lot, to=partner.org, quantity=Decimal(4), actor=enterprise.user)
    recall = services.recall_create(actor=enterprise.user, batch_ids=[lot.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    return services.recall_activate(recall_id=recall.pk, actor=enterprise.user)


@pytest.mark.parametrize(("method", "suffix"), WRITES)
def test_a_notified_consignee_sees_the_recall_but_writes_nothing_on_it(
    active_recall, partner, method, suffix
):
    url = f"/api/v1/recalls/{active_recall.pk}/"
    assert partner.client.get(url).status_code == 200  # notified: it sees the recall
    before = active_recall.timeline.count()
    response = getattr(partner.client, method)(url + suffix, {}, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert active_recall.timeline.count() == before


# (suffix, the rule named) for each write on an active voluntary recall that is the producer's alone.
PRODUCER_ONLY = [
    ("activate/", "producer-only"),
    ("cancel/", "party-may-not-end"),
    ("complete/", "producer-only"),
    ("progress-reports/", "producer-only"),
    ("summary-report/", "producer-only"),
    ("object/", "producer-only"),
    ("submit/", "producer-only"),
    ("scope/", "producer-only"),
]


@pytest.mark.parametrize(("suffix", "rule"), PRODUCER_ONLY)
def test_the_regulator_is_refused_the_producers_actions_before_its_input_is_read(
    active_recall, regulator, suffix, rule
):
    """SAMR Order 19: the producer runs a voluntary recall and files its reports; the regulator of
    the place supervises. Who may act is checked first (issue 13 "Bad input"), so the regulator's
    empty body gets 403 naming the rule, not a 400 about the missing conclusion nor a 409 about
    the recall's state; nothing is written."""
    url = f"/api/v1/recalls/{active_recall.pk}/"
    assert regulator.client.get(url).status_code == 200  # the regulator of the place sees it
    before = active_recall.timeline.count()
    response = regulator.client.post(url + suffix, {}, format="json")
    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/" + rule)
    assert active_recall.timeline.count() == before


@pytest.mark.parametrize("suffix", ["approve/", "close/"])
def test_the_producer_is_refused_the_regulators_actions_before_the_state(
    active_recall, enterprise, suffix
):
    """Approving a filed plan and closing a recall are the regulator's (SAMR Order 19): the
    producer gets 403 (``regulator-of-place-only``) even where the state would also refuse."""
    response = enterprise.client.post(
        f"/api/v1/recalls/{active_recall.pk}/{suffix}", {}, format="json"
    )
    assert response.status_code == 403, response.content
    assert response.json()["type"].endswith("/regulator-of-place-only")
