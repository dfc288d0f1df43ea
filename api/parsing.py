"""Parsing what a caller sends, one helper per kind of input.

Python is generous where a server must not be: ``"²".isdigit()`` is true and ``int("²")``
raises, ``int("٣")`` is 3, ``Decimal("1e-999999999")`` and ``Decimal("NaN")`` are numbers,
``date(9999, 12, 31) + timedelta(days=1)`` overflows, and ``json.loads`` recurses once per
``[``. Each helper here accepts only what the rule says (ASCII digits, a bounded range, a
finite decimal with the column's places, a day inside the calendar's margins, text without
NUL or control characters, JSON no deeper than a limit) and refuses anything else with an
``InputRefused`` naming the field and the rule: a 400 problem+json in the API (through
``api.exceptions``), a 400 through ``RefuseInvalidInputMiddleware`` from a plain view, a
form error where a form calls the validator.
"""

import codecs
import re
from datetime import UTC, date
from decimal import Decimal, InvalidOperation

import orjson
from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import models
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from core import jsontext
from core.validators import validate_storable_datetime

# The largest key a 64-bit integer column holds (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1
# ASCII only: ``str.isdigit`` and ``\d`` also take ² ¹ ٣ and the other Unicode digits.
_INTEGER_RE = re.compile(r"[+-]?[0-9]{1,30}", re.ASCII)
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
# C0 controls and DEL, less tab, line feed and carriage return; NUL among them.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A day a period may start or end on: a period's end plus one day, or its start less its
# length, must still be a date (Python and PostgreSQL stop at the years 1 and 9999).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


class InputRefused(ValidationError):
    """One input field refused by a rule: ``errors`` ``[{"field", "rule", "message"}]``."""

    def __init__(self, field: str, message, rule: str, params: dict | None = None):
        super().__init__({field: ValidationError(message, code=rule, params=params)})
        self.field = field
        self.rule = rule


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def parse_int(value, field: str, *, min_value: int | None = None, max_value: int | None = None):
    """A whole number in ASCII digits (optionally signed) within ``min_value``–``max_value``."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        number = value
    else:
        text = _text(value)
        if text is None or not _INTEGER_RE.fullmatch(text.strip()):
            raise InputRefused(field, _("Give a whole number in the digits 0–9."), "integer")
        number = int(text.strip())
    if min_value is not None and number < min_value:
        raise InputRefused(
            field,
            _("Give a number of at least %(limit)s."),
            "min_value",
            {"limit": min_value},
        )
    if max_value is not None and number > max_value:
        raise InputRefused(
            field,
            _("Give a number of at most %(limit)s."),
            "max_value",
            {"limit": max_value},
        )
    return number


def query_int(
    params,
    field: str,
    *,
    default: int | None = None,
    min_value: int | None = None,
    max_value: int | None = None,
) -> int | None:
    """``params[field]`` (a QueryDict or a dict) as ``parse_int`` reads it; ``default``
    when the parameter is absent or empty."""
    value = params.get(field)
    if value is None or value == "":
        return default
    return parse_int(value, field, min_value=min_value, max_value=max_value)


def positive_id(value, field: str) -> int:
    """A database id: 1 to 2⁶³−1 in ASCII digits."""
    return parse_int(value, field, min_value=1, max_value=MAX_ID)


def query_id(params, field: str) -> int | None:
    """``params[field]`` as a database id, or None when absent or empty."""
    value = params.get(field)
    if value is None or value == "":
        return None
    return positive_id(value, field)


def parse_decimal(
    value,
    field: str,
    *,
    min_value: Decimal | int | None = None,
    max_value: Decimal | int | None = None,
    decimal_places: int | None = None,
) -> Decimal:
    """A finite decimal in plain or exponent notation (``1.5``, ``2e3``), within the bounds
    and with at most ``decimal_places`` places: never NaN, Infinity or ``1e-999999999``."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, (int, float)):
        value = repr(value)
    elif isinstance(value, Decimal):
        value = str(value)
    text = _text(value)
    text = text.strip() if text is not None else None
    if not text or len(text) > 64 or not _DECIMAL_RE.fullmatch(text):
        raise InputRefused(field, _("Give a number such as 12 or 12.5."), "number")
    number = Decimal(text)  # the pattern admits only finite numbers
    if min_value is not None and number < min_value:
        raise InputRefused(
            field, _("Give a number of at least %(limit)s."), "min_value", {"limit": min_value}
        )
    if max_value is not None and number > max_value:
        raise InputRefused(
            field, _("Give a number of at most %(limit)s."), "max_value", {"limit": max_value}
        )
    if decimal_places is not None:
        # 1e-999999999 becomes 0.000 and so differs from itself: too many places.
        try:
            rounded = number.quantize(Decimal(1).scaleb(-decimal_places))
        except InvalidOperation as exc:  # more digits than the context holds
            raise InputRefused(field, _("Give a number such as 12 or 12.5."), "number") from exc
        if rounded != number:
            raise InputRefused(
                field,
                _("Give at most %(places)s decimal places."),
                "decimal_places",
                {"places": decimal_places},
            )
        number = rounded
    return number


