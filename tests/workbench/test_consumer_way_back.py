"""The consumer's side of issue 23: every consumer page leads back to a report's status, the
status page names who handles it and by when they decide (item 6), and a lot captured through
EPCIS shows its registered product and producer (item 7)."""

from __future__ import annotations

import re
from decimal import Decimal
from trace.core.capture import capture_events
from trace.core.identifiers import canonical_lot_uri, digital_link_path
from trace.models import Batch

import pytest
from django.utils import timezone

from complaints import services as complaint_services
from core.choices import RegulatorLevel
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
    produce,
)

pytestmark = pytest.mark.django_db

STATUS_LINK = 'href="/report/status/"'


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def dairy():
    org = EnterpriseFactory(
        name="徐州测试乳业有限公司", name_en="Xuzhou Test Dairy", region_code="320312"
    )
    return UserFactory(organization=org)


@pytest.fixture
def lot(dairy):
    product = ProductFactory(owner=dairy.membership.organization, name="测试原味酸奶")
    return produce(dairy, product, lot="WB23A", quantity=Decimal(500))


@pytest.fixture
def county():
    return RegulatorFactory(
        level=RegulatorLevel.COUNTY,
        region_code="320312",
        name="徐州市铜山区市场监督管理局",
        name_en="Tongshan District Administration for Market Regulation",
    )


def test_every_consumer_page_links_to_the_complaint_status_page(client, lot):
    page_path = digital_link_path(lot.gtin, lot.lot)
    pages = {
        "the lot's page": page_path,
        "the lookup page": "/lookup/",
        "report a problem": f"/report{page_path}/",
        "type the code": "/report/",
        "the status page itself": "/report/status/",
        "the phone sign-in": "/accounts/login/",
    }
    for what, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (what, response.status_code)
        assert STATUS_LINK in response.content.decode(), what
    english = client.get(page_path + "?lang=en").content.decode()
    assert ">Status of my report</a>" in english
    assert ">查询报告进展</a>" in client.get("/lookup/?lang=zh-hans").content.decode()


def test_the_status_page_names_the_bureau_and_the_decision_deadline_with_its_rule(
    client, lot, county
):
    complaint = complaint_services.complaint_submit(
        batch=lot, description="酸奶有异味", injured=False
    )
    due = timezone.localtime(complaint.accept_due_at).strftime("%Y-%m-%d")
    path = f"/report/status/{complaint.display_code}/"
    zh = _text(client.get(path))
    assert "处理部门 徐州市铜山区市场监督管理局" in zh
    assert f"应于 {due} 前作出" in zh
    assert "7 个工作日内" in zh
    assert (
        "《市场监督管理投诉举报处理暂行办法》（国家市场监督管理总局令第20号，2022年修正）第十四条"
        in zh
    )
    en = _text(client.get(path + "?lang=en"))
    assert "Handling bureau Tongshan District Administration for Market Regulation" in en
    assert f"due by {due}" in en
    assert (
        "Within 7 working days of receipt" in en
        and "(SAMR Order 20, as amended 2022), Art. 14" in en
    )


def test_without_a_registered_county_bureau_the_status_page_names_the_place(client, lot):
    complaint = complaint_services.complaint_submit(batch=lot, description="胀袋", injured=False)
    zh = _text(client.get(f"/report/status/{complaint.display_code}/"))
    assert "铜山区市场监督管理部门" in zh


def _commissioning(gtin: str, lot: str) -> dict:
    return {
        "type": "ObjectEvent",
        "action": "ADD",
        "bizStep": "commissioning",
        "eventTime": "2026-11-20T09:30:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "quantityList": [{"epcClass": canonical_lot_uri(gtin, lot), "quantity": 80, "uom": "KGM"}],
    }


def test_a_lot_captured_through_epcis_shows_its_registered_product_and_producer(client, dairy):
    org = dairy.membership.organization
    product = ProductFactory(owner=org, name="EPCIS酸奶")
    capture_events(documents=[_commissioning(product.gtin, "EP23A")], organization=org, user=dairy)
    batch = Batch.objects.get(gtin=product.gtin, lot="EP23A")
    assert batch.product == product
    page = _text(client.get(digital_link_path(product.gtin, "EP23A")))
    assert "EPCIS酸奶" in page and "徐州测试乳业有限公司" in page
    assert "未登记的企业" not in page
    # Its workbench trace draws it as the dairy's lot.
    client.force_login(dairy)
    trace = client.get(f"/workbench/lots/{batch.pk}/trace/").content.decode()
    assert f'data-from="company-{org.pk}" data-to="lot-{batch.pk}"' in trace


def test_a_lot_named_before_its_gtin_was_registered_gets_its_product_at_the_next_capture(
    client, dairy, django_capture_on_commit_callbacks
):
    org = dairy.membership.organization
    gtin = ProductFactory.build().gtin  # a GTIN nobody has registered yet
    capture_events(documents=[_commissioning(gtin, "EP23B")], organization=org, user=dairy)
    batch = Batch.objects.get(gtin=gtin, lot="EP23B")
    assert batch.product is None
    assert "未登记的企业" in _text(client.get(digital_link_path(gtin, "EP23B")))
    product = ProductFactory(owner=org, gtin=gtin, name="后登记的酸奶")
    inspection = {**_commissioning(gtin, "EP23B"), "action": "OBSERVE", "bizStep": "inspecting"}
    inspection["eventTime"] = "2026-11-21T09:30:00.000+08:00"
    with django_capture_on_commit_callbacks(execute=True):  # the cached page is dropped
        capture_events(documents=[inspection], organization=org, user=dairy)
    batch.refresh_from_db()
    assert batch.product == product
    page = _text(client.get(digital_link_path(gtin, "EP23B")))
    assert "后登记的酸奶" in page and "徐州测试乳业有限公司" in page
