"""The consumer's phone pages (issue 12 §1): the form on a lot, the code typed from the package,
the status page; bad input is shown on the form and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from complaints.models import Complaint

pytestmark = pytest.mark.django_db


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
    disguised = client.post(url, {"description": "有异物", "photos": [fake]})
    assert "Only JPEG or PNG photos" in disguised.content.decode()
    assert client.post(url, {"description": ""}).status_code == 200
    assert Complaint.objects.count() == 0


def test_unknown_lot_and_unknown_tracking_code_are_404_pages(batch, chain):
    client = Client()
    assert client.get(f"/report/01/{batch.gtin}/10/NOPE/").status_code == 404
    assert client.get("/report/status/ABCDE-FGHJK/").status_code == 404
    assert client.get("/report/status/%27--/").status_code == 404
    submitted = client.post(f"/report/01/{batch.gtin}/10/{batch.lot}/", {"description": "有异物"})
    assert submitted.status_code == 302
    status = client.get(submitted["Location"])
    assert status.status_code == 200 and status["Cache-Control"] == "private, no-store"
