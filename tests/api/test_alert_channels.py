"""Group-chat robots (WeCom, DingTalk, Feishu) and SMS as outbox channels.

Each robot is posted to a fake of its platform's endpoint: a real HTTP server on a local socket
that checks the request the way the platform does (DingTalk's ``timestamp``/``sign`` query, the
Feishu body's ``timestamp``/``sign``, WeCom's key in the URL) and answers as it does (``errcode``
0, or its error codes). An escalated incident reaches every configured channel and each outcome
is on the incident's timeline.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from config.celery import app
from core import outbox
from core.choices import RegulatorLevel, Role
from core.models import AlertChannel, Notification, NotificationStatus
from incidents import services as incident_services
from incidents.models import IncidentTimeline
from tests.api.fake_platforms import FakePlatform
from tests.conftest import Persona
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
    produce,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
DING_SECRET = "SECd1ngta1k-secret-0123456789"
FEISHU_SECRET = "fe1shu-secret-abcdef"


@pytest.fixture(autouse=True)
def _local_fakes_allowed(settings):
    """The fakes listen on loopback over http; the outbound guard is opened for it alone."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def fakes():
    made = {
        "wecom": FakePlatform("wecom"),
        "dingtalk": FakePlatform("dingtalk", secret=DING_SECRET),
        "feishu": FakePlatform("feishu", secret=FEISHU_SECRET),
    }
    yield made
    for fake in made.values():
        fake.close()


def admin_of(org) -> Persona:
    return Persona(UserFactory(organization=org, organization__role=Role.ADMIN))


def register(persona: Persona, fake: FakePlatform, **extra):
    body = {"platform": fake.platform, "name": f"{fake.platform} 值班群", "url": fake.url}
    if fake.secret:
        body["secret"] = fake.secret
    body.update(extra)
    return persona.client.post("/api/v1/alert-channels/", body, format="json")


def deliver_all():
    for pk in Notification.objects.filter(status=NotificationStatus.PENDING).values_list(
        "pk", flat=True
    ):
        outbox.deliver(pk)


def test_each_robots_signature_is_accepted_by_its_platform(fakes):
    org = EnterpriseFactory()
    admin = admin_of(org)
    for fake in fakes.values():
        assert register(admin, fake).status_code == 201
    for fmt in ("text", "markdown"):
        AlertChannel.objects.update(message_format=fmt)
        outbox.notify(
            organization=org,
            topic="test.alert",
            subject="召回通知：酸奶 YG01",
            body="请立即下架。",
            payload={"url": "https://suyuan.example.cn/r/1"},
        )
    deliver_all()
    for fake in fakes.values():
        assert fake.refusals == []
        assert len(fake.received) == 2, fake.platform
    texts = [json.dumps(m, ensure_ascii=False) for f in fakes.values() for m in f.received]
    assert all("召回通知：酸奶 YG01" in text for text in texts)
    assert Notification.objects.filter(alert_channel__isnull=False, status="sent").count() == 6


def test_a_wrong_secret_is_refused_by_the_platform_and_the_row_says_why(fakes):
    org = EnterpriseFactory()
    admin = admin_of(org)
    assert register(admin, fakes["dingtalk"], secret="SECwrong").status_code == 201
    assert register(admin, fakes["feishu"], secret="wrong").status_code == 201
    outbox.notify(organization=org, topic="t", subject="s", body="b", payload={})
    deliver_all()
    rows = Notification.objects.filter(alert_channel__isnull=False).order_by("id")
    errors = [row.last_error for row in rows]
    assert "310000" in errors[0] and "sign not match" in errors[0]
    assert "19021" in errors[1]
    assert all(row.status == "pending" and row.attempts == 1 for row in rows)  # retried later
    assert fakes["dingtalk"].received == [] and fakes["feishu"].received == []


