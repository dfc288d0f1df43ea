"""SMS alerts through Tencent Cloud's SDK (``tencentcloud-sdk-python-sms``, API 2021-01-11).

``ALERT_SMS_ENDPOINT``/``ALERT_SMS_SCHEME`` point the SDK at a fake of the provider's endpoint: a
real HTTP server on a local socket that verifies each request's TC3-HMAC-SHA256 signature from
Tencent's published algorithm and answers as the platform does. The channel is registered
through the API, a real incident report notifies its regulator, and the outbox delivers it.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.celery import app
from core import outbox
from core.choices import RegulatorLevel, Role
from core.models import Notification, NotificationStatus
from incidents import services as incident_services
from incidents.models import IncidentTimeline
from tests.api.fake_platforms import FakeTencentSms
from tests.conftest import Persona
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
    produce,
)

pytest.importorskip("tencentcloud.sms.v20210111")

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
APP_ID = "1400006666"
TEMPLATE = "449739"
SIGN = "溯源平台"


@pytest.fixture
def fake(settings):
    server = FakeTencentSms(SECRET_ID, SECRET_KEY, app_id=APP_ID)
    settings.ALERT_SMS_PROVIDER = "tencent"
    settings.ALERT_SMS_ENDPOINT = server.endpoint
    settings.ALERT_SMS_SCHEME = "http"
    settings.ALERT_SMS_ACCESS_KEY_ID = SECRET_ID
    settings.ALERT_SMS_ACCESS_KEY_SECRET = SECRET_KEY
    settings.ALERT_SMS_APP_ID = APP_ID
    settings.ALERT_SMS_SIGN_NAME = SIGN
    settings.ALERT_SMS_TEMPLATE = TEMPLATE
    settings.ALERT_SMS_REGION = "ap-guangzhou"
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield server
    app.conf.task_always_eager = saved
    server.close()


def county_with_sms_channel(numbers: str):
    county = RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
    UserFactory(organization=county, email="county@amr.example.cn")
    admin = Persona(UserFactory(organization=county, organization__role=Role.ADMIN))
    answer = admin.client.post(
        "/api/v1/alert-channels/",
        {"platform": "sms", "name": "值班手机", "phone_numbers": numbers},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["platform"] == "sms"
    return county


def report_incident(lot: str):
    dairy = UserFactory(organization=EnterpriseFactory(region_code="320312"))
    batch = produce(dairy, ProductFactory(owner=dairy.membership.organization), lot=lot)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    return incident_services.incident_report(
        actor=dairy,
        title="酸奶致病",
        description="消费者食用后住院",
        region_code="320312",
        occurred_at=t0 - timedelta(hours=1),
        discovered_at=t0 - timedelta(minutes=10),
        batch_ids=[batch.pk],
        now=t0,
    )


def deliver_sms():
    for pk in Notification.objects.filter(
        channel="sms", status=NotificationStatus.PENDING
    ).values_list("pk", flat=True):
        outbox.deliver(pk)


def test_an_incident_reaches_the_duty_phones_in_a_correctly_signed_request(fake):
    county_with_sms_channel("13800138000,+8613900139000")
    incident = report_incident("SMS01")
    deliver_sms()

    assert fake.refusals == []
    assert len(fake.received) == 1
    sent = fake.received[0]
    assert sent["PhoneNumberSet"] == ["+8613800138000", "+8613900139000"]
    assert sent["SmsSdkAppId"] == APP_ID
    assert sent["SignName"] == SIGN
    assert sent["TemplateId"] == TEMPLATE
    row = Notification.objects.get(channel="sms")
    assert sent["TemplateParamSet"] == [row.subject[:60]]
    assert f"#{incident.pk}" in sent["TemplateParamSet"][0]
    headers, _body = fake.raw[0]
    assert headers["authorization"].startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/")
    assert "/sms/tc3_request, SignedHeaders=content-type;host," in headers["authorization"]
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert row.status == NotificationStatus.SENT and row.attempts == 1
    timeline = IncidentTimeline.objects.get(
        incident=incident, action="notification_sent", data__channel="sms"
    )
    assert timeline.data["channel"] == "sms"


def test_the_fake_refuses_a_request_whose_body_was_changed_after_signing(fake):
    """The verifier is real: the same signed headers over another body do not pass."""
    county_with_sms_channel("13800138000")
    report_incident("SMS02")
    deliver_sms()
    headers, body = fake.raw[0]
    tampered = json.loads(body)
    tampered["PhoneNumberSet"] = ["+8613700137000"]
    request = urllib.request.Request(
        f"http://{fake.endpoint}/",
        data=json.dumps(tampered).encode(),
        headers={k: v for k, v in headers.items() if k not in ("content-length", "host")},
        method="POST",
    )
    request.add_header("Host", headers["host"])
    with urllib.request.urlopen(request, timeout=10) as answer:
        error = json.load(answer)["Response"]["Error"]
    assert error["Code"] == "AuthFailure.SignatureFailure"
    assert len(fake.received) == 1


def test_a_wrong_secret_key_is_refused_and_the_row_says_why(fake, settings):
    settings.ALERT_SMS_ACCESS_KEY_SECRET = "not-the-secret-key"
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    county_with_sms_channel("13800138000")
    incident = report_incident("SMS03")
    deliver_sms()
    assert fake.received == []
    assert fake.refusals[0][0] == "AuthFailure.SignatureFailure"
    row = Notification.objects.get(channel="sms")
    assert row.status == NotificationStatus.FAILED
    assert "AuthFailure.SignatureFailure" in row.last_error
    failed = IncidentTimeline.objects.get(
        incident=incident, action="notification_failed", data__channel="sms"
    )
    assert "AuthFailure.SignatureFailure" in failed.reason


def test_a_number_the_provider_fails_is_retried_then_recorded_failed_with_its_reason(
    fake, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    fake.failing_numbers["+8613900139000"] = (
        "InvalidParameterValue.IncorrectPhoneNumber",
        "invalid mobile number",
    )
    county_with_sms_channel("13800138000,13900139000")
    incident = report_incident("SMS04")

    deliver_sms()  # first attempt: refused for one number, due again after the back-off
    row = Notification.objects.get(channel="sms")
    assert row.status == NotificationStatus.PENDING and row.attempts == 1
    assert "+8613900139000 InvalidParameterValue.IncorrectPhoneNumber" in row.last_error
    assert row.next_attempt_at > row.created_at
    assert not IncidentTimeline.objects.filter(
        incident=incident, action="notification_failed", data__channel="sms"
    ).exists()

    deliver_sms()  # the last attempt: failed for good, with the provider's reason
    row.refresh_from_db()
    assert row.status == NotificationStatus.FAILED and row.attempts == 2
    assert len(fake.received) == 2
    failed = IncidentTimeline.objects.get(
        incident=incident, action="notification_failed", data__channel="sms"
    )
    assert "InvalidParameterValue.IncorrectPhoneNumber" in failed.reason


def test_the_provider_saying_too_fast_waits_without_using_an_attempt(fake):
    fake.forced_error = ("RequestLimitExceeded", "Your current request times equals to limit")
    county_with_sms_channel("13800138000")
    report_incident("SMS05")
    deliver_sms()
    row = Notification.objects.get(channel="sms")
    assert row.status == NotificationStatus.PENDING and row.attempts == 0
    assert "RequestLimitExceeded" in row.last_error
    fake.forced_error = None
    deliver_sms()
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT
