"""A complaint's whole course, through the API on the demo data (the phone-sized browser half is in
test_complaints_browser.py).

A consumer scans a demo yogurt code and reports an injury with a photo, gets a tracking code and
later reads the reply; the county regulator of the place (SAMR Order 20: the regulator where the
business operator is) sees the contact details, the city regulator does not see the phone
number; two more injury complaints on the same batch raise a risk signal (seed 004) to the
regulator and the producer; converting the complaint opens an incident that links back;
repeated anonymous submissions are throttled.
"""

import io
from trace.demo.seed import DEMO_PASSWORD, demo_yogurt_batch, seed_demo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from complaints.models import RiskSignal
from core.models import Notification, Organization

pytestmark = pytest.mark.django_db


def signed_in(username):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def photo():
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (255, 255, 255)).save(out, format="PNG")
    return SimpleUploadedFile("cup.png", out.getvalue(), content_type="image/png")


def test_done_when(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.COMPLAINT_SUBMIT_RATE = "3/hour"
    seed_demo()
    for username in ("producer", "county-regulator", "city-regulator"):
        get_user_model().objects.filter(username=username).update(email=f"{username}@example.cn")
    batch = demo_yogurt_batch()
    consumer = APIClient()
    scanned = f"{settings.PUBLIC_BASE_URL}/01/{batch.gtin}/10/{batch.lot}"
    created = consumer.post(
        "/api/v1/public/complaints/",
        {
            "code": scanned,
            "description": "孩子喝后呕吐，去了医院。",
            "injured": "true",
            "contact_name": "陈女士",
            "contact_phone": "13912345678",
            "contact_address": "江苏省徐州市铜山区北京路1号",
            "claim": "compensation",
            "photos": [photo()],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    code = created.json()["tracking_code"]

    county, city, producer = (
        signed_in("county-regulator"),
        signed_in("city-regulator"),
        signed_in("producer"),
    )
    [row] = county.get("/api/v1/complaints/").json()["results"]
    assert "contact" not in row and row["photo_count"] == 1
    detail = county.get(f"/api/v1/complaints/{row['id']}/").json()
    assert detail["contact"] == {
        "name": "陈女士",
        "phone": "13912345678",
        "address": "江苏省徐州市铜山区北京路1号",
    }
    seen_by_city = city.get(f"/api/v1/complaints/{row['id']}/")
    assert seen_by_city.status_code == 200 and "13912345678" not in seen_by_city.content.decode()

    url = f"/api/v1/complaints/{row['id']}/"
    assert county.post(url + "accept/", {"reason": "予以受理"}, format="json").status_code == 200
    assert (
        county.post(
            url + "reply/", {"reply": "已立案调查，企业已下架该批次。"}, format="json"
        ).status_code
        == 200
    )
    status = consumer.get(f"/api/v1/public/complaints/{code}/").json()
    assert status["reply"] == "已立案调查，企业已下架该批次。" and "13912345678" not in str(status)

    for text in ("喝完腹泻", "全家三人腹痛"):
        assert (
            consumer.post(
                "/api/v1/public/complaints/",
                {"gtin": batch.gtin, "lot": batch.lot, "description": text, "injured": True},
                format="json",
            ).status_code
            == 201
        )
    [signal] = producer.get("/api/v1/signals/").json()["results"]
    assert signal["evidence"]["injury_complaints"] == 3 and len(signal["complaints"]) == 3
    assert county.get(f"/api/v1/signals/{signal['id']}/").status_code == 200
    producer_org = Organization.objects.get(name="徐州彭城乳业有限公司")
    county_org = Organization.objects.get(name="徐州市铜山区市场监督管理局")
    recipients = set(
        Notification.objects.filter(topic="risk.injury_cluster").values_list(
            "organization", flat=True
        )
    )
    assert recipients == {producer_org.pk, county_org.pk}
    assert RiskSignal.objects.get().status == "open"

    converted = county.post(url + "convert/", {"title": "酸奶疑致儿童呕吐"}, format="json")
    assert converted.status_code == 200, converted.content
    incident_id = converted.json()["incident"]
    incident = county.get(f"/api/v1/incidents/{incident_id}/").json()
    assert incident["source"] == "complaint" and incident["batches"] == [batch.pk]
    timeline = county.get(f"/api/v1/incidents/{incident_id}/timeline/").json()["results"]
    assert any(
        r["action"] == "from_complaint" and r["data"]["complaint"] == row["id"] for r in timeline
    )

    # A fourth anonymous submission from this client within the hour is refused, nothing stored.
    flood = consumer.post(
        "/api/v1/public/complaints/",
        {"gtin": batch.gtin, "lot": batch.lot, "description": "再次投诉"},
        format="json",
    )
    assert flood.status_code == 429
    assert county.get("/api/v1/complaints/").json()["count"] == 3
