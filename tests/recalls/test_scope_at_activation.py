"""The scope is brought up to date from the trace graph when the recall
starts. Stock shipped (or made into new lots) after the draft is found; the start is refused
with 409 problem+json listing the change until the producer confirms it; the workbench page
shows the change with a confirm button; both are on the timeline."""

from decimal import Decimal
from trace.core import services as trace_services

import pytest

from recalls import services
from recalls.models import Recall, RecallNotice, RecallTimelineEntry
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory

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
def lot(enterprise):
    product = ProductFactory(owner=enterprise.org)
    return trace_services.batch_produce(
        product=product, lot="L1", quantity=Decimal(300), unit="EA", actor=enterprise.user
    )


@pytest.fixture
def filed(enterprise, lot):
    """A recall drafted, confirmed and filed while nothing of the lot had left the producer."""
    recall = services.recall_create(actor=enterprise.user, batch_ids=[lot.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    assert not recall.notices.filter(included=True).exists()
    return recall


def _ship(enterprise, lot, to, quantity):
    trace_services.batch_ship(
        batch=lot, to=to.org, quantity=Decimal(quantity), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=to.user)


def _actions(recall) -> list[str]:
    return list(
        RecallTimelineEntry.objects.filter(recall=recall)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def test_stock_shipped_after_the_draft_is_in_the_recall_once_confirmed(
    enterprise, partner, lot, filed
):
    _ship(enterprise, lot, partner, 120)
    url = f"/api/v1/recalls/{filed.pk}/activate/"

    refused = enterprise.client.post(url, {}, format="json")
    assert refused.status_code == 409
    assert refused["Content-Type"].startswith("application/problem+json")
    body = refused.json()
    assert body["type"].endswith("/scope-changed")
    [change] = body["scope_changes"]
    assert change["consignees_added_count"] == 1
    assert change["consignees_added"][0]["organization"] == partner.org.pk
    assert Decimal(change["consignees_added"][0]["held"]) == 120
    # The producer's own stock counts in the units to recover: what moved to the partner is
    # still to recover, now in the partner's hands.
    assert Decimal(change["units_planned_before"]) == lot.quantity
    assert Decimal(change["units_planned"]) == lot.quantity
    assert Recall.objects.get(pk=filed.pk).units_producer_held == lot.quantity - 120
    # The refresh is kept and on the record; nothing started.
    recall = Recall.objects.get(pk=filed.pk)
    assert recall.status == "submitted" and recall.scope_confirmed_at is None
    assert _actions(recall)[-1] == "scope_refreshed"
    notice = RecallNotice.objects.get(recall=recall, organization=partner.org)
    assert notice.included and notice.held == 120 and notice.notified_at is None
    # The scope endpoint shows the change too.
    scope = enterprise.client.get(f"/api/v1/recalls/{filed.pk}/scope/").json()
    assert [c["entry"] for c in scope["pending_changes"]] == [change["entry"]]
    # Asking again without confirming: refused again, the same change, no second refresh.
    again = enterprise.client.post(url, {}, format="json")
    assert again.status_code == 409 and again.json()["scope_changes"] == body["scope_changes"]
    assert _actions(recall).count("scope_refreshed") == 1

    started = enterprise.client.post(url, {"confirm_scope": True}, format="json")
    assert started.status_code == 200, started.json()
    assert started.json()["status"] == "active" and started.json()["consignees"] == 1
    notice.refresh_from_db()
    assert notice.notified_at is not None
    steps = [a for a in _actions(recall) if a != "notice_undeliverable"]  # no e-mail in tests
    assert steps[-3:] == ["scope_refreshed", "scope_confirmed", "activated"]
    confirmed = RecallTimelineEntry.objects.filter(recall=recall, action="scope_confirmed").last()
    assert confirmed.data["refreshes"] == [change["entry"]] and confirmed.data["at_activation"]
    # Effectiveness is that of one consignee, not "100 % of nothing".
    report = enterprise.client.post(
        f"/api/v1/recalls/{filed.pk}/progress-reports/", {}, format="json"
    ).json()
    assert report["consignees_total"] == 1 and Decimal(report["effectiveness"]) == 0


def test_a_confirmation_covers_only_the_changes_it_was_shown(enterprise, partner, lot, filed):
    _ship(enterprise, lot, partner, 50)
    url = f"/api/v1/recalls/{filed.pk}/activate/"
    first = enterprise.client.post(url, {}, format="json").json()["scope_changes"]
    # More stock leaves before the producer confirms: the confirmation does not cover it.
    later = UserFactory(organization=EnterpriseFactory(region_code="320311"))
    trace_services.batch_ship(
        batch=lot, to=later.membership.organization, quantity=Decimal(30), actor=enterprise.user
    )
    refused = enterprise.client.post(url, {"confirm_scope": True}, format="json")
    assert refused.status_code == 409
    [second] = refused.json()["scope_changes"]
    assert second["entry"] != first[0]["entry"]
    assert [c["organization"] for c in second["consignees_added"]] == [
        later.membership.organization.pk
    ]
    assert Decimal(second["consignees_added"][0]["held"]) == 30  # on its way counts as held
    assert Recall.objects.get(pk=filed.pk).status == "submitted"
    assert enterprise.client.post(url, {"confirm_scope": True}, format="json").status_code == 200
    assert (
        RecallNotice.objects.filter(recall=filed, included=True, notified_at__isnull=False).count()
        == 2
    )


def test_a_lot_made_from_the_affected_lot_after_the_draft_joins_the_scope(enterprise, lot, filed):
    yogurt = trace_services.batch_transform(
        inputs=[(lot, Decimal(100))],
        product=ProductFactory(owner=enterprise.org),
        lot="Y1",
        quantity=Decimal(400),
        unit="EA",
        actor=enterprise.user,
    )
    with pytest.raises(services.ScopeChanged) as refused:
        services.recall_activate(recall_id=filed.pk, actor=enterprise.user)
    [change] = refused.value.changes
    assert change["lots_added"] == [
        {"batch": yogurt.pk, "gtin": yogurt.gtin, "lot": "Y1", "distance": 1}
    ]
    recall = services.recall_activate(recall_id=filed.pk, actor=enterprise.user, confirm_scope=True)
    assert recall.scope_batches.filter(batch=yogurt, included=True).exists()
    yogurt.refresh_from_db()
    assert yogurt.status == "recalled"


def test_an_unchanged_scope_starts_at_once(enterprise, partner, lot):
    _ship(enterprise, lot, partner, 10)
    recall = services.recall_create(actor=enterprise.user, batch_ids=[lot.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    response = enterprise.client.post(f"/api/v1/recalls/{recall.pk}/activate/")
    assert response.status_code == 200
    assert "scope_refreshed" not in _actions(recall)


def test_only_the_producer_confirms_the_changed_scope(enterprise, partner, regulator, lot):
    """An ordered recall the regulator of the place may start once the objection window has
    passed; a changed scope it may not confirm for a producer that is not the one ordering."""
    _ship(enterprise, lot, partner, 10)
    url_of = "/api/v1/recalls/{}/activate/"
    recall = services.recall_create(actor=enterprise.user, batch_ids=[lot.pk], **PLAN)
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    trace_services.batch_sell(batch=lot, quantity=Decimal(5), actor=partner.user)
    refused = regulator.client.post(
        url_of.format(recall.pk), {"confirm_scope": True}, format="json"
    )
    assert refused.status_code == 403
    assert Recall.objects.get(pk=recall.pk).scope_confirmed_at is not None  # nothing written
    assert enterprise.client.post(url_of.format(recall.pk), {}, format="json").status_code == 409
    assert (
        enterprise.client.post(
            url_of.format(recall.pk), {"confirm_scope": True}, format="json"
        ).status_code
        == 200
    )


def test_the_workbench_page_shows_the_change_and_a_confirm_button(
    client, enterprise, partner, lot, filed
):
    _ship(enterprise, lot, partner, 120)
    client.force_login(enterprise.user)
    page = f"/workbench/recalls/{filed.pk}/"
    response = client.post(f"{page}do/activate/", follow=True)
    html = response.content.decode()
    assert 'id="scope-changes"' in html
    assert f'data-consignee-added="{partner.org.pk}"' in html
    assert "/do/confirm-scope-and-activate/" in html
    assert Recall.objects.get(pk=filed.pk).status == "submitted"
    client.post(f"{page}do/confirm-scope-and-activate/")
    recall = Recall.objects.get(pk=filed.pk)
    assert recall.status == "active"
    html = client.get(page).content.decode()
    assert 'id="scope-changes"' not in html
