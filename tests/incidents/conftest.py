"""Personas of the reporting chain around a dairy in Tongshan District, Xuzhou (320312)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from config.celery import app
from core.choices import RegulatorLevel
from tests.conftest import Persona
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
    produce,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _inline_tasks_and_media(settings, tmp_path):
    """Deliver notifications inline even when REDIS_URL names a broker; files in a scratch dir."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _regulator(level, region, email):
    return Persona(
        UserFactory(organization=RegulatorFactory(level=level, region_code=region), email=email)
    )


@pytest.fixture
def chain(db):
    """The four levels above Tongshan, one regulator each, plus one in Hangzhou."""
    return {
        "county": _regulator(RegulatorLevel.COUNTY, "320312", "county@amr.example.cn"),
        "city": _regulator(RegulatorLevel.CITY, "320300", "city@amr.example.cn"),
        "province": _regulator(RegulatorLevel.PROVINCE, "320000", "province@amr.example.cn"),
        "national": _regulator(RegulatorLevel.NATIONAL, "110000", "national@amr.example.cn"),
        "elsewhere": _regulator(RegulatorLevel.COUNTY, "330106", "hz@amr.example.cn"),
    }


@pytest.fixture
def dairy(db):
    return Persona(
        UserFactory(
            organization=EnterpriseFactory(region_code="320312"), email="qa@dairy.example.cn"
        )
    )


@pytest.fixture
def stranger(db):
    return Persona(UserFactory(organization=EnterpriseFactory(region_code="320311")))


@pytest.fixture
def batch(dairy):
    product = ProductFactory(owner=dairy.org)
    return produce(dairy.user, product, lot="YG01", when=datetime(2026, 3, 1, 8, tzinfo=SH))


@pytest.fixture
def t0():
    """The moment of the report (the API stamps reports with the real clock)."""
    return timezone.now()


def report_body(batch, t0, **overrides):
    body = {
        "title": "酸奶疑似变质致腹泻",
        "description": "多名消费者食用后出现腹泻、呕吐症状。",
        "batches": [batch.pk],
        "region_code": "320312",
        "occurred_at": (t0 - timedelta(hours=3)).isoformat(),
        "discovered_at": (t0 - timedelta(minutes=30)).isoformat(),
        "deaths": 0,
        "serious_injuries": 0,
        "minor_injuries": 5,
        "direct_loss": "20000.00",
        "measures_taken": "已封存同批次产品",
    }
    body.update(overrides)
    return body
