"""Consumer complaints through the API (issue 12): submission, status by tracking code,
handling by the county regulator of the place (SAMR Order 20), privacy, conversion."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from PIL import Image
from rest_framework.test import APIClient

from complaints.models import Complaint, ComplaintPhoto, ComplaintTimeline
from complaints.privacy import TRACKING_ALPHABET, decrypt_contact
from core.models import Notification
from incidents.models import Incident

pytestmark = pytest.mark.django_db
SUBMIT = "/api/v1/public/complaints/"


def jpeg(size=(40, 30), exif=False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        image.save(out, format="JPEG", exif=data)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def submit(batch, client=None, **extra):
    data = {
        "gtin": batch.gtin,
        "lot": batch.lot,
        "description": "喝了以后肚子疼",
        "injured": "true",
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "contact_address": "江苏省徐州市铜山区北京路1号",
        "claim": "refund",
        **extra,
    }
    return (client or APIClient()).post(SUBMIT, data, format="multipart")


def test_submit_returns_a_tracking_code_and_stores_contact_encrypted(batch, chain):
    """Issue 12 §1, §3: a short, unguessable tracking code; contact details encrypted at rest."""
    photo = SimpleUploadedFile("x.jpg", jpeg(exif=True), content_type="image/jpeg")
    response = submit(batch, photos=[photo])
    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert (
        len(code) == 11
        and code[5] == "-"
        and all(c in TRACKING_ALPHABET for c in code.replace("-", ""))
    )
    complaint = Complaint.objects.get()
    assert complaint.region_code == batch.product.owner.region_code == "320312"
    raw = bytes(complaint.contact_encrypted)
    assert b"13812345678" not in raw and "张三".encode() not in raw
    assert decrypt_contact(raw) == {
        "name": "张三",
        "phone": "13812345678",
        "address": "江苏省徐州市铜山区北京路1号",
    }
    stored = ComplaintPhoto.objects.get(complaint=complaint).file.read()
    assert b"PhoneMaker" not in stored and Image.open(io.BytesIO(stored)).format == "JPEG"
    # Nothing of the contact reaches timelines or notifications.
    for row in ComplaintTimeline.objects.all():
        assert "1381234" not in str(row.data) and "张三" not in str(row.data)
    for note in Notification.objects.all():
        assert "1381234" not in note.body + str(note.payload)


def test_code_from_a_scanned_digital_link_or_element_string(batch, chain):
    uri = f"https://id.example.cn/01/{batch.gtin}/10/{batch.lot}"
    assert submit(batch, code=uri, gtin="", lot="").status_code == 201
    element = f"(01){batch.gtin}(10){batch.lot}"
    response = submit(batch, code=element, gtin="", lot="")
    assert response.status_code == 201, response.content


def test_status_by_tracking_code_shows_status_and_reply_never_contact(batch, chain):
    code = submit(batch).json()["tracking_code"]
    anonymous = APIClient()
    body = anonymous.get(f"/api/v1/public/complaints/{code}/").json()
    assert body["status"] == "submitted" and body["lot"] == batch.lot
    assert "13812345678" not in str(body) and "张三" not in str(body) and "contact" not in str(body)
    # Read aloud and typed back: lower case and without the dash work too.
    assert (
        anonymous.get(f"/api/v1/public/complaints/{code.replace('-', '').lower()}/").status_code
        == 200
    )


def test_guessed_or_malformed_tracking_codes_reveal_nothing(batch, chain):
    """Issue 12 'Bad input': same 404 for malformed and unknown codes."""
    submit(batch)
    anonymous = APIClient()
    unknown = anonymous.get("/api/v1/public/complaints/ABCDE-FGHJK/")
    malformed = anonymous.get("/api/v1/public/complaints/0000'%20OR%201=1/")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json()["detail"] == malformed.json()["detail"]


def test_county_regulator_sees_contact_city_does_not(batch, chain):
    """Issue 12 §3: contact details only for the handling regulator; never in lists."""
    submit(batch)
    complaint = Complaint.objects.get()
    county = chain["county"].client.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert county["contact"] == {
        "name": "张三",
        "phone": "13812345678",
        "address": "江苏省徐州市铜山区北京路1号",
    }
    assert county["contact_address"] == "江苏省徐州市铜山区北京路1号"
    city = chain["city"].client.get(f"/api/v1/complaints/{complaint.pk}/")
    assert city.status_code == 200 and city.json()["contact"] is None
    assert city.json()["contact_address"] is None and "北京路" not in city.content.decode()
    assert "13812345678" not in city.content.decode()
    listing = chain["county"].client.get("/api/v1/complaints/")
    assert listing.json()["count"] == 1 and "13812345678" not in listing.content.decode()
    assert chain["elsewhere"].client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404


def test_accept_reply_close_and_the_consumer_reads_it(batch, chain):
    """SAMR Order 20 Art. 19 (decide within 7 working days), Art. 32 (mediation within 45)."""
    code = submit(batch).json()["tracking_code"]
    complaint = Complaint.objects.get()
    county = chain["county"].client
    url = f"/api/v1/complaints/{complaint.pk}/"
    accepted = county.post(url + "accept/", {"reason": "符合受理条件"}, format="json")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["close_due_at"] is not None
    assert (
        county.post(
            url + "reply/", {"reply": "已责令企业退款并检查该批次"}, format="json"
        ).status_code
        == 200
    )
    assert county.post(url + "close/", {"outcome": ""}, format="json").status_code == 200
    body = APIClient().get(f"/api/v1/public/complaints/{code}/").json()
    assert body["status"] == "closed" and body["reply"] == "已责令企业退款并检查该批次"
    actions = [r["action"] for r in county.get(url + "timeline/").json()["results"]]
    assert actions == ["submitted", "accepted", "replied", "closed"]
    # An illegal transition is a 409 naming the state and the allowed actions.
    again = county.post(url + "accept/", {}, format="json")
    assert again.status_code == 409 and again.json()["current_status"] == "closed"


def test_decline_needs_a_reason_told_to_the_consumer(batch, chain):
    code = submit(batch).json()["tracking_code"]
    complaint = Complaint.objects.get()
    url = f"/api/v1/complaints/{complaint.pk}/"
    county = chain["county"].client
    assert county.post(url + "decline/", {"reason": ""}, format="json").status_code == 400
    assert (
        county.post(url + "decline/", {"reason": "不属于本局管辖"}, format="json").status_code
        == 200
    )
    body = APIClient().get(f"/api/v1/public/complaints/{code}/").json()
    assert (body["status"], body["reason"]) == ("declined", "不属于本局管辖")


def test_only_the_county_of_the_place_acts(batch, chain):
    """Issue 12 'Bad input': a regulator outside the jurisdiction acting → 4xx, nothing written."""
    submit(batch)
    complaint = Complaint.objects.get()
    url = f"/api/v1/complaints/{complaint.pk}/accept/"
    assert chain["elsewhere"].client.post(url, {}, format="json").status_code == 404
    assert chain["city"].client.post(url, {}, format="json").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and complaint.timeline.count() == 1


def test_forward_to_another_jurisdiction(batch, chain):
    submit(batch)
    complaint = Complaint.objects.get()
    url = f"/api/v1/complaints/{complaint.pk}/forward/"
    bad = chain["county"].client.post(url, {"region_code": "999999", "reason": "x"}, format="json")
    assert bad.status_code == 400
    done = chain["county"].client.post(
        url, {"region_code": "330106", "reason": "销售者在杭州"}, format="json"
    )
    assert done.status_code == 200
    assert (
        chain["elsewhere"]
        .client.get(f"/api/v1/complaints/{complaint.pk}/")
        .json()["contact"]["phone"]
    )
    assert chain["county"].client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404


def test_merge_duplicates(batch, chain):
    submit(batch)
    submit(batch)
    first, second = Complaint.objects.order_by("id")
    county = chain["county"].client
    merged = county.post(
        f"/api/v1/complaints/{second.pk}/merge/", {"into": first.pk}, format="json"
    )
    assert merged.status_code == 200 and merged.json()["merged_into"] == first.pk
    assert (
        county.post(
            f"/api/v1/complaints/{first.pk}/merge/", {"into": first.pk}, format="json"
        ).status_code
        == 400
    )


def test_convert_opens_an_incident_linked_both_ways(batch, chain):
    submit(batch)
    complaint = Complaint.objects.get()
    county = chain["county"].client
    response = county.post(
        f"/api/v1/complaints/{complaint.pk}/convert/", {"title": "酸奶致腹痛"}, format="json"
    )
    assert response.status_code == 200, response.content
    incident = Incident.objects.get(pk=response.json()["incident"])
    assert incident.source == "complaint" and list(incident.batches.all()) == [batch]
    assert response.json()["incident_url"].endswith(f"/api/v1/incidents/{incident.pk}/")
    timeline = county.get(f"/api/v1/incidents/{incident.pk}/timeline/").json()["results"]
    assert any(
        r["action"] == "from_complaint" and r["data"]["complaint"] == complaint.pk for r in timeline
    )
    assert county.get(f"/api/v1/complaints/?incident={incident.pk}").json()["count"] == 1


def test_overdue_decision_is_escalated_once(batch, chain):
    """Order 20 Art. 19: no decision within 7 working days → overdue, escalated to the city, once."""
    submit(batch)
    complaint = Complaint.objects.get()
    later = complaint.accept_due_at + timedelta(minutes=1)
    call_command("sweep_deadlines", "--now", later.isoformat())
    call_command("sweep_deadlines", "--now", (later + timedelta(days=3)).isoformat())
    complaint.refresh_from_db()
    assert complaint.is_overdue and complaint.escalated and complaint.next_due_at is None
    assert complaint.timeline.filter(action="overdue_escalated").count() == 1
    city = chain["city"].user.membership.organization
    assert Notification.objects.filter(topic="complaint.overdue", organization=city).count() == 1


@pytest.mark.parametrize(
    "extra, field, rule",
    [
        ({"description": ""}, "description", "required"),
        ({"description": "x" * 2001}, "description", "too_long"),
        ({"contact_phone": "12345"}, "contact_phone", "invalid_phone"),
        ({"gtin": "06901234567892", "lot": "NOPE"}, "code", "unknown_code"),
        ({"gtin": "", "lot": "", "code": "hello"}, "code", "invalid_code"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_nothing_is_written(batch, chain, extra, field, rule):
    response = submit(batch, **extra)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["rule"] == rule for e in errors), errors
    assert Complaint.objects.count() == 0


def test_a_non_image_photo_is_refused_and_nothing_written(batch, chain, settings):
    fake = SimpleUploadedFile(
        "photo.jpg", b"\xff\xd8\xff" + b"not really a jpeg" * 10, content_type="image/jpeg"
    )
    response = submit(batch, photos=[fake])
    assert response.status_code == 400 and response.json()["errors"][0]["rule"] == "not_an_image"
    settings.COMPLAINT_PHOTO_MAX_BYTES = 100
    big = SimpleUploadedFile("big.jpg", jpeg((400, 400)), content_type="image/jpeg")
    assert submit(batch, photos=[big]).json()["errors"][0]["rule"] == "file_too_large"
    many = [SimpleUploadedFile(f"{i}.jpg", jpeg(), content_type="image/jpeg") for i in range(4)]
    settings.COMPLAINT_PHOTO_MAX_BYTES = 10**6
    assert submit(batch, photos=many).json()["errors"][0]["rule"] == "too_many_files"
    assert Complaint.objects.count() == 0 and ComplaintPhoto.objects.count() == 0


def test_timeline_is_append_only_on_postgres(batch, chain):
    submit(batch)
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE complaints_complainttimeline SET action = 'x'")
