"""Demo incidents on the demo dairy chain, so a new user sees the reporting chain at once.

Called by ``manage.py seed_demo`` after the supply chain exists; a second run adds nothing.
Four incidents: one fresh at the county, one passed up to the province, one overdue (the county
did not act; the sweep escalated it to the city), one concluded and closed.
"""

from datetime import timedelta
from decimal import Decimal
from trace.demo.seed import demo_yogurt_batch
from trace.models import Batch

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import services
from .models import Incident


def _user(username):
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def seed_incidents() -> int:
    """Create the demo incidents once; returns how many were created."""
    producer, county, city = _user("producer"), _user("county-regulator"), _user("city-regulator")
    yogurt = demo_yogurt_batch()
    if (
        None in (producer, county, city, yogurt)
        or Incident.objects.filter(reporter=producer.membership.organization).exists()
    ):
        return 0
    second_lot = (
        Batch.objects.filter(gtin=yogurt.gtin).exclude(pk=yogurt.pk).order_by("id").first()
        or yogurt
    )
    now = timezone.now()
    report = _reporter(producer, now)
    _seed_closed(report, county, now, second_lot)
    _seed_reported_up(report, county, city, now, yogurt)

    overdue = report(
        3,
        "消费者反映酸奶异味",
        "两名消费者反映酸奶有异味，轻微腹痛。",
        second_lot,
        minor_injuries=2,
    )
    report(0.2, "酸奶杯内发现异物", "消费者在杯内发现塑料碎片，未受伤。", yogurt, minor_injuries=0)
    # Nobody at the county acted on the third one: the sweep escalates it to the city, marked overdue.
    services.incidents_sweep(now)
    assert Incident.objects.get(pk=overdue.pk).is_overdue
    return 4


def _reporter(producer, now):
    """The producer's report of an incident on one batch in Tongshan, ``hours_ago`` before ``now``."""
    place = "320312"

    def report(hours_ago, title, description, batch, **figures):
        at = now - timedelta(hours=hours_ago)
        return services.incident_report(
            actor=producer,
            title=title,
            description=description,
            region_code=place,
            batch_ids=[batch.pk],
            occurred_at=at - timedelta(hours=2),
            discovered_at=at - timedelta(minutes=30),
            now=at,
            measures_taken="已暂停销售并封存同批次库存",
            **figures,
        )

    return report


def _seed_closed(report, county, now, batch) -> None:
    """An incident of forty days ago the county handled through to closing."""
    closed = report(
        24 * 40,
        "包装胀袋",
        "部分杯装酸奶出现胀杯，无人员伤害。",
        batch,
        minor_injuries=0,
        direct_loss=Decimal(8000),
    )
    services.incident_acknowledge(incident_id=closed.pk, actor=county, now=now - timedelta(days=40))
    services.incident_accept(incident_id=closed.pk, actor=county, now=now - timedelta(days=40))
    services.incident_investigate(incident_id=closed.pk, actor=county, now=now - timedelta(days=39))
    services.incident_conclude(
        incident_id=closed.pk,
        actor=county,
        findings="封口机温控故障导致密封不良",
        public_result="企业已更换设备并召回涉事产品",
        now=now - timedelta(days=20),
    )
    services.incident_close(incident_id=closed.pk, actor=county, now=now - timedelta(days=19))


def _seed_reported_up(report, county, city, now, batch) -> None:
    """A serious incident of five hours ago the county and the city passed up to the province."""
    to_province = report(
        5,
        "酸奶致多人急性胃肠炎",
        "食用后12人出现急性胃肠炎症状住院治疗。",
        batch,
        serious_injuries=12,
        minor_injuries=30,
        direct_loss=Decimal(150000),
    )
    services.incident_acknowledge(
        incident_id=to_province.pk, actor=county, now=now - timedelta(hours=4, minutes=50)
    )
    services.incident_accept(
        incident_id=to_province.pk, actor=county, now=now - timedelta(hours=4, minutes=45)
    )
    services.incident_report_up(
        incident_id=to_province.pk,
        actor=county,
        reason="较大事故，逐级上报",
        now=now - timedelta(hours=4, minutes=30),
    )
    services.incident_acknowledge(
        incident_id=to_province.pk, actor=city, now=now - timedelta(hours=4)
    )
    services.incident_report_up(
        incident_id=to_province.pk, actor=city, now=now - timedelta(hours=3, minutes=30)
    )
    services.incident_respond(
        incident_id=to_province.pk,
        actor=county,
        reason="责令暂停销售该批次",
        now=now - timedelta(hours=3),
    )
