"""Every typed region code is checked against the GB/T 2260 list shipped with
its year (``core/data/gb2260.json``), kept up to date by ``manage.py update_region_codes``."""

import json
import shutil
from io import StringIO
from pathlib import Path
from trace.demo.seed import seed_demo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from core.checks import check_region_codes
from core.models import Organization
from core.validators import region_codes, validate_region_code
from tests.factories import EnterpriseFactory

SHIPPED = Path(settings.BASE_DIR) / "core" / "data" / "gb2260.json"


def test_the_shipped_list_names_its_year_and_the_places_we_use():
    known = region_codes()
    assert known.year >= 2023 and "GB/T 2260" in SHIPPED.read_text(encoding="utf-8")[:200]
    for code, name in {
        "320000": "江苏省",
        "320300": "徐州市",
        "320312": "铜山区",
        "320311": "泉山区",
        "320324": "睢宁县",
        "320500": "苏州市",
        "320506": "吴中区",
        "330106": "西湖区",
        "110000": "北京市",
    }.items():
        assert known.codes[code] == name
        validate_region_code(code)


@pytest.mark.parametrize("code", ["329999", "320399", "320571", "110100"])
def test_a_well_formed_code_outside_the_list_is_refused(code):
    with pytest.raises(ValidationError) as info:
        validate_region_code(code)
    assert info.value.code == "region_code_unknown"


def errors(response):
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    return response.json()["errors"]


def test_an_incident_at_329999_is_a_400_naming_the_field_and_rule_in_both_languages(
    enterprise,
):
    body = {
        "title": "t",
        "description": "d",
        "region_code": "329999",
        "occurred_at": "2026-11-01T08:00:00+08:00",
        "discovered_at": "2026-11-01T09:00:00+08:00",
    }
    response = enterprise.client.post(
        "/api/v1/incidents/", body, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    [error] = errors(response)
    assert (error["field"], error["rule"]) == ("region_code", "region_code_unknown")
    assert "329999" in error["message"] and "GB/T 2260" in error["message"]
    response = enterprise.client.post(
        "/api/v1/incidents/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "行政区划代码" in errors(response)[0]["message"]
    assert not enterprise.org.reported_incidents.exists()


def test_a_site_and_an_organization_with_an_unknown_code_are_refused(enterprise):
    response = enterprise.client.post(
        "/api/v1/sites/", {"name": "厂", "address": "徐州", "region_code": "329999"}
    )
    assert response.status_code == 400
    assert {(e["field"], e["rule"]) for e in errors(response)} == {
        ("region_code", "region_code_unknown")
    }
    org = Organization(kind="enterprise", name="x", region_code="329999", credit_code=None)
    with pytest.raises(ValidationError) as info:
        org.full_clean(exclude=["credit_code"])
    assert "region_code" in info.value.message_dict


@pytest.mark.django_db
def test_the_demo_and_the_factories_use_listed_codes(db):
    seed_demo()
    EnterpriseFactory()
    for code in Organization.objects.values_list("region_code", flat=True).distinct():
        validate_region_code(code)


@pytest.fixture
def list_copy(tmp_path, settings):
    target = tmp_path / "gb2260.json"
    shutil.copy(SHIPPED, target)
    settings.REGION_CODES_FILE = str(target)
    return target


def test_update_region_codes_replaces_the_list_and_validation_follows(list_copy, tmp_path, db):
    with pytest.raises(ValidationError):
        validate_region_code("320599")
    codes = dict(json.loads(list_copy.read_text(encoding="utf-8"))["codes"])
    codes["320599"] = "测试区"
    new = tmp_path / "new.csv"
    new.write_text("code,name\n" + "".join(f"{c},{n}\n" for c, n in codes.items()), "utf-8")
    out = StringIO()
    call_command("update_region_codes", str(new), "--year", "2025", stdout=out)
    assert "1 added, 0 removed" in out.getvalue()
    document = json.loads(list_copy.read_text(encoding="utf-8"))
    assert document["year"] == 2025 and document["codes"]["320599"] == "测试区"
    validate_region_code("320599")  # the running process reads the new list
    assert region_codes().year == 2025


def test_update_region_codes_refuses_a_list_that_drops_codes_still_in_use(list_copy, tmp_path, db):
    EnterpriseFactory(region_code="320312")
    codes = dict(json.loads(list_copy.read_text(encoding="utf-8"))["codes"])
    del codes["320312"]
    new = tmp_path / "new.json"
    new.write_text(json.dumps(codes, ensure_ascii=False), "utf-8")
    before = list_copy.read_bytes()
    with pytest.raises(CommandError, match="--allow-missing"):
        call_command("update_region_codes", str(new), "--year", "2025", stdout=StringIO())
    assert list_copy.read_bytes() == before
    with pytest.raises(CommandError, match="year"):
        call_command("update_region_codes", str(new), stdout=StringIO())
    bad = tmp_path / "bad.csv"
    bad.write_text("32031,铜山\n", "utf-8")
    with pytest.raises(CommandError, match="six-digit"):
        call_command("update_region_codes", str(bad), "--year", "2025", stdout=StringIO())
    call_command(
        "update_region_codes",
        str(new),
        "--year",
        "2025",
        "--dry-run",
        stdout=StringIO(),
        allow_missing=True,
    )
    assert list_copy.read_bytes() == before


def test_a_missing_list_fails_the_system_check(settings, tmp_path):
    settings.REGION_CODES_FILE = str(tmp_path / "none.json")
    assert [e.id for e in check_region_codes()] == ["api.E001"]
    settings.REGION_CODES_FILE = str(SHIPPED)
    assert check_region_codes() == []
