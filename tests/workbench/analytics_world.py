"""The whole demo (the conftest's ``demo`` seeds the supply chain only) and a small world of two
counties for the figures' tests: what the tests count, they count from these objects."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services as complaint_services
from complaints.demo import seed_complaints
from core.choices import RegulatorLevel
from incidents import services as incident_services
from incidents.demo import seed_incidents
from incidents.models import Incident
from recalls.demo import seed_recall_demo
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
    produce,
)

TONGSHAN, HANGZHOU = "320312", "330106"


@pytest.fixture
def full_demo(demo):
    """The demo as ``manage.py seed_demo`` makes it: incidents, recalls and complaints too."""
    seed_incidents()
    seed_recall_demo()
    seed_complaints()
    return demo


@dataclass
class World:
    users: dict
    lots: dict
    incidents: list = field(default_factory=list)
    complaints: list = field(default_factory=list)

    def report(
        self, who: str, *, at: datetime, late: bool = False, handled: bool = False, **figures
    ) -> Incident:
        """``who`` ("a" or "b") reports an incident on its lot at ``at``; late: discovered
        three hours before (the report is due one hour after discovery); handled: the county
        of the place accepts it and confirms its grade an hour later (only then does it count
        in the credit record, issue 19)."""
        lot = self.lots[who]
        discovered = at - (timedelta(hours=3) if late else timedelta(minutes=20))
        incident = incident_services.incident_report(
            actor=self.users[who],
            title=f"事故{len(self.incidents) + 1}",
            description="消费者食用后不适。",
            region_code=lot.product.owner.region_code,
            occurred_at=discovered - timedelta(hours=1),
            discovered_at=discovered,
            batch_ids=[lot.pk],
            now=at,
            **figures,
        )
        self.incidents.append(incident)
        if handled:
            county = self.users["tongshan" if who == "a" else "hangzhou"]
            later = at + timedelta(hours=1)
            incident_services.incident_accept(incident_id=incident.pk, actor=county, now=later)
            incident = incident_services.incident_grade(
                incident_id=incident.pk,
                actor=county,
                grade=incident.grade,
                reason="核实",
                now=later,
            )
        return incident

    def complain(self, who: str, *, at: datetime, injured: bool = False):
        complaint = complaint_services.complaint_submit(
            batch=self.lots[who],
            description="包装破损。",
            injured=injured,
            contact_name="张三",
            contact_phone="13812345678",
            contact_address="徐州市铜山区北京路1号",
            claim="refund",
            now=at,
        )
        self.complaints.append(complaint)
        return complaint

    def fresh_incidents(self) -> list[Incident]:
        return list(Incident.objects.filter(pk__in=[i.pk for i in self.incidents]))


def build_world() -> World:
    """Enterprise A (Tongshan, food) and B (Hangzhou, key consumer goods), a lot each; the
    county regulators of both places, Xuzhou city and the national regulator."""
    a = UserFactory(organization=EnterpriseFactory(region_code=TONGSHAN, name="甲乳业"))
    b = UserFactory(organization=EnterpriseFactory(region_code=HANGZHOU, name="乙电器"))
    users = {
        "a": a,
        "b": b,
        "tongshan": UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.COUNTY, region_code=TONGSHAN)
        ),
        "hangzhou": UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.COUNTY, region_code=HANGZHOU)
        ),
        "city": UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.CITY, region_code="320300")
        ),
        "national": UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.NATIONAL, region_code="110000")
        ),
    }
    product_a = ProductFactory(owner=a.membership.organization, category="food")
    product_b = ProductFactory(owner=b.membership.organization, category="key_consumer")
    lots = {
        "a": produce(a, product_a, lot="A1", quantity=Decimal(1000)),
        "b": produce(b, product_b, lot="B1", quantity=Decimal(500)),
    }
    return World(users=users, lots=lots)


def days_ago(days: float, *, hour: int = 10) -> datetime:
    """A moment ``days`` days back, at ``hour`` o'clock Asia/Shanghai (clear of midnight)."""
    local = timezone.localtime() - timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)
