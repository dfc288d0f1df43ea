"""The respondent (SAMR Order 20 Art. 9 (2): the seller's or maker's name) is linked to the
enterprise registered here by its unified social credit code when the consumer gives it
(GB 32100-2015, check character verified), else by a name that fits exactly one enterprise
once written alike (full-/half-width, spaces, brackets, 有限责任公司/有限公司); two that fit
leave it unlinked for the regulator."""

import pytest
from rest_framework.test import APIClient

from complaints import services as cs
from complaints.services.respondent import name_key
from core.validators import credit_code_check_character
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
ART9 = {
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "contact_address": "江苏省徐州市铜山区北京路1号",
    "claim": "refund",
}


def _code(body17: str) -> str:
    return body17 + credit_code_check_character(body17)


def _file(batch, respondent, **extra):
    return cs.complaint_submit(
        batch=batch,
        description="买到过期酸奶",
        injured=False,
        respondent=respondent,
        seller_region_code="320312",
        **ART9,
        **extra,
    )


def test_names_are_compared_written_alike():
    assert name_key("徐州 万家福（铜山）超市有限责任公司") == name_key(
        "徐州万家福(铜山)超市有限公司"
    )
    assert name_key("ＡＢＣ食品股份公司") == name_key("abc食品股份有限公司")
    assert name_key("徐州万家福超市有限公司") != name_key("徐州万家福超市")


def test_the_credit_code_links_the_seller_whatever_its_name(batch, chain):
    code = _code("91320312MA1XYW001")
    seller = EnterpriseFactory(name="徐州万家福超市有限公司", credit_code=code)
    complaint = _file(batch, {"kind": "seller", "name": "万家福超市", "credit_code": code.lower()})
    assert complaint.respondent_organization == seller
    assert complaint.respondent_credit_code == code
    row = complaint.timeline.get(action="submitted")
    assert row.data["respondent"]["linked_by"] == "credit_code"


def test_a_credit_code_with_a_wrong_check_character_is_refused_400(batch, chain):
    code = _code("91320312MA1XYW001")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = APIClient().post(
        "/api/v1/public/complaints/",
        {
            "gtin": batch.gtin,
            "lot": batch.lot,
            "description": "买到过期酸奶",
            **ART9,
            "respondent": {"kind": "seller", "name": "万家福", "credit_code": wrong},
            "seller_region_code": "320312",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == (
        "respondent.credit_code",
        "credit_code_check_character",
    )


def test_an_unknown_credit_code_links_nobody_even_if_the_name_fits(batch, chain):
    EnterpriseFactory(name="徐州万家福超市有限公司")
    complaint = _file(
        batch,
        {
            "kind": "seller",
            "name": "徐州万家福超市有限公司",
            "credit_code": _code("91320312MA1XYW777"),
        },
    )
    assert complaint.respondent_organization is None


def test_a_name_written_otherwise_links_the_one_enterprise_it_fits(batch, chain):
    seller = EnterpriseFactory(name="徐州万家福（铜山）超市有限责任公司")
    complaint = _file(batch, {"kind": "seller", "name": " 徐州万家福(铜山)超市有限公司 "})
    assert complaint.respondent_organization == seller
    assert complaint.timeline.get(action="submitted").data["respondent"]["linked_by"] == "name"


def test_two_enterprises_that_fit_link_neither(batch, chain):
    EnterpriseFactory(name="徐州万家福超市有限公司")
    EnterpriseFactory(name="徐州万家福超市有限责任公司")
    complaint = _file(batch, {"kind": "seller", "name": "徐州万家福超市有限公司"})
    assert complaint.respondent_organization is None
    assert complaint.timeline.get(action="submitted").data["respondent"]["linked_by"] == ""


def test_the_maker_is_still_the_lots_owner(batch, chain, dairy):
    complaint = _file(batch, {"kind": "maker"})
    assert complaint.respondent_organization == dairy.org


def test_the_handling_county_links_by_hand_when_intake_could_not(batch, chain, dairy):
    """Two enterprises fit the name: intake links neither; the county links the respondent by
    its credit code (Order 20 Art. 9 (2)); a wrong code is 400, only the handler may (403)."""
    first = EnterpriseFactory(name="徐州万家福超市有限公司")
    EnterpriseFactory(name="徐州万家福超市有限责任公司")
    complaint = _file(batch, {"kind": "seller", "name": "徐州万家福超市有限公司"})
    assert complaint.respondent_organization is None
    url = f"/api/v1/complaints/{complaint.pk}/link-respondent/"
    county = chain["county"].client
    assert chain["city"].client.post(url, {"credit_code": first.credit_code}).status_code == 403
    unknown = county.post(url, {"credit_code": _code("91320312MA1XYW777")}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["rule"] == "unknown_credit_code"
    bad = county.post(url, {"credit_code": "123"}, format="json")
    assert bad.json()["errors"][0] == {
        **bad.json()["errors"][0],
        "field": "credit_code",
        "rule": "credit_code_length",
    }
    ok = county.post(
        url, {"credit_code": first.credit_code, "reason": "核对营业执照"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["respondent"]["organization"] == first.pk
    row = complaint.timeline.get(action="respondent_linked")
    assert row.data["citation"] == "SAMR Order 20 Art. 9 (2)" and row.data["previous"] is None


def test_the_workbench_offers_the_link_form_and_links(batch, chain, client):
    EnterpriseFactory(name="徐州万家福超市有限公司")
    second = EnterpriseFactory(name="徐州万家福超市有限责任公司")
    complaint = _file(batch, {"kind": "seller", "name": "徐州万家福超市有限公司"})
    client.force_login(chain["county"].user)
    page = client.get(f"/workbench/complaints/{complaint.pk}/?lang=en").content.decode()
    action = f"/workbench/complaints/{complaint.pk}/do/link-respondent/"
    assert f'action="{action}"' in page and 'name="credit_code"' in page
    assert client.post(action, {"credit_code": second.credit_code}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.respondent_organization == second
    page = client.get(f"/workbench/complaints/{complaint.pk}/?lang=en").content.decode()
    assert "Respondent linked to a registered enterprise" in page
    assert f'action="{action}"' not in page
