"""Reports (举报, issue 22): a tip about a violation, anonymous or real-name, handled by the
county regulator of the place under the penalty procedure.

Rules cited (rulebook keys): SAMR Order 20 Art. 3 (a report is a violation clue), Art. 7 (a
complaint and a report are two matters), Art. 31 ¶2 (a real-name reporter is told within 5
working days of the decision whether to open a case: ``report.reporter_notice_working_days``),
Art. 33 (the reporter is never disclosed to the reported party); 市场监督管理行政处罚程序规定
Art. 18 (checked and a case opened or not within 15 working days, extendable by 15:
``report.case_decision_working_days`` / ``report.case_decision_extension_working_days``);
the 2024 Consumer Rights Protection Law Implementing Regulation Art. 46 ¶3 (mediation within
60 days of acceptance: ``complaint.mediation_days``).
"""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from complaints import report_services
from complaints import services as complaint_services
from complaints.models import Complaint, Report, ReportTimeline
from core.models import Notification
from core.rulebook import rule
from incidents.models import Incident

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
SUBMIT = "/api/v1/public/reports/"


def body(**extra):
    return {
        "subject": "无证生产酸奶",
        "enterprise_name": "铜山某乳品作坊",
        "region_code": "320312",
        "address": "铜山区某街道12号",
        "facts": "夜间在民房内灌装酸奶，贴其他厂家的标签。",
        **extra,
    }


def submitted(**extra) -> Report:
    response = APIClient().post(SUBMIT, body(**extra), format="json")
    assert response.status_code == 201, response.content
    return Report.objects.get(tracking_code=response.json()["tracking_code"].replace("-", ""))


def local_day(moment) -> date:
    return moment.astimezone(SH).date()


