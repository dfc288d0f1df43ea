"""The public notice carries what the plan must contain before the plan is filed (SAMR Order 19
Art. 18 for a consumer product; the food-recall text's plan contents for food): the defect, the
hazard, what consumers should do now, the remedy, a contact, the period and the lots. The
legal term 主动召回 is not refused wording; one remedy is enough unless a deployment asks for
the EU's two."""

from decimal import Decimal
from trace.core import services as trace_services

import pytest

from recalls import services
from recalls.models import Recall
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_type": "voluntary",
    "recall_class": 2,
    "defect": "电源适配器绝缘不足",
    "hazard": "可能导致触电",
    "remedies": ["replacement"],
    "notice_title": "电源适配器主动召回",
    "notice_text": "本公司决定主动召回下列批次的电源适配器。",
    "consumer_action": "请立即停止使用并拔下电源。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


@pytest.fixture
def lot(enterprise, partner):
    product = ProductFactory(owner=enterprise.org, category="key_consumer", name="电源适配器")
    batch = trace_services.batch_produce(
        product=product, lot="A1", quantity=Decimal(50), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=batch, to=partner.org, quantity=Decimal(20), actor=enterprise.user
    )
    trace_services.batch_receive(batch=batch, actor=partner.user)
    return batch


def _draft(enterprise, lot, **changes) -> Recall:
    response = enterprise.client.post(
        "/api/v1/recalls/", {**PLAN, **changes, "batches": [lot.pk]}, format="json"
    )
    assert response.status_code == 201, response.json()
    recall = Recall.objects.get(pk=response.json()["id"])
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    return recall


def test_submit_refuses_a_notice_without_consumer_action_or_contact_naming_each_samr_order19_art18(
    enterprise, lot
):
    """SAMR Order 19 Art. 18: the plan says the defect and emergency handling, the measures, and
    who answers with a contact and schedule; a notice lacking what consumers should do now and a
    contact is not filed: 400 problem+json naming both fields and the rule and citing Art. 18."""
    recall = _draft(enterprise, lot, consumer_action="", contact="", planned_end=None)
    response = enterprise.client.post(
        f"/api/v1/recalls/{recall.pk}/submit/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"consumer_action", "contact", "planned_end"}
    assert {e["rule"] for e in errors.values()} == {"notice_incomplete"}
    assert all(
        "SAMR Order 19" in e["message"] and "Art. 18" in e["message"] for e in errors.values()
    )
    assert Recall.objects.get(pk=recall.pk).status == "draft"

    fixed = enterprise.client.patch(
        f"/api/v1/recalls/{recall.pk}/",
        {
            "consumer_action": PLAN["consumer_action"],
            "contact": PLAN["contact"],
            "planned_end": PLAN["planned_end"],
        },
        format="json",
    )
    assert fixed.status_code == 200, fixed.json()
    filed = enterprise.client.post(f"/api/v1/recalls/{recall.pk}/submit/", {}, format="json")
    assert filed.status_code == 200 and filed.json()["status"] == "submitted"
    assert filed.json()["consumer_action"] == PLAN["consumer_action"]


def test_a_food_notice_is_checked_against_the_food_texts_plan_contents(enterprise, partner):
    """A food recall's notice is checked against the food-recall text in force (SAMR Order 122
    Art. 12 from 2026-12-01)."""
    product = ProductFactory(owner=enterprise.org, category="food", name="原味酸奶")
    batch = trace_services.batch_produce(
        product=product, lot="F1", quantity=Decimal(10), unit="EA", actor=enterprise.user
    )
    recall = _draft(enterprise, batch, contact="", risk_discovered_at="2026-12-02T09:00:00+08:00")
    response = enterprise.client.post(
        f"/api/v1/recalls/{recall.pk}/submit/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "contact" and error["rule"] == "notice_incomplete"
    assert "SAMR Order 122" in error["message"] and "Art. 12" in error["message"]


def test_the_legal_term_zhudong_zhaohui_is_not_refused_wording(enterprise, lot):
    """主动召回 is the legal term for a voluntary recall; the notice may use it (the risk-minimising
    phrases of GPSR Art. 36(3) stay refused)."""
    recall = _draft(enterprise, lot)
    assert "主动召回" in recall.notice_title and "主动召回" in recall.notice_text
    played_down = enterprise.client.post(
        "/api/v1/recalls/",
        {**PLAN, "notice_text": "出于谨慎主动召回", "batches": [lot.pk]},
        format="json",
    )
    assert played_down.status_code == 400


def test_the_producers_own_stock_counts_in_the_units_to_recover(enterprise, partner, lot):
    """The lots' stock still at the producer is recalled with them: it counts in what the recall
    is to recover, beside what the consignees hold."""
    recall = _draft(enterprise, lot)
    scope = enterprise.client.get(f"/api/v1/recalls/{recall.pk}/scope/").json()
    consignees = sum(Decimal(h["held"]) for h in scope["holders"] if h["included"])
    own = sum(
        Decimal(h["held"]) for h in scope["holdings"] if h["organization"] == enterprise.org.pk
    )
    assert own > 0 and consignees > 0
    assert Decimal(scope["units_producer_held"]) == own
    assert Decimal(scope["units_planned"]) == consignees + own


def test_the_public_notice_shows_what_to_do_the_contact_and_the_period(enterprise, lot, client):
    """What the plan had to carry is what the public reads: the page and the public API."""
    recall = _draft(enterprise, lot)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    services.recall_activate(recall_id=recall.pk, actor=enterprise.user)
    page = client.get(f"/recalls/{recall.number}/").content.decode()
    for text in (PLAN["defect"], PLAN["hazard"], PLAN["consumer_action"], PLAN["contact"]):
        assert text in page
    assert PLAN["planned_end"] in page
    [row] = client.get("/api/v1/public/recalls/").json()["results"]
    assert row["consumer_action"] == PLAN["consumer_action"] and row["contact"] == PLAN["contact"]
    assert row["planned_end"] == PLAN["planned_end"] and row["defect"] == PLAN["defect"]
