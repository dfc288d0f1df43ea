"""The complainant withdraws a complaint with its tracking code (SAMR Order 20 Art. 21 ¶1 (1)):
proven by the last four digits of the phone number given at filing, only before a final outcome,
on the API and on the status page; the respondent and the handling county are told."""

import pytest
from rest_framework.test import APIClient

from complaints import services as cs
from complaints.models import Complaint
from core.models import Notification

pytestmark = pytest.mark.django_db
ART9 = {
    "contact_name": "张三",
    "contact_phone": "138-1234-5678",
    "contact_address": "江苏省徐州市铜山区北京路1号",
    "claim": "refund",
}


def _file(batch) -> Complaint:
    return cs.complaint_submit(batch=batch, description="酸奶胀袋变质", injured=False, **ART9)


def _url(complaint) -> str:
    return f"/api/v1/public/complaints/{complaint.display_code}/withdraw/"


def test_art_21_1_1_the_complainant_withdraws_with_code_and_phone_digits(batch, chain, dairy):
    complaint = _file(batch)
    cs.complaint_accept(complaint_id=complaint.pk, actor=chain["county"].user)
    response = APIClient().post(
        _url(complaint), {"phone_last4": "5678", "reason": "已与商家协商解决"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"], body["withdrawable"]) == ("closed", "withdrawn", False)
    assert "contact" not in body and "13812345678" not in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.outcome == "withdrawn" and complaint.next_due_at is None
    row = complaint.timeline.get(action="withdrawn")
    assert row.actor_id is None and row.data["by"] == "complainant"
    assert row.data["citation"] == "SAMR Order 20 Art. 21 ¶1 (1)"
    assert row.reason == "已与商家协商解决"
    told = set(
        Notification.objects.filter(topic="complaint.withdrawn").values_list(
            "organization_id", flat=True
        )
    )
    assert told == {dairy.org.pk, chain["county"].user.membership.organization.pk}


def test_a_wrong_code_is_404_and_wrong_digits_403_without_saying_more(batch, chain):
    complaint = _file(batch)
    client = APIClient()
    unknown = client.post(
        "/api/v1/public/complaints/ABCDE-FGHJK/withdraw/", {"phone_last4": "5678"}, format="json"
    )
    assert unknown.status_code == 404
    wrong = client.post(_url(complaint), {"phone_last4": "0000"}, format="json")
    assert wrong.status_code == 403
    text = wrong.content.decode()
    assert "5678" not in text and "1234" not in text and "current_status" not in wrong.json()
    malformed = client.post(_url(complaint), {"phone_last4": "56a8"}, format="json")
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "phone_last4"
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and not complaint.timeline.filter(action="withdrawn")


def test_after_a_final_outcome_it_cannot_be_withdrawn_409_naming_the_status(batch, chain):
    complaint = _file(batch)
    cs.complaint_decline(
        complaint_id=complaint.pk,
        actor=chain["county"].user,
        ground="art15_1",
        reason="不属于本局管辖",
    )
    response = APIClient().post(
        _url(complaint), {"phone_last4": "5678"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["current_status"] == "declined" and problem["allowed_actions"] == []
    assert "Art. 21" in problem["detail"]
    complaint.refresh_from_db()
    assert complaint.outcome == "declined"


def test_withdrawal_attempts_are_rate_limited_like_public_posts(batch, chain, settings):
    settings.COMPLAINT_SUBMIT_RATE = "3/hour"
    complaint = _file(batch)
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    answers = [
        client.post(_url(complaint), {"phone_last4": f"000{n}"}, format="json").status_code
        for n in range(4)
    ]
    assert answers == [403, 403, 403, 429]
    # the right digits are refused too once the limit is reached: guessing stays slow
    assert client.post(_url(complaint), {"phone_last4": "5678"}, format="json").status_code == 429
    assert Complaint.objects.get(pk=complaint.pk).status == "submitted"


def test_the_status_page_offers_the_withdraw_form_and_withdraws(batch, chain, client):
    complaint = _file(batch)
    page = f"/report/status/{complaint.display_code}/?lang=en"
    html = client.get(page).content.decode()
    assert 'id="withdraw-form"' in html and "Art. 21" in html
    action = f"/report/status/{complaint.display_code}/withdraw/?lang=en"
    refused = client.post(action, {"phone_last4": "1111"})
    assert refused.status_code == 403 and 'id="withdraw-refusal"' in refused.content.decode()
    done = client.post(action, {"phone_last4": "5678"}, follow=True)
    html = done.content.decode()
    assert 'id="complaint-withdrawn"' in html and 'data-outcome="withdrawn"' in html
    assert 'id="withdraw-form"' not in html
    again = client.post(action, {"phone_last4": "5678"})
    assert again.status_code == 409 and 'id="withdraw-refusal"' in again.content.decode()


def test_the_status_page_in_chinese_says_it_with_full_width_punctuation(batch, chain, client):
    complaint = _file(batch)
    html = client.get(
        f"/report/status/{complaint.display_code}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "撤回投诉" in html and "电话号码的后四位" in html
    assert "第二十一条第一款第（一）项" in html  # the article cited, full-width punctuation
