"""Identifier canonicalisation: the shortcut for already-canonical URIs agrees with GS1's normaliser."""

from trace.core.identifiers import _canonical, canonical_identifier, item_key_from_uri
from trace.epcis.eventhash.dl_normaliser import normaliser

import pytest

URIS = [
    "https://id.gs1.org/01/06901234000017/10/LOT1",
    "https://id.gs1.org/01/06901234000017/10/A-1.b_2;<=>'\"",
    "https://id.gs1.org/01/06901234000017/10/LOT?x=1",  # '?' starts a query string
    "https://id.gs1.org/01/06901234000017/10/L%2FT",  # percent-encoded
    "https://id.gs1.org/01/06901234000017/21/SER9",
    "https://id.gs1.org/01/06901234000017",
    "https://id.gs1.org/01/06901234000017/10/LOT1/21/S1",
    "https://id.gs1.org/01/6901234000017/10/LOT1",  # GTIN-13
    "https://id.gs1.org/414/6901234000017",
    "https://id.gs1.org/417/6901234000017",
    "https://example.com/01/06901234000017/10/LOT1",
    "http://id.gs1.org/01/06901234000017/10/LOT1",
    "https://id.gs1.org/01/06901234000017/10/ABCDEFGHIJKLMNOPQRSTU",  # 21 characters: too long
    "urn:epc:class:lgtin:6901234.000001.LOT1",
    "urn:epc:id:sgtin:6901234.000001.1001",
    "urn:epc:id:sgln:6901234.00001.0",
    "urn:epc:id:pgln:6901234.00001",
    "urn:epc:idpat:sgtin:6901234.000001.*",
    "urn:epcglobal:cbv:bt:6901234000017:PO-1",
    "urn:uuid:6e9d2b1c-0000-4000-8000-000000000000",
    "urn:suyuan:org:91320300MA1XXXXX0",
    "HTTPS://ID.GS1.ORG/01/06901234000017",
]


@pytest.mark.parametrize("uri", URIS)
def test_canonical_form_is_the_normalisers(uri):
    _canonical.cache_clear()
    assert canonical_identifier(uri) == (normaliser(uri) or uri)


def test_lot_and_urn_name_the_same_item():
    key = item_key_from_uri("urn:epc:class:lgtin:6901234.000001.LOT1")
    assert key == item_key_from_uri("https://id.gs1.org/01/06901234000016/10/LOT1")
    assert (key.gtin, key.lot) == ("06901234000016", "LOT1")
