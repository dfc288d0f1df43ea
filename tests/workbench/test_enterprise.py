"""The enterprise pages through Django's client: who is refused, what a bad form says (and
that it stores nothing), and that every write lands through the services."""

import io
from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services
from trace.core.choices import BatchStatus
from trace.demo.seed import YOGURT_GTIN
from trace.models import Batch, Custody, Event

import pytest
from django.utils import timezone, translation
from PIL import Image

from core.choices import Role
from core.models import Membership
from incidents.models import Incident, IncidentAttachment
from recalls.demo import seed_recall_demo
from recalls.models import Recall, RecallDrill

pytestmark = pytest.mark.django_db

PAGES = (
    "/workbench/lots/",
    "/workbench/lots/new/",
    "/workbench/enterprise/incidents/new/",
    "/workbench/enterprise/recalls/new/",
    "/workbench/enterprise/drill/",
    "/workbench/enterprise/notices/",
    "/workbench/enterprise/complaints/",
)


def _yogurt(lot_suffix="01"):
    return Batch.objects.filter(gtin=YOGURT_GTIN, lot__endswith=lot_suffix).order_by("id").first()


def _field(body: str, name: str) -> str:
    """The HTML of one field of a form: its label, input and errors."""
    return body.split(f'data-field="{name}"')[1].split("data-field=")[0]