def test_anonymous_report_gets_a_tracking_code_and_the_status_page_never_shows_the_reporter(chain):
    """Order 20 Art. 3 (anyone may report), Art. 33 (the reporter is never disclosed)."""
    anonymous = APIClient().post(SUBMIT, body(), format="json")
    assert anonymous.status_code == 201, anonymous.content
    code = anonymous.json()["tracking_code"]
    assert anonymous.json()["status"] == "received" and len(code) == 11

    status = APIClient().get(f"/api/v1/public/reports/{code}/")
    assert status.status_code == 200
    page = status.json()
    assert page["status"] == "received" and page["decided_at"] is None
    due = rule("report.case_decision_working_days", on=date.today())
    assert page["decision_due"]["citation"] == due.citation()
    assert "reporter" not in page and "contact" not in str(page)

    real = submitted(contact_name="李四", contact_phone="13912345678")
    raw = bytes(real.contact_encrypted)
    assert real.real_name and b"13912345678" not in raw and "李四".encode() not in raw
    text = APIClient().get(f"/api/v1/public/reports/{real.display_code}/").content.decode()
    assert "13912345678" not in text and "李四" not in text
    timeline = str(list(ReportTimeline.objects.values_list("data", flat=True)))
    assert "13912345678" not in timeline and "李四" not in timeline
    assert APIClient().get("/api/v1/public/reports/ABCDE-FGHJK/").status_code == 404


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"region_code": "320300"}, "region_code", None),
        ({"facts": ""}, "facts", None),
        ({"contact_name": "李四"}, "contact_phone", "incomplete_contact"),
        ({"contact_name": "李四", "contact_phone": "123"}, "contact_phone", "invalid_phone"),
        ({"gtin": "123"}, "gtin", "invalid_gtin"),
    ],
)
def test_bad_report_input_is_a_problem_naming_the_field_and_nothing_is_stored(
    chain, extra, field, code
):
    response = APIClient().post(SUBMIT, body(**extra), format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert any(e["field"] == field and (code is None or e["rule"] == code) for e in errors)
    assert not Report.objects.exists()


def test_the_case_decision_is_due_15_working_days_on_across_national_day_extended_once(chain):
    """处罚程序规定 Art. 18: 15 working days of receipt, +15 once in special cases. Received
    Thu 2026-09-24: Sep 25–27 and Oct 1–7 are holidays, Sat Oct 10 a working day."""
    county = chain["county"]
    received = datetime(2026, 9, 24, 10, tzinfo=SH)
    report = report_services.report_submit(**body(), now=received)
    assert rule("report.case_decision_working_days", on=received).value == 15
    assert local_day(report.decision_due_at) == date(2026, 10, 22)
    assert report.calendar_covered and report.next_due_at == report.decision_due_at

    refused = county.client.post(f"/api/v1/reports/{report.pk}/extend/", {}, format="json")
    assert refused.status_code == 400  # a reason is required
    extended = report_services.report_extend(
        report_id=report.pk, actor=county.user, reason="需要抽样检验", now=received
    )
    assert local_day(extended.decision_due_at) == date(2026, 11, 12)
    detail = county.client.get(f"/api/v1/reports/{report.pk}/").json()
    assert (
        detail["decision_due"]["citation"]
        == rule("report.case_decision_extension_working_days", on=received).citation()
    )
    again = county.client.post(
        f"/api/v1/reports/{report.pk}/extend/", {"reason": "再延"}, format="json"
    )
    assert again.status_code == 409
    assert "extend" not in again.json()["allowed_actions"]
    assert ReportTimeline.objects.filter(report=report, action="extended").count() == 1


def test_only_the_county_regulator_of_the_place_acts(chain, dairy):
    """Order 20 Arts. 25–28: the county of the place handles the report; the city reads it;
    elsewhere and enterprises see nothing. Illegal transitions are 409 naming the state."""
    report = submitted()
    url = f"/api/v1/reports/{report.pk}"
    assert chain["city"].client.get(f"{url}/").status_code == 200
    assert chain["city"].client.post(f"{url}/verify/", {}, format="json").status_code == 403
    assert chain["elsewhere"].client.post(f"{url}/verify/", {}, format="json").status_code == 404
    assert dairy.client.post(f"{url}/verify/", {}, format="json").status_code == 404
    assert APIClient().post(f"{url}/verify/", {}, format="json").status_code == 401

    county = chain["county"].client
    early = county.post(f"{url}/open-case/", {}, format="json")
    assert early.status_code == 409
    assert early["Content-Type"].startswith("application/problem+json")
    assert early.json()["current_status"] == "received"
    assert early.json()["allowed_actions"] == ["verify", "decline", "extend"]
    assert county.post(f"{url}/verify/", {}, format="json").json()["status"] == "verified"
    opened = county.post(f"{url}/open-case/", {"reason": "涉嫌无证生产"}, format="json")
    assert opened.status_code == 200 and opened.json()["status"] == "case_opened"
    late = county.post(f"{url}/decline/", {"reason": "x"}, format="json")
    assert late.status_code == 409 and late.json()["current_status"] == "case_opened"
    public = APIClient().get(f"/api/v1/public/reports/{report.display_code}/").json()
    assert public["status"] == "case_opened" and public["reason"] == "涉嫌无证生产"
    assert public["decision_due"] is None
    actions = list(report.timeline.values_list("action", flat=True))
    assert actions == ["received", "verified", "case_opened"]


def test_due_times_are_in_the_server_s_zone_as_every_time_the_api_gives(chain):
    """After open-case, the decision's due time (read from the database, UTC) and the reporter
    notice's (just computed, local) both read +08:00, as ``received_at`` does."""
    county = chain["county"].client
    real = report_services.report_submit(**body(), contact_name="李四", contact_phone="13912345678")
    url = f"/api/v1/reports/{real.pk}"
    assert county.post(f"{url}/verify/", {}, format="json").status_code == 200
    opened = county.post(f"{url}/open-case/", {"reason": "涉嫌无证生产"}, format="json").json()
    times = [opened["decision_due"]["due_at"], opened["reporter_notice_due"]["due_at"]]
    times += [opened["received_at"], county.get(f"{url}/").json()["decision_due"]["due_at"]]
    assert all(t.endswith("+08:00") for t in times), times


def test_a_real_name_reporter_is_told_within_5_working_days_of_the_decision(chain):
    """Order 20 Art. 31 ¶2: the clock starts at the decision (Wed 2026-09-30; Oct 1–7 off,
    Sat Oct 10 works: due Tue Oct 13). The handling county is reminded through the outbox;
    the notice never carries the reporter's contact details."""
    county = chain["county"]
    received = datetime(2026, 9, 21, 9, tzinfo=SH)
    real = report_services.report_submit(
        **body(), contact_name="李四", contact_phone="13912345678", now=received
    )
    anonymous = report_services.report_submit(**body(), now=received)
    decided = datetime(2026, 9, 30, 15, tzinfo=SH)
    real = report_services.report_decline(
        report_id=real.pk, actor=county.user, reason="查无实据", now=decided
    )
    assert rule("report.reporter_notice_working_days", on=decided).value == 5
    assert local_day(real.reporter_notice_due_at) == date(2026, 10, 13)
    assert real.next_due_at == real.reporter_notice_due_at
    notice = Notification.objects.get(topic="report.reporter_notice_due")
    assert notice.organization == county.org
    assert "13912345678" not in f"{notice.body}{notice.payload}" and "李四" not in notice.body

    anonymous = report_services.report_decline(
        report_id=anonymous.pk, actor=county.user, reason="查无实据", now=decided
    )
    assert anonymous.reporter_notice_due_at is None and anonymous.next_due_at is None

    detail = county.client.get(f"/api/v1/reports/{real.pk}/").json()
    assert detail["reporter"] == {"name": "李四", "phone": "13912345678"}
    assert (
        detail["reporter_notice_due"]["citation"]
        == rule("report.reporter_notice_working_days", on=decided).citation()
    )
    assert chain["city"].client.get(f"/api/v1/reports/{real.pk}/").json()["reporter"] is None
    told = county.client.post(f"/api/v1/reports/{real.pk}/tell-reporter/", {}, format="json")
    assert told.status_code == 200 and told.json()["reporter_notified_at"] is not None
    again = county.client.post(f"/api/v1/reports/{real.pk}/tell-reporter/", {}, format="json")
    assert again.status_code == 409


def test_the_sweep_marks_a_late_decision_overdue_once_and_tells_the_city(chain):
    received = datetime(2026, 9, 24, 10, tzinfo=SH)
    report = report_services.report_submit(**body(), now=received)
    call_command("sweep_deadlines", "--now", "2026-10-23T01:00:00+08:00")
    call_command("sweep_deadlines", "--now", "2026-10-24T01:00:00+08:00")
    report.refresh_from_db()
    assert report.is_overdue and report.next_due_at is None
    overdue = report.timeline.filter(action="overdue")
    assert overdue.count() == 1 and overdue.get().data["deadline"] == "case_decision"
    assert Notification.objects.filter(
        topic="report.overdue", organization=chain["city"].org
    ).exists()


def test_a_complaint_revealing_a_violation_becomes_a_report_linked_both_ways(batch, chain):
    """Order 20 Art. 7: handled as two matters; the complaint goes on as it was."""
    complaint = complaint_services.complaint_submit(
        batch=batch,
        description="标签上的生产许可证号是假的",
        injured=False,
        contact_phone="13812345678",
    )
    url = f"/api/v1/complaints/{complaint.pk}/to-report/"
    assert chain["city"].client.post(url, {}, format="json").status_code == 403
    response = chain["county"].client.post(url, {"reason": "涉嫌假冒许可证"}, format="json")
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["complaint"] == complaint.pk and report["source"] == "complaint"
    assert report["gtin"] == batch.gtin and report["lot"] == batch.lot
    assert report["real_name"] is False and report["reporter"] is None
    detail = chain["county"].client.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert detail["report"] == report["id"] and detail["status"] == "submitted"
    assert Complaint.objects.get().timeline.filter(action="to_report").exists()
    assert chain["county"].client.post(url, {}, format="json").status_code == 400


def test_open_case_links_the_incident_it_led_to_both_ways(batch, chain):
    county = chain["county"]
    complaint = complaint_services.complaint_submit(
        batch=batch, description="腹泻", injured=True, contact_phone=""
    )
    incident = complaint_services.complaint_convert(complaint_id=complaint.pk, actor=county.user)
    incident = incident.incident
    report = submitted()
    report_services.report_verify(report_id=report.pk, actor=county.user)
    url = f"/api/v1/reports/{report.pk}/open-case/"
    hidden = county.client.post(url, {"recall": 999999}, format="json")
    assert hidden.status_code == 400 and hidden.json()["errors"][0]["field"] == "recall"
    opened = county.client.post(url, {"incident": incident.pk}, format="json")
    assert opened.status_code == 200, opened.content
    assert opened.json()["incident"] == incident.pk
    assert opened.json()["links"]["incident"].endswith(f"/api/v1/incidents/{incident.pk}/")
    timeline = county.client.get(f"/api/v1/incidents/{incident.pk}/timeline/").json()
    rows = timeline["results"] if isinstance(timeline, dict) else timeline
    assert any(r["action"] == "from_report" and r["data"]["report"] == report.pk for r in rows)


def test_open_case_may_open_a_new_incident_for_the_case_linked_both_ways(chain):
    """The case opened on a report starts an incident in the handling county (the workbench's
    "open a new incident" and the API's ``open_incident``): one or the other, never both."""
    county = chain["county"]
    report = submitted()
    report_services.report_verify(report_id=report.pk, actor=county.user)
    url = f"/api/v1/reports/{report.pk}/open-case/"
    both = county.client.post(url, {"open_incident": True, "incident": 1}, format="json")
    assert both.status_code == 400 and both.json()["errors"][0]["field"] == "incident"
    opened = county.client.post(
        url, {"open_incident": True, "title": "无证生产立案"}, format="json"
    )
    assert opened.status_code == 200, opened.content
    incident = Incident.objects.get(pk=opened.json()["incident"])
    assert incident.title == "无证生产立案" and incident.region_code == "320312"
    assert incident.timeline.filter(action="from_report", data__report=report.pk).exists()
    assert Report.objects.get(pk=report.pk).status == "case_opened"


def test_an_incident_opened_on_a_report_has_the_source_report(chain):
    """An incident started by the case opened on a report (举报, SAMR Order 20 Arts. 3, 31) is
    recorded with the source ``report``, not ``other``, on the API and the incident page."""
    county = chain["county"]
    report = submitted()
    report_services.report_verify(report_id=report.pk, actor=county.user)
    opened = county.client.post(
        f"/api/v1/reports/{report.pk}/open-case/",
        {"open_incident": True, "title": "举报立案"},
        format="json",
    )
    assert opened.status_code == 200, opened.content
    pk = opened.json()["incident"]
    assert Incident.objects.get(pk=pk).source == "report"
    assert county.client.get(f"/api/v1/incidents/{pk}/").json()["source"] == "report"
    page = Client()
    page.force_login(county.user)
    zh = page.get(f"/workbench/incidents/{pk}/").content.decode()
    en = page.get(f"/workbench/incidents/{pk}/?lang=en").content.decode()
    assert "<dd>举报</dd>" in zh and "<dd>Report</dd>" in en


def test_the_enterprise_reported_on_sees_no_report_and_never_the_reporter(chain, dairy):
    """Order 20 Art. 33. Enterprises do not see reports at all (not even that a case opened)."""
    report = submitted(contact_name="李四", contact_phone="13912345678")
    listing = dairy.client.get("/api/v1/reports/")
    assert listing.status_code == 200 and listing.json()["count"] == 0
    assert dairy.client.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    assert dairy.client.get(f"/api/v1/reports/{report.pk}/timeline/").status_code == 404
    assert chain["county"].client.get("/api/v1/reports/").json()["count"] == 1
    assert chain["elsewhere"].client.get("/api/v1/reports/").json()["count"] == 0
    assert "13912345678" not in chain["county"].client.get("/api/v1/reports/").content.decode()


def test_mediation_runs_60_days_from_acceptance_under_the_2024_regulation(batch, chain):
    """Consumer Rights Protection Law Implementing Regulation Art. 46 ¶3 (in force 2024-07-01,
    outranks Order 20 Art. 21's 45 working days): 60 calendar days from acceptance."""
    complaint = complaint_services.complaint_submit(
        batch=batch,
        description="变质",
        injured=False,
        contact_name="张三",
        contact_phone="13812345678",
        contact_address="徐州市铜山区北京路1号",
        claim="refund",
    )
    accepted = complaint_services.complaint_accept(
        complaint_id=complaint.pk,
        actor=chain["county"].user,
        now=datetime(2026, 9, 30, 10, tzinfo=SH),
    )
    mediation = rule("complaint.mediation_days", on=complaint.submitted_at)
    assert mediation.value == 60 and "Art. 46" in mediation.citation("en")
    assert local_day(accepted.close_due_at) == date(2026, 9, 30) + timedelta(days=60)
    row = accepted.timeline.get(action="accepted")
    assert row.data["citation"] == mediation.citation("en")


def test_report_timeline_is_append_only_on_postgres(chain):
    submitted()
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE complaints_reporttimeline SET action = 'x'")


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_one_wins_the_other_is_409(chain):
    """The row lock (SELECT … FOR UPDATE): two officers deciding the same report at the same
    moment, one opens the case, the other's decline finds it decided (409), one timeline row."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real row locks")
    county = chain["county"]
    report = report_services.report_submit(**body())
    report_services.report_verify(report_id=report.pk, actor=county.user)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(service, **kwargs):
        barrier.wait()
        try:
            service(report_id=report.pk, actor=county.user, **kwargs)
            outcomes.append("ok")
        except report_services.IllegalReportTransition:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(report_services.report_open_case,)),
        threading.Thread(
            target=run, args=(report_services.report_decline,), kwargs={"reason": "x"}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "ok"]
    decided = ReportTimeline.objects.filter(report=report, action__in=["case_opened", "declined"])
    assert decided.count() == 1


def test_the_list_costs_the_same_queries_for_one_report_or_many(chain):
    """No N+1 on the regulators' list (one page is a count and a select, plus the session)."""
    county = chain["county"].client
    submitted()
    county.get("/api/v1/reports/")  # warm the per-user caches
    with CaptureQueriesContext(connection) as one:
        assert county.get("/api/v1/reports/").json()["count"] == 1
    for _ in range(4):
        report_services.report_submit(**body())
    with CaptureQueriesContext(connection) as five:
        assert county.get("/api/v1/reports/").json()["count"] == 5
    assert len(five) == len(one)
