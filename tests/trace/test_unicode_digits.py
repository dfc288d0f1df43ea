"""Codes people type are ASCII digits: ``"²".isdigit()`` and ``"٣".isdigit()`` are true in
Python, and ``int("²")`` raises, so a check on ``isdigit`` alone let such codes in (issue 19
item 13). A GTIN, GLN, Digital Link key or site URI made of them is refused or not found —
never a 500, never stored."""

from trace.core.identifiers import normalize_gtin
from trace.core.selectors import site_names
from trace.gs1.digital_link import digital_link_to_canonical, epc_urn_to_digital_link
from trace.models import Site

import pytest
from django.core.exceptions import ValidationError

SUPERSCRIPTS = "²" * 13
ARABIC_INDIC = "٣" * 13


@pytest.mark.parametrize("digits", [SUPERSCRIPTS, ARABIC_INDIC, "¹" * 14])
def test_a_gtin_of_other_digits_is_refused(digits):
    with pytest.raises(ValidationError):
        normalize_gtin(digits)


@pytest.mark.parametrize("digits", [SUPERSCRIPTS, ARABIC_INDIC])
def test_a_site_with_a_gln_of_other_digits_is_refused(enterprise, digits):
    response = enterprise.client.post(
        "/api/v1/sites/",
        {"name": "仓库", "gln": digits, "region_code": "320312"},
        format="json",
    )
    assert response.status_code == 400
    assert any(e["field"] == "gln" for e in response.json()["errors"])
    assert not Site.objects.filter(gln=digits).exists()


@pytest.mark.parametrize("digits", ["²" * 14, "٣" * 14])
def test_a_digital_link_of_other_digits_is_not_found(client, db, digits):
    response = client.get(f"/01/{digits}/10/L1")
    assert response.status_code in (400, 404)


def test_epc_urns_and_links_of_other_digits_have_no_canonical_form():
    assert epc_urn_to_digital_link("urn:epc:id:sgtin:²²²²²²².²²²²²².1") is None
    assert digital_link_to_canonical("https://id.gs1.org/01/" + "²" * 14) is None


def test_a_site_uri_of_other_digits_names_no_site(db):
    assert site_names(["urn:suyuan:site:²", "urn:suyuan:site:" + "9" * 40]) == {}
