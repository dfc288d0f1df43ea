"""The business API as an SME uses it: register, produce, ship, receive, transform, trace."""

import io
from decimal import Decimal
from trace.core.choices import BatchStatus
from trace.models import Batch, Custody, Event, LineageEdge

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from tests.factories import ProductFactory, SiteFactory, produce


def errors_of(response):
    assert response["Content-Type"] == "application/problem+json", response.content
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}


# --- products ---------------------------------------------------------------


def test_enterprise_registers_a_product_with_gtin13_stored_as_gtin14(enterprise):
    response = enterprise.client.post(
        "/api/v1/products/",
        {"gtin": "6901234500028", "name": "酸奶", "category": "food", "standard": "GB 19302-2010"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["gtin"] == "06901234500028"
    assert response.json()["owner"]["id"] == enterprise.org.pk


@pytest.mark.parametrize(
    ("gtin", "rule"),
    [
        ("6901234500027", "gtin_check_digit"),
        ("69012345", "gtin_check_digit"),
        ("12345", "gtin_format"),
        ("69012345000A8", "gtin_format"),
    ],
)
def test_malformed_gtin_is_refused_naming_field_and_rule(enterprise, gtin, rule):
    response = enterprise.client.post(
        "/api/v1/products/", {"gtin": gtin, "name": "x", "category": "food"}
    )
    assert response.status_code == 400
    assert ("gtin", rule) in errors_of(response)


def test_gtin_registered_twice_is_refused(enterprise, other_enterprise):
    ProductFactory(owner=other_enterprise.org, gtin="06901234500028")
    response = enterprise.client.post(
        "/api/v1/products/", {"gtin": "6901234500028", "name": "x", "category": "food"}
    )
    assert ("gtin", "gtin_unique") in errors_of(response)


def test_regulator_viewer_and_anonymous_cannot_register_products(
    regulator, enterprise_viewer, anonymous
):
    body = {"gtin": "6901234500028", "name": "x", "category": "food"}
    assert regulator.client.post("/api/v1/products/", body).status_code == 403
    assert enterprise_viewer.client.post("/api/v1/products/", body).status_code == 403
    assert anonymous.client.post("/api/v1/products/", body).status_code == 401


def test_another_enterprise_can_neither_see_nor_edit_a_product(
    enterprise, other_enterprise, product
):
    assert other_enterprise.client.get(f"/api/v1/products/{product.pk}/").status_code == 404
    assert (
        other_enterprise.client.patch(
            f"/api/v1/products/{product.pk}/", {"name": "hijack"}
        ).status_code
        == 404
    )
    assert (
        enterprise.client.patch(f"/api/v1/products/{product.pk}/", {"name": "新名"}).json()["name"]
        == "新名"
    )


def test_error_messages_follow_accept_language(enterprise):
    body = {"gtin": "6901234500027", "name": "x", "category": "food"}
    en = enterprise.client.post("/api/v1/products/", body, HTTP_ACCEPT_LANGUAGE="en")
    zh = enterprise.client.post("/api/v1/products/", body, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "check digit" in en.json()["detail"]
    assert "校验" in zh.json()["detail"]


# --- sites ------------------------------------------------------------------


def test_site_with_bad_region_code_is_refused(enterprise):
    response = enterprise.client.post(
        "/api/v1/sites/", {"name": "厂", "address": "徐州", "region_code": "990000"}
    )
    assert ("region_code", "region_code_unknown_province") in errors_of(response)


def test_sites_are_private_to_their_owner(
    enterprise, other_enterprise, regulator, regulator_elsewhere
):
    site = SiteFactory(owner=enterprise.org)
    assert enterprise.client.get(f"/api/v1/sites/{site.pk}/").status_code == 200
    assert regulator.client.get(f"/api/v1/sites/{site.pk}/").status_code == 200
    assert other_enterprise.client.get(f"/api/v1/sites/{site.pk}/").status_code == 404
    assert regulator_elsewhere.client.get(f"/api/v1/sites/{site.pk}/").status_code == 404


# --- batches ----------------------------------------------------------------


def test_producing_a_batch_records_commissioning_and_custody(enterprise, product):
    response = enterprise.client.post(
        "/api/v1/batches/",
        {
            "product": product.pk,
            "lot": "YG-2026/11",
            "quantity": "1200",
            "unit": "EA",
            "production_date": "2026-11-20",
            "expiry_date": "2026-12-11",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["digital_link"] == f"http://testserver/01/{product.gtin}/10/YG-2026%2F11"
    batch = Batch.objects.get(pk=body["id"])
    assert Custody.objects.get(batch=batch, organization=enterprise.org).quantity == 1200
    event = Event.objects.get(batch_links__batch=batch)
    assert (event.biz_step, event.action) == ("commissioning", "ADD")


@pytest.mark.parametrize(
    ("patch", "field", "rule"),
    [
        ({"lot": "批次一"}, "lot", "lot_charset"),
        ({"lot": "L" * 21}, "lot", "lot_length"),
        ({"quantity": "-5"}, "quantity", "min_value"),
        ({"quantity": "abc"}, "quantity", "invalid"),
        ({"expiry_date": "2026-11-01"}, "expiry_date", "expiry_before_production"),
        ({"product": 999999}, "product", "does_not_exist"),
    ],
)
def test_bad_batch_input_is_refused_and_nothing_is_written(enterprise, product, patch, field, rule):
    body = {
        "product": product.pk,
        "lot": "L1",
        "quantity": "10",
        "unit": "EA",
        "production_date": "2026-11-20",
        "expiry_date": "2026-12-11",
        **patch,
    }
    response = enterprise.client.post("/api/v1/batches/", body)
    assert response.status_code == 400
    assert (field, rule) in errors_of(response)
    assert not Batch.objects.exists() and not Event.objects.exists()


def test_duplicate_lot_and_foreign_product_are_refused(enterprise, other_enterprise, product):
    produce(enterprise.user, product, lot="L1")
    again = enterprise.client.post(
        "/api/v1/batches/", {"product": product.pk, "lot": "L1", "quantity": "1", "unit": "EA"}
    )
    assert ("lot", "lot_unique") in errors_of(again)
    theirs = other_enterprise.client.post(
        "/api/v1/batches/", {"product": product.pk, "lot": "L2", "quantity": "1", "unit": "EA"}
    )
    assert theirs.status_code == 403 and ("product", "product_not_owned") in errors_of(theirs)


# --- the supply chain -----------------------------------------------------------


@pytest.fixture
def batch(enterprise, product):
    return produce(enterprise.user, product, lot="L1", quantity=Decimal(100))


def ship(persona, batch, to, quantity, **extra):
    return persona.client.post(
        f"/api/v1/batches/{batch.pk}/ship/",
        {"to_organization": to.pk, "quantity": str(quantity), **extra},
    )


def test_ship_and_receive_move_custody_and_show_the_batch_to_the_receiver(
    enterprise, partner, batch
):
    assert partner.client.get(f"/api/v1/batches/{batch.pk}/").status_code == 404
    response = ship(
        enterprise, batch, partner.org, 40, purchase_order="PO-1", despatch_advice="DA-1"
    )
    assert response.status_code == 201, response.content
    assert response.json()["destination_organization"]["id"] == partner.org.pk
    assert partner.client.get(f"/api/v1/batches/{batch.pk}/").status_code == 200

    received = partner.client.post(f"/api/v1/batches/{batch.pk}/receive/", {})
    assert received.status_code == 201, received.content
    held = {
        c.organization_id: (c.quantity, c.in_transit) for c in Custody.objects.filter(batch=batch)
    }
    assert held == {enterprise.org.pk: (60, 0), partner.org.pk: (40, 0)}


def test_over_shipping_is_refused_and_nothing_is_written(enterprise, partner, batch):
    before = Event.objects.count()
    response = ship(enterprise, batch, partner.org, 101)
    assert response.status_code == 409
    assert ("quantity", "quantity_exceeds_held") in errors_of(response)
    assert Event.objects.count() == before
    assert Custody.objects.get(batch=batch, organization=enterprise.org).quantity == 100


def test_shipping_needs_a_real_enterprise_party(enterprise, regulator, batch):
    assert ("to_organization", "ship_to_enterprise") in errors_of(
        ship(enterprise, batch, regulator.org, 1)
    )
    unknown = enterprise.client.post(
        f"/api/v1/batches/{batch.pk}/ship/", {"to_organization": 99999, "quantity": "1"}
    )
    assert ("to_organization", "does_not_exist") in errors_of(unknown)
    assert ("to_organization", "ship_to_self") in errors_of(
        ship(enterprise, batch, enterprise.org, 1)
    )


def test_receiving_more_than_was_shipped_is_refused(enterprise, partner, batch):
    ship(enterprise, batch, partner.org, 10)
    response = partner.client.post(f"/api/v1/batches/{batch.pk}/receive/", {"quantity": "11"})
    assert ("quantity", "quantity_exceeds_shipped") in errors_of(response)


def test_strangers_cannot_act_on_a_batch(
    enterprise, other_enterprise, regulator, anonymous, partner, batch
):
    url = f"/api/v1/batches/{batch.pk}/ship/"
    body = {"to_organization": partner.org.pk, "quantity": "1"}
    assert other_enterprise.client.post(url, body).status_code == 404
    assert regulator.client.post(url, body).status_code == 403
    assert anonymous.client.post(url, body).status_code == 401


def test_failed_inspection_puts_the_lot_on_hold_and_blocks_shipping(enterprise, partner, batch):
    response = enterprise.client.post(
        f"/api/v1/batches/{batch.pk}/inspect/", {"result": "fail", "report_ref": "QC-9"}
    )
    assert response.status_code == 201
    assert response.json()["disposition"] == "non_conformant"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ON_HOLD
    refused = ship(enterprise, batch, partner.org, 1)
    assert refused.status_code == 409 and ("batch", "batch_not_movable") in errors_of(refused)
    released = enterprise.client.post(
        f"/api/v1/batches/{batch.pk}/release/", {"reason": "retest passed"}
    )
    assert released.status_code == 201
    assert ship(enterprise, batch, partner.org, 1).status_code == 201


def test_sell_and_destroy_reduce_custody(enterprise, batch):
    assert (
        enterprise.client.post(f"/api/v1/batches/{batch.pk}/sell/", {"quantity": "30"}).status_code
        == 201
    )
    destroyed = enterprise.client.post(
        f"/api/v1/batches/{batch.pk}/destroy/", {"quantity": "70", "reason": "过期"}
    )
    assert destroyed.status_code == 201
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DESTROYED
    assert Custody.objects.get(batch=batch).quantity == 0


def test_transform_creates_output_lot_and_lineage(enterprise, batch):
    yogurt = ProductFactory(owner=enterprise.org)
    response = enterprise.client.post(
        "/api/v1/batches/transform/",
        {
            "inputs": [{"batch": batch.pk, "quantity": "80"}],
            "product": yogurt.pk,
            "lot": "Y1",
            "quantity": "500",
            "unit": "EA",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    output = Batch.objects.get(pk=response.json()["id"])
    assert LineageEdge.objects.filter(parent=batch, child=output).exists()
    assert Custody.objects.get(batch=batch).quantity == 20
    too_much = enterprise.client.post(
        "/api/v1/batches/transform/",
        {
            "inputs": [{"batch": batch.pk, "quantity": "21"}],
            "product": yogurt.pk,
            "lot": "Y2",
            "quantity": "1",
            "unit": "EA",
        },
        format="json",
    )
    assert ("inputs[0].quantity", "quantity_exceeds_held") in errors_of(too_much)
    assert not Batch.objects.filter(lot="Y2").exists()


# --- visibility ------------------------------------------------------------


def test_visibility_of_batches_by_persona(
    enterprise, other_enterprise, regulator, regulator_elsewhere, batch
):
    for persona, expected in (
        (enterprise, [batch.pk]),
        (regulator, [batch.pk]),
        (other_enterprise, []),
        (regulator_elsewhere, []),
    ):
        response = persona.client.get("/api/v1/batches/")
        assert [b["id"] for b in response.json()["results"]] == expected


def test_regulator_sees_batches_held_in_its_jurisdiction(enterprise, regulator_elsewhere, batch):
    from tests.conftest import Persona
    from tests.factories import EnterpriseFactory, UserFactory

    hangzhou_shop = Persona(UserFactory(organization=EnterpriseFactory(region_code="330106")))
    ship(enterprise, batch, hangzhou_shop.org, 5)
    assert regulator_elsewhere.client.get(f"/api/v1/batches/{batch.pk}/").status_code == 200


def test_list_endpoints_use_a_fixed_number_of_queries(
    enterprise, product, django_assert_max_num_queries
):
    for i in range(15):
        produce(enterprise.user, product, lot=f"L{i}")
    with django_assert_max_num_queries(6):
        assert enterprise.client.get("/api/v1/batches/").json()["count"] == 15
    with django_assert_max_num_queries(7):
        assert enterprise.client.get("/api/v1/events/").json()["count"] == 15


# --- trace and exports ----------------------------------------------------------


@pytest.fixture
def chain(enterprise, partner, batch):
    """enterprise: L1 → (transform) → Y1, shipped to partner."""
    yogurt = ProductFactory(owner=enterprise.org)
    enterprise.client.post(
        "/api/v1/batches/transform/",
        {
            "inputs": [{"batch": batch.pk, "quantity": "50"}],
            "product": yogurt.pk,
            "lot": "Y1",
            "quantity": "500",
            "unit": "EA",
        },
        format="json",
    )
    output = Batch.objects.get(lot="Y1")
    plant = SiteFactory(owner=enterprise.org, name="铜山工厂")
    ship(enterprise, output, partner.org, 200, purchase_order="PO-77", site=plant.pk)
    return batch, output


def test_trace_forward_and_backward(enterprise, partner, chain):
    raw, output = chain
    forward = enterprise.client.get(
        f"/api/v1/batches/{raw.pk}/trace/", {"direction": "forward"}
    ).json()
    assert {b["id"] for b in forward["batches"]} == {raw.pk, output.pk}
    assert {o["id"] for o in forward["organizations"]} >= {enterprise.org.pk, partner.org.pk}
    assert {e["kind"] for e in forward["edges"]} == {"transformation", "shipment"}
    backward = enterprise.client.get(
        f"/api/v1/batches/{output.pk}/trace/", {"direction": "backward"}
    ).json()
    assert {b["id"]: b["distance"] for b in backward["batches"]} == {output.pk: 0, raw.pk: -1}


def test_trace_rejects_bad_parameters(enterprise, chain):
    raw, _ = chain
    response = enterprise.client.get(
        f"/api/v1/batches/{raw.pk}/trace/", {"direction": "sideways", "depth": 0}
    )
    assert {("direction", "invalid_choice"), ("depth", "min_value")} <= errors_of(response)


def test_trace_hides_other_enterprises_business_documents(
    enterprise, partner, other_enterprise, chain
):
    _, output = chain
    # The partner took part in the shipment, so it sees PO-77.
    mine = partner.client.get(f"/api/v1/batches/{output.pk}/trace/").json()
    assert any(
        t["bizTransaction"] == f"urn:epcglobal:cbv:bt:{chain[0].product.owner.gln}:PO-77"
        for e in mine["events"]
        for t in e["biz_transactions"]
    )
    assert other_enterprise.client.get(f"/api/v1/batches/{output.pk}/trace/").status_code == 404


def test_trace_csv_and_xlsx_list_critical_tracking_events(enterprise, chain):
    raw, _ = chain
    csv_response = enterprise.client.get(
        f"/api/v1/batches/{raw.pk}/trace.csv", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode("utf-8-sig")
    header, *rows = text.strip().splitlines()
    assert header.startswith(
        "Event time (Asia/Shanghai),Critical tracking event,Business step (CBV code),GTIN"
    )
    assert any(",Shipment,shipping," in row and "PO-77" in row for row in rows)
    assert any(",shipping," in row and "铜山工厂" in row for row in rows)
    xlsx = enterprise.client.get(f"/api/v1/batches/{raw.pk}/trace.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(rows) + 1


def test_qr_png_decodes_to_the_digital_link(enterprise, batch, other_enterprise):
    response = enterprise.client.get(f"/api/v1/batches/{batch.pk}/qr.png", HTTP_ACCEPT="image/png")
    assert response["Content-Type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [d.text for d in decoded] == [batch.digital_link]
    svg = enterprise.client.get(f"/api/v1/batches/{batch.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert other_enterprise.client.get(f"/api/v1/batches/{batch.pk}/qr.png").status_code == 404


# --- scanning ---------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "(01){gtin}(10)L1",
        "01{gtin}10L1",
        "]d201{gtin}10L1\x1d17271231",
        "http://testserver/01/{gtin}/10/L1",
        "https://id.gs1.org/01/{gtin}/10/L1/21/SN9",
    ],
)
def test_scan_resolves_what_a_scanner_produces(enterprise, batch, code):
    response = enterprise.client.post("/api/v1/scan/", {"code": code.format(gtin=batch.gtin)})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == batch.pk


def test_scan_errors(enterprise, other_enterprise, anonymous, batch):
    assert ("code", "scan_unparseable") in errors_of(
        enterprise.client.post("/api/v1/scan/", {"code": "hello"})
    )
    assert ("code", "scan_no_lot") in errors_of(
        enterprise.client.post("/api/v1/scan/", {"code": f"(01){batch.gtin}"})
    )
    assert (
        enterprise.client.post("/api/v1/scan/", {"code": f"(01){batch.gtin}(10)NOPE"}).status_code
        == 404
    )
    assert (
        other_enterprise.client.post(
            "/api/v1/scan/", {"code": f"(01){batch.gtin}(10)L1"}
        ).status_code
        == 404
    )
    assert (
        anonymous.client.post("/api/v1/scan/", {"code": f"(01){batch.gtin}(10)L1"}).status_code
        == 401
    )


def test_the_spreadsheet_shows_business_documents_by_the_one_rule(enterprise, chain):
    """``trace.exports`` asks ``trace.models.may_read_transactions``, as the API does: the
    parties of an event and regulators read its purchase order; a spreadsheet made for nobody
    in particular carries none."""
    from trace.core.selectors import trace_graph
    from trace.exports import trace_rows

    raw, _ = chain
    graph = trace_graph(raw, direction="both", depth=20)
    mine = trace_rows(graph, viewer=enterprise.user.membership.organization)
    nobody = trace_rows(graph, viewer=None)
    assert any("PO-77" in row["reference_number"] for row in mine)
    assert not any(row["reference_number"] for row in nobody)
