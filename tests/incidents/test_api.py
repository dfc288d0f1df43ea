"""The incidents API: reporting, bad input, who sees what, actions, lists and attachments (issue 11)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from core.choices import Role
from incidents import services
from incidents.filters import IncidentFilterSet
from incidents.models import Incident, IncidentAttachment, IncidentTimeline
from tests.conftest import Persona
from tests.factories import ProductFactory, UserFactory, produce

from .conftest import report_body

URL = "/api/v1/incidents/"


def _real_png() -> bytes:
    """A real 2×2 PNG: photos are decoded and re-encoded (metadata stripped), so a fake one is
    refused."""
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


PNG = _real_png()
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def create(persona, batch, t0, **overrides):
    return persona.client.post(URL, report_body(batch, t0, **overrides), format="json")


def problem(response):
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return response.json()


def rules(response):
    return {(e["field"], e["rule"]) for e in problem(response).get("errors", [])}


def test_an_enterprise_reports_and_the_county_sees_it_at_once(chain, dairy, batch, t0):
    """The local product plan (defaults from Order 493's model): the report reaches the county regulator of the place at once."""
    response = create(dairy, batch, t0, deaths=12)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["grade"], body["grade_provisional"], body["status"], body["level"]) == (
        "II",
        True,
        "reported",
        "county",
    )
    assert (
        body["batches"] == [batch.pk] and body["deaths"] == 12 and body["region_code"] == "320312"
    )
    assert "accept" in body["allowed_actions"]
    assert chain["county"].client.get(f"{URL}{body['id']}/").status_code == 200
    for who in ("city", "province", "national", "elsewhere"):
        assert chain[who].client.get(f"{URL}{body['id']}/").status_code == 404, who


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        (
            {
                "discovered_at": "2020-01-01T00:00:00+08:00",
                "occurred_at": "2020-01-02T00:00:00+08:00",
            },
            "discovered_at",
            "discovered_before_occurred",
        ),
        ({"discovered_at": "2999-01-01T00:00:00+08:00"}, "discovered_at", "in_future"),
        ({"deaths": -1}, "deaths", "min_value"),
        ({"serious_injuries": 10**9}, "serious_injuries", "implausible"),
        ({"direct_loss": "-5"}, "direct_loss", "min_value"),
        ({"region_code": "990312"}, "region_code", "region_code_unknown_province"),
        ({"region_code": "320300"}, "region_code", "region_code_not_county"),
        ({"region_code": "32031"}, "region_code", "region_code_format"),
        ({"batches": [999999]}, "batches", "batch_not_visible"),
        ({"title": ""}, "title", "blank"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(dairy, batch, t0, overrides, field, rule):
    """Issue 11 'Bad input': the field and the rule are named; nothing half-written."""
    response = create(dairy, batch, t0, **overrides)
    assert response.status_code == 400, response.content
    assert (field, rule) in rules(response)
    assert Incident.objects.count() == 0 and IncidentTimeline.objects.count() == 0


def test_a_batch_the_reporter_may_not_see_is_refused(dairy, stranger, batch, t0):
    response = create(stranger, batch, t0)
    assert response.status_code == 400 and ("batches", "batch_not_visible") in rules(response)


def test_viewers_and_anonymous_cannot_report(dairy, batch, t0, anonymous):
    viewer = Persona(UserFactory(organization=dairy.org, organization__role=Role.VIEWER))
    assert create(viewer, batch, t0).status_code == 403
    assert create(anonymous, batch, t0).status_code == 401


def test_an_illegal_transition_is_409_naming_the_state_and_the_allowed_actions(
    chain, dairy, batch, t0
):
    """Issue 11 §2: an illegal transition is a 409 problem+json naming the current state."""
    incident_id = create(dairy, batch, t0).json()["id"]
    response = chain["county"].client.post(f"{URL}{incident_id}/close/", {}, format="json")
    assert response.status_code == 409
    body = problem(response)
    assert body["current_status"] == "reported"
    assert set(body["allowed_actions"]) >= {"accept", "reject", "merge"}
    assert "close" not in body["allowed_actions"]


def test_the_whole_workflow_through_the_api(chain, dairy, batch, t0):
    """reported → accepted → responding → investigating → concluded → closed (issue 11 §2),
    with case transfer recorded (Sichuan draft Art. 28: 案件移送)."""
    county = chain["county"].client
    incident_id = create(dairy, batch, t0).json()["id"]
    base = f"{URL}{incident_id}/"
    assert county.post(base + "acknowledge/", {}, format="json").status_code == 200
    for action, body in (
        ("accept", {}),
        ("respond", {"reason": "责令下架"}),
        ("investigate", {}),
        ("extend", {"reason": "等待检验报告"}),
        ("conclude", {"findings": "冷链断链", "public_result": "企业已整改"}),
        ("close", {}),
    ):
        response = county.post(base + action + "/", body, format="json")
        assert response.status_code == 200, (action, response.content)
    assert county.get(base).json()["status"] == "closed"
    timeline = county.get(base + "timeline/").json()["results"]
    assert [r["action"] for r in timeline][:2] == ["reported", "acknowledged"]
    assert [r["data"].get("to") for r in timeline if r["action"] == "status_changed"] == [
        "accepted",
        "responding",
        "investigating",
        "concluded",
        "closed",
    ]


def test_transfer_reject_and_merge_need_what_they_record(chain, dairy, batch, t0):
    county = chain["county"].client
    first = create(dairy, batch, t0).json()["id"]
    second = create(dairy, batch, t0).json()["id"]
    third = create(dairy, batch, t0).json()["id"]
    assert county.post(f"{URL}{first}/reject/", {}, format="json").status_code == 400
    response = county.post(
        f"{URL}{second}/merge/", {"into": first, "reason": "重复上报"}, format="json"
    )
    assert response.status_code == 200 and response.json()["merged_into"] == first
    county.post(f"{URL}{third}/accept/", {}, format="json")
    assert (
        county.post(
            f"{URL}{third}/transfer/", {"target": "public_security"}, format="json"
        ).status_code
        == 400
    )
    response = county.post(
        f"{URL}{third}/transfer/",
        {
            "target": "public_security",
            "body": "徐州市公安局铜山分局",
            "reference": "铜公移〔2026〕12号",
        },
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["transfer_reference"]) == (
        "transferred",
        "铜公移〔2026〕12号",
    )


def test_a_regrade_needs_a_reason_and_confirms_the_grade(chain, dairy, batch, t0):
    """The local product plan (defaults from Order 493's model): the regulator confirms or changes the grade, with a reason."""
    incident_id = create(dairy, batch, t0, deaths=1).json()["id"]
    county = chain["county"].client
    response = county.post(f"{URL}{incident_id}/grade/", {"grade": "III"}, format="json")
    assert response.status_code == 400 and ("reason", "required") in rules(response)
    response = county.post(
        f"{URL}{incident_id}/grade/", {"grade": "III", "reason": "另有2人死亡待核实"}, format="json"
    )
    assert response.status_code == 200
    assert (
        response.json()["grade"],
        response.json()["grade_provisional"],
        response.json()["required_level"],
    ) == ("III", False, "province")


def test_actions_by_the_wrong_party_are_refused(chain, dairy, stranger, batch, t0):
    incident_id = create(dairy, batch, t0, deaths=12).json()["id"]
    base = f"{URL}{incident_id}/"
    # The reporting enterprise may not accept its own report.
    assert dairy.client.post(base + "accept/", {}, format="json").status_code == 403
    # Another enterprise does not even see it; a level not reached does not either.
    assert (
        stranger.client.post(base + "supplement/", {"deaths": 1}, format="json").status_code == 404
    )
    assert chain["city"].client.post(base + "acknowledge/", {}, format="json").status_code == 404
    # Once escalated the city sees it, but the county handles it; the city holds the chain now,
    # and the county still owes its own report up, once, late (tests/incidents/test_late_report.py).
    services.incidents_sweep(Incident.objects.get(pk=incident_id).escalation_due_at)
    assert chain["city"].client.post(base + "accept/", {}, format="json").status_code == 403
    assert chain["city"].client.post(base + "report-up/", {}, format="json").status_code == 200
    assert chain["county"].client.post(base + "report-up/", {}, format="json").status_code == 200
    assert chain["county"].client.post(base + "report-up/", {}, format="json").status_code == 403


def test_the_enterprise_a_regulator_names_sees_it_at_once(chain, dairy, batch, t0):
    """Issue 19 item 9 (replacing issue 11 §9's "once accepted" for this case): the enterprise an
    incident names sees what is filed against it from the start, so it can answer; a producer
    whose batch another enterprise names still sees it once accepted (tests/authz_matrix.py, A^)."""
    response = chain["county"].client.post(
        URL, report_body(batch, t0, source="inspection"), format="json"
    )
    assert response.status_code == 201, response.content
    incident_id = response.json()["id"]
    assert response.json()["enterprise"] == dairy.org.pk
    assert dairy.client.get(f"{URL}{incident_id}/").status_code == 200
    assert "answer" in dairy.client.get(f"{URL}{incident_id}/").json()["allowed_actions"]


def test_a_regulator_opens_only_in_its_jurisdiction(chain, batch, t0):
    response = chain["elsewhere"].client.post(
        URL, report_body(batch, t0, batches=[]), format="json"
    )
    assert response.status_code == 400 and ("region_code", "outside_jurisdiction") in rules(
        response
    )


def test_lists_filter_and_count(chain, dairy, batch, t0):
    """Issue 11 §11: filters by status, grade, level, region, overdue, dates, product, enterprise."""
    ids = [create(dairy, batch, t0, deaths=d).json()["id"] for d in (0, 3, 12)]
    county = chain["county"].client
    county.post(f"{URL}{ids[0]}/accept/", {}, format="json")
    assert [r["id"] for r in county.get(URL, {"grade": ["II", "III"]}).json()["results"]] == [
        ids[2],
        ids[1],
    ]
    assert [r["id"] for r in county.get(URL, {"status": "accepted"}).json()["results"]] == [ids[0]]
    assert county.get(URL, {"region": "320300"}).json()["count"] == 3
    assert county.get(URL, {"region": "330000"}).json()["count"] == 0
    assert county.get(URL, {"product_id": batch.product_id}).json()["count"] == 3
    assert county.get(URL, {"enterprise_id": dairy.org.pk}).json()["count"] == 3
    assert county.get(URL, {"overdue": "true"}).json()["count"] == 0
    later = (t0 + timedelta(hours=1)).isoformat()
    assert county.get(URL, {"reported_after": later}).json()["count"] == 0
    assert county.get(URL, {"status": "bogus"}).status_code == 400
    counts = county.get(URL + "counts/", {"region": "3203"}).json()
    assert counts["total"] == 3
    assert counts["by_grade"] == {"I": 0, "II": 1, "III": 1, "IV": 1}
    assert counts["by_status"]["reported"] == 2 and counts["by_status"]["accepted"] == 1
    # The city sees none of them until escalation; its counts say so.
    assert chain["city"].client.get(URL + "counts/").json()["total"] == 0


def test_the_filterset_directly(dairy, batch, t0, chain):
    create(dairy, batch, t0, deaths=12)
    create(dairy, batch, t0)
    incident = Incident.objects.order_by("id").first()
    services.incidents_sweep(incident.escalation_due_at)
    queryset = Incident.objects.all()
    assert list(IncidentFilterSet({"overdue": "true"}, queryset).qs) == [incident]
    assert list(IncidentFilterSet({"level": ["city"]}, queryset).qs) == [incident]
    assert IncidentFilterSet({"grade": ["IV"], "open": "true"}, queryset).qs.count() == 1


def test_the_list_does_not_grow_queries_with_rows(chain, dairy, batch, t0):
    create(dairy, batch, t0)
    county = chain["county"].client
    with CaptureQueriesContext(connection) as one:
        county.get(URL)
    for _ in range(5):
        create(dairy, batch, t0)
    with CaptureQueriesContext(connection) as six:
        assert county.get(URL).json()["count"] == 6
    assert len(six) == len(one)


def test_attachments_are_checked_by_content_and_served_only_to_who_sees_the_incident(
    chain, dairy, stranger, batch, t0, settings
):
    """Issue 11 §8: photos and PDFs by content, size-capped, served only to those who may see it."""
    incident_id = create(dairy, batch, t0).json()["id"]
    url = f"{URL}{incident_id}/attachments/"
    ok = dairy.client.post(url, {"file": SimpleUploadedFile("现场.png", PNG)}, format="multipart")
    assert ok.status_code == 201, ok.content
    assert ok.json()["content_type"] == "image/png"
    pdf = dairy.client.post(
        url, {"file": SimpleUploadedFile("report.bin", PDF)}, format="multipart"
    )
    assert pdf.json()["content_type"] == "application/pdf"
    disguised = dairy.client.post(
        url,
        {"file": SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>")},
        format="multipart",
    )
    assert disguised.status_code == 400 and ("file", "file_type") in rules(disguised)
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 32
    big = dairy.client.post(url, {"file": SimpleUploadedFile("big.png", PNG)}, format="multipart")
    assert big.status_code == 400 and ("file", "file_too_large") in rules(big)
    assert IncidentAttachment.objects.count() == 2

    download = ok.json()["download_url"]
    response = chain["county"].client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert (
        response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    )
    assert stranger.client.get(download).status_code == 404
    assert chain["city"].client.get(download).status_code == 404
    assert "attachment" in [
        r["action"]
        for r in chain["county"].client.get(f"{URL}{incident_id}/timeline/").json()["results"]
    ]


def test_the_batch_shows_open_incidents_to_its_producer_and_regulators(
    chain, dairy, stranger, batch, t0
):
    """Issue 11 §10: the batch API shows open incidents on a batch to its producer and regulators."""
    incident_id = create(dairy, batch, t0).json()["id"]
    other = produce(dairy.user, ProductFactory(owner=dairy.org), lot="OTHER1")
    url = f"/api/v1/batches/{batch.pk}/incidents/"
    assert [r["id"] for r in dairy.client.get(url).json()] == [incident_id]
    assert [r["id"] for r in chain["county"].client.get(url).json()] == [incident_id]
    assert chain["city"].client.get(url).json() == []  # not yet at the city's level
    assert dairy.client.get(f"/api/v1/batches/{other.pk}/incidents/").json() == []
    assert stranger.client.get(url).status_code == 404
    chain["county"].client.post(f"{URL}{incident_id}/reject/", {"reason": "不属实"}, format="json")
    assert dairy.client.get(url).json() == []


def test_errors_follow_accept_language(chain, dairy, batch, t0):
    incident_id = create(dairy, batch, t0).json()["id"]
    url = f"{URL}{incident_id}/close/"
    zh = chain["county"].client.post(url, {}, format="json")
    en = chain["county"].client.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "允许的操作" in problem(zh)["detail"]
    assert "allowed:" in problem(en)["detail"]


def test_a_failed_notification_is_on_the_timeline(
    chain, dairy, batch, t0, settings, django_capture_on_commit_callbacks
):
    """Issue 11 §7: a down mail server loses nothing, and the failure shows on the timeline."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        incident_id = create(dairy, batch, t0).json()["id"]
    rows = IncidentTimeline.objects.filter(incident_id=incident_id, action="notification_failed")
    assert rows.count() == 1 and rows.get().reason


@pytest.mark.parametrize(
    "action",
    [
        "accept",
        "reject",
        "merge",
        "grade",
        "report-up",
        "respond",
        "investigate",
        "extend",
        "conclude",
        "transfer",
        "close",
        "acknowledge",
    ],
)
def test_an_enterprise_is_refused_a_regulators_action_before_its_input_is_read(
    chain, dairy, batch, t0, action
):
    """Issue 11 "Who does what": accepting, grading, passing up, handling and closing are the
    regulator's; the reporting enterprise gets 403 even with an empty body (not a 400 that reads
    as allowed, nor a 409 about the state) and nothing changes (issue 9: the authorization matrix)."""
    incident_id = create(dairy, batch, t0).json()["id"]
    before = IncidentTimeline.objects.filter(incident_id=incident_id).count()
    response = dairy.client.post(f"{URL}{incident_id}/{action}/", {}, format="json")
    assert response.status_code == 403, response.content
    assert problem(response)["status"] == 403
    assert IncidentTimeline.objects.filter(incident_id=incident_id).count() == before
