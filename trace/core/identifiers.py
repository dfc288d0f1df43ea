"""GS1 identifiers: GTINs, lots, Digital Link URIs and scanner input.

Parsing scanner input and Digital Link URIs is biip's; this module only adapts
it to Django validation errors with stable rule codes and to the forms this
server stores. biip is imported where such a parse is needed, not with this
module: its tables of GS1 prefixes take some 16 MB, which capture (GTINs checked
by their check digit, identifiers canonicalised by ``trace.gs1.digital_link``)
never needs.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from trace.gs1.digital_link import canonical_uri, check_digit
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GS1 General Specifications figure 7.11-1: the 82 characters AI (10) may use.
_LOT_RE = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_GS = "\x1d"


def normalize_gtin(value: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as GTIN-14."""
    raw = (value or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) not in (8, 12, 13, 14):
        raise ValidationError(_("A GTIN has 8, 12, 13 or 14 digits."), code="gtin_format")
    gtin = _gtin_14(raw)
    if gtin is None:
        raise ValidationError(_("The check digit of this GTIN is wrong."), code="gtin_check_digit")
    return gtin


@lru_cache(maxsize=8192)
def _gtin_14(raw: str) -> str | None:
    """A GTIN-8/12/13/14 of digits as GTIN-14, None when its check digit is wrong. As biip
    reads it: leading zeros are padding down to the shortest length that holds the number
    (a GTIN-12 keeps up to three, a GTIN-8 all of them)."""
    significant = raw.lstrip("0")
    if len(raw) in (12, 13, 14) and len(significant) in (9, 10, 11, 12):
        raw = raw[len(raw) - 12 :]
    elif len(raw) >= 8 and len(significant) <= 8:
        raw = raw[len(raw) - 8 :]
    else:
        raw = significant
    if check_digit(raw[:-1]) != raw[-1]:
        return None
    return raw.zfill(14)


def validate_lot(value: str) -> None:
    if not value or len(value) > 20:
        raise ValidationError(
            _("A lot number has 1 to 20 characters (GS1 AI 10)."), code="lot_length"
        )
    if not _LOT_RE.match(value):
        raise ValidationError(
            _(
                "A lot number may only use the GS1 character set: A–Z, a–z, 0–9 and !\"%&'()*+,-./:;<=>?_ "
                "(no spaces or Chinese characters)."
            ),
            code="lot_charset",
        )


def digital_link_path(gtin14: str, lot: str, serial: str | None = None) -> str:
    path = f"/01/{gtin14}/10/{quote(lot, safe='')}"
    if serial:
        path += f"/21/{quote(serial, safe='')}"
    return path


def digital_link_uri(
    gtin14: str, lot: str, serial: str | None = None, *, base: str | None = None
) -> str:
    """The URI printed in the QR code; this server resolves it."""
    return (base or settings.PUBLIC_BASE_URL) + digital_link_path(gtin14, lot, serial)


def canonical_lot_uri(gtin14: str, lot: str) -> str:
    """The identifier our own EPCIS events use for a batch (a class-level Digital Link URI)."""
    return "https://id.gs1.org" + digital_link_path(gtin14, lot)


@dataclass(frozen=True)
class ScannedCode:
    gtin: str
    lot: str | None
    serial: str | None = None


def parse_scan(code: str) -> ScannedCode:
    """Resolve what a scanner produced: a Digital Link URI, an HRI string
    like ``(01)…(10)…``, or the raw element string with GS separators
    (optionally behind a ``]C1``/``]d2``/``]Q3`` symbology identifier)."""
    from biip import ParseError
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI
    from biip.gs1_messages import GS1Message

    text = (code or "").strip()
    if not text:
        raise ValidationError(_("The scanned code is empty."), code="scan_empty")
    try:
        if text.lower().startswith(("http://", "https://")):
            element_strings = GS1DigitalLinkURI.parse(text).element_strings
        elif text.startswith("("):
            element_strings = GS1Message.parse_hri(text).element_strings
        else:
            if text.startswith("]") and len(text) > 3:
                text = text[3:]
            # Some keyboard-wedge readers send the GS separator as a visible
            # substitute; accept the common ones.
            text = text.replace("<GS>", _GS).replace("\\x1d", _GS).replace("␝", _GS)
            element_strings = GS1Message.parse(text).element_strings
    except ParseError as exc:
        raise ValidationError(
            _("This is not a GS1 Digital Link URI or GS1 element string: %(error)s")
            % {"error": exc},
            code="scan_unparseable",
        ) from exc
    values = {es.ai.ai: es.value for es in element_strings}
    if "01" not in values:
        raise ValidationError(_("The scanned code carries no GTIN (AI 01)."), code="scan_no_gtin")
    return ScannedCode(gtin=values["01"], lot=values.get("10"), serial=values.get("21"))


