"""A complaint as SAMR Order 20 and the 2024 Consumer Rights Protection Law Implementing
Regulation run it: what intake asks (Art. 9), acceptance and its grounds (Arts. 14–15), mediation
with both parties' consent (Art. 16), testing time excluded (Regulation Art. 46 ¶3, Order 20
Art. 20 ¶3) and the testing body designated (Regulation Art. 47), the 60-day period ending in
termination (Regulation Art. 46 ¶3) with both parties told within 7 working days (Order 20
Art. 21 ¶2), the agreement on the record (Art. 22), and explicit outcomes."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from complaints import policy
from complaints import services as cs
from complaints.models import Complaint
from complaints.selectors import upheld_against, upheld_complaints
from core.choices import Role
from core.models import Notification
from core.workdays import add_working_days
from tests.conftest import Persona
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SUBMIT = "/api/v1/public/complaints/"
SH = datetime(2026, 1, 1).astimezone().tzinfo
ART9 = {
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "contact_address": "江苏省徐州市铜山区北京路1号",
    "claim": "refund",
}


def file(batch, **extra) -> Complaint:
    return cs.complaint_submit(
        batch=batch, description="酸奶胀袋变质", injured=False, **{**ART9, **extra}
    )


def accepted(batch, chain, **extra) -> Complaint:
    complaint = file(batch, **extra)
    return cs.complaint_accept(complaint_id=complaint.pk, actor=chain["county"].user)


def mediating(batch, chain, dairy) -> Complaint:
    complaint = accepted(batch, chain)
    return cs.complaint_agree_mediation(complaint_id=complaint.pk, actor=dairy.user)


# --- intake: Order 20 Art. 9 --------------------------------------------------------------------


def test_order_20_art_9_a_new_client_is_told_each_missing_field(batch, chain):
    response = APIClient().post(
        SUBMIT,
        {"gtin": batch.gtin, "lot": batch.lot, "description": "变质", "claim": "refund"},
        format="json",
    )
    assert response.status_code == 400, response.content
    errors = {e["field"]: e["rule"] for e in response.json()["errors"]}
    assert errors == {
        "contact_name": "required_by_order_20_art_9",
        "contact_phone": "required_by_order_20_art_9",
        "contact_address": "required_by_order_20_art_9",
    }
    assert Complaint.objects.count() == 0


def test_order_20_art_9_fields_on_the_api_with_the_respondent_prefilled_from_the_lot(batch, chain):
    response = APIClient().post(
        SUBMIT,
        {
            "gtin": batch.gtin,
            "lot": batch.lot,
            "facts": "开盖有酸臭味",
            **ART9,
            "claim": "compensation",
            "claim_detail": "赔偿医药费",
            "respondent": {"purchase_place": "万家福超市", "purchase_price": "12.80"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["complete"] is True and body["missing"] == []
    complaint = Complaint.objects.get()
    assert complaint.description == "开盖有酸臭味" and complaint.claim == "compensation"
    maker = batch.product.owner
    assert (complaint.respondent_kind, complaint.respondent_name) == ("maker", maker.name)
    assert complaint.respondent_organization == maker
    assert complaint.purchase_place == "万家福超市" and str(complaint.purchase_price) == "12.80"


def test_an_old_client_is_recorded_incomplete_and_can_only_be_declined_art_15_5(batch, chain):
    """Order 20 Art. 15 (5): without Art. 9's materials a complaint is not accepted."""
    old = {"gtin": batch.gtin, "lot": batch.lot, "description": "变质", "contact_phone": ""}
    response = APIClient().post(SUBMIT, old, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["complete"] is False and "claim" in body["missing"]
    assert body["report_url"] == "/api/v1/public/reports/"
    complaint = Complaint.objects.get()
    county = chain["county"].client
    url = f"/api/v1/complaints/{complaint.pk}/"
    refused = county.post(url + "accept/", {}, format="json")
    assert refused.status_code == 409 and "第九条" in refused.json()["detail"]
    declined = county.post(
        url + "decline/", {"reason": "缺少投诉人信息", "ground": "art15_5"}, format="json"
    )
    assert declined.status_code == 200, declined.content
    assert (declined.json()["outcome"], declined.json()["decline_ground"]) == (
        "declined",
        "art15_5",
    )


# --- acceptance: Order 20 Arts. 14–15 -------------------------------------------------------------


def test_order_20_art_15_the_decline_ground_is_one_of_its_six_items(batch, chain):
    complaint = file(batch)
    url = f"/api/v1/complaints/{complaint.pk}/decline/"
    county = chain["county"].client
    bad = county.post(url, {"reason": "x", "ground": "art15_9"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ground"
    ok = county.post(url, {"reason": "已由法院受理", "ground": "art15_2"}, format="json")
    assert ok.status_code == 200 and ok.json()["decline_ground"] == "art15_2"
    row = Complaint.objects.get().timeline.get(action="declined")
    assert row.data["ground"] == "art15_2" and row.data["late"] is False


def test_order_20_art_14_acceptance_is_due_within_7_working_days(batch, chain):
    complaint = file(batch)
    assert complaint.accept_due_at == add_working_days(complaint.submitted_at, 7).due_at


# --- the respondent: Order 20 Art. 16 --------------------------------------------------------------


def test_the_respondent_sees_an_accepted_complaint_without_phone_or_address(
    batch, chain, dairy, stranger
):
    complaint = file(batch)
    url = f"/api/v1/enterprise/complaints/{complaint.pk}/"
    assert dairy.client.get(url).status_code == 404  # not yet accepted: the regulator's
    cs.complaint_accept(complaint_id=complaint.pk, actor=chain["county"].user)
    response = dairy.client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "13812345678" not in text and "北京路" not in text
    assert response.json()["complainant"] == "张三" and response.json()["claim"] == "refund"
    assert dairy.client.get("/api/v1/enterprise/complaints/").json()["count"] == 1
    assert stranger.client.get(url).status_code == 404
    assert Notification.objects.filter(topic="complaint.accepted", organization=dairy.org).exists()


def test_order_20_art_16_mediation_starts_only_when_both_parties_agree(batch, chain, dairy):
    complaint = accepted(batch, chain, consents_mediation=False)
    url = f"/api/v1/enterprise/complaints/{complaint.pk}/"
    answer = dairy.client.post(url + "answer/", {"answer": "已联系消费者"}, format="json")
    assert answer.status_code == 200 and answer.json()["respondent_answer"] == "已联系消费者"
    refused = dairy.client.post(url + "agree-mediation/", {}, format="json")
    assert refused.status_code == 409  # the complainant did not agree
    other = accepted(batch, chain)
    url = f"/api/v1/enterprise/complaints/{other.pk}/"
    agreed = dairy.client.post(url + "agree-mediation/", {"answer": "同意调解"}, format="json")
    assert agreed.status_code == 200 and agreed.json()["status"] == "mediating"
    assert agreed.json()["close_due_at"] is not None


def test_a_refusal_ends_mediation_and_both_parties_are_told_within_7_working_days(
    batch, chain, dairy
):
    """Order 20 Art. 21 ¶1 (3) (the respondent refuses) and ¶2 (tell both within 7 working
    days); an outcome without agreement, never an escalation."""
    complaint = accepted(batch, chain)
    response = dairy.client.post(
        f"/api/v1/enterprise/complaints/{complaint.pk}/refuse-mediation/",
        {"reason": "产品合格"},
        format="json",
    )
    assert response.status_code == 200, response.content
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.termination_ground) == (
        "closed",
        "no_agreement",
        "art21_3",
    )
    assert complaint.parties_notice_due_at == add_working_days(complaint.closed_at, 7).due_at
    assert not complaint.escalated
    county = chain["county"].client
    url = f"/api/v1/complaints/{complaint.pk}/notify-parties/"
    assert county.post(url, {}, format="json").status_code == 200
    assert county.post(url, {}, format="json").status_code == 409  # told once


def test_order_20_art_21_2_an_overdue_notice_to_both_parties_is_flagged_once_and_stays_in_the_inbox(
    batch, chain, dairy, client
):
    """Order 20 Art. 21 ¶2: both parties are told within 7 working days of the termination. The
    sweep flags a notice not given in time once (timeline, rule cited, the county told); the
    handling county's inbox keeps it until ``notify-parties`` records it."""
    complaint = accepted(batch, chain)
    cs.complaint_refuse_mediation(complaint_id=complaint.pk, actor=dairy.user, reason="产品合格")
    complaint.refresh_from_db()
    key = f'data-item="complaint-{complaint.pk}"'
    client.force_login(chain["county"].user)
    inbox = client.get("/workbench/inbox/items/?lang=en").content.decode()
    row = inbox.split(key)[1].split("</li>")[0]
    assert "tell both parties" in row and "overdue" not in row  # due, not yet late
    # the sweep before the due time does nothing; after it, flags once however often it runs
    call_command("sweep_deadlines", "--now", (complaint.parties_notice_due_at).isoformat())
    late = complaint.parties_notice_due_at + timedelta(minutes=1)
    call_command("sweep_deadlines", "--now", late.isoformat())
    call_command("sweep_deadlines", "--now", (late + timedelta(days=3)).isoformat())
    complaint.refresh_from_db()
    assert complaint.parties_notice_overdue and complaint.status == "closed"
    (flag,) = complaint.timeline.filter(action="parties_notice_overdue")
    assert flag.at == complaint.parties_notice_due_at
    assert flag.data["citation"] == "SAMR Order 20 Art. 21 ¶2"
    assert "Art. 21 ¶2" in flag.reason
    county_org = chain["county"].user.membership.organization
    notes = Notification.objects.filter(topic="complaint.parties_notice_overdue")
    assert {n.organization_id for n in notes} == {county_org.pk} and notes.count() == 1
    # the handling county's inbox shows it overdue; the city's does not (not its duty)
    inbox = client.get("/workbench/inbox/items/?lang=en&overdue=1").content.decode()
    row = inbox.split(key)[1].split("</li>")[0]
    assert "tell both parties" in row and "wb-inbox-item--overdue" in inbox.split(key)[0][-200:]
    assert 'data-action="notify-parties"' in row
    client.force_login(chain["city"].user)
    assert key not in client.get("/workbench/inbox/items/?lang=en").content.decode()
    # the API shows the flag; telling both parties takes it out of the inbox, marked late
    api = chain["county"].client
    detail = api.get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert detail["parties_notice_overdue"] is True
    cs.complaint_notify_parties(
        complaint_id=complaint.pk, actor=chain["county"].user, now=late + timedelta(days=4)
    )
    assert complaint.timeline.get(action="parties_notified").data["late"] is True
    client.force_login(chain["county"].user)
    assert key not in client.get("/workbench/inbox/items/?lang=en").content.decode()


def test_who_may_do_what_policy(batch, chain, dairy, stranger):
    complaint = accepted(batch, chain)
    viewer = UserFactory(organization=dairy.org, organization__role=Role.VIEWER)
    assert policy.can(chain["county"].user, "record-agreement", complaint)
    assert not policy.can(chain["city"].user, "record-agreement", complaint)  # reads, not acts
    assert not policy.can(dairy.user, "record-agreement", complaint)
    assert policy.can(dairy.user, "agree-mediation", complaint)
    assert not policy.can(viewer, "agree-mediation", complaint)
    assert not policy.can(stranger.user, "answer", complaint)
    assert not policy.can(chain["county"].user, "agree-mediation", complaint)  # the party's
    assert not policy.can(dairy.user, "see-contact", complaint)
    url = f"/api/v1/complaints/{complaint.pk}/record-agreement/"
    assert dairy.client.post(url, {"agreement": "x"}, format="json").status_code == 404
    assert chain["city"].client.post(url, {"agreement": "x"}, format="json").status_code == 403
    assert (
        Persona(viewer)
        .client.post(f"/api/v1/enterprise/complaints/{complaint.pk}/agree-mediation/", {})
        .status_code
        == 403
    )


# --- testing and the clock: Regulation Arts. 46 ¶3, 47 ---------------------------------------------


def test_testing_time_is_excluded_the_deadline_moves_by_the_time_paused(batch, chain, dairy):
    """Regulation Art. 46 ¶3 (Order 20 Art. 20 ¶3); the regulator designates the body when the
    parties disagree (Regulation Art. 47)."""
    complaint = mediating(batch, chain, dairy)
    due = complaint.close_due_at
    county = chain["county"]
    start = complaint.accepted_at + timedelta(days=10)
    cs.complaint_pause(
        complaint_id=complaint.pk,
        actor=county.user,
        testing_body="江苏省产品质量监督检验研究院",
        designated=True,
        now=start,
    )
    # While paused, the sweep at the old deadline does not end the mediation.
    call_command("sweep_deadlines", "--now", (due + timedelta(hours=1)).isoformat())
    complaint.refresh_from_db()
    assert complaint.status == "mediating" and complaint.testing_body_designated
    resumed = cs.complaint_resume(
        complaint_id=complaint.pk, actor=county.user, now=start + timedelta(days=12)
    )
    assert resumed.close_due_at == due + timedelta(days=12)
    assert resumed.paused_seconds == 12 * 86400 and resumed.next_due_at == resumed.close_due_at
    rows = {r.action: r.data for r in resumed.timeline.all()}
    assert rows["testing_started"]["designated"] is True
    assert rows["testing_started"]["designation_citation"] == "Consumer Rights Regulation Art. 47"
    assert rows["testing_ended"]["paused_seconds"] == 12 * 86400


def test_regulation_art_46_60_days_end_in_termination_not_escalation(batch, chain, dairy):
    complaint = mediating(batch, chain, dairy)
    late = complaint.close_due_at + timedelta(minutes=1)
    call_command("sweep_deadlines", "--now", late.isoformat())
    call_command("sweep_deadlines", "--now", (late + timedelta(days=1)).isoformat())
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.termination_ground) == (
        "closed",
        "no_agreement",
        "period_ended",
    )
    assert not complaint.escalated and not complaint.is_overdue
    assert complaint.timeline.filter(action="mediation_terminated").count() == 1
    assert not complaint.timeline.filter(action="overdue_escalated").exists()
    assert complaint.parties_notice_due_at == add_working_days(complaint.close_due_at, 7).due_at
    assert Notification.objects.filter(
        topic="complaint.mediation_terminated", organization=dairy.org
    ).exists()


# --- the agreement and the outcome: Order 20 Art. 22 --------------------------------------------


def test_an_agreement_is_the_mediation_document_and_the_only_upheld_outcome(batch, chain, dairy):
    agreed = mediating(batch, chain, dairy)
    county = chain["county"].client
    url = f"/api/v1/complaints/{agreed.pk}/record-agreement/"
    assert county.post(url, {"agreement": ""}, format="json").status_code == 400
    response = county.post(url, {"agreement": "企业退款12.80元并赔偿一箱"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "agreement"
    row = Complaint.objects.get(pk=agreed.pk).timeline.get(action="mediation_agreement")
    assert row.data["document"] == "企业退款12.80元并赔偿一箱"
    public = APIClient().get(f"/api/v1/public/complaints/{agreed.display_code}/").json()
    assert public["outcome"] == "agreement" and public["outcome_detail"].startswith("企业退款")
    # Mere acceptance, a reply, a withdrawal, a decline: not upheld.
    replied = accepted(batch, chain)
    cs.complaint_reply(complaint_id=replied.pk, actor=chain["county"].user, reply="已处理")
    withdrawn = accepted(batch, chain)
    cs.complaint_withdraw(complaint_id=withdrawn.pk, actor=chain["county"].user)
    cs.complaint_decline(complaint_id=file(batch).pk, actor=chain["county"].user, reason="x")
    assert list(upheld_complaints().values_list("pk", flat=True)) == [agreed.pk]
    assert upheld_against([dairy.org.pk]).count() == 1
    assert Complaint.objects.get(pk=withdrawn.pk).outcome == "withdrawn"


# --- the regulators' list --------------------------------------------------------------------------


def test_the_list_filters_by_tracking_code_respondent_and_claim(batch, chain):
    one = file(batch)
    file(batch, claim="replacement", respondent={"kind": "seller", "name": "万家福超市"})
    county = chain["county"].client
    found = county.get(f"/api/v1/complaints/?tracking_code={one.display_code.lower()}").json()
    assert [r["id"] for r in found["results"]] == [one.pk]
    assert found["results"][0]["tracking_code"] == one.display_code
    assert found["results"][0]["respondent"]["name"] == batch.product.owner.name
    assert county.get("/api/v1/complaints/?tracking_code=nope").json()["count"] == 0
    by_seller = county.get("/api/v1/complaints/?respondent=万家福").json()["results"]
    assert [r["claim"] for r in by_seller] == ["replacement"]
    assert county.get("/api/v1/complaints/?claim=refund").json()["count"] == 1
    assert "contact" not in by_seller[0] and "contact_address" not in by_seller[0]
