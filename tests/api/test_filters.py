"""The organization directory's FilterSet (``api.views.OrganizationFilterSet``) on its own: a
queryset and the query's values in, the filtered queryset out; an unknown level makes the form
invalid, naming the field."""

import pytest

from api.views import OrganizationFilterSet
from core.models import Organization

pytestmark = pytest.mark.django_db


def _ids(filterset) -> set[int]:
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def test_the_directory_by_kind_level_region_and_search(
    enterprise, other_enterprise, regulator, regulator_elsewhere
):
    everything = Organization.objects.all()
    assert _ids(OrganizationFilterSet({"kind": "enterprise"}, everything)) == {
        enterprise.org.pk,
        other_enterprise.org.pk,
    }
    assert _ids(OrganizationFilterSet({"level": "city"}, everything)) == {
        regulator.org.pk,
        regulator_elsewhere.org.pk,
    }
    assert _ids(OrganizationFilterSet({"region_code": "33"}, everything)) == {
        other_enterprise.org.pk,
        regulator_elsewhere.org.pk,
    }
    assert _ids(OrganizationFilterSet({"q": enterprise.org.credit_code}, everything)) == {
        enterprise.org.pk
    }
    assert _ids(OrganizationFilterSet({"q": enterprise.org.name}, everything)) == {
        enterprise.org.pk
    }


def test_an_unknown_level_names_its_field(enterprise):
    filterset = OrganizationFilterSet({"level": "galactic"}, Organization.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == ["level"]
