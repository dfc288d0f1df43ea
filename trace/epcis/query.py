"""The EPCIS 2.0 query language (SimpleEventQuery parameters) over our tables.

Parameters come from the URL (``EQ_bizStep=shipping|receiving``) or from a
named query's JSON body (``{"EQ_bizStep": ["shipping", "receiving"]}``); both
become ``{name: [values]}`` and then one queryset: column filters on ``Event``
and ``EXISTS`` subqueries on the identifier index (``WD_readPoint``/``WD_bizLocation``
take a location's sub-locations, GLN extensions, and an organization's party GLN its
sites); the parameters that look inside the event (quantities, sensor data, extension
fields, ``EXISTS_<field>``, ``orderBy`` an extension field) are predicates of ``fields``,
run over what the column filters leave. Visibility is applied by the caller
(``Event.objects.visible_to(user)``) before these filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from trace.core.capture import short_cbv, short_type
from trace.core.choices import Action, EventType
from trace.core.identifiers import canonical_identifier
from trace.models import Event, EventIdentifier, Site

from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from core.validators import validate_storable_datetime

from . import fields
from .validation import DocumentError

K = EventIdentifier.Kind
PAGING_PARAMETERS = {"perPage", "nextPageToken", "lang"}

_MATCH = {
    "MATCH_epc": (K.EPC, K.CHILD),
    "MATCH_parentID": (K.PARENT,),
    "MATCH_inputEPC": (K.INPUT,),
    "MATCH_outputEPC": (K.OUTPUT,),
    "MATCH_anyEPC": (K.EPC, K.CHILD, K.INPUT, K.OUTPUT, K.PARENT),
    "MATCH_epcClass": (K.CLASS, K.CHILD_CLASS),
    "MATCH_inputEPCClass": (K.INPUT_CLASS,),
    "MATCH_outputEPCClass": (K.OUTPUT_CLASS,),
    "MATCH_anyEPCClass": (K.CLASS, K.CHILD_CLASS, K.INPUT_CLASS, K.OUTPUT_CLASS),
}
_EQ_PLACE = {"EQ_readPoint": K.READ_POINT, "EQ_bizLocation": K.BIZ_LOCATION}
_EQ_TYPED = {
    "EQ_bizTransaction_": K.BIZ_TRANSACTION,
    "EQ_source_": K.SOURCE,
    "EQ_destination_": K.DESTINATION,
}
_TIMES = {
    "GE_eventTime": "event_time__gte",
    "LT_eventTime": "event_time__lt",
    "GE_recordTime": "record_time__gte",
    "LT_recordTime": "record_time__lt",
}
_ORDER = {"eventTime": "event_time", "recordTime": "record_time"}
_BARE_GTIN = re.compile(r"^https://id\.gs1\.org/01/(\d{14})$")
_WD_PLACE = {"WD_readPoint": K.READ_POINT, "WD_bizLocation": K.BIZ_LOCATION}
_GLN_LOCATION = re.compile(r"^https://id\.gs1\.org/414/(\d{13})$")
_GLN_PARTY = re.compile(r"^https://id\.gs1\.org/417/(\d{13})$")
_OPS = "EQ|GT|GE|LT|LE"
_QUANTITY = re.compile(rf"^({_OPS})_quantity$")
_SENSOR_MEASURE = re.compile(
    rf"^({_OPS})_({'|'.join(fields.SENSOR_MEASURES)})_([A-Za-z0-9]{{1,3}})$"
)
_SENSOR_TIME = re.compile(rf"^({_OPS})_({'|'.join(fields.SENSOR_TIMES)})$")
_SENSOR_EQ = {f"EQ_{name}": name for name in fields.SENSOR_EQ}
_SCOPES = "|".join(fields.SCOPES)
_FIELD = re.compile(rf"^({_OPS})_(INNER_)?(?:({_SCOPES})_)?(.+)$")
_EXISTS = re.compile(rf"^EXISTS_(INNER_)?(?:({_SCOPES})_)?(.+)$")


def _is_extension_name(name: str) -> bool:
    return ":" in name or "#" in name


class QueryParameterError(DocumentError):
    def __init__(self, field: str, message: str, rule: str = "query_parameter"):
        super().__init__(
            [{"field": field, "rule": rule, "message": message}],
            problem_type="QueryParameterException",
            status=400,
        )


@dataclass
class ParsedQuery:
    filters: Q
    exists: list
    order_by: list[str]
    count_limit: int | None
    max_count: int | None
    # Checks on the stored event (``fields``), and an extension field to order by.
    predicates: list = field(default_factory=list)
    order_field: tuple[str, bool] | None = None


def normalise_params(raw) -> dict[str, list[str]]:
    """URL parameters (a QueryDict) or a query-schema JSON object → ``{name: [values]}``."""
    params: dict[str, list[str]] = {}
    if hasattr(raw, "lists"):
        for name, values in raw.lists():
            if name in PAGING_PARAMETERS:
                continue
            params[name] = [part for value in values for part in value.split("|")]
        return params
    if not isinstance(raw, dict):
        raise QueryParameterError(
            "query", _("A query is a JSON object of EPCIS query parameters."), "type"
        )
    for name, value in raw.items():
        values = value if isinstance(value, list) else [value]
        params[name] = ["true" if v is True else "false" if v is False else str(v) for v in values]
        if "\x00" in name or any("\x00" in v for v in params[name]):
            raise QueryParameterError(
                name, _("Text may not contain the NUL character (U+0000)."), "nul_character"
            )
    return params


def _time(name: str, values: list[str]) -> datetime:
    if len(values) != 1:
        raise QueryParameterError(name, _("Give exactly one time."))
    text = values[0].strip().replace(" ", "+")  # a "+" in a URL query decodes to a space
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise QueryParameterError(
            name, _("Not an ISO 8601 date-time: %(value)s") % {"value": text}, "datetime_format"
        ) from exc
    if moment.tzinfo is None:
        raise QueryParameterError(
            name, _("The time must carry its zone offset (e.g. +08:00 or Z)."), "datetime_offset"
        )
    try:
        validate_storable_datetime(moment)
    except ValidationError as exc:
        raise QueryParameterError(name, exc.messages[0], exc.code) from exc
    return moment.astimezone(UTC)


def _int(name: str, values: list[str]) -> int:
    try:
        number = int(values[0])
    except (ValueError, IndexError) as exc:
        raise QueryParameterError(name, _("An integer is required."), "integer") from exc
    if number < 1 or len(values) != 1:
        raise QueryParameterError(name, _("A positive integer is required."), "integer")
    return number


def _identifier_match(kinds, values: list[str], *, type_: str | None = None) -> Exists:
    exact, gtins = set(), set()
    for value in values:
        canonical = canonical_identifier(value)
        bare = _BARE_GTIN.match(canonical)
        if bare and (value.startswith("urn:epc:idpat:") or value == canonical):
            gtins.add(bare.group(1))  # a pattern: every instance and lot of the GTIN
        else:
            exact.add(canonical)
    condition = Q(value__in=exact) | Q(gtin__in=gtins)
    subquery = EventIdentifier.objects.filter(event=OuterRef("pk"), kind__in=kinds).filter(
        condition
    )
    if type_ is not None:
        subquery = subquery.filter(type=type_)
    return Exists(subquery)


def _within(kind: str, values: list[str]) -> Exists:
    """Events at one of these locations or at a place within one: a GLN's sub-locations
    (GLN extension, AI 254), and for an organization's party GLN its sites and theirs."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for value in values:
        canonical = canonical_identifier(value.strip())
        roots = [canonical]
        party = _GLN_PARTY.match(canonical)
        if party:
            roots += [site.location_uri for site in Site.objects.filter(owner__gln=party.group(1))]
        for root in roots:
            exact.add(root)
            if _GLN_LOCATION.match(root):
                prefixes.add(root + "/254/")
    condition = Q(value__in=exact)
    for prefix in sorted(prefixes):
        condition |= Q(value__startswith=prefix)
    return Exists(EventIdentifier.objects.filter(event=OuterRef("pk"), kind=kind).filter(condition))