def _when(delta_hours: float) -> str:
    return (timezone.localtime() - timedelta(hours=delta_hours)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("path", PAGES)
def test_a_regulator_is_refused_every_enterprise_page(client, demo, path):
    client.force_login(demo["county-regulator"])
    response = client.get(path)
    assert response.status_code == 403
    assert "refused" in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_the_producer_opens_every_enterprise_page_in_chinese(client, demo, path):
    client.force_login(demo["producer"])
    response = client.get(path)
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in response.content.decode()


def test_the_lots_page_lists_its_products_and_what_it_holds(client, demo):
    client.force_login(demo["producer"])
    page = client.get("/workbench/lots/?mine=made").content.decode()
    yogurt = _yogurt("01")
    assert "彭城原味酸奶 200g" in page
    assert f'href="/workbench/lots/{yogurt.pk}/"' in page
    assert f'href="/workbench/lots/{yogurt.pk}/labels/"' in page
    held = Custody.objects.get(organization=demo["producer"].membership.organization, batch=yogurt)
    assert format(held.quantity.normalize(), "f") in page
    # The ranch's raw milk was shipped to the dairy: seen, but not among "made by us".
    assert "生鲜牛乳" not in page.split('id="lots"')[1]


def test_another_enterprise_cannot_open_a_lot_it_has_no_part_in(client, demo):
    lot = _yogurt("02")  # still at the plant: nobody else had it
    client.force_login(demo["retailer"])
    assert client.get(f"/workbench/lots/{lot.pk}/").status_code == 404
    response = client.post(
        f"/workbench/lots/{lot.pk}/hold/", {"hold-reason": "not mine"}, follow=False
    )
    assert response.status_code == 404
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ACTIVE


def test_a_shipment_recorded_on_the_page_is_an_event_in_the_chain(client, demo):
    lot = _yogurt("02")
    producer = demo["producer"]
    retailer = demo["retailer"].membership.organization
    client.force_login(producer)
    page = client.get(f"/workbench/lots/{lot.pk}/").content.decode()
    assert 'id="form-ship"' in page and 'id="form-release"' not in page
    before = Event.objects.filter(organization=producer.membership.organization).count()
    response = client.post(
        f"/workbench/lots/{lot.pk}/ship/",
        {
            "ship-to_organization": retailer.pk,
            "ship-quantity": "250",
            "ship-purchase_order": "PO-7",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/workbench/lots/{lot.pk}/"
    shipment = Event.objects.filter(organization=producer.membership.organization).latest("id")
    assert Event.objects.filter(organization=producer.membership.organization).count() == before + 1
    assert shipment.biz_step == "shipping" and shipment.destination_org_id == retailer.pk
    assert shipment.chain_seq > 0 and shipment.prev_hash and shipment.content_hash
    assert shipment.batch_links.get().quantity == Decimal(250)
    held = Custody.objects.get(organization=producer.membership.organization, batch=lot)
    assert held.quantity == Decimal(8000 - 250)
    page = client.get(f"/workbench/lots/{lot.pk}/").content.decode()
    assert "250 " in page and 'data-step="shipping"' in page
    # The retailer now sees the lot and gets the form to receive it.
    client.force_login(demo["retailer"])
    assert 'id="form-receive"' in client.get(f"/workbench/lots/{lot.pk}/").content.decode()


def test_the_rules_refusal_is_shown_on_the_form_and_nothing_is_recorded(client, demo):
    lot = _yogurt("02")
    producer = demo["producer"]
    client.force_login(producer)
    count = Event.objects.count()
    response = client.post(
        f"/workbench/lots/{lot.pk}/ship/",
        {
            "ship-to_organization": demo["retailer"].membership.organization.pk,
            "ship-quantity": "9000",
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-rule="quantity_exceeds_held"' in _field(body, "quantity")
    assert "8000" in _field(body, "quantity")  # "holds 8000"
    assert Event.objects.count() == count


def test_hold_then_release_from_the_page(client, demo):
    lot = _yogurt("02")
    client.force_login(demo["producer"])
    assert (
        client.post(f"/workbench/lots/{lot.pk}/hold/", {"hold-reason": "抽检"}).status_code == 302
    )
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ON_HOLD
    page = client.get(f"/workbench/lots/{lot.pk}/").content.decode()
    assert 'id="form-release"' in page and 'id="form-ship"' not in page
    response = client.post(f"/workbench/lots/{lot.pk}/release/", {"release-reason": "复检合格"})
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ACTIVE


def test_a_viewer_reads_the_lot_but_gets_no_forms_and_cannot_post(client, demo):
    viewer = demo["producer"].__class__.objects.create_user("viewer", password="x")
    Membership.objects.create(
        user=viewer, organization=demo["producer"].membership.organization, role=Role.VIEWER
    )
    lot = _yogurt("02")
    client.force_login(viewer)
    page = client.get(f"/workbench/lots/{lot.pk}/").content.decode()
    assert '<form method="post" action="/workbench/lots/' not in page
    response = client.post(f"/workbench/lots/{lot.pk}/hold/", {"hold-reason": "x"})
    assert response.status_code == 403
    assert client.get("/workbench/lots/new/").status_code == 403
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ACTIVE


def test_registering_a_lot(client, demo):
    client.force_login(demo["producer"])
    yogurt = _yogurt("01").product
    response = client.post(
        "/workbench/lots/new/",
        {
            "product": yogurt.pk,
            "lot": "YGWB0001",
            "quantity": "1200",
            "unit": "H87",
            "production_date": "2026-11-20",
            "expiry_date": "2026-12-11",
        },
    )
    batch = Batch.objects.get(gtin=yogurt.gtin, lot="YGWB0001")
    assert response.status_code == 302 and response["Location"] == f"/workbench/lots/{batch.pk}/"
    assert batch.event_links.get().event.biz_step == "commissioning"


def test_a_lot_expiring_before_it_was_made_is_refused_on_its_field(client, demo):
    client.force_login(demo["producer"])
    yogurt = _yogurt("01").product
    response = client.post(
        "/workbench/lots/new/",
        {
            "product": yogurt.pk,
            "lot": "YGWB0002",
            "quantity": "10",
            "unit": "H87",
            "production_date": "2026-11-20",
            "expiry_date": "2026-11-01",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="expiry_date"' in body and "wb-field--error" in body
    assert not Batch.objects.filter(lot="YGWB0002").exists()


def _incident_form(lot, **changes):
    data = {
        "title": "酸奶胀杯",
        "kind": "incident",
        "description": "超市反映部分产品胀杯。",
        "batches": [lot.pk],
        "region_code": "320312",
        "occurred_at": _when(3),
        "discovered_at": _when(1),
        "deaths": "0",
        "serious_injuries": "0",
        "minor_injuries": "2",
        "direct_loss": "1500",
        "affected_quantity": "300",
        "measures_taken": "暂停发货",
    }
    data.update(changes)
    return data


def test_reporting_an_incident_lands_on_its_page(client, demo):
    lot = _yogurt("01")
    client.force_login(demo["producer"])
    page = client.get(f"/workbench/enterprise/incidents/new/?batch={lot.pk}").content.decode()
    assert f'value="{lot.pk}" selected' in page
    out = io.BytesIO()  # a real PNG: photos are re-encoded without metadata, a fake is refused
    Image.new("RGB", (2, 2)).save(out, format="PNG")
    png = out.getvalue()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/workbench/enterprise/incidents/new/",
        {**_incident_form(lot), "attachments": SimpleUploadedFile("photo.png", png, "image/png")},
    )
    incident = Incident.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/incidents/{incident.pk}/"
    assert incident.reporter == demo["producer"].membership.organization
    assert list(incident.batch_links.values_list("batch_id", flat=True)) == [lot.pk]
    assert incident.minor_injuries == 2 and incident.direct_loss == Decimal(1500)
    assert IncidentAttachment.objects.filter(incident=incident).count() == 1


def test_the_report_form_takes_the_category(client, demo):
    """A food-safety incident reported on the form follows the Food Safety Law: investigated by
    the districted city at least (Art. 106); a form without a category reports a product one."""
    lot = _yogurt("01")
    client.force_login(demo["producer"])
    page = client.get("/workbench/enterprise/incidents/new/").content.decode()
    assert 'name="category"' in page and 'value="special_equipment"' in page
    response = client.post(
        "/workbench/enterprise/incidents/new/", _incident_form(lot, category="food")
    )
    assert response.status_code == 302
    food = Incident.objects.latest("id")
    assert (food.category, food.investigating_level) == ("food", "city")
    form = _incident_form(lot)
    assert "category" not in form
    assert client.post("/workbench/enterprise/incidents/new/", form).status_code == 302
    assert Incident.objects.latest("id").category == "product"


def test_discovery_before_occurrence_is_refused_on_its_field_and_stores_nothing(client, demo):
    lot = _yogurt("01")
    client.force_login(demo["producer"])
    count = Incident.objects.count()
    response = client.post(
        "/workbench/enterprise/incidents/new/?lang=en",
        _incident_form(lot, occurred_at=_when(1), discovered_at=_when(3)),
    )
    assert response.status_code == 400
    body = response.content.decode()
    field = _field(body, "discovered_at")
    assert "errorlist" in field
    assert "Discovery cannot come before the incident occurred." in field
    assert 'data-rule="discovered_before_occurred"' in field
    assert Incident.objects.count() == count


def test_a_lot_of_another_company_is_refused_on_the_lots_field(client, demo):
    other = trace_services.batch_produce(
        product=Batch.objects.get(lot__startswith="RM", lot__endswith="A").product,
        lot="RMWBX",
        quantity=Decimal(10),
        unit="KGM",
        actor=demo["ranch"],
    )
    client.force_login(demo["producer"])
    count = Incident.objects.count()
    response = client.post(
        "/workbench/enterprise/incidents/new/?lang=en", _incident_form(other, batches=[other.pk])
    )
    assert response.status_code == 400
    field = _field(response.content.decode(), "batches")
    assert "You may only name batches you made, hold or govern." in field
    assert 'data-rule="batch_not_visible"' in field
    assert Incident.objects.count() == count


def test_a_bad_attachment_stores_no_report(client, demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lot = _yogurt("01")
    client.force_login(demo["producer"])
    count = Incident.objects.count()
    response = client.post(
        "/workbench/enterprise/incidents/new/",
        {**_incident_form(lot), "attachments": SimpleUploadedFile("x.exe", b"MZ" + b"\0" * 40)},
    )
    assert response.status_code == 400
    field = _field(response.content.decode(), "attachments")
    assert "errorlist" in field
    assert Incident.objects.count() == count


def test_starting_a_recall_proposes_the_scope_then_confirms_it(client, demo):
    lot = _yogurt("01")
    client.force_login(demo["producer"])
    form = {
        "batches": [lot.pk],
        "recall_class": "2",
        "defect": "封口不严",
        "hazard": "可能变质",
        "remedies": ["refund", "replacement"],
        "depth": "consumer",
        "notice_title": "彭城原味酸奶召回",
        "notice_text": "请停止食用并退货。",
        "consumer_action": "请停止食用并退货。",
        "contact": "客服热线 400-000-0000",
        "target_effectiveness": "A",
    }
    response = client.post("/workbench/enterprise/recalls/new/", form)
    recall = Recall.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/enterprise/recalls/{recall.pk}/scope/"
    page = client.get(response["Location"]).content.decode()
    assert "云龙万家超市有限公司" in page and "南京玄武惠民超市有限公司" in page
    drafts = client.get("/workbench/enterprise/recalls/new/").content.decode()
    assert f'href="/workbench/enterprise/recalls/{recall.pk}/scope/"' in drafts
    response = client.post(response["Location"], {"op": "confirm"})
    assert (
        response.status_code == 302 and response["Location"] == f"/workbench/recalls/{recall.pk}/"
    )
    recall.refresh_from_db()
    assert recall.scope_confirmed_at is not None and recall.status == "draft"


def test_a_recall_with_one_remedy_and_no_reason_is_refused_on_remedies(client, demo, settings):
    settings.RECALL_MIN_REMEDIES = 2  # the EU's two remedies, where a deployment asks for them
    client.force_login(demo["producer"])
    count = Recall.objects.count()
    response = client.post(
        "/workbench/enterprise/recalls/new/",
        {
            "batches": [_yogurt("01").pk],
            "recall_class": "2",
            "defect": "d",
            "hazard": "h",
            "remedies": ["refund"],
            "depth": "consumer",
            "notice_title": "t",
            "notice_text": "x",
            "target_effectiveness": "A",
        },
    )
    assert response.status_code == 400
    field = _field(response.content.decode(), "remedies")
    assert "errorlist" in field
    assert Recall.objects.count() == count


def test_a_drill_shows_its_timings_and_changes_nothing(client, demo):
    lot = _yogurt("01")
    client.force_login(demo["producer"])
    events, recalls, status = Event.objects.count(), Recall.objects.count(), lot.status
    response = client.post("/workbench/enterprise/drill/", {"batches": [lot.pk]})
    drill = RecallDrill.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/enterprise/drill/?drill={drill.pk}#result"
    page = client.get(response["Location"]).content.decode()
    assert 'id="result"' in page and f'data-figure="holders">{drill.holders}<' in page
    assert drill.holders >= 2
    assert Event.objects.count() == events and Recall.objects.count() == recalls
    lot.refresh_from_db()
    assert lot.status == status


def test_another_enterprise_cannot_drill_or_recall_the_producers_lot(client, demo):
    lot = _yogurt("01")
    client.force_login(demo["retailer"])
    drills, recalls = RecallDrill.objects.count(), Recall.objects.count()
    response = client.post("/workbench/enterprise/drill/", {"batches": [lot.pk]})
    assert response.status_code == 400
    assert RecallDrill.objects.count() == drills
    response = client.post(
        "/workbench/enterprise/recalls/new/", {"batches": [lot.pk], "recall_class": "2"}
    )
    assert response.status_code == 400 and Recall.objects.count() == recalls


def test_a_consignee_answers_its_recall_notice(client, demo):
    seed_recall_demo()
    active = Recall.objects.get(status="active")
    client.force_login(demo["retailer"])
    page = client.get("/workbench/enterprise/notices/").content.decode()
    assert active.number in page and 'id="waiting">1<' in page
    url = f"/workbench/enterprise/recalls/{active.pk}/acknowledge/"
    response = client.post(url, {"on_hand": "0", "returned": "3000", "destroyed": "100"})
    assert response.status_code == 302
    notice = active.notices.get(organization=demo["retailer"].membership.organization)
    assert notice.acknowledged_at is not None and notice.returned == Decimal(3000)
    assert active.timeline.filter(action="consignee_acknowledged").exists()
    assert 'id="waiting">0<' in client.get("/workbench/enterprise/notices/").content.decode()
    # More than it held: the service's refusal, on the field.
    response = client.post(url, {"returned": "999999"})
    assert response.status_code == 400
    assert "errorlist" in _field(response.content.decode(), "returned")
    # An enterprise the recall never reached has nothing to answer.
    client.force_login(demo["retailer2"])
    assert client.get(url).status_code == 404


def test_the_complaints_page_shows_no_complaint_nor_contact(client, demo):
    from complaints.demo import seed_complaints
    from incidents.demo import seed_incidents

    seed_incidents()
    seed_complaints()
    client.force_login(demo["producer"])
    page = client.get("/workbench/enterprise/complaints/").content.decode()
    assert "138" not in page  # no phone number of any consumer
    assert 'id="signals"' in page


def test_english_pages_have_no_chinese_but_the_data(client, demo):
    import re

    client.force_login(demo["producer"])
    lot = _yogurt("02")
    for path in (*PAGES, f"/workbench/lots/{lot.pk}/"):
        page = client.get(path + ("&" if "?" in path else "?") + "lang=en").content.decode()
        page = page.split("<main", 1)[1]  # the bar names the organization (data)
        page = re.sub(r"<option[^>]*>[^<]*</option>", "", page)  # choices name data
        text = re.sub(r"<[^>]+>", " ", page)
        # data: the incident the county opened from a complaint names the producer (issue 19)
        for data in ("中文", "彭城原味酸奶 200g", "200 g/杯", "酸奶疑致多人腹泻（消费者投诉）"):
            text = text.replace(data, "")
        leftover = re.findall(r"[\u4e00-\u9fff]+", text)
        assert not leftover, (path, leftover[:10])


def test_the_customer_receives_what_was_shipped_from_its_page(client, demo):
    lot = _yogurt("02")
    retailer = demo["retailer"]
    trace_services.batch_ship(
        batch=lot, to=retailer.membership.organization, quantity=Decimal(40), actor=demo["producer"]
    )
    client.force_login(retailer)
    page = client.get(f"/workbench/lots/{lot.pk}/").content.decode()
    assert 'id="form-receive"' in page and 'id="form-hold"' not in page  # not its lot to hold
    response = client.post(f"/workbench/lots/{lot.pk}/receive/", {"receive-quantity": ""})
    assert response.status_code == 302
    custody = Custody.objects.get(organization=retailer.membership.organization, batch=lot)
    assert custody.quantity == Decimal(40) and custody.in_transit == 0
    # Holding a lot it does not own: the rules refuse, and say so on the page.
    response = client.post(f"/workbench/lots/{lot.pk}/hold/?lang=en", {"hold-reason": "x"})
    assert response.status_code == 403
    assert "Only the product&#x27;s owner or a regulator may hold" in response.content.decode()


def test_the_owners_failed_inspection_puts_the_lot_on_hold(client, demo):
    lot = _yogurt("02")
    client.force_login(demo["producer"])
    response = client.post(
        f"/workbench/lots/{lot.pk}/inspect/",
        {"inspect-result": "fail", "inspect-report_ref": "QC-9", "inspect-note": "酸度超标"},
    )
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ON_HOLD


def test_leaving_a_holder_out_of_the_scope_needs_a_reason(client, demo):
    lot = _yogurt("01")
    producer = demo["producer"]
    from recalls.services import recall_create

    recall = recall_create(
        actor=producer,
        batch_ids=[lot.pk],
        recall_type="voluntary",
        recall_class=2,
        defect="d",
        hazard="h",
        notice_title="t",
        notice_text="x",
        remedies=["refund", "replacement"],
    )
    retailer2 = demo["retailer2"].membership.organization
    client.force_login(producer)
    url = f"/workbench/enterprise/recalls/{recall.pk}/scope/"
    target = f"org:{retailer2.pk}"
    response = client.post(url, {"op": "edit", "target": target, "include": "0", "reason": ""})
    assert response.status_code == 400 and "errorlist" in _field(
        response.content.decode(), "reason"
    )
    response = client.post(
        url, {"op": "edit", "target": target, "include": "0", "reason": "已全部售出并召回"}
    )
    assert response.status_code == 302
    assert not recall.notices.get(organization=retailer2).included
    assert recall.timeline.filter(action="scope_holder_excluded").exists()


def test_the_complaints_page_follows_what_the_rules_let_the_producer_see(client, demo):
    from complaints.demo import seed_complaints
    from complaints.models import Complaint, RiskSignal
    from incidents.demo import seed_incidents

    seed_incidents()
    seed_complaints()
    producer = demo["producer"]
    assert not Complaint.objects.visible_to(producer).exists()  # the rule this page follows
    client.force_login(producer)
    page = client.get("/workbench/enterprise/complaints/").content.decode()
    for incident in Incident.objects.visible_to(producer).filter(source="complaint"):
        assert f'href="/workbench/incidents/{incident.pk}/"' in page
    signals = RiskSignal.objects.visible_to(producer)
    assert signals.exists()  # the demo's injury signal on the dairy's yogurt
    with translation.override("zh-hans"):  # the page's language, whatever the signal's was
        for signal in signals:
            assert signal.get_title_display() in page
    # SAMR Order 20 Art. 16: the respondent sees the complaints against it once accepted, never
    # the complainant's phone or address; nobody else's, and none still awaiting a decision.
    from complaints.policy import respondent_complaints
    from complaints.privacy import decrypt_contact

    against = set(respondent_complaints(producer).values_list("pk", flat=True))
    assert against
    for complaint in Complaint.objects.all():
        shown = complaint.display_code in page
        assert shown == (complaint.pk in against), complaint.pk
        contact = decrypt_contact(complaint.contact_encrypted)
        for secret in (contact.get("phone"), contact.get("address")):
            assert not secret or secret not in page


def test_the_signals_on_the_complaints_page_read_in_the_readers_language(client, demo):
    """The demo's injury signal was raised in Chinese; with ?lang=en its title reads in English."""
    from complaints.demo import seed_complaints
    from complaints.models import RiskSignal
    from incidents.demo import seed_incidents

    with translation.override("zh-hans"):
        seed_incidents()
        seed_complaints()
    producer = demo["producer"]
    signal = RiskSignal.objects.visible_to(producer).get(kind="injury_cluster")
    with translation.override("en"):
        english = signal.get_title_display()
    assert english.endswith(f"people hurt by lot {signal.lot} within 7 days")
    client.force_login(producer)
    url = "/workbench/enterprise/complaints/"
    chinese = client.get(url).content.decode()
    assert signal.title in chinese and english not in chinese
    page = client.get(url + "?lang=en").content.decode()
    assert english in page and signal.title not in page


def test_the_lot_page_shows_its_trace_back_to_the_ranch(client, demo):
    yogurt = _yogurt("01")
    raw = Batch.objects.filter(lot__startswith="RM").order_by("id")
    client.force_login(demo["producer"])
    page = client.get(f"/workbench/lots/{yogurt.pk}/").content.decode()
    trace = page.split('id="trace-graph"')[1].split("</section>")[0]
    for lot in raw:
        assert f'href="/workbench/lots/{lot.pk}/"' in trace
    assert "徐州绿源牧业有限公司" in trace and "徐州淮海冷链物流有限公司" in trace
    # The cold-chain distributor sees the yogurt lot's own trace, not the dairy's other trades.
    client.force_login(demo["distributor"])
    page = client.get(f"/workbench/lots/{yogurt.pk}/").content.decode()
    assert 'id="form-ship"' in page
