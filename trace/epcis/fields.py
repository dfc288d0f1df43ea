"""EPCIS query parameters that look inside an event's document rather than at a column.

The quantity filters (``EQ_quantity``, ``GT_``/``GE_``/``LT_``/``LE_quantity``), the sensor
filters of EPCIS 2.0 (``EQ_type``, ``EQ_deviceID``…, ``GE_value_<uom>``, ``LT_maxValue_<uom>``…,
``GE_time``/``LT_time``), the extension filters (``EQ_<field>``, ``EQ_ILMD_<field>``,
``EQ_INNER_<field>``, ``EQ_INNER_SENSORELEMENT_<field>``… with ``GT_``/``GE_``/``LT_``/``LE_``),
and ``EXISTS_<field>``. Each becomes a predicate on the stored JSON-LD event (the same
document whichever binding it came in by); ``query.apply_query`` runs them over the events
the column filters and visibility have already narrowed.

An extension field is named as the event writes it (``example:myField``) or by its full name
(``http://ns.example.com/epcis#myField`` or the namespace and name run together), which is
compared with the event's own keys expanded through its ``@context``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

Predicate = Callable[[dict], bool]

QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
COMPARISONS = {
    "EQ": lambda a, b: a == b,
    "GT": lambda a, b: a > b,
    "GE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LE": lambda a, b: a <= b,
}
GS1_VOC = ("https://gs1.org/voc/", "http://gs1.org/voc/", "gs1:")

# Sensor report attributes compared as equal to one of the values given (EPCIS 2.0 8.2.7.1).
SENSOR_EQ = (
    "type",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
    "microorganism",
    "chemicalSubstance",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "component",
    "exception",
    "coordinateReferenceSystem",
)
# Numeric report attributes compared per unit: ``GE_value_CEL``, ``LT_maxValue_KGM``…
SENSOR_MEASURES = ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue")
SENSOR_TIMES = ("time", "startTime", "endTime")

# Units the same measurement can be given in: (to a base unit) factor and offset.
UNIT_CONVERSIONS = {
    "CEL": ("temperature", Decimal(1), Decimal(0)),
    "KEL": ("temperature", Decimal(1), Decimal("-273.15")),
    "FAH": ("temperature", Decimal(5) / Decimal(9), Decimal(-32) * Decimal(5) / Decimal(9)),
    "KGM": ("mass", Decimal(1), Decimal(0)),
    "GRM": ("mass", Decimal("0.001"), Decimal(0)),
    "TNE": ("mass", Decimal(1000), Decimal(0)),
    "MTR": ("length", Decimal(1), Decimal(0)),
    "CMT": ("length", Decimal("0.01"), Decimal(0)),
    "MMT": ("length", Decimal("0.001"), Decimal(0)),
    "KMT": ("length", Decimal(1000), Decimal(0)),
    "LTR": ("volume", Decimal(1), Decimal(0)),
    "MLT": ("volume", Decimal("0.001"), Decimal(0)),
}

# Where an extension filter looks: ``EQ_<SCOPE>_<field>`` / ``EQ_INNER_<SCOPE>_<field>``.
SCOPES = {
    "ILMD": lambda doc: [doc.get("ilmd")],
    "SENSORELEMENT": lambda doc: list(doc.get("sensorElementList") or []),
    "SENSORMETADATA": lambda doc: [
        s.get("sensorMetadata") for s in doc.get("sensorElementList") or [] if isinstance(s, dict)
    ],
    "SENSORREPORT": lambda doc: [
        r
        for s in doc.get("sensorElementList") or []
        if isinstance(s, dict)
        for r in s.get("sensorReport") or []
    ],
    "READPOINT": lambda doc: [doc.get("readPoint")],
    "BIZLOCATION": lambda doc: [doc.get("bizLocation")],
    "ERRORDECLARATION": lambda doc: [doc.get("errorDeclaration")],
}


class FieldError(ValueError):
    """A parameter value that cannot be compared (the caller names the parameter)."""


def decimal(text: str) -> Decimal:
    try:
        number = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as exc:
        raise FieldError(text) from exc
    if not number.is_finite():
        raise FieldError(text)
    return number


def _as_decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _as_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def term(value) -> str:
    """A sensor term written bare, ``gs1:`` or as its GS1 Web Vocabulary URI: the bare term."""
    text = str(value).strip()
    for prefix in GS1_VOC:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


# --- quantities ----------------------------------------------------------------------


def quantity_predicate(op: str, limit: Decimal) -> Predicate:
    compare = COMPARISONS[op]

    def check(doc: dict) -> bool:
        for key in QUANTITY_LISTS:
            for item in doc.get(key) or ():
                if isinstance(item, dict):
                    number = _as_decimal(item.get("quantity"))
                    if number is not None and compare(number, limit):
                        return True
        return False

    return check


# --- sensor data ----------------------------------------------------------------------


def sensor_reports(doc: dict):
    """Each sensor report with the metadata of its sensor element under it."""
    for element in doc.get("sensorElementList") or ():
        if not isinstance(element, dict):
            continue
        metadata = (
            element.get("sensorMetadata") if isinstance(element.get("sensorMetadata"), dict) else {}
        )
        for report in element.get("sensorReport") or ():
            if isinstance(report, dict):
                yield {**metadata, **report}


def sensor_eq_predicate(attribute: str, values: list[str]) -> Predicate:
    if attribute in ("type", "component"):
        wanted = {term(v) for v in values}

        def normal(v):
            return term(v)
    elif attribute == "booleanValue":
        wanted = {v.strip().lower() in ("true", "1") for v in values}

        def normal(v):
            return v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1")
    elif attribute == "hexBinaryValue":
        wanted = {v.strip().lower() for v in values}

        def normal(v):
            return str(v).strip().lower()
    else:
        wanted = {v.strip() for v in values}

        def normal(v):
            return str(v).strip()

    def check(doc: dict) -> bool:
        return any(
            attribute in report and normal(report[attribute]) in wanted
            for report in sensor_reports(doc)
        )

    return check


def convert(value: Decimal, source: str, target: str) -> Decimal | None:
    """``value`` in unit ``source`` expressed in unit ``target`` (UN/ECE Rec. 20 codes);
    None when the two do not measure the same thing or a unit is not known here."""
    if source == target:
        return value
    a, b = UNIT_CONVERSIONS.get(source), UNIT_CONVERSIONS.get(target)
    if a is None or b is None or a[0] != b[0]:
        return None
    base = value * a[1] + a[2]
    return (base - b[2]) / b[1]


def sensor_measure_predicate(op: str, attribute: str, uom: str, limit: Decimal) -> Predicate:
    compare = COMPARISONS[op]

    def check(doc: dict) -> bool:
        for report in sensor_reports(doc):
            number = _as_decimal(report.get(attribute))
            if number is None:
                continue
            source = report.get("uom") or uom
            converted = convert(number, str(source), uom)
            if converted is not None and compare(converted, limit):
                return True
        return False

    return check


def sensor_time_predicate(op: str, attribute: str, moment: datetime) -> Predicate:
    compare = COMPARISONS[op]

    def check(doc: dict) -> bool:
        for report in sensor_reports(doc):
            when = _as_time(report.get(attribute))
            if when is not None and compare(when, moment):
                return True
        return False

    return check


# --- extension fields -----------------------------------------------------------------


def _prefixes(doc: dict) -> dict:
    found: dict = {}
    context = doc.get("@context")
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            found.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return found


def name_matcher(field: str) -> Callable[[str, dict], bool]:
    """Whether an event's key (``example:myField``), read with the event's prefixes,
    is the extension field ``field`` named in a query."""
    wanted = {field}
    if "#" in field:
        namespace, local = field.rsplit("#", 1)
        wanted |= {namespace + local, namespace + "/" + local, namespace + "#" + local}

    def matches(key: str, prefixes: dict) -> bool:
        if key in wanted:
            return True
        if ":" not in key:
            return False
        prefix, local = key.split(":", 1)
        namespace = prefixes.get(prefix)
        if namespace is None:
            return False
        return namespace + local in wanted or (namespace.rstrip("/#") + "#" + local in wanted)

    return matches


def _values_of(container, matches, prefixes: dict, inner: bool) -> list:
    found: list = []
    if isinstance(container, list):
        for item in container:
            found.extend(_values_of(item, matches, prefixes, inner))
        return found
    if not isinstance(container, dict):
        return found
    for key, value in container.items():
        if key.startswith("@"):
            continue
        if matches(key, prefixes):
            found.extend(value if isinstance(value, list) else [value])
        if inner and isinstance(value, dict | list):
            found.extend(_values_of(value, matches, prefixes, True))
    return found


def field_values(doc: dict, scope: str | None, field: str, *, inner: bool) -> list:
    matches = name_matcher(field)
    prefixes = _prefixes(doc)
    if scope is None:
        if inner:  # nested inside the event's top-level extension fields only
            found: list = []
            for key, value in doc.items():
                if ":" in key and not key.startswith("@") and isinstance(value, dict | list):
                    found.extend(_values_of(value, matches, prefixes, True))
            return found
        return _values_of(doc, matches, prefixes, False)
    found = []
    for container in SCOPES[scope](doc):
        if inner:
            if isinstance(container, dict):
                for key, value in container.items():
                    if ":" in key and isinstance(value, dict | list):
                        found.extend(_values_of(value, matches, prefixes, True))
        else:
            found.extend(_values_of(container, matches, prefixes, False))
    return found


def _compare_value(op: str, actual, wanted: str) -> bool:
    compare = COMPARISONS[op]
    if isinstance(actual, dict | list):
        return False
    a_num, w_num = _as_decimal(actual), _as_decimal(wanted)
    if a_num is not None and w_num is not None:
        return compare(a_num, w_num)
    a_time, w_time = _as_time(actual), _as_time(wanted)
    if a_time is not None and w_time is not None:
        return compare(a_time, w_time)
    text = "true" if actual is True else "false" if actual is False else str(actual)
    if op == "EQ":
        return text.strip() == wanted.strip()
    return compare(text, wanted)


def field_predicate(
    op: str, scope: str | None, field: str, values: list[str], *, inner: bool
) -> Predicate:
    def check(doc: dict) -> bool:
        for actual in field_values(doc, scope, field, inner=inner):
            if any(_compare_value(op, actual, wanted) for wanted in values):
                return True
        return False

    return check


def exists_predicate(scope: str | None, field: str, *, inner: bool) -> Predicate:
    standard = scope is None and not inner and ":" not in field and "#" not in field

    def check(doc: dict) -> bool:
        if standard:
            value = doc.get(field)
            return value is not None and value != [] and value != {}
        return bool(field_values(doc, scope, field, inner=inner))

    return check


def sort_value(doc: dict, field: str):
    """The value an event is ordered by for ``orderBy=<extension field>`` (None if absent)."""
    for value in field_values(doc, None, field, inner=False):
        moment = _as_time(value)
        if moment is not None:
            return (0, moment.timestamp())
        number = _as_decimal(value)
        if number is not None:
            return (0, float(number))
        if isinstance(value, str):
            return (1, value)
    return None


# --- error declarations and persistent dispositions ---------------------------------


def declaration_time_predicate(op: str, moment: datetime) -> Predicate:
    compare = COMPARISONS[op]

    def check(doc: dict) -> bool:
        declaration = doc.get("errorDeclaration")
        when = (
            _as_time(declaration.get("declarationTime")) if isinstance(declaration, dict) else None
        )
        return when is not None and compare(when, moment)

    return check


def corrective_event_predicate(values: list[str]) -> Predicate:
    wanted = {v.strip() for v in values}

    def check(doc: dict) -> bool:
        declaration = doc.get("errorDeclaration")
        if not isinstance(declaration, dict):
            return False
        return bool(wanted & {str(v) for v in declaration.get("correctiveEventIDs") or ()})

    return check


def persistent_disposition_predicate(part: str, values: list[str], short) -> Predicate:
    wanted = {short(v.strip()) for v in values}

    def check(doc: dict) -> bool:
        persistent = doc.get("persistentDisposition")
        if not isinstance(persistent, dict):
            return False
        return bool(wanted & {short(str(v)) for v in persistent.get(part) or ()})

    return check
