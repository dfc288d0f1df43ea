"""The Suzhou Industrial Park quality award (seed 004): the nine conditions of Art. 11, the
written reports of Art. 29 to the award office, revocation on the grounds of Art. 30."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from credit import criteria, selectors
from incidents.models import QualityAward
from tests.workbench.analytics_world import days_ago

from .conftest import spot_check

pytestmark = pytest.mark.django_db


def _client(world, who):
    client = APIClient()
    client.force_authenticate(world.users[who])
    return client


def _org(world, who):
    return world.users[who].membership.organization


def _declare_and_verify(world, numbers):
    a = _org(world, "a")
    for number in numbers:
        r = _client(world, "a").post(
            f"/api/v1/credit/{a.pk}/award-declarations/",
            {"condition": number, "statement": "符合", "evidence": "证书编号 123"},
            format="json",
        )
        assert r.status_code == 201, r.content
        v = _client(world, "tongshan").post(
            f"/api/v1/credit/award-declarations/{r.json()['id']}/verify/",
            {"verified": True},
            format="json",
        )
        assert v.status_code == 200, v.content


def test_all_nine_conditions_are_listed_each_with_its_item_of_art11():
    assert [c.number for c in criteria.CONDITIONS] == list(range(1, 10))
    assert {c.how for c in criteria.CONDITIONS} == {criteria.RECORD, criteria.DECLARED}
    assert all("11" in str(c.citation) or "十一" in str(c.citation) for c in criteria.CONDITIONS)


def test_eligible_only_when_every_condition_holds_sip_award_art11(world):
    a = _org(world, "a")
    eligibility = selectors.award_eligibility(a)
    assert not eligibility.eligible  # nothing declared yet
    record_checked = [c.number for c in eligibility.conditions if c.how == "record"]
    assert record_checked == [4, 7, 8] and all(
        c.holds for c in eligibility.conditions if c.how == "record"
    )
    declared = [c.number for c in eligibility.conditions if c.how == "declared"]
    _declare_and_verify(world, declared[:-1])
    assert not selectors.award_eligibility(a).eligible  # one still missing
    _declare_and_verify(world, declared[-1:])
    assert selectors.award_eligibility(a).eligible
    # a grade III incident within three years breaks item 8
    world.report("a", at=days_ago(20), deaths=3, handled=True)
    eligibility = selectors.award_eligibility(a)
    (item8,) = [c for c in eligibility.conditions if c.number == 8]
    assert not item8.holds and not eligibility.eligible


def test_a_failed_official_spot_check_breaks_item_4(world):
    spot_check(world, "a", on=timezone.localdate())
    (item4,) = [
        c for c in selectors.award_eligibility(_org(world, "a")).conditions if c.number == 4
    ]
    assert not item4.holds


def test_a_declaration_is_verified_by_the_award_office_only(world):
    a = _org(world, "a")
    r = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/award-declarations/",
        {"condition": 2, "statement": "ISO 9001", "evidence": "证书"},
        format="json",
    )
    url = f"/api/v1/credit/award-declarations/{r.json()['id']}/verify/"
    # the national regulator governs A but is not the award office (AWARD_OFFICE_LEVELS)
    assert (
        _client(world, "national").post(url, {"verified": True}, format="json").status_code == 403
    )
    assert (
        _client(world, "hangzhou").post(url, {"verified": True}, format="json").status_code == 404
    )
    # a condition the record shows is not declared
    wrong = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/award-declarations/",
        {"condition": 8, "statement": "无事故", "evidence": "-"},
        format="json",
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "condition"
    refused = _client(world, "city").post(url, {"verified": False}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "note"
    ok = _client(world, "city").post(url, {"verified": False, "note": "证书过期"}, format="json")
    assert ok.json()["status"] == "refused"


def test_a_failed_spot_check_creates_the_written_report_duty_to_the_award_office_art29(world):
    a = _org(world, "a")
    award = QualityAward.objects.create(
        organization=a, name="苏州工业园区质量奖", awarded_on=days_ago(300).date()
    )
    check = spot_check(world, "a", on=timezone.localdate())
    (duty,) = selectors.award_duties(a)
    assert duty.trigger == 3 and duty.fact == f"spot_check:{check.pk}"
    assert duty.due_on == timezone.localdate() + timedelta(days=30)
    assert duty.status(timezone.localdate()) == "due"
    r = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/award-reports/",
        {"trigger": 3, "fact": f"spot_check:{check.pk}", "text": "抽查不合格，已整改。"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["office"] == _org(world, "tongshan").pk  # the first level of the office
    (duty,) = selectors.award_duties(a)
    assert duty.status(timezone.localdate()) == "filed" and duty.award == award
    # the other events are reported with the day they were confirmed
    other = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/award-reports/",
        {"trigger": 2, "confirmed_on": timezone.localdate().isoformat(), "text": "知识产权纠纷"},
        format="json",
    )
    assert other.status_code == 201
    assert sorted(d.trigger for d in selectors.award_duties(a)) == [2, 3]


def test_an_expired_award_creates_no_duty(world):
    a = _org(world, "a")
    QualityAward.objects.create(
        organization=a,
        name="苏州工业园区质量奖",
        awarded_on=days_ago(1200).date(),
        valid_until=timezone.localdate() - timedelta(days=1),
    )
    check = spot_check(world, "a", on=timezone.localdate())
    assert selectors.award_duties(a) == []
    r = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/award-reports/",
        {"trigger": 3, "fact": f"spot_check:{check.pk}", "text": "报告"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["errors"][0]["rule"] == "award_report_valid_award"


def test_revocation_on_two_failed_spot_checks_in_a_row_art30(world):
    a = _org(world, "a")
    award = QualityAward.objects.create(
        organization=a, name="苏州工业园区质量奖", awarded_on=days_ago(300).date()
    )
    url = f"/api/v1/credit/awards/{award.pk}/revoke/"
    spot_check(world, "a", on=timezone.localdate())
    one = _client(world, "tongshan").post(url, {"ground": 2, "reason": "抽查"}, format="json")
    assert one.status_code == 400 and one.json()["errors"][0]["field"] == "ground"
    spot_check(world, "a", on=timezone.localdate())
    assert [g.ground for g in selectors.revocation_grounds(award)] == [2]
    assert (
        _client(world, "a").post(url, {"ground": 2, "reason": "x"}, format="json").status_code
        == 403
    )
    done = _client(world, "tongshan").post(
        url, {"ground": 2, "reason": "连续两次不合格"}, format="json"
    )
    assert done.status_code == 201, done.content
    # revoked: no longer held, no new duty, five years barred from applying
    record = selectors.credit_record(a)
    assert record.award_names == []
    eligibility = selectors.award_eligibility(a, record)
    assert not eligibility.eligible and eligibility.barred_until > timezone.localdate()
    assert [t.action for t in selectors.timeline(a)] == ["award_revoked"]


def test_revocation_on_a_major_incident_art30(world):
    a = _org(world, "a")
    award = QualityAward.objects.create(
        organization=a, name="苏州工业园区质量奖", awarded_on=days_ago(300).date()
    )
    world.report("a", at=days_ago(10), serious_injuries=50, handled=True)  # grade II
    assert [g.ground for g in selectors.revocation_grounds(award)] == [1]
    done = _client(world, "city").post(
        f"/api/v1/credit/awards/{award.pk}/revoke/",
        {"ground": 1, "reason": "重大事故"},
        format="json",
    )
    assert done.status_code == 201


def test_an_expired_award_owes_no_written_report_of_a_major_incident_art4_art29(world):
    a = _org(world, "a")
    QualityAward.objects.create(
        organization=a,
        name="苏州工业园区质量奖",
        awarded_on=days_ago(365 * 3 + 30).date(),  # its 3-year term is over
    )
    incident = world.report("a", at=days_ago(2), serious_injuries=50, handled=True)  # grade II
    assert incident.grade == "II" and incident.written_report_due_at is None
    assert selectors.award_duties(a) == []
    QualityAward.objects.create(
        organization=a, name="苏州工业园区质量奖", awarded_on=days_ago(100).date()
    )
    again = world.report("a", at=days_ago(1), serious_injuries=50)
    assert again.written_report_due_at is not None


def test_a_written_report_is_sent_to_the_award_office_through_the_outbox_art29(world):
    """SIP award Art. 29: the holder's written report reaches the award office (a regulator
    role), and the credit timeline shows it was sent."""
    from core.models import Notification

    a = _org(world, "a")
    award = QualityAward.objects.create(
        organization=a, name="苏州工业园区质量奖", awarded_on=days_ago(300).date()
    )
    office = _org(world, "tongshan")
    officer = world.users["tongshan"]
    officer.email = "award-office@example.cn"  # the office's member receives its mail
    officer.save(update_fields=["email"])
    check = spot_check(world, "a", on=timezone.localdate())
    r = _client(world, "a").post(
        f"/api/v1/credit/{a.pk}/award-reports/",
        {"trigger": 3, "fact": f"spot_check:{check.pk}", "text": "抽查不合格，已整改。"},
        format="json",
    )
    assert r.status_code == 201, r.content
    sent = Notification.objects.filter(topic="award.written_report")
    assert {n.organization_id for n in sent} == {office.pk}
    note = sent.first()
    assert note.email == "award-office@example.cn"
    assert note.payload["award"] == award.pk and note.payload["trigger"] == 3
    assert "抽查不合格，已整改。" in note.body
    assert not Notification.objects.filter(topic="award.written_report", organization=a).exists()
    record = _client(world, "a").get(f"/api/v1/credit/{a.pk}/").json()
    (row,) = [t for t in record["timeline"] if t["action"] == "award_office_notified"]
    assert row["data"]["award"] == award.pk and row["data"]["office"] == office.pk
    assert row["data"]["notifications"] == sent.count() >= 1
    assert row["data"]["citation"] == "SIP award Art. 29"
    # the award office reads the same row on the holder's record
    seen = _client(world, "tongshan").get(f"/api/v1/credit/{a.pk}/").json()
    assert any(t["action"] == "award_office_notified" for t in seen["timeline"])
