"""The consumer's phone pages (issue 12 §1): the form on a lot, the code typed from the package,
the status page; bad input is shown on the form and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.models import Complaint

pytestmark = pytest.mark.django_db

FULL = {  # what SAMR Order 20 Art. 9 asks of a complaint
    "description": "有异物",
    "claim": "refund",
    "respondent_kind": "maker",
    "respondent_name": "某乳业",
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "contact_address": "江苏省徐州市铜山区北京路1号",
}


def test_the_consumer_page_links_to_the_form(batch, chain):
    page = (
        Client().get(f"/01/{batch.gtin}/10/{batch.lot}", HTTP_ACCEPT="text/html").content.decode()
    )
    assert f'href="/report/01/{batch.gtin}/10/{batch.lot}/"' in page


def test_bad_input_on_the_form_writes_nothing(batch, chain):
    url = f"/report/01/{batch.gtin}/10/{batch.lot}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    bad_phone = client.post(url, {"description": "有异物", "contact_phone": "12345"})
    assert bad_phone.status_code == 200 and "mainland mobile number" in bad_phone.content.decode()
    fake = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"x" * 50, content_type="image/png")
    disguised = client.post(url, {**FULL, "photos": [fake]})
    assert "Only JPEG or PNG photos" in disguised.content.decode()
    assert client.post(url, {"description": ""}).status_code == 200
    assert Complaint.objects.count() == 0


def test_unknown_lot_and_unknown_tracking_code_are_404_pages(batch, chain):
    client = Client()
    assert client.get(f"/report/01/{batch.gtin}/10/NOPE/").status_code == 404
    assert client.get("/report/status/ABCDE-FGHJK/").status_code == 404
    assert client.get("/report/status/%27--/").status_code == 404
    submitted = client.post(f"/report/01/{batch.gtin}/10/{batch.lot}/", FULL)
    assert submitted.status_code == 302
    status = client.get(submitted["Location"])
    assert status.status_code == 200 and status["Cache-Control"] == "private, no-store"


def test_the_form_asks_what_order_20_art_9_requires_prefilled_from_the_lot(batch, chain):
    """SAMR Order 20 Art. 9: name, phone, address; respondent; claim and facts. The respondent
    is prefilled from the scanned lot (its maker), editable."""
    url = f"/report/01/{batch.gtin}/10/{batch.lot}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(url).content.decode()
    for name in ("contact_name", "contact_phone", "contact_address", "respondent_name", "claim"):
        assert f'name="{name}"' in page
    assert f'value="{batch.product.owner.name}"' in page  # the maker, prefilled
    assert 'href="/report/tip/01/' in page  # a report (举报) is offered instead
    response = client.post(url, {"description": "有异物"})
    text = response.content.decode()
    assert response.status_code == 200 and 'id="art9-missing"' in text
    assert "this is not a complaint" in text and Complaint.objects.count() == 0
    client.post(
        url,
        {
            **FULL,
            "respondent_kind": "seller",
            "respondent_name": "万家福超市",
            "purchase_place": "铜山区万家福超市",
            "purchase_date": "2026-11-02",
            "purchase_price": "12.80",
        },
    )
    complaint = Complaint.objects.get()
    assert (complaint.claim, complaint.respondent_kind, complaint.respondent_name) == (
        "refund",
        "seller",
        "万家福超市",
    )
    assert str(complaint.purchase_price) == "12.80" and complaint.complete


def test_without_art_9_details_a_report_may_be_sent_anonymously(batch, chain):
    """Order 20 Arts. 3, 24: a report (举报) needs no identity; the enterprise is prefilled."""
    from complaints.models import Report

    url = f"/report/tip/01/{batch.gtin}/10/{batch.lot}/"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert batch.product.owner.name in client.get(url).content.decode()
    response = client.post(
        url, {"facts": "标签上的许可证号是假的", "enterprise_name": batch.product.owner.name}
    )
    assert response.status_code == 200 and "Your report was sent" in response.content.decode()
    report = Report.objects.get()
    assert not report.real_name and report.lot == batch.lot
    assert report.region_code == batch.product.owner.region_code
