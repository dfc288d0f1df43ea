"""The incident, complaint and recall pages: what each user sees, and buttons that post through
the very services the API calls (a timeline row written, a refusal shown as the service says it)."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from complaints.models import Complaint, RiskSignal
from incidents.models import Incident, IncidentTimeline
from recalls import services as recall_services
from recalls.models import Recall, RecallProgressReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    """The whole demo as ``manage.py seed_demo`` makes it: lots, incidents, recalls, complaints."""
    call_command("seed_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def _incident(title: str) -> Incident:
    return Incident.objects.get(title=title)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_accept_button_goes_through_the_service_and_writes_the_timeline(client, seeded):
    incident = _incident("酸奶杯内发现异物")  # fresh at the county
    client.force_login(seeded["county-regulator"])
    page = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
    assert f'action="/workbench/incidents/{incident.pk}/do/accept/"' in page
    rows = IncidentTimeline.objects.filter(incident=incident).count()

    response = client.post(f"/workbench/incidents/{incident.pk}/do/accept/", follow=True)

    assert response.redirect_chain[-1][0] == f"/workbench/incidents/{incident.pk}/"
    incident.refresh_from_db()
    assert incident.status == "accepted" and incident.accepted_at is not None
    added = IncidentTimeline.objects.filter(incident=incident).order_by("id")[rows:]
    assert [(r.action, r.data["action"]) for r in added] == [("status_changed", "accept")]
    assert added[0].actor == seeded["county-regulator"]
    assert any("完成" in m or "done" in m for m in _messages(response))
    # The button is gone (accept is not allowed from accepted); the chain's are still offered.
    page = response.content.decode()
    assert "/do/accept/" not in page and "/do/report-up/" in page


def test_a_refused_action_shows_the_409_message_and_changes_nothing(client, seeded):
    incident = _incident("酸奶致多人急性胃肠炎")  # already accepted and in emergency handling
    client.force_login(seeded["county-regulator"])
    before = (incident.status, IncidentTimeline.objects.filter(incident=incident).count())

    response = client.post(
        f"/workbench/incidents/{incident.pk}/do/accept/?lang=en",
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and "is not allowed while the incident is" in errors[0]
    assert "allowed:" in errors[0]
    incident.refresh_from_db()
    assert (incident.status, IncidentTimeline.objects.filter(incident=incident).count()) == before


def test_an_input_error_names_the_field_and_stores_nothing(client, seeded):
    incident = _incident("酸奶杯内发现异物")
    client.force_login(seeded["county-regulator"])
    response = client.post(
        f"/workbench/incidents/{incident.pk}/do/reject/", {"reason": ""}, follow=True
    )
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and errors[0].startswith("reason:")
    incident.refresh_from_db()
    assert incident.status == "reported"


def test_an_enterprise_cannot_accept_its_own_report(client, seeded):
    incident = _incident("酸奶杯内发现异物")
    client.force_login(seeded["producer"])
    page = client.get(f"/workbench/incidents/{incident.pk}/").content.decode()
    assert "/do/accept/" not in page and "/do/supplement/" in page  # the reporter supplements
    response = client.post(f"/workbench/incidents/{incident.pk}/do/accept/", follow=True)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1
    incident.refresh_from_db()
    assert incident.status == "reported"


def test_a_supplement_from_the_reporter_recomputes_the_grade(client, seeded):
    incident = _incident("酸奶杯内发现异物")
    client.force_login(seeded["producer"])
    client.post(
        f"/workbench/incidents/{incident.pk}/do/supplement/",
        {"serious_injuries": "12", "deaths": "", "reason": "住院人数增加"},
    )
    incident.refresh_from_db()
    assert incident.serious_injuries == 12 and incident.grade == "III"
    assert incident.timeline.filter(action="supplement").exists()


def test_the_incident_page_shows_figures_batches_timeline_and_due_times(client, seeded):
    incident = _incident("消费者反映酸奶异味")
    client.force_login(seeded["county-regulator"])
    response = client.get(f"/workbench/incidents/{incident.pk}/?lang=en")
    page, text = response.content.decode(), _text(response)
    batch = incident.batch_links.get().batch
    assert f'href="/01/{batch.gtin}/10/{batch.lot}"' in page
    assert f'href="/workbench/lots/{batch.pk}/trace/"' in page
    assert "provisional" in text and "Minor injuries" in text
    # The timeline in order: reported, the reminders, the sweep's escalation.
    labels = re.findall(r"<strong>([^<]+)</strong>", page.split('id="timeline"')[1])
    assert labels[0] == "Reported" and "Escalated: not passed up in time" in labels
    assert "overdue" in text


def test_other_enterprises_and_lower_levels_do_not_see_the_record(client, seeded):
    fresh = _incident("酸奶杯内发现异物")  # still at the county
    client.force_login(seeded["ranch"])  # another enterprise
    assert client.get(f"/workbench/incidents/{fresh.pk}/").status_code == 404
    assert client.post(f"/workbench/incidents/{fresh.pk}/do/supplement/").status_code == 404
    client.force_login(seeded["city-regulator"])
    assert client.get(f"/workbench/incidents/{fresh.pk}/").status_code == 404
    listed = client.get("/workbench/incidents/").content.decode()
    assert f'data-id="{fresh.pk}"' not in listed


def test_the_complaint_page_shows_the_phone_only_to_the_handling_county(client, seeded):
    complaint = Complaint.objects.get(description__startswith="酸奶开盖后")
    client.force_login(seeded["county-regulator"])
    assert "13900001111" in client.get(f"/workbench/complaints/{complaint.pk}/").content.decode()
    client.force_login(seeded["city-regulator"])
    response = client.get(f"/workbench/complaints/{complaint.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "13900001111" not in page and "李女士" not in page
    assert "/do/" not in page  # the city does not act on it
    client.force_login(seeded["producer"])
    assert client.get(f"/workbench/complaints/{complaint.pk}/").status_code == 404


def test_complaint_accept_button_calls_the_service(client, seeded):
    complaint = Complaint.objects.filter(status="submitted").order_by("id").first()
    client.force_login(seeded["county-regulator"])
    client.post(f"/workbench/complaints/{complaint.pk}/do/accept/", {"reason": "予以受理"})
    complaint.refresh_from_db()
    assert complaint.status == "accepted" and complaint.close_due_at is not None
    assert complaint.timeline.filter(action="accepted").exists()


def test_the_recall_page_reconciles_quantities_and_lists_consignees(client, seeded):
    recall = Recall.objects.get(status="active")
    client.force_login(seeded["county-regulator"])
    response = client.get(f"/workbench/recalls/{recall.pk}/?lang=en")
    text = _text(response)
    for heading in ("Scope: lots", "Holders and quantities", "Consignees", "Quantities reconciled"):
        assert heading in text
    assert 'id="recalled-over-sold"' in response.content.decode() and "target" in text
    names = {n.organization.name for n in recall.notices.filter(included=True)}
    assert names and all(name in text for name in names)
    # A consignee sees its own notice and link, not the others.
    client.force_login(seeded["retailer"])
    response = client.get(f"/workbench/recalls/{recall.pk}/")
    page = response.content.decode()
    assert (
        response.status_code == 200 and 'id="own-notice"' in page and 'id="consignees"' not in page
    )
    others = names - {seeded["retailer"].membership.organization.name}
    assert not any(name in page for name in others)


def test_the_producer_files_a_progress_report_from_the_recall_page(client, seeded):
    recall = Recall.objects.get(status="active")
    client.force_login(seeded["producer"])
    page = client.get(f"/workbench/recalls/{recall.pk}/").content.decode()
    assert "/do/progress-report/" in page and "/do/approve/" not in page
    client.post(
        f"/workbench/recalls/{recall.pk}/do/progress-report/", {"note": "第一次报告"}, follow=True
    )
    assert RecallProgressReport.objects.filter(recall=recall, note="第一次报告").exists()
    assert recall.timeline.filter(action="progress_report_filed").exists()
    client.force_login(seeded["county-regulator"])  # the regulator may not file it
    response = client.post(f"/workbench/recalls/{recall.pk}/do/progress-report/", follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert RecallProgressReport.objects.filter(recall=recall).count() == 1


def test_the_regulator_closes_a_recall_by_override_with_a_reason(client, seeded):
    recall = Recall.objects.get(status="active")
    client.force_login(seeded["producer"])
    client.post(f"/workbench/recalls/{recall.pk}/do/complete/", follow=True)
    client.post(
        f"/workbench/recalls/{recall.pk}/do/summary-report/",
        {"conclusion": "已按计划完成召回"},
        follow=True,
    )
    recall.refresh_from_db()
    assert recall.status == "completed" and hasattr(recall, "summary_report")
    client.force_login(seeded["county-regulator"])
    page = client.get(f"/workbench/recalls/{recall.pk}/").content.decode()
    assert "/do/close/" in page and 'name="override"' in page
    # Not every consignee answered: closing needs the override, and the override a reason.
    response = client.post(f"/workbench/recalls/{recall.pk}/do/close/", follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    response = client.post(
        f"/workbench/recalls/{recall.pk}/do/close/", {"override": "true"}, follow=True
    )
    assert "reason" in [str(m) for m in response.context["messages"]][0]
    client.post(
        f"/workbench/recalls/{recall.pk}/do/close/",
        {"override": "true", "reason": "剩余收货方已停业"},
        follow=True,
    )
    recall.refresh_from_db()
    assert recall.status == "closed" and recall.closed_by_override
    assert recall.timeline.filter(action="closed", reason="剩余收货方已停业").exists()


def test_lists_filter_like_the_api(client, seeded):
    client.force_login(seeded["county-regulator"])
    visible = Incident.objects.visible_to(seeded["county-regulator"]).count()
    for query in ("", "?status=&grade=&level=&overdue=&q="):  # the form's "any"
        page = client.get(f"/workbench/incidents/{query}").content.decode()
        assert page.count("data-id=") == visible > 0
    page = client.get("/workbench/recalls/").content.decode()
    assert page.count("data-id=") == Recall.objects.visible_to(seeded["county-regulator"]).count()
    page = client.get("/workbench/incidents/?status=closed").content.decode()
    closed = Incident.objects.get(status="closed")
    assert page.count("data-id=") == 1 and f'data-id="{closed.pk}"' in page
    page = client.get("/workbench/incidents/?overdue=true").content.decode()
    assert page.count("data-id=") == Incident.objects.filter(is_overdue=True).count()
    page = client.get("/workbench/recalls/?status=closed").content.decode()
    assert page.count("data-id=") == Recall.objects.filter(status="closed").count()


def test_the_account_page_leads_to_the_workbench(client, seeded):
    client.force_login(seeded["distributor"])
    assert 'href="/workbench/"' in client.get("/accounts/").content.decode()


class _PageWords(HTMLParser):
    """The text a page says in its own words: data (``translate="no"``), the signed-in
    organization's name and the switch to Chinese (``lang="zh-Hans"``) left out."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = (
            attrs.get("translate") == "no"
            or attrs.get("lang") == "zh-Hans"
            and tag != "html"
            or "wb-who" in (attrs.get("class") or "")
            or tag in ("script", "style")
        )
        if not any(self.stack) and not skip:
            self.words += [attrs.get(a) or "" for a in ("data-confirm", "title", "placeholder")]
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not any(self.stack):
            self.words.append(data)


CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@pytest.mark.parametrize("username", ["county-regulator", "city-regulator", "producer", "retailer"])
def test_every_record_page_is_english_when_switched(client, seeded, username):
    client.force_login(seeded[username])
    client.get("/workbench/?lang=en")  # the switch is remembered
    urls = ["/workbench/", "/workbench/incidents/", "/workbench/complaints/", "/workbench/recalls/"]
    urls += [f"/workbench/incidents/{pk}/" for pk in Incident.objects.values_list("pk", flat=True)]
    urls += [
        f"/workbench/complaints/{pk}/" for pk in Complaint.objects.values_list("pk", flat=True)
    ]
    urls += [f"/workbench/recalls/{pk}/" for pk in Recall.objects.values_list("pk", flat=True)]
    urls += [f"/workbench/signals/{pk}/" for pk in RiskSignal.objects.values_list("pk", flat=True)]
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 404:
            continue
        assert response.status_code == 200 and b'<html lang="en">' in response.content, url
        parser = _PageWords()
        parser.feed(response.content.decode())
        leaks = CJK.findall(" ".join(parser.words))
        assert not leaks, (url, "".join(leaks))
        seen += 1
    assert seen >= 5


GARBAGE = {
    "reason": "x" * 6000,
    "grade": "V",
    "into": "abc",
    "target": "moon",
    "deaths": "-1",
    "serious_injuries": "1e9",
    "direct_loss": "lots",
    "findings": "",
    "region_code": "999999",
    "override": "maybe",
    "units_recovered": "-5",
    "conclusion": "",
}