def validate_day_in_range(value: date) -> None:
    """A day between ``EARLIEST_DAY`` and ``LATEST_DAY`` (a form field's validator)."""
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValidationError(
            _("Give a day between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
        )


def parse_day(value, field: str) -> date:
    """An ISO 8601 day (``2026-05-01``) between ``EARLIEST_DAY`` and ``LATEST_DAY``."""
    text = _text(value)
    try:
        day = parse_date(text.strip()) if text is not None else None
    except ValueError:
        day = None
    if day is None:
        raise InputRefused(field, _("Give a day as YYYY-MM-DD."), "date")
    try:
        validate_day_in_range(day)
    except ValidationError as exc:
        raise InputRefused(field, exc.message, "date_range", exc.params) from exc
    return day


def parse_year(value, field: str) -> int:
    """A calendar year between those of ``EARLIEST_DAY`` and ``LATEST_DAY``."""
    return parse_int(value, field, min_value=EARLIEST_DAY.year, max_value=LATEST_DAY.year)


def validate_no_control_characters(value: str) -> None:
    """Text without NUL or other control characters (tab and line breaks allowed): no
    database text column holds NUL, and the others only hide what a person reads."""
    if isinstance(value, str) and _CONTROL_RE.search(value):
        raise ValidationError(
            _("The text may not contain NUL or other control characters."),
            code="control_character",
        )


def clean_text(value, field: str, *, max_length: int | None = None) -> str:
    """Text as typed, stripped, refused with NUL or control characters or over ``max_length``."""
    if value is None:
        return ""
    text = _text(value)
    if text is None:
        raise InputRefused(field, _("Give text."), "text")
    try:
        validate_no_control_characters(text)
    except ValidationError as exc:
        raise InputRefused(field, exc.message, "control_character") from exc
    text = text.strip()
    if max_length is not None and len(text) > max_length:
        raise InputRefused(
            field,
            _("Give at most %(limit)s characters."),
            "max_length",
            {"limit": max_length},
        )
    return text


class DecimalFormField(forms.DecimalField):
    """Django's DecimalField, in ASCII digits only (``Decimal`` takes ``٣`` for 3)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not _DECIMAL_RE.fullmatch(value.strip()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# --- query filters (django-filter) -------------------------------------------------------


class _IdField(forms.IntegerField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return positive_id(value, "value")
        except InputRefused as exc:
            raise ValidationError(
                exc.error_dict["value"][0].message,
                code=exc.rule,
                params=exc.error_dict["value"][0].params,
            ) from exc


class IdFilter(filters.NumberFilter):
    """A database id filter: 1 to 2⁶³−1 in ASCII digits (not ``²``, ``1e400`` or ``2**64``)."""

    field_class = _IdField


class _StorableIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time with a real-world zone offset, in the storable range, handed to
    the database in UTC (PostgreSQL refuses offsets past ±15:59)."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        validate_storable_datetime(moment)
        return moment.astimezone(UTC)


class StorableIsoDateTimeFilter(filters.IsoDateTimeFilter):
    """A time filter that refuses what no zone has or the calendar cannot hold (year 9999
    at -12:00, year 1 at +14:00) instead of overflowing."""

    field_class = _StorableIsoDateTimeField


class _StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no, on/off, any case); empty means unset; anything else is an
    error rather than silently no filter."""

    widget = forms.TextInput  # the value as sent: NullBooleanSelect reads a stranger as unset
    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value):
        if value in (True, False):
            return value
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("Use true or false."), code="invalid_boolean")

    def validate(self, value):
        pass


class StrictBooleanFilter(filters.BooleanFilter):
    """A yes/no filter that answers 400 on a value that is neither (``?overdue=perhaps``)."""

    field_class = _StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class _RegionField(forms.CharField):
    """A region code, or a part of one, by its form only (``pattern``), not the division list in
    force: records keep the code they were filed under, and a code since retired (320101) must
    still find them."""

    def __init__(self, *args, pattern: re.Pattern, message, **kwargs):
        self.pattern, self.message = pattern, message
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value not in self.empty_values and not self.pattern.fullmatch(value):
            raise ValidationError(self.message, code="region_code_format")
        return value


class RegionCodeFilter(filters.CharFilter):
    """An exact region code filter: six digits (GB/T 2260), else 400 (``?region_code=abc``)."""

    field_class = _RegionField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("pattern", re.compile(r"[0-9]{6}", re.ASCII))
        kwargs.setdefault("message", _("A region code is six digits (GB/T 2260), e.g. 320300."))
        super().__init__(*args, **kwargs)