def test_over_the_rate_limit_a_message_waits_in_the_outbox_and_goes_later(fakes, settings):
    settings.ALERT_RATE_LIMITS = {**settings.ALERT_RATE_LIMITS, "wecom": [(2, 60)]}
    org = EnterpriseFactory()
    assert register(admin_of(org), fakes["wecom"]).status_code == 201
    for n in range(3):
        outbox.notify(organization=org, topic="t", subject=f"第{n}条", body="b", payload={})
    deliver_all()
    assert len(fakes["wecom"].received) == 2
    waiting = Notification.objects.get(status="pending")
    assert waiting.attempts == 0 and waiting.last_error.startswith("Throttled")
    assert waiting.next_attempt_at > waiting.created_at + timedelta(seconds=50)
    # a minute on, the window has room: the periodic retry sends it
    channel = AlertChannel.objects.get()
    channel.recent_sends = [t - 61 for t in channel.recent_sends]
    channel.save()
    Notification.objects.filter(pk=waiting.pk).update(next_attempt_at=waiting.created_at)
    outbox.retry_pending_notifications()
    assert len(fakes["wecom"].received) == 3
    assert Notification.objects.filter(status="sent").count() == 3


def test_a_platform_saying_too_fast_is_retried_without_using_an_attempt(fakes):
    org = EnterpriseFactory()
    assert register(admin_of(org), fakes["dingtalk"]).status_code == 201
    fakes["dingtalk"].answer_code = 130101  # "send too fast, exceed 20 times per minute"
    outbox.notify(organization=org, topic="t", subject="s", body="b", payload={})
    deliver_all()
    row = Notification.objects.get(alert_channel__isnull=False)
    assert (row.status, row.attempts) == ("pending", 0)
    assert "130101" in row.last_error


def test_an_escalation_reaches_every_channel_with_the_outcomes_on_the_timeline(fakes):
    """A real escalation: the sweep passes an unreported incident up to the city; the city's
    WeCom, DingTalk and Feishu robots get it, and each delivery is a timeline row."""
    county = RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
    city = RegulatorFactory(level=RegulatorLevel.CITY, region_code="320300")
    UserFactory(organization=county, email="county@amr.example.cn")
    UserFactory(organization=city, email="city@amr.example.cn")
    city_admin = admin_of(city)
    for fake in fakes.values():
        assert register(city_admin, fake).status_code == 201
    dairy = UserFactory(organization=EnterpriseFactory(region_code="320312"))
    batch = produce(dairy, ProductFactory(owner=dairy.membership.organization), lot="YG01")
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    incident = incident_services.incident_report(
        actor=dairy,
        title="酸奶致病",
        description="消费者食用后住院",
        region_code="320312",
        occurred_at=t0 - timedelta(hours=2),
        discovered_at=t0 - timedelta(minutes=20),
        batch_ids=[batch.pk],
        deaths=1,
        direct_loss=Decimal(0),
        now=t0,
    )
    incident_services.incidents_sweep(t0 + timedelta(hours=2, minutes=1))
    incident.refresh_from_db()
    assert incident.level == "city"
    deliver_all()
    for fake in fakes.values():
        assert fake.refusals == [], fake.platform
        assert any(f"#{incident.pk}" in json.dumps(m, ensure_ascii=False) for m in fake.received)
    sent = IncidentTimeline.objects.filter(incident=incident, action="notification_sent")
    channels = {row.data["channel"] for row in sent}
    assert {"wecom", "dingtalk", "feishu", "email"} <= channels


