"""Identifier canonicalisation: one spelling per GS1 key (CBV 2.0 section 8.9.2: EPC URNs
and Digital Link URIs become canonical Digital Link URIs before anything is compared or
hashed), by the EPC Tag Data Standard's correspondence tables (TDS 2.x section 7)."""

from trace.core.identifiers import _canonical, canonical_identifier, item_key_from_uri
from trace.gs1.digital_link import canonical_uri, check_digit

import pytest
from epcis_event_hash_generator.dl_normaliser import normaliser as reference_normaliser

GTIN = "https://id.gs1.org/01/06901234000017"

CANONICAL = {
    GTIN + "/10/LOT1": GTIN + "/10/LOT1",
    GTIN + "/10/LOT?x=1": GTIN + "/10/LOT",  # the query string is not part of the key
    GTIN + "/10/L%2FT": GTIN + "/10/L%2FT",  # "/" in a lot, percent-encoded
    GTIN + "/10/A-1.b_2;<=>'\"": GTIN + "/10/A-1.b_2%3B%3C%3D%3E'%22",
    GTIN + "/21/SER9": GTIN + "/21/SER9",
    GTIN: GTIN,
    GTIN + "/10/LOT1/21/S1": GTIN + "/21/S1",  # the lowest level: the serial
    "https://id.gs1.org/01/6901234000017/10/LOT1": GTIN + "/10/LOT1",  # GTIN-13 → GTIN-14
    "https://example.com/01/06901234000017/10/LOT1": GTIN + "/10/LOT1",  # any host
    "https://example.com/some/prefix/01/06901234000017": GTIN,  # after a path prefix
    "http://id.gs1.org/01/06901234000017/10/LOT1": GTIN + "/10/LOT1",
    "https://id.gs1.org/414/6901234000017": "https://id.gs1.org/414/6901234000017",
    "https://id.gs1.org/414/6901234000017/254/12": "https://id.gs1.org/414/6901234000017/254/12",
    "https://id.gs1.org/417/6901234000017": "https://id.gs1.org/417/6901234000017",
    "urn:epc:class:lgtin:6901234.000001.LOT1": "https://id.gs1.org/01/06901234000016/10/LOT1",
    "urn:epc:id:sgtin:6901234.000001.1001": "https://id.gs1.org/01/06901234000016/21/1001",
    "urn:epc:id:sgtin:6901234.000001.A%2FB": "https://id.gs1.org/01/06901234000016/21/A%2FB",
    "urn:epc:idpat:sgtin:6901234.000001.*": "https://id.gs1.org/01/06901234000016",
    "urn:epc:id:sgln:6901234.00001.0": "https://id.gs1.org/414/6901234000016",
    "urn:epc:id:pgln:6901234.00001": "https://id.gs1.org/417/6901234000016",
}

NOT_A_KEY = [
    GTIN + "/10/ABCDEFGHIJKLMNOPQRSTU",  # 21 characters: longer than AI (10) allows
    GTIN + "/10/中文",  # outside the GS1 character set
    "https://id.gs1.org/01/06901234000",  # 11 digits: no GTIN
    "https://example.com/products/1",
    "urn:epc:id:sgtin:6901234.00001.1001",  # company prefix + item reference ≠ 13 digits
    "urn:epcglobal:cbv:bt:6901234000017:PO-1",
    "urn:uuid:6e9d2b1c-0000-4000-8000-000000000000",
    "urn:suyuan:org:91320300MA1XXXXX0",
]

# TDS examples (section 6.3 and annex A) and their keys, checked against GS1's reference
# normaliser below.
EPC_URNS = [
    "urn:epc:id:sgtin:0614141.112345.400",
    "urn:epc:id:sscc:0614141.1234567890",
    "urn:epc:id:sgln:0614141.12345.400",
    "urn:epc:id:grai:0614141.12345.400",
    "urn:epc:id:grai:4012345.00225.0",
    "urn:epc:id:giai:0614141.12345400",
    "urn:epc:id:gsrn:0614141.1234567890",
    "urn:epc:id:gsrnp:0614141.1234567890",
    "urn:epc:id:gdti:0614141.12345.400",
    "urn:epc:id:cpi:0614141.123ABC.123456789",
    "urn:epc:id:sgcn:4012345.67890.04711",
    "urn:epc:id:ginc:0614141.xyz47%2F11",
    "urn:epc:id:gsin:0614141.123456789",
    "urn:epc:id:itip:4012345.012345.01.02.987",
    "urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7'SDB",
    "urn:epc:id:pgln:0614141.00000",
    "urn:epc:class:lgtin:4012345.012345.998877",
    "urn:epc:idpat:sgtin:4012345.098765.*",
]


@pytest.mark.parametrize(("uri", "expected"), CANONICAL.items())
def test_canonical_form(uri, expected):
    _canonical.cache_clear()
    assert canonical_identifier(uri) == expected
    assert canonical_identifier(expected) == expected  # canonical stays canonical


@pytest.mark.parametrize("uri", NOT_A_KEY)
def test_anything_else_is_kept_as_given(uri):
    assert canonical_uri(uri) is None
    assert canonical_identifier(uri) == uri


@pytest.mark.parametrize("urn", EPC_URNS)
def test_epc_urns_as_gs1_reference_normaliser_converts_them(urn):
    assert canonical_uri(urn) == reference_normaliser(urn)


def test_check_digit():
    """GS1 General Specifications 7.9: the mod-10 check digit."""
    assert check_digit("0690123400001") == "6"  # GTIN 06901234000016
    assert check_digit("061414112345") == "2"  # GLN 0614141123452


def test_lot_and_urn_name_the_same_item():
    key = item_key_from_uri("urn:epc:class:lgtin:6901234.000001.LOT1")
    assert key == item_key_from_uri("https://id.gs1.org/01/06901234000016/10/LOT1")
    assert (key.gtin, key.lot) == ("06901234000016", "LOT1")
