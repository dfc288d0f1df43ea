"""The incident FilterSets on their own (``incidents.filters.IncidentFilterSet``, the
regulator's list, and ``incidents.public.PublicIncidentResultFilterSet``): a queryset and the
query's values in, the filtered queryset out; a value the filter refuses makes the form invalid,
naming the field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.filters import IncidentFilterSet
from incidents.models import Incident
from incidents.public import PublicIncidentResultFilterSet

pytestmark = pytest.mark.django_db


def _ids(filterset) -> set[int]:
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def _report(persona, batch, *, title, at, deaths=0, region_code="320312"):
    return services.incident_report(
        actor=persona.user,
        title=title,
        description="消费者食用后不适。",
        region_code=region_code,
        occurred_at=at - timedelta(hours=2),
        discovered_at=at - timedelta(minutes=20),
        batch_ids=[batch.pk] if batch is not None else [],
        deaths=deaths,
        now=at,
    )


@pytest.fixture
def two(dairy, batch, chain, settings):
    now = timezone.now()
    sour = _report(dairy, batch, title="酸奶变质", at=now - timedelta(days=10))
    deaths = settings.INCIDENT_GRADE_THRESHOLDS["III"]["deaths"]  # a graver grade than sour's
    fatal = _report(dairy, None, title="包装割伤", at=now - timedelta(days=1), deaths=deaths)
    assert fatal.grade != sour.grade
    services.incident_accept(incident_id=sour.pk, actor=chain["county"].user, now=now)
    return {"sour": Incident.objects.get(pk=sour.pk), "fatal": fatal, "now": now}


def test_the_regulator_s_list_filters(two, batch, dairy):
    everything = Incident.objects.all()
    sour, fatal = two["sour"], two["fatal"]
    assert _ids(IncidentFilterSet({"status": ["accepted"]}, everything)) == {sour.pk}
    assert _ids(IncidentFilterSet({"status": ["reported", "accepted"]}, everything)) == {
        sour.pk,
        fatal.pk,
    }
    assert _ids(IncidentFilterSet({"grade": [fatal.grade]}, everything)) == {fatal.pk}
    assert _ids(IncidentFilterSet({"region": "320300"}, everything)) == {sour.pk, fatal.pk}
    assert _ids(IncidentFilterSet({"region": "3303"}, everything)) == set()
    assert _ids(IncidentFilterSet({"batch_id": batch.pk}, everything)) == {sour.pk}
    assert _ids(IncidentFilterSet({"product_id": batch.product_id}, everything)) == {sour.pk}
    assert _ids(IncidentFilterSet({"enterprise_id": dairy.org.pk}, everything)) == {
        sour.pk,
        fatal.pk,
    }
    assert _ids(IncidentFilterSet({"q": "割伤"}, everything)) == {fatal.pk}
    assert _ids(IncidentFilterSet({"open": "true"}, everything)) == {sour.pk, fatal.pk}
    assert _ids(IncidentFilterSet({"open": "false"}, everything)) == set()
    assert _ids(IncidentFilterSet({"open": "", "overdue": ""}, everything)) == {sour.pk, fatal.pk}
    assert _ids(IncidentFilterSet({"overdue": "False"}, everything)) == {sour.pk, fatal.pk}
    cut = (two["now"] - timedelta(days=5)).isoformat()
    assert _ids(IncidentFilterSet({"reported_after": cut}, everything)) == {fatal.pk}
    assert _ids(IncidentFilterSet({"reported_before": cut}, everything)) == {sour.pk}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": ["lost"]}, "status"),
        ({"grade": ["V"]}, "grade"),
        ({"batch_id": "-1"}, "batch_id"),
        ({"enterprise_id": "٣"}, "enterprise_id"),
        ({"reported_after": "2026-13-01T00:00:00+08:00"}, "reported_after"),
        ({"occurred_before": "0001-01-01T00:00:00+14:00"}, "occurred_before"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"open": "2"}, "open"),
        ({"region": "abc"}, "region"),
        ({"region": "320"}, "region"),
        ({"region": "3203１2"}, "region"),
    ],
)
def test_the_regulator_s_list_refuses_what_is_no_value(data, field):
    filterset = IncidentFilterSet(data, Incident.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]


def test_a_region_filter_reads_the_code_s_form_not_the_list_in_force():
    """Records keep the code they were filed under: a division code since retired (320101,
    Nanjing's old 市辖区) or one the list does not hold still filters; only what is no code is
    refused."""
    for region in ("320101", "999999", "32", "3201"):
        assert IncidentFilterSet({"region": region}, Incident.objects.all()).is_valid(), region


def test_the_published_results_filter(two):
    everything = Incident.objects.all()
    sour, fatal = two["sour"], two["fatal"]
    filterset = PublicIncidentResultFilterSet
    assert _ids(filterset({"grade": [fatal.grade]}, everything)) == {fatal.pk}
    assert _ids(filterset({"region": "320312"}, everything)) == {sour.pk, fatal.pk}
    assert _ids(filterset({"region": "11"}, everything)) == set()
    assert _ids(filterset({"kind": sour.kind}, everything)) >= {sour.pk}
    assert not filterset({"kind": "rumour"}, everything).is_valid()
    assert list(filterset({"category": "x"}, everything).errors) == ["category"]
    assert list(filterset({"region": "abc"}, everything).errors) == ["region"]


def test_the_api_answers_400_naming_a_yes_no_filter_it_cannot_read(regulator):
    response = regulator.client.get("/api/v1/incidents/?overdue=perhaps", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "overdue" in response.content.decode()


def test_the_api_answers_400_naming_a_region_it_cannot_read(regulator):
    en = regulator.client.get("/api/v1/incidents/?region=abc", HTTP_ACCEPT_LANGUAGE="en")
    zh = regulator.client.get("/api/v1/incidents/?region=abc", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert en.status_code == zh.status_code == 400
    assert en["Content-Type"].startswith("application/problem+json")
    assert en.json()["errors"] == [
        {
            "field": "region",
            "rule": "region_code_format",
            "message": "Give a region code (GB/T 2260) or its province or city part: "
            "2, 4 or 6 digits, e.g. 32, 3203 or 320300.",
        }
    ]
    assert zh.json()["errors"] == [
        {
            "field": "region",
            "rule": "region_code_format",
            "message": "请填写行政区划代码（GB/T 2260）或其省级、市级部分：2、4 或 6 位数字，"
            "例如 32、3203 或 320300。",
        }
    ]
    assert regulator.client.get("/api/v1/incidents/?region=3203").status_code == 200
