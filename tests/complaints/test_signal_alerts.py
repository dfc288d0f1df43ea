"""A risk signal goes out on the group robots of those it concerns (the producer, the county
regulator of its place), and each delivery, sent or failed with the platform's reason, is on
the signal's timeline."""

import pytest

from complaints.models import RiskSignalTimeline
from complaints.services import complaint_submit
from core import outbox
from core.models import AlertChannel, Notification
from tests.api.fake_platforms import FakePlatform

pytestmark = pytest.mark.django_db


@pytest.fixture
def robots(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    made = [FakePlatform("dingtalk", secret="SECsignal"), FakePlatform("feishu", secret="fs")]
    yield made
    for fake in made:
        fake.close()


def test_a_risk_signal_reaches_the_robots_with_the_outcome_on_its_timeline(
    batch, chain, dairy, robots
):
    ding, feishu = robots
    AlertChannel.objects.create(
        organization=dairy.org, platform="dingtalk", name="质量群", url=ding.url, secret=ding.secret
    )
    AlertChannel.objects.create(
        organization=chain["county"].org,
        platform="feishu",
        name="监管群",
        url=feishu.url,
        secret="not-the-secret",
    )
    for _ in range(3):
        complaint_submit(batch=batch, description="腹泻", injured=True)
    for pk in Notification.objects.filter(alert_channel__isnull=False).values_list("pk", flat=True):
        outbox.deliver(pk)
    assert len(ding.received) == 1 and "injury" not in ding.received[0]["msgtype"]
    assert feishu.received == [] and feishu.refusals[0][0] == 19021
    rows = {
        (row.action, row.data["channel"]): row.reason
        for row in RiskSignalTimeline.objects.filter(action__startswith="notification_")
    }
    assert ("notification_sent", "dingtalk") in rows
    assert "19021" in rows[("notification_failed", "feishu")]
