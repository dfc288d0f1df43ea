"""No workbench link leads into the API browser: a lot's labels and QR code, an incident's
attachments and a complaint's photos are served at workbench addresses, to those who see them."""

import re
from trace.models import Batch

import pytest

from complaints.models import Complaint
from incidents.models import Incident
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _api_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action)="(/api/[^"]*)"', html)


def test_the_lot_pages_link_their_files_inside_the_workbench(client, seeded):  # noqa: F811
    producer = seeded["producer"]
    client.force_login(producer)
    batch = Batch.objects.filter(product__owner=producer.membership.organization).first()
    listing = client.get("/workbench/lots/").content.decode()
    page = client.get(f"/workbench/lots/{batch.pk}/").content.decode()
    assert _api_links(listing) == [] and _api_links(page) == []
    assert f'href="/workbench/lots/{batch.pk}/labels/"' in page
    assert f'href="/workbench/lots/{batch.pk}/qr.svg"' in page
    sheet = client.get(f"/workbench/lots/{batch.pk}/labels/?count=3")
    assert sheet.status_code == 200 and batch.lot in sheet.content.decode()
    assert sheet.content.decode().count("(01)") >= 3
    qr = client.get(f"/workbench/lots/{batch.pk}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    # a lot this enterprise neither made nor held: not found
    other = Batch.objects.exclude(pk__in=Batch.objects.visible_to(producer)).first()
    if other is not None:
        assert client.get(f"/workbench/lots/{other.pk}/labels/").status_code == 404


def test_record_pages_link_no_api_address(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    for incident in Incident.objects.all()[:5]:
        html = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
        assert _api_links(html) == [], incident.pk
    for complaint in Complaint.objects.all()[:5]:
        html = client.get(f"/workbench/complaints/{complaint.pk}/").content.decode()
        assert _api_links(html) == [], complaint.pk
