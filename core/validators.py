"""Validators for the codes people type: unified social credit codes and region codes.

Each raises ``ValidationError`` with a stable ``code`` — that code is the
"rule" the problem+json error names.
"""

import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .outbound import DestinationRefused, check_destination

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_REGION_RE = re.compile(r"^\d{6}$")


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal of one input field naming its rule (``code``): problem+json ``errors``
    ``[{"field", "rule", "message"}]`` through the exception handler."""
    return ValidationError({field: ValidationError(message, code=code)})


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100 §4.3, mod 31)."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w
        for c, w in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has exactly 18 characters."), code="credit_code_length"
        )
    if not _CREDIT_CODE_RE.match(value):
        raise ValidationError(
            _(
                "A unified social credit code uses digits and upper-case letters except I, O, Z, S, V; "
                "characters 3–8 are the region code."
            ),
            code="credit_code_format",
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong (GB 32100)."),
            code="credit_code_check_character",
        )


@dataclass(frozen=True)
class RegionCodes:
    """The administrative division list (GB/T 2260) the codes people type are checked against:
    code → name, and the year of the list."""

    year: int
    source: str
    codes: dict[str, str]

    @property
    def provinces(self) -> frozenset[str]:
        return frozenset(code[:2] for code in self.codes)


_loaded: dict[str, tuple[float, RegionCodes]] = {}
_loading = threading.Lock()


def read_region_codes_file(path: str) -> RegionCodes:
    """The list as ``manage.py update_region_codes`` writes it: JSON with ``year``, ``source``
    and ``codes`` (code → name)."""
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    return RegionCodes(
        year=int(document["year"]), source=str(document.get("source", "")), codes=document["codes"]
    )


def region_codes() -> RegionCodes:
    """The list in ``REGION_CODES_FILE``, read again when the file changes (an update by the
    management command reaches running processes without a restart)."""
    path = str(settings.REGION_CODES_FILE)
    mtime = os.stat(path).st_mtime
    cached = _loaded.get(path)
    if cached is None or cached[0] != mtime:
        with _loading:
            cached = _loaded.get(path)
            if cached is None or cached[0] != mtime:
                cached = (mtime, read_region_codes_file(path))
                _loaded[path] = cached
    return cached[1]


def validate_region_code(value: str) -> None:
    """Six digits that name a division in the GB/T 2260 list in force (``region_codes()``):
    a code outside it would put a record in no regulator's jurisdiction."""
    if not isinstance(value, str) or not _REGION_RE.match(value):
        raise ValidationError(
            _("A region code is six digits (GB/T 2260), e.g. 320300."), code="region_code_format"
        )
    known = region_codes()
    if value[:2] not in known.provinces:
        raise ValidationError(
            _("%(prefix)s is not a province-level code in GB/T 2260.") % {"prefix": value[:2]},
            code="region_code_unknown_province",
        )
    if value[2:4] == "00" and value[4:6] != "00":
        raise ValidationError(
            _("A region code with city part 00 must be a province code ending in 0000."),
            code="region_code_format",
        )
    if value not in known.codes:
        raise ValidationError(
            _(
                "%(code)s is not an administrative division in GB/T 2260 "
                "(the list of %(year)s this server checks against)."
            )
            % {"code": value, "year": known.year},
            code="region_code_unknown",
        )


def require_county_region_code(field: str, value: str) -> None:
    """``value`` of input ``field`` is a county-level GB/T 2260 code (where a case is handled:
    the county of the place); a refusal names the field and the rule."""
    try:
        validate_region_code(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.error_list}) from exc
    if value.endswith("00"):
        raise field_error(
            field, _("Give the county-level region code (GB/T 2260)."), "region_code_not_county"
        )


def validate_webhook_url(value: str) -> None:
    """A webhook goes to a public HTTPS URL, never into our own network (``core.outbound``)."""
    try:
        check_destination(value or "")
    except DestinationRefused as exc:
        raise ValidationError(exc.message, code=exc.rule) from exc


# Any time zone (±14:00) must be able to show a stored time: keep a day clear of the
# calendar's ends (Python's and PostgreSQL's years 1 and 9999).
EARLIEST_STORABLE_TIME = datetime(1, 1, 2, tzinfo=UTC)
LATEST_STORABLE_TIME = datetime(9999, 12, 30, tzinfo=UTC)


def validate_storable_datetime(value: datetime) -> None:
    """Refuse an aware time whose offset no zone has (ISO 8601 allows ±23:59, the world's
    zones span -12:00 to +14:00, PostgreSQL stops at ±15:59), or that leaves the calendar
    in UTC or in some time zone."""
    offset = value.utcoffset()
    if offset is not None and not -12 * 3600 <= offset.total_seconds() <= 14 * 3600:
        raise ValidationError(
            _("A zone offset lies between -12:00 and +14:00."), code="zone_offset"
        )
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST_STORABLE_TIME <= in_utc <= LATEST_STORABLE_TIME:
        raise ValidationError(
            _("%(value)s is outside the storable range (0001-01-02 to 9999-12-30 UTC).")
            % {"value": value.isoformat()},
            code="datetime_range",
        )