class RegionPrefixFilter(filters.CharFilter):
    """A region filter by code prefix: a province (32), a city (3203) or a division (320312);
    anything else is a 400 rather than a list that matches nothing (``?region=abc``)."""

    field_class = _RegionField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "startswith")
        kwargs.setdefault("pattern", re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}", re.ASCII))
        kwargs.setdefault(
            "message",
            _(
                "Give a region code (GB/T 2260) or its province or city part: "
                "2, 4 or 6 digits, e.g. 32, 3203 or 320300."
            ),
        )
        super().__init__(*args, **kwargs)


FILTER_FOR_DBFIELD_DEFAULTS = {
    **filters.FilterSet.FILTER_DEFAULTS,
    models.BooleanField: {"filter_class": StrictBooleanFilter},
    models.NullBooleanField: {"filter_class": StrictBooleanFilter},
}


class StrictFilterSet(filters.FilterSet):
    """The FilterSet every API list builds on: a model's yes/no field filters through
    ``StrictBooleanFilter`` (django-filter's own reads ``?is_overdue=perhaps`` as no filter at
    all). ``StrictFilterBackend`` uses it for a view's ``filterset_fields`` too."""

    FILTER_DEFAULTS = FILTER_FOR_DBFIELD_DEFAULTS


class StrictFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend with ``StrictFilterSet`` under ``filterset_fields``."""

    filterset_base = StrictFilterSet


# --- JSON bodies -------------------------------------------------------------------------


class JSONRefused(ValueError):
    """A JSON body refused: ``rule`` is ``json`` (not JSON) or ``max_depth`` (too deep)."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


def load_json(body: bytes, *, max_depth: int):
    """Parse ``body`` (UTF-8 JSON) refusing documents nested more than ``max_depth`` levels.

    orjson parses without Python recursion and stops by itself at 1,024 levels, so 50,000
    ``[`` cost one refusal, not a ``RecursionError``; the configured limit is then checked
    without recursion either. orjson also refuses what Python's ``json`` lets through:
    numbers beyond a double (``1e999``), NaN and lone surrogates that no database stores.
    """
    try:
        document = jsontext.loads(body)  # orjson's reading, in less memory
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith("depth limit exceeded"):
            raise JSONRefused("max_depth", _too_deep(max_depth)) from exc
        raise JSONRefused(
            "json", str(_("The body is not valid JSON: %(error)s") % {"error": exc})
        ) from exc
    if not _within_depth(document, max_depth):
        raise JSONRefused("max_depth", _too_deep(max_depth))
    return document


def _too_deep(limit: int) -> str:
    return str(_("The JSON is nested more than %(limit)s levels deep.") % {"limit": limit})


def _within_depth(document, limit: int) -> bool:
    """Whether no array or object lies more than ``limit`` levels down (the top is level 1).

    Level by level, with no stack of (node, level) pairs: the containers of one level are the
    next level's frontier (a 1,000-event capture document: 2 ms instead of 5.5)."""
    frontier = [document] if type(document) in (dict, list) else []
    level = 1
    while frontier:
        if level > limit:
            return False
        below = []
        for node in frontier:
            for child in node.values() if type(node) is dict else node:
                kind = type(child)
                if kind is dict or kind is list:
                    below.append(child)
        frontier = below
        level += 1
    return True


def _refused_nul(document) -> bool:
    """Whether a key or string anywhere in the document holds NUL (no text column can)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if type(node) is str:
            if "\x00" in node:
                return True
        elif type(node) is dict:
            stack.extend(node.keys())
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return False


class DepthLimitedJSONParser(BaseParser):
    """DRF's JSON parser with a nesting limit (``API_MAX_JSON_DEPTH``): too deep, not JSON,
    or a NUL in any string is a 400 problem+json naming the rule, never a 500."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = (
            (stream.read() if limit is None else stream.read(limit + 1))
            if stream is not None
            else b""
        )
        if limit is not None and len(body) > limit:
            raise RequestDataTooBig()  # a 413 problem+json (api.exceptions)
        if codecs.lookup(encoding).name != "utf-8":
            try:
                body = body.decode(encoding).encode("utf-8")
            except (UnicodeError, LookupError) as exc:
                raise self._refused("json", _("The body is not in the declared charset.")) from exc
        elif body.startswith(codecs.BOM_UTF8):
            body = body[len(codecs.BOM_UTF8) :]
        try:
            document = load_json(body, max_depth=settings.API_MAX_JSON_DEPTH)
        except JSONRefused as exc:
            raise self._refused(exc.rule, exc.message) from exc
        if _refused_nul(document):
            raise self._refused(
                "nul_character", _("The text may not contain the NUL character (U+0000).")
            )
        return document

    @staticmethod
    def _refused(rule: str, message) -> exceptions.ParseError:
        return exceptions.ParseError([exceptions.ErrorDetail(str(message), code=rule)])


class DepthLimitedJSONLDParser(DepthLimitedJSONParser):
    """The same for JSON-LD (EPCIS documents are ``application/ld+json`` too)."""

    media_type = "application/ld+json"