@dataclass(frozen=True)
class ItemKey:
    """What an EPCIS identifier says about a trade item: GTIN, and lot/serial if present."""

    gtin: str
    lot: str | None = None
    serial: str | None = None


# Canonical Digital Link URIs of a GTIN (with a lot or serial of characters that need no
# percent-encoding), a GLN or a party GLN: what our own events and most senders write.
# Recognising them here skips parsing them again.
_ALREADY_CANONICAL = re.compile(
    r"https://id\.gs1\.org/(?:01/\d{14}(?:/(?:10|21)/[\x27\x2D\x2E\x30-\x39\x41-\x5A\x5F\x61-\x7A]{1,20})?"
    r"|41[47]/\d{13})"
)


@lru_cache(maxsize=65536)
def _canonical(uri: str) -> str:
    if _ALREADY_CANONICAL.fullmatch(uri):
        return uri
    return canonical_uri(uri) or uri


def canonical_identifier(uri):
    """One spelling per GS1 identifier, so the same thing captured two ways is one thing.

    EPC URNs (``urn:epc:id:sgtin:…``, ``…:sscc:…``, ``…:sgln:…``, ``…:pgln:…``,
    GRAI, GIAI, GSRN, GDTI…), EPC class URNs (``urn:epc:class:lgtin:…``), EPC
    pattern URNs (``urn:epc:idpat:sgtin:…``) and GS1 Digital Link URIs on any
    host become the canonical ``https://id.gs1.org/…`` Digital Link URI (GS1's
    reference normaliser: lowest identification level, no query string).
    Anything else (a custom URI) is returned as given.
    """
    if not isinstance(uri, str):
        return uri
    return _canonical(uri)


_CANONICAL_ITEM = re.compile(r"^https://id\.gs1\.org/01/(\d{14})(?:/(10|21)/([^/?#]+))?$")


@lru_cache(maxsize=65536)
def item_key_from_uri(uri: str) -> ItemKey | None:
    """Parse an EPC URN (sgtin, lgtin, idpat:sgtin) or a GS1 Digital Link URI (any
    host) naming a trade item; None for anything else (SSCCs, locations, custom URIs)."""
    if not isinstance(uri, str):
        return None
    canonical = canonical_identifier(uri)
    match = _CANONICAL_ITEM.match(canonical)
    if match is None:
        return None
    gtin, ai, value = match.groups()
    is_link = uri.startswith(("http://", "https://"))
    if not (is_link and "/10/" in uri and "/21/" in uri):
        value = unquote(value) if value else None
        return ItemKey(
            gtin, lot=value if ai == "10" else None, serial=value if ai == "21" else None
        )
    # A Digital Link URI may carry both lot and serial, which the canonical
    # form reduces to the serial: read the lot from the original then.
    from biip import ParseError
    from biip.gs1_digital_link_uris import GS1DigitalLinkURI

    try:
        values = {es.ai.ai: es.value for es in GS1DigitalLinkURI.parse(uri).element_strings}
    except (ValueError, ParseError):
        return ItemKey(gtin, serial=unquote(value))
    return ItemKey(gtin, lot=values.get("10"), serial=values.get("21"))


# Business documents the friendly endpoints record (orders, despatch advices,
# invoices, inspection reports) must be URIs in EPCIS 2.0. CBV's form is
# urn:epcglobal:cbv:bt:<GLN of the issuer>:<document number>; an issuer without a
# GLN uses its unified social credit code in our own namespace instead.
INSPECTION_REPORT_BTT = "urn:suyuan:btt:inspection_report"
_BT_PREFIXES = ("urn:epcglobal:cbv:bt:", "urn:suyuan:bt:")


def business_document_uri(issuer, number: str) -> str:
    encoded = quote(number, safe="-._~!$'()*+,;=@")
    if issuer.gln:
        return f"urn:epcglobal:cbv:bt:{issuer.gln}:{encoded}"
    return f"urn:suyuan:bt:{issuer.credit_code or issuer.pk}:{encoded}"


def business_document_number(uri: str) -> str:
    """The document number people wrote, from a business-transaction URI."""
    for prefix in _BT_PREFIXES:
        if isinstance(uri, str) and uri.startswith(prefix):
            return unquote(uri[len(prefix) :].split(":", 1)[-1])
    return uri
