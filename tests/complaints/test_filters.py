"""The complaint and report lists' FilterSets (``complaints.filters``): a yes/no or region code
filter that cannot be read is a 400 problem+json naming the field, never an unfiltered list."""

import pytest

from api.parsing import StrictBooleanFilter, StrictFilterBackend, StrictFilterSet
from complaints.filters import ComplaintFilterSet, ReportFilterSet
from complaints.models import Complaint, Report


@pytest.mark.parametrize(
    ("filterset_class", "data", "field"),
    [
        (ComplaintFilterSet, {"is_overdue": "perhaps"}, "is_overdue"),
        (ComplaintFilterSet, {"injured": "perhaps"}, "injured"),
        (ComplaintFilterSet, {"complete": "2"}, "complete"),
        (ComplaintFilterSet, {"region_code": "abc"}, "region_code"),
        (ComplaintFilterSet, {"region_code": "3203"}, "region_code"),
        (ComplaintFilterSet, {"region_code": "32030"}, "region_code"),
        (ReportFilterSet, {"is_overdue": "perhaps"}, "is_overdue"),
        (ReportFilterSet, {"real_name": "2"}, "real_name"),
        (ReportFilterSet, {"region_code": "٣٢٠٣٠٠"}, "region_code"),
    ],
)
def test_refuse_what_is_no_value(db, filterset_class, data, field):
    filterset = filterset_class(data, filterset_class.Meta.model.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]


def test_read_what_is_a_value(db):
    for data in ({"is_overdue": "true"}, {"injured": "No"}, {"region_code": "320312"}, {}):
        assert ComplaintFilterSet(data, Complaint.objects.all()).is_valid()
    for data in ({"is_overdue": "0"}, {"real_name": "yes"}, {"region_code": ""}):
        assert ReportFilterSet(data, Report.objects.all()).is_valid()


@pytest.mark.parametrize(
    ("query", "field", "rule", "en", "zh"),
    [
        (
            "/api/v1/complaints/?is_overdue=perhaps",
            "is_overdue",
            "invalid_boolean",
            "Use true or false.",
            "请填写 true 或 false。",
        ),
        (
            "/api/v1/complaints/?injured=perhaps",
            "injured",
            "invalid_boolean",
            "Use true or false.",
            "请填写 true 或 false。",
        ),
        (
            "/api/v1/reports/?is_overdue=perhaps",
            "is_overdue",
            "invalid_boolean",
            "Use true or false.",
            "请填写 true 或 false。",
        ),
        (
            "/api/v1/reports/?real_name=2",
            "real_name",
            "invalid_boolean",
            "Use true or false.",
            "请填写 true 或 false。",
        ),
        (
            "/api/v1/complaints/?region_code=abc",
            "region_code",
            "region_code_format",
            "A region code is six digits (GB/T 2260), e.g. 320300.",
            "行政区划代码为 6 位数字（GB/T 2260），例如 320300。",
        ),
        (
            "/api/v1/reports/?region_code=32031",
            "region_code",
            "region_code_format",
            "A region code is six digits (GB/T 2260), e.g. 320300.",
            "行政区划代码为 6 位数字（GB/T 2260），例如 320300。",
        ),
    ],
)
def test_the_api_answers_400_naming_the_field(regulator, query, field, rule, en, zh):
    for language, message in (("en", en), ("zh-hans", zh)):
        response = regulator.client.get(query, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["errors"] == [{"field": field, "rule": rule, "message": message}]


def test_every_yes_no_field_of_a_plain_filterset_fields_list_is_strict():
    """A view's ``filterset_fields`` build on ``StrictFilterSet`` too."""
    assert StrictFilterBackend.filterset_base is StrictFilterSet

    class Probe(StrictFilterSet):
        class Meta:
            model = Complaint
            fields = ["injured"]

    assert isinstance(Probe.base_filters["injured"], StrictBooleanFilter)