@pytest.mark.parametrize(
    "kind, actions",
    [
        (
            "incidents",
            [
                "accept",
                "reject",
                "merge",
                "respond",
                "investigate",
                "extend",
                "conclude",
                "transfer",
                "close",
                "grade",
                "report-up",
                "acknowledge",
                "supplement",
            ],
        ),
        ("complaints", ["accept", "decline", "forward", "reply", "close", "merge", "convert"]),
        (
            "recalls",
            [
                "edit-scope",
                "submit",
                "approve",
                "activate",
                "object",
                "progress-report",
                "complete",
                "summary-report",
                "close",
                "terminate",
                "cancel",
            ],
        ),
    ],
)
def test_bad_input_to_any_action_is_a_message_never_a_500(client, seeded, kind, actions):
    model = {"incidents": Incident, "complaints": Complaint, "recalls": Recall}[kind]
    target = model.objects.order_by("-id").first()
    for username in ("county-regulator", "producer"):
        client.force_login(seeded[username])
        for action in actions:
            response = client.post(f"/workbench/{kind}/{target.pk}/do/{action}/", GARBAGE)
            assert response.status_code in (302, 404), (username, action, response.status_code)
    assert client.post(f"/workbench/{kind}/{target.pk}/do/explode/").status_code == 404


def test_an_ordered_food_recall_offers_no_objection_and_the_city_its_approval(client, seeded):
    incident = _incident("酸奶致多人急性胃肠炎")
    recall = recall_services.recall_create_from_incident(
        actor=seeded["city-regulator"],  # food: Order 122 Art. 20
        incident_id=incident.pk,
        recall_class=1,
        defect="封口不严",
        hazard="可能引起食物中毒",
        remedies=["refund", "replacement"],
        notice_title="责令召回",
        notice_text="请停止销售并退回。",
        consumer_action="请立即停止使用并退回。",
        contact="客服热线 400-000-0000",
        planned_end="2027-06-30",
    )
    # Food: the notice is the order (SAMR Order 122 Art. 20), so no objection window is offered.
    assert recall.objection_due_at is None and recall.order_issued_at is not None
    client.force_login(seeded["producer"])
    inbox = client.get("/workbench/?lang=en").content.decode()
    row = inbox.split(f'data-item="recall-{recall.pk}"')[1].split("</li>")[0]
    assert "objection window" not in row and "you may object" not in row
    page = client.get(f"/workbench/recalls/{recall.pk}/").content.decode()
    assert "/do/object/" not in page and "/do/edit-scope/" in page
    client.post(f"/workbench/recalls/{recall.pk}/do/edit-scope/", follow=True)
    client.post(f"/workbench/recalls/{recall.pk}/do/submit/", follow=True)
    recall.refresh_from_db()
    assert recall.status == "submitted"
    # The plan is reported to the districted city, not the county (SAMR Order 122 Art. 5 ¶3).
    client.force_login(seeded["county-regulator"])
    inbox = client.get("/workbench/?kind=recall&lang=en").content.decode()
    assert f"/workbench/recalls/{recall.pk}/do/approve/" not in inbox
    client.post(f"/workbench/recalls/{recall.pk}/do/approve/", follow=True)
    recall.refresh_from_db()
    assert recall.approved_at is None
    client.force_login(seeded["city-regulator"])
    inbox = client.get("/workbench/?kind=recall&lang=en").content.decode()
    row = inbox.split(f'data-item="recall-{recall.pk}"')[1].split("</li>")[0]
    assert "plan to approve" in row and f"/workbench/recalls/{recall.pk}/do/approve/" in row
    client.post(f"/workbench/recalls/{recall.pk}/do/approve/", follow=True)
    recall.refresh_from_db()
    assert recall.approved_at is not None and recall.timeline.filter(action="approved").exists()


def test_a_risk_signal_is_confirmed_from_the_inbox_and_dismissed_only_with_a_reason(client, seeded):
    signal = RiskSignal.objects.get(status="open")
    client.force_login(seeded["county-regulator"])
    client.post(f"/workbench/signals/{signal.pk}/do/dismiss/", {"reason": ""}, follow=True)
    signal.refresh_from_db()
    assert signal.status == "open"
    response = client.post(
        f"/workbench/signals/{signal.pk}/do/confirm/", {"next": "/workbench/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/workbench/"
    signal.refresh_from_db()
    assert signal.status == "confirmed" and signal.timeline.filter(action="confirmed").exists()
    client.force_login(seeded["producer"])  # the producer sees it, does not decide
    page = client.get(f"/workbench/signals/{signal.pk}/").content.decode()
    assert "/do/" not in page
