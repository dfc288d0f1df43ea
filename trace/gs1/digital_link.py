"""One spelling per GS1 key: EPC URNs and Digital Link URIs → canonical Digital Link URI.

The canonical form is the GS1 Digital Link URI on ``https://id.gs1.org`` at the
lowest level of identification the input names (a serial wins over a lot), with
no query string, as CBV 2.0 asks of identifiers before an event is hashed.

EPC URNs are read by the rules of the GS1 EPC Tag Data Standard (TDS 2.x,
section 6 "EPC URI" and section 7 "Correspondence between EPCs and GS1 keys"):
the company prefix and the reference are joined, an indicator or extension
digit moves to the front, and the GS1 check digit is added where the key has one.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

CANONICAL_HOST = "https://id.gs1.org"

# GS1 General Specifications figure 7.11-1 (the 82 characters of AI encodable
# character set 82) and 7.11-2 (set 39, for component/part identifiers).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_CSET39 = re.compile(r"[#\-/0-9A-Z]+")


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit: weights 3 and 1 alternately, from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def _encode(value: str) -> str:
    """A value as a Digital Link path segment: everything but letters, digits, ``-._~'``
    percent-encoded."""
    return quote(value, safe="'")


def _link(*pairs: tuple[str, str]) -> str:
    return CANONICAL_HOST + "".join(f"/{ai}/{_encode(value)}" for ai, value in pairs)


# --- EPC URNs (TDS section 6.3 and 7) ---------------------------------------------------


def _parts(body: str, count: int) -> list[str] | None:
    parts = body.split(".")
    return parts if len(parts) == count and all(parts[:-1]) else None


def _digits(*values: str) -> bool:
    return all(v.isascii() and v.isdigit() for v in values)  # not '²'


def _gtin(prefix: str, item_ref: str) -> str | None:
    """GTIN-14 from company prefix and indicator digit + item reference (TDS 7.1)."""
    if not _digits(prefix, item_ref) or len(prefix) + len(item_ref) != 13:
        return None
    body = item_ref[0] + prefix + item_ref[1:]
    return body + check_digit(body)


def _with_check(*values: str, length: int) -> str | None:
    body = "".join(values)
    if not _digits(body) or len(body) != length:
        return None
    return body + check_digit(body)


def _serial(value: str, pattern=_CSET82, limit: int = 20) -> str | None:
    value = unquote(value)
    return value if value and len(value) <= limit and pattern.fullmatch(value) else None


def _sgtin(body):
    p = _parts(body, 3)
    gtin = p and _gtin(p[0], p[1])
    serial = p and _serial(p[2])
    return _link(("01", gtin), ("21", serial)) if gtin and serial else None


def _lgtin(body):
    p = _parts(body, 3)
    gtin = p and _gtin(p[0], p[1])
    lot = p and _serial(p[2])
    return _link(("01", gtin), ("10", lot)) if gtin and lot else None


def _sscc(body):
    p = _parts(body, 2)
    if not p or not p[1]:
        return None
    sscc = _with_check(p[1][0], p[0], p[1][1:], length=17)
    return _link(("00", sscc)) if sscc else None


def _sgln(body):
    p = _parts(body, 3)
    gln = p and _with_check(p[0], p[1], length=12)
    if not gln:
        return None
    if p[2] == "0":
        return _link(("414", gln))
    extension = _serial(p[2])
    return _link(("414", gln), ("254", extension)) if extension else None


def _pgln(body):
    p = _parts(body, 2)
    gln = p and _with_check(p[0], p[1], length=12)
    return _link(("417", gln)) if gln else None


def _grai(body):
    p = _parts(body, 3)
    grai = p and _with_check(p[0], p[1], length=12)
    serial = p and (unquote(p[2]) if p[2] == "" else _serial(p[2], limit=16))
    if not grai or serial is None:
        return None
    return _link(("8003", "0" + grai + serial))


def _giai(body):
    p = _parts(body, 2)
    asset = p and _serial(p[1], limit=30 - len(p[0]))
    return _link(("8004", p[0] + asset)) if asset and _digits(p[0]) else None


def _gsrn(ai):
    def convert(body):
        p = _parts(body, 2)
        gsrn = p and _with_check(p[0], p[1], length=17)
        return _link((ai, gsrn)) if gsrn else None

    return convert


def _doc_with_serial(ai, limit, numeric=False):
    def convert(body):
        p = _parts(body, 3)
        key = p and _with_check(p[0], p[1], length=12)
        serial = p and _serial(p[2], limit=limit)
        if not key or not serial or (numeric and not (serial.isascii() and serial.isdigit())):
            return None
        return _link((ai, key + serial))

    return convert


def _cpi(body):
    p = _parts(body, 3)
    if not p or not _digits(p[0], p[2]) or len(p[2]) > 12:
        return None
    part = _serial(p[1], _CSET39, limit=30 - len(p[0]))
    return _link(("8010", p[0] + part), ("8011", p[2])) if part else None


def _ginc(body):
    p = _parts(body, 2)
    ref = p and _serial(p[1], limit=30 - len(p[0]))
    return _link(("401", p[0] + ref)) if ref and _digits(p[0]) else None


def _gsin(body):
    p = _parts(body, 2)
    gsin = p and _with_check(p[0], p[1], length=16)
    return _link(("402", gsin)) if gsin else None


def _itip(body):
    p = _parts(body, 5)
    gtin = p and _gtin(p[0], p[1])
    if not gtin or not _digits(p[2], p[3]) or len(p[2]) != 2 or len(p[3]) != 2:
        return None
    serial = _serial(p[4])
    return _link(("8006", gtin + p[2] + p[3]), ("21", serial)) if serial else None


def _upui(body):
    p = _parts(body, 3)
    gtin = p and _gtin(p[0], p[1])
    tpx = p and _serial(p[2], limit=28)
    return _link(("01", gtin), ("235", tpx)) if gtin and tpx else None


def _sgtin_pattern(body):
    p = body.split(".")
    if len(p) != 3 or p[2] != "*":
        return None
    gtin = _gtin(p[0], p[1])
    return _link(("01", gtin)) if gtin else None


_EPC_SCHEMES = {
    "urn:epc:id:sgtin:": _sgtin,
    "urn:epc:class:lgtin:": _lgtin,
    "urn:epc:idpat:sgtin:": _sgtin_pattern,
    "urn:epc:id:sscc:": _sscc,
    "urn:epc:id:sgln:": _sgln,
    "urn:epc:id:pgln:": _pgln,
    "urn:epc:id:grai:": _grai,
    "urn:epc:id:giai:": _giai,
    "urn:epc:id:gsrn:": _gsrn("8018"),
    "urn:epc:id:gsrnp:": _gsrn("8017"),
    "urn:epc:id:gdti:": _doc_with_serial("253", 17),
    "urn:epc:id:sgcn:": _doc_with_serial("255", 12, numeric=True),
    "urn:epc:id:cpi:": _cpi,
    "urn:epc:id:ginc:": _ginc,
    "urn:epc:id:gsin:": _gsin,
    "urn:epc:id:itip:": _itip,
    "urn:epc:id:upui:": _upui,
}


def epc_urn_to_digital_link(urn: str) -> str | None:
    """The canonical Digital Link URI of an EPC pure-identity, class or sgtin pattern URN;
    None if it is not one (or not a valid one)."""
    for prefix, convert in _EPC_SCHEMES.items():
        if urn.startswith(prefix):
            return convert(urn[len(prefix) :])
    return None


# --- Digital Link URIs (GS1 Digital Link 1.2, section 4) ------------------------------

# Primary keys: value pattern, and the key qualifiers from the highest to the lowest
# level of identification (the canonical form keeps the lowest one present).
_NUMERIC = {"00": 18, "414": 13, "417": 13, "8017": 18, "8018": 18, "402": 17, "8006": 18}
_KEYS: dict[str, tuple[re.Pattern, tuple[str, ...]]] = {
    "01": (re.compile(r"\d{8}|\d{12,14}"), ("21", "10")),
    "00": (re.compile(r"\d{18}"), ()),
    "414": (re.compile(r"\d{13}"), ("254",)),
    "417": (re.compile(r"\d{13}"), ()),
    "8003": (re.compile(r"\d{14}[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{0,16}"), ()),
    "8004": (re.compile(r"\d[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{0,29}"), ()),
    "8017": (re.compile(r"\d{18}"), ()),
    "8018": (re.compile(r"\d{18}"), ()),
    "253": (re.compile(r"\d{13}[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{0,17}"), ()),
    "255": (re.compile(r"\d{13}\d{0,12}"), ()),
    "401": (re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,30}"), ()),
    "402": (re.compile(r"\d{17}"), ()),
    "8006": (re.compile(r"\d{18}"), ("21",)),
    "8010": (re.compile(r"[#\-/0-9A-Z]{1,30}"), ("8011",)),
}
_QUALIFIERS = {
    "21": _CSET82,
    "10": _CSET82,
    "254": _CSET82,
    "22": _CSET82,
    "235": _CSET82,
    "8011": re.compile(r"\d{1,12}"),
}
_LIMITS = {"21": 20, "10": 20, "254": 20, "22": 20, "235": 28, "8011": 12}
_LINK = re.compile(r"https?://[^/?#]+(/[^?#]*)")


def digital_link_to_canonical(uri: str) -> str | None:
    """The canonical form of a GS1 Digital Link URI on any host; None if ``uri`` is not one."""
    match = _LINK.match(uri)
    if match is None:
        return None
    segments = match.group(1).strip("/").split("/")
    for start, segment in enumerate(segments):
        if segment in _KEYS and (len(segments) - start) % 2 == 0:
            break
    else:
        return None
    pairs = dict(zip(segments[start::2], map(unquote, segments[start + 1 :: 2]), strict=True))
    key = segments[start]
    pattern, qualifiers = _KEYS[key]
    value = pairs.pop(key)
    if not pattern.fullmatch(value):
        return None
    for ai, qualifier in pairs.items():
        if (
            ai not in _QUALIFIERS
            or len(qualifier) > _LIMITS[ai]
            or not _QUALIFIERS[ai].fullmatch(qualifier)
        ):
            return None
    if key == "01":
        value = value.zfill(14)
    for ai in qualifiers:
        if ai in pairs:
            return _link((key, value), (ai, pairs[ai]))
    return _link((key, value))


def canonical_uri(uri: str) -> str | None:
    """The canonical Digital Link URI of an EPC URN or a Digital Link URI; None for
    anything else (a custom URI, a CBV value, a business transaction URN…)."""
    if uri.startswith("urn:epc:"):
        return epc_urn_to_digital_link(uri)
    if uri.startswith(("https://", "http://")):
        return digital_link_to_canonical(uri)
    return None