def test_a_failed_delivery_is_on_the_timeline_with_its_reason(fakes, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    county = RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
    UserFactory(organization=county, email="county@amr.example.cn")
    register(admin_of(county), fakes["feishu"], secret="not-the-secret")
    dairy = UserFactory(organization=EnterpriseFactory(region_code="320312"))
    batch = produce(dairy, ProductFactory(owner=dairy.membership.organization), lot="YG02")
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    incident = incident_services.incident_report(
        actor=dairy,
        title="t",
        description="d",
        region_code="320312",
        occurred_at=t0 - timedelta(hours=1),
        discovered_at=t0 - timedelta(minutes=10),
        batch_ids=[batch.pk],
        now=t0,
    )
    deliver_all()
    failed = IncidentTimeline.objects.get(incident=incident, action="notification_failed")
    assert failed.data["channel"] == "feishu"
    assert "19021" in failed.reason


# --- managing the channels --------------------------------------------------------------------


def test_only_the_organizations_admins_manage_its_channels(fakes):
    org = EnterpriseFactory()
    admin = admin_of(org)
    operator = Persona(UserFactory(organization=org))
    other_admin = admin_of(EnterpriseFactory())
    assert register(operator, fakes["wecom"]).status_code == 403
    created = register(admin, fakes["wecom"])
    assert created.status_code == 201
    body = created.json()
    assert "url" not in body and body["url_hint"].endswith("/cgi-bin/webhook/send")
    assert "robot-key-1" not in json.dumps(body)
    pk = body["id"]
    assert operator.client.get("/api/v1/alert-channels/").status_code == 403
    assert other_admin.client.get("/api/v1/alert-channels/").json()["results"] == []
    assert other_admin.client.get(f"/api/v1/alert-channels/{pk}/").status_code == 404
    assert other_admin.client.delete(f"/api/v1/alert-channels/{pk}/").status_code == 404
    patched = admin.client.patch(
        f"/api/v1/alert-channels/{pk}/", {"is_active": False}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert admin.client.delete(f"/api/v1/alert-channels/{pk}/").status_code == 204


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (
            {"platform": "wecom", "name": "x", "url": "https://qyapi.weixin.qq.com/other"},
            "url",
            "robot_url_shape",
        ),
        (
            {
                "platform": "dingtalk",
                "name": "x",
                "url": "http://10.0.0.8/robot/send?access_token=1",
            },
            "url",
            "private_address",
        ),
        (
            {"platform": "wecom", "name": "x", "url": "URL", "secret": "s"},
            "secret",
            "wecom_no_secret",
        ),
        ({"platform": "sms", "name": "x", "phone_numbers": "13800138000"}, "platform", "sms_off"),
        ({"platform": "feishu", "name": "x"}, "url", "required"),
    ],
)
def test_a_channel_that_could_not_work_is_refused_naming_field_and_rule(fakes, body, field, rule):
    admin = admin_of(EnterpriseFactory())
    if body.get("url") == "URL":
        body = {**body, "url": fakes["wecom"].url}
    answer = admin.client.post("/api/v1/alert-channels/", body, format="json")
    assert answer.status_code == 400
    assert {"field": field, "rule": rule} in [
        {"field": e["field"], "rule": e["rule"]} for e in answer.json()["errors"]
    ]


def test_sms_without_its_provider_package_fails_with_that_reason_never_sent(settings):
    settings.ALERT_SMS_PROVIDER = "aliyun"
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    org = EnterpriseFactory()
    admin = admin_of(org)
    answer = admin.client.post(
        "/api/v1/alert-channels/",
        {"platform": "sms", "name": "值班手机", "phone_numbers": "13800138000,+8613900139000"},
        format="json",
    )
    assert answer.status_code == 201
    outbox.notify(organization=org, topic="t", subject="s", body="b", payload={})
    deliver_all()
    row = Notification.objects.get(channel="sms")
    try:
        import alibabacloud_dysmsapi20170525  # noqa: F401
    except ImportError:
        assert row.status == "failed"
        assert "alibabacloud-dysmsapi20170525 is not installed" in row.last_error
    else:  # the SDK is there, with no credentials: the provider refuses, never a fake success
        assert row.status == "failed"


def test_sms_is_off_by_default_so_no_sms_rows_are_written(settings):
    settings.ALERT_SMS_PROVIDER = "tencent"
    org = EnterpriseFactory()
    admin_of(org).client.post(
        "/api/v1/alert-channels/",
        {"platform": "sms", "name": "手机", "phone_numbers": "13800138000"},
        format="json",
    )
    settings.ALERT_SMS_PROVIDER = ""
    outbox.notify(organization=org, topic="t", subject="s", body="b", payload={})
    assert not Notification.objects.filter(channel="sms").exists()


def test_bulk_sweeps_write_robot_rows_too(fakes):
    org = EnterpriseFactory()
    register(admin_of(org), fakes["wecom"])
    from django.db import transaction

    with transaction.atomic(), outbox.bulk_notifications():
        for n in range(2):
            outbox.notify(organization=org, topic="t", subject=f"{n}", body="b", payload={})
    assert Notification.objects.filter(channel="wecom", alert_channel__isnull=False).count() == 2
    call_command("check")
