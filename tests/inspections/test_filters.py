"""The spot-check FilterSets on their own (``inspections.filters``: draws, checks, and the
published results): a queryset and the query's values in, the filtered queryset out; a value
the filter refuses makes the form invalid, naming the field."""

import pytest
from django.utils import timezone

from inspections import services
from inspections.choices import SpotCheckResult
from inspections.filters import PublicSpotCheckFilterSet, SpotCheckDrawFilterSet, SpotCheckFilterSet
from inspections.models import SpotCheck, SpotCheckDraw
from tests.inspections.test_spot_checks import (  # noqa: F401 (fixtures)
    _check_of,
    inspectors,
    make_draw,
    xuzhou,
)

pytestmark = pytest.mark.django_db


def _ids(filterset) -> set[int]:
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def checks(regulator, enterprise, partner, xuzhou, inspectors):  # noqa: F811
    """Two single-enterprise draws: the dairy's check concluded (failed), the partner's planned."""
    failed = _check_of(enterprise, regulator)
    services.spot_check_record(
        check_id=failed.pk,
        actor=regulator.user,
        result=SpotCheckResult.FAIL,
        checked_on=timezone.localdate(),
        findings="菌落总数超标",
    )
    planned = _check_of(partner, regulator)
    return {"failed": SpotCheckDraw.objects.get(pk=failed.draw_id).checks.get(), "planned": planned}


def test_draws_by_regulator_category_and_day(regulator, regulator_elsewhere, checks):
    draws = SpotCheckDraw.objects.all()
    both = {checks["failed"].draw_id, checks["planned"].draw_id}
    today = timezone.localdate().isoformat()
    assert _ids(SpotCheckDrawFilterSet({"regulator_id": regulator.org.pk}, draws)) == both
    assert (
        _ids(SpotCheckDrawFilterSet({"regulator_id": regulator_elsewhere.org.pk}, draws)) == set()
    )
    assert _ids(SpotCheckDrawFilterSet({"date_from": today, "date_to": today}, draws)) == both
    assert _ids(SpotCheckDrawFilterSet({"date_to": "2000-01-01"}, draws)) == set()
    assert _ids(SpotCheckDrawFilterSet({"category": ["drug"]}, draws)) == set()


def test_checks_and_published_results(regulator, enterprise, partner, checks):
    everything = SpotCheck.objects.all()
    failed, planned = checks["failed"], checks["planned"]
    assert _ids(SpotCheckFilterSet({"result": ["fail"]}, everything)) == {failed.pk}
    assert _ids(SpotCheckFilterSet({"status": ["planned"]}, everything)) == {planned.pk}
    # The partner's county holds another enterprise (``xuzhou``): the draw picks either.
    drawn = planned.enterprise_id
    assert _ids(SpotCheckFilterSet({"enterprise_id": drawn}, everything)) == {planned.pk}
    assert _ids(SpotCheckFilterSet({"q": enterprise.org.name}, everything)) == {failed.pk}
    assert _ids(SpotCheckFilterSet({"draw_id": planned.draw_id}, everything)) == {planned.pk}
    assert _ids(SpotCheckFilterSet({"region": "3203"}, everything)) == {failed.pk, planned.pk}
    assert _ids(PublicSpotCheckFilterSet({"result": ["pass"]}, everything)) == set()
    assert _ids(PublicSpotCheckFilterSet({"q": enterprise.org.credit_code}, everything)) == {
        failed.pk
    }


@pytest.mark.parametrize(
    ("filterset_class", "data", "field"),
    [
        (SpotCheckDrawFilterSet, {"regulator_id": "0"}, "regulator_id"),
        (SpotCheckDrawFilterSet, {"date_from": "2026-02-30"}, "date_from"),
        (SpotCheckDrawFilterSet, {"category": ["pets"]}, "category"),
        (SpotCheckFilterSet, {"status": ["lost"]}, "status"),
        (SpotCheckFilterSet, {"draw_id": "٣"}, "draw_id"),
        (PublicSpotCheckFilterSet, {"result": ["maybe"]}, "result"),
        (PublicSpotCheckFilterSet, {"date_to": "tomorrow"}, "date_to"),
    ],
)
def test_refuse_what_is_no_value(filterset_class, data, field):
    filterset = filterset_class(data, filterset_class.Meta.model.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