def _decimal(name: str, value: str):
    try:
        return fields.decimal(value)
    except fields.FieldError as exc:
        raise QueryParameterError(name, _("A number is required."), "number") from exc


def _one(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise QueryParameterError(name, _("Give exactly one value."), "single_value")
    return values[0]


_SCOPE_KEYS = {
    "ILMD": "ilmd",
    "SENSORELEMENT": "sensorElementList",
    "SENSORMETADATA": "sensorElementList",
    "SENSORREPORT": "sensorElementList",
    "READPOINT": "readPoint",
    "BIZLOCATION": "bizLocation",
    "ERRORDECLARATION": "errorDeclaration",
}


def _narrowing(name: str, values: list[str]) -> Q | None:
    """A column condition every event a document predicate can match meets, so the database
    leaves out the rest before their documents are read."""
    if _QUANTITY.match(name):
        return Q(document__has_any_keys=list(fields.QUANTITY_LISTS))
    if _SENSOR_MEASURE.match(name) or _SENSOR_TIME.match(name) or name in _SENSOR_EQ:
        return Q(document__has_key="sensorElementList")
    if name in ("GE_errorDeclarationTime", "LT_errorDeclarationTime", "EQ_correctiveEventID"):
        return Q(error_declaration__isnull=False)
    if name.startswith("EQ_persistentDisposition_"):
        return Q(document__has_key="persistentDisposition")
    negated = bool(values) and values[0].lower() in ("false", "0")
    match = _EXISTS.match(name) if name.startswith("EXISTS_") else _FIELD.match(name)
    if match and not (name.startswith("EXISTS_") and negated):
        scope = match.group(2) if name.startswith("EXISTS_") else match.group(3)
        if scope:
            return Q(document__has_key=_SCOPE_KEYS[scope])
    return None


def _document_predicate(name: str, values: list[str]):
    """The predicate of a parameter that looks inside the event, or None if it is not one."""
    if name in ("GE_errorDeclarationTime", "LT_errorDeclarationTime"):
        return fields.declaration_time_predicate(name[:2], _time(name, values))
    if name == "EQ_correctiveEventID":
        return fields.corrective_event_predicate(values)
    if name in ("EQ_persistentDisposition_set", "EQ_persistentDisposition_unset"):
        part = name.rsplit("_", 1)[1]
        return fields.persistent_disposition_predicate(
            part, values, lambda v: short_cbv("disposition", v)
        )
    match = _QUANTITY.match(name)
    if match:
        op = match.group(1)
        limits = [_decimal(name, v) for v in (values if op == "EQ" else [_one(name, values)])]
        checks = [fields.quantity_predicate(op, limit) for limit in limits]
        return lambda doc: any(check(doc) for check in checks)
    match = _SENSOR_MEASURE.match(name)
    if match:
        op, attribute, uom = match.groups()
        limit = _decimal(name, _one(name, values))
        return fields.sensor_measure_predicate(op, attribute, uom, limit)
    match = _SENSOR_TIME.match(name)
    if match and match.group(1) != "EQ":
        op, attribute = match.groups()
        return fields.sensor_time_predicate(op, attribute, _time(name, values))
    if name in _SENSOR_EQ:
        return fields.sensor_eq_predicate(_SENSOR_EQ[name], values)
    match = _EXISTS.match(name)
    if match and name != "EXISTS_errorDeclaration":
        inner, scope, field_name = match.groups()
        if (inner or scope) and not _is_extension_name(field_name):
            return None
        check = fields.exists_predicate(scope, field_name, inner=bool(inner))
        if values and values[0].lower() in ("false", "0"):
            return lambda doc: not check(doc)
        return check
    match = _FIELD.match(name)
    if match:
        op, inner, scope, field_name = match.groups()
        if not _is_extension_name(field_name):
            return None
        if op != "EQ":
            values = [_one(name, values)]
        return fields.field_predicate(op, scope, field_name, values, inner=bool(inner))
    return None


def _event_filter(name: str, values: list[str]) -> Q | None:
    """The column filter of a parameter on the event itself (type, times, action, business step,
    disposition, ids, error declaration); None for any other parameter."""
    if name == "eventType":
        unknown = [v for v in values if v not in EventType.values]
        if unknown:
            raise QueryParameterError(
                name, _("Unknown event type %(type)s.") % {"type": unknown[0]}, "event_type"
            )
        return Q(event_type__in=values)
    if name in _TIMES:
        return Q(**{_TIMES[name]: _time(name, values)})
    if name == "EQ_action":
        bad = [v for v in values if v not in Action.values]
        if bad:
            raise QueryParameterError(name, _("An action is ADD, OBSERVE or DELETE."), "action")
        return Q(action__in=values)
    if name == "EQ_bizStep":
        return Q(biz_step__in=[short_cbv("bizStep", v) for v in values])
    if name == "EQ_disposition":
        return Q(disposition__in=[short_cbv("disposition", v) for v in values])
    if name == "EQ_eventID":
        return Q(event_id__in=values)
    if name == "EQ_transformationID":
        return Q(document__transformationID__in=values)
    if name == "EXISTS_errorDeclaration":
        if values[0].lower() not in ("true", "false", "1", "0"):
            raise QueryParameterError(name, _("true or false."), "boolean")
        return Q(error_declaration__isnull=False) if values[0].lower() in ("true", "1") else Q()
    if name == "EQ_errorReason":
        reasons = set(values) | {f"https://ref.gs1.org/cbv/ER-{v}" for v in values}
        reasons |= {
            v.rsplit("-", 1)[-1] for v in values if v.startswith("https://ref.gs1.org/cbv/ER-")
        }
        return Q(error_declaration__reason__in=sorted(reasons))
    return None


def _identifier_filter(name: str, values: list[str]) -> Exists | None:
    """The ``EXISTS`` subquery on the identifier index of an identifier or place parameter; None
    for any other parameter."""
    if name in _EQ_PLACE:
        return _identifier_match((_EQ_PLACE[name],), values)
    if name in _WD_PLACE:
        return _within(_WD_PLACE[name], values)
    if name in _MATCH:
        return _identifier_match(_MATCH[name], values)
    if any(name.startswith(prefix) and len(name) > len(prefix) for prefix in _EQ_TYPED):
        prefix = next(p for p in _EQ_TYPED if name.startswith(p))
        return _identifier_match(
            (_EQ_TYPED[prefix],), values, type_=short_type(name[len(prefix) :])
        )
    return None


@dataclass
class _Ordering:
    """What ``orderBy``, ``orderDirection``, ``eventCountLimit`` and ``maxEventCount`` ask."""

    order_field: str | None = None
    python_order: str | None = None
    direction: str = "DESC"
    count_limit: int | None = None
    max_count: int | None = None

    def read(self, name: str, values: list[str]) -> bool:
        """Take the parameter if it is one of the four; False for any other."""
        if name == "orderBy":
            if len(values) != 1 or (values[0] not in _ORDER and not _is_extension_name(values[0])):
                raise QueryParameterError(
                    name,
                    _("Order by eventTime, recordTime or an extension field (prefix:name)."),
                    "order_by",
                )
            if values[0] in _ORDER:
                self.order_field = _ORDER[values[0]]
            else:
                self.order_field, self.python_order = "event_time", values[0]
        elif name == "orderDirection":
            if values[0] not in ("ASC", "DESC") or len(values) != 1:
                raise QueryParameterError(
                    name, _("The direction is ASC or DESC."), "order_direction"
                )
            self.direction = values[0]
        elif name == "eventCountLimit":
            self.count_limit = _int(name, values)
        elif name == "maxEventCount":
            self.max_count = _int(name, values)
        else:
            return False
        return True

    def order_by(self) -> list[str]:
        """The columns to order by, once every parameter is read; refuses limits that clash."""
        if self.count_limit is not None and self.max_count is not None:
            raise QueryParameterError(
                "eventCountLimit",
                _("eventCountLimit and maxEventCount exclude each other."),
                "exclusive",
            )
        if self.count_limit is not None and self.order_field is None:
            raise QueryParameterError(
                "eventCountLimit", _("eventCountLimit needs orderBy."), "requires_order_by"
            )
        if self.order_field:
            sign = "-" if self.direction == "DESC" else ""
            return [f"{sign}{self.order_field}", f"{sign}id"]
        return ["id"]


def parse_query(params: dict[str, list[str]]) -> ParsedQuery:
    """Turn EPCIS query parameters into filters, or raise QueryParameterException."""
    q = Q()
    exists: list = []
    predicates: list = []
    ordering = _Ordering()
    for name, values in params.items():
        values = [v for v in values if v != ""]
        if name.startswith("EXISTS_") and name != "EXISTS_errorDeclaration":
            pass  # EXISTS_<field> takes no value (EPCIS 2.0 8.2.7.1: type Void)
        elif not values:
            raise QueryParameterError(name, _("The parameter has no value."), "required")
        if (column := _event_filter(name, values)) is not None:
            q &= column
        elif (identifier := _identifier_filter(name, values)) is not None:
            exists.append(identifier)
        elif ordering.read(name, values):
            pass
        elif (predicate := _document_predicate(name, values)) is not None:
            predicates.append(predicate)
            narrowing = _narrowing(name, values)
            if narrowing is not None:
                q &= narrowing
        else:
            raise QueryParameterError(
                name,
                _("Unknown or unsupported query parameter %(name)s.") % {"name": name},
                "unknown_parameter",
            )
    order_by = ordering.order_by()
    return ParsedQuery(
        q,
        exists,
        order_by,
        ordering.count_limit,
        ordering.max_count,
        predicates,
        (ordering.python_order, ordering.direction == "DESC") if ordering.python_order else None,
    )


def apply_query(queryset: QuerySet, parsed: ParsedQuery) -> QuerySet:
    queryset = queryset.filter(parsed.filters)
    for condition in parsed.exists:
        queryset = queryset.filter(condition)
    if not parsed.predicates and parsed.order_field is None:
        return queryset.order_by(*parsed.order_by)
    # The checks on the stored event run over what the column filters left.
    kept = [
        (pk, document)
        for pk, document in queryset.order_by("id").values_list("pk", "document").iterator(2000)
        if all(check(document) for check in parsed.predicates)
    ]
    if parsed.order_field is None:
        return queryset.filter(pk__in=[pk for pk, _doc in kept]).order_by(*parsed.order_by)
    field_name, descending = parsed.order_field
    keyed = [(fields.sort_value(document, field_name), pk) for pk, document in kept]
    ordered = sorted(((value, pk) for value, pk in keyed if value is not None), reverse=descending)
    ids = [pk for _value, pk in ordered] + [pk for value, pk in keyed if value is None]
    if not ids:
        return queryset.none()
    position = Case(
        *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=IntegerField()
    )
    return queryset.filter(pk__in=ids).order_by(position, "id")


def matching_events(
    queryset: QuerySet, params: dict[str, list[str]]
) -> tuple[QuerySet, ParsedQuery]:
    parsed = parse_query(params)
    return apply_query(queryset, parsed), parsed


__all__ = [
    "normalise_params",
    "parse_query",
    "apply_query",
    "matching_events",
    "QueryParameterError",
    "Event",
]
