"""Recall pages a consignee and a producer can use: the acknowledgement page lists the lots,
GTINs and quantities the consignee received, says what a business must do and confirms what it
reported; the recall timeline names the consignee a notice could not reach; a recall starts
from the incident's page."""

import re

import pytest

from core.models import Organization
from incidents.models import Incident
from recalls.demo import seed_recall_demo
from recalls.models import Recall, RecallHolding, RecallTimelineEntry

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_ack_page_lists_the_lots_received_and_what_to_do(client, demo):
    seed_recall_demo()
    active = Recall.objects.get(status="active")
    retailer = demo["retailer"]
    org = retailer.membership.organization
    held = RecallHolding.objects.filter(recall=active, organization=org).select_related("batch")
    assert held.exists()
    client.force_login(retailer)
    url = f"/workbench/enterprise/recalls/{active.pk}/acknowledge/"
    page = client.get(url + "?lang=en").content.decode()
    lots = page.split('id="lots-received"')[1].split("</section>")[0]
    for holding in held:
        assert holding.batch.gtin in lots and holding.batch.lot in lots
    text = _text(page)
    assert "Stop selling" in text and "Quarantine" in text and "Return it to the producer" in text
    assert 'id="reported"' not in page
    client.post(url, {"on_hand": "0", "returned": "30", "destroyed": "1"})
    page = client.get(url + "?lang=en").content.decode()
    reported = _text(page.split('id="reported"')[1].split("</section>")[0])
    assert "Returned 30" in reported and "Destroyed 1" in reported
    # in Chinese too
    page = client.get(url + "?lang=zh-hans").content.decode()
    assert "立即停止销售" in page and "您已报告的情况" in page


def test_an_undeliverable_notice_names_the_consignee_on_the_timeline(client, demo):
    seed_recall_demo()
    active = Recall.objects.get(status="active")
    consignee = Organization.objects.filter(kind="enterprise").exclude(pk=active.producer_id)[0]
    RecallTimelineEntry.record(
        active, "notice_undeliverable", data={"organization": consignee.pk, "topic": "recall"}
    )
    client.force_login(demo["producer"])
    page = _text(client.get(f"/workbench/recalls/{active.pk}/?lang=en").content.decode())
    name = consignee.name_en or consignee.name
    assert f"{name}: nobody there can receive the notice" in page


def test_a_recall_starts_from_the_incident_page(client, demo):
    from incidents.demo import seed_incidents

    seed_incidents()
    producer = demo["producer"]
    org = producer.membership.organization
    incident = (
        Incident.objects.filter(batch_links__batch__product__owner=org)
        .exclude(status__in=("rejected", "merged"))
        .first()
    )
    client.force_login(producer)
    page = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
    link = re.search(r'id="start-recall" href="([^"]+)"', page)
    assert link and link.group(1) == f"/workbench/enterprise/recalls/new/?incident={incident.pk}"
    form = client.get(link.group(1)).content.decode()
    for batch in incident.batches.filter(product__owner=org):
        assert re.search(rf'<option value="{batch.pk}"[^>]*selected', form)
    assert re.search(rf'<option value="{incident.pk}"[^>]*selected', form)
    # a regulator gets no such link
    client.force_login(demo["county-regulator"])
    page = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
    assert 'id="start-recall"' not in page


def test_a_silent_consignee_is_in_the_inbox_of_the_regulator_who_chases_it(client, demo):
    from django.utils import timezone

    from recalls.models import RecallNotice
    from recalls.services import competent_regulators

    seed_recall_demo()
    active = Recall.objects.get(status="active")
    notice = (
        RecallNotice.objects.filter(recall=active, included=True, acknowledged_at__isnull=True)
        .select_related("organization")
        .first()
    )
    RecallNotice.objects.filter(pk=notice.pk).update(
        escalated_at=timezone.now(), next_reminder_at=None
    )
    competent = competent_regulators(notice.organization.region_code)
    chaser = max(competent, key=lambda r: len(r.jurisdiction_prefix))
    others = [r for r in competent if r.pk != chaser.pk]
    user = chaser.memberships.first().user
    client.force_login(user)
    html = client.get("/workbench/inbox/items/?lang=en").content.decode()
    assert f'data-item="notice-{notice.pk}"' in html
    assert "chase the silent consignee" in html
    for other in others:
        member = other.memberships.first()
        if member is None:
            continue
        client.force_login(member.user)
        html = client.get("/workbench/inbox/items/?lang=en").content.decode()
        assert f'data-item="notice-{notice.pk}"' not in html


def test_a_scope_refresh_counts_one_lot_in_the_singular():
    from types import SimpleNamespace

    from django.utils import timezone, translation

    from workbench.views.records.recalls import describe

    row = SimpleNamespace(
        action="scope_refreshed",
        at=timezone.now(),
        data={"lots_added_count": 1, "consignees_added_count": 2, "units_planned": "5"},
    )
    with translation.override("en"):
        _label, text = describe(row)
    assert text.startswith("1 lot and 2 consignees added") and "1 lots" not in text
    with translation.override("zh-hans"):
        _label, text = describe(row)
    assert text.startswith("新增 1 个批次、2 个收货方")
