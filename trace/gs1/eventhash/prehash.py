"""The canonical pre-hash string of one EPCIS 2.0 JSON event (CBV 2.0 section 8.9).

The string is the event type, then the event's fields in the order of ``EVENT_FIELDS``, then
the fields that the order does not place, sorted; nothing separates one part from the next.
A field with a value is written ``name=value``; a container writes its name, then its own
fields in their order, then its extensions sorted; a list writes its name once, then its
entries sorted. Each table below is one container of the standard and how each of its fields
is written; a field absent from the event, or empty, writes nothing.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from .values import canonical_number, canonical_text, canonical_timestamp


@dataclass(frozen=True, slots=True)
class Scope:
    """What a value is read against: the document's namespace prefixes (``{"ex":
    "http://ex.com/"}``, from its ``@context``) and its vocabulary terms (``{"shipping":
    "https://ref.gs1.org/cbv/BizStep-shipping"}``)."""

    namespaces: Mapping[str, str]
    terms: Mapping[str, str]
    # How each string value was written (a scope shared by a document's events: the same
    # products, places, steps and parties over and over).
    written: dict[str, str] = dataclass_field(default_factory=dict, compare=False)


# --- values --------------------------------------------------------------------------------


def value(raw, scope: Scope) -> str:
    """One scalar as the pre-hash string writes it: a term of the document's vocabulary as its
    URI, a compact URI (``ex:thing``) with a declared prefix expanded, any other text by
    :func:`canonical_text`; ``true``, ``false`` and ``null`` as ``True``, ``False`` and
    ``None``, as GS1's reference hashes write them."""
    if isinstance(raw, str):
        written = scope.written.get(raw)
        if written is None:
            written = scope.written[raw] = _text(raw, scope)
        return written
    if isinstance(raw, bool) or raw is None:
        return str(raw)
    if isinstance(raw, int | float):
        return canonical_number(repr(raw))
    return str(raw)


def _text(raw: str, scope: Scope) -> str:
    text = raw.strip()
    term = scope.terms.get(text)
    if term is not None:
        return term
    if ":" in text:
        prefix, _, local = text.partition(":")
        namespace = scope.namespaces.get(prefix)
        if namespace is not None:
            return namespace + local
    return canonical_text(text)


def key(name: str, scope: Scope) -> str:
    """An extension's name with its namespace: ``ex:grade`` → ``{http://ex.com/}grade``; a
    prefix the document does not declare is kept as written."""
    prefix, _, local = name.partition(":")
    namespace = scope.namespaces.get(prefix)
    return f"{{{namespace}}}{local}" if namespace is not None else name


# Names that are not event data: annotations for people.
NOT_DATA = frozenset({"rdfs:comment"})


def is_extension(name: str) -> bool:
    """A user extension is a namespace-qualified name (``ex:grade``). A bare name that the
    standard does not define has no meaning in the JSON-LD document (it expands to nothing),
    so it is not part of the event and not hashed."""
    return ":" in name and name not in NOT_DATA and not name.startswith("@")


def extension(name: str, raw, scope: Scope) -> list[str]:
    """The substrings of one extension element: ``{ns}name=value``; an object writes its name
    then its children sorted; a list writes each entry under the same name."""
    if isinstance(raw, list):
        return [part for item in raw for part in extension(name, item, scope)]
    if isinstance(raw, dict):
        return [name + "".join(extensions(raw, scope))]
    return [f"{name}={value(raw, scope)}"]


def extensions(container: Mapping, scope: Scope) -> list[str]:
    """The extension elements of a container, sorted."""
    return sorted(
        part
        for name, raw in container.items()
        if is_extension(name)
        for part in extension(key(name, scope), raw, scope)
    )


# --- how a field is written ----------------------------------------------------------------

Writer = Callable[[str, object, Scope], str]


def scalar(name: str, raw, scope: Scope) -> str:
    return f"{name}={value(raw, scope)}"


def timestamp(name: str, raw, scope: Scope) -> str:
    return (
        f"{name}={canonical_timestamp(raw)}" if isinstance(raw, str) else scalar(name, raw, scope)
    )


def _as_list(raw) -> list:
    return raw if isinstance(raw, list) else [raw]


def repeated(name: str, raw, scope: Scope) -> str:
    """A field that may hold one value or several (``certificationInfo``)."""
    return "".join(sorted(scalar(name, item, scope) for item in _as_list(raw)))


def epc_list(name: str, raw, scope: Scope) -> str:
    entries = sorted(scalar("epc", item, scope) for item in _as_list(raw) if item is not None)
    return name + "".join(entries) if entries else ""


def in_place(name: str, scope: Scope) -> bool:
    """Whether an extension inside a standard container is written there, after the
    container's fields (CBV 2.0 8.9: extensions of ``readPoint``, ``bizLocation`` and the
    sensor containers). GS1's reference hashes do so when its namespace is declared and ends
    in ``/`` (``http://ns.example.com/epcis/``, the form of the standard's examples)."""
    if not is_extension(name):
        return False
    namespace = scope.namespaces.get(name.partition(":")[0])
    return namespace is not None and namespace.endswith("/")


def stray(name: str, raw, scope: Scope) -> list[str]:
    """A field that a standard container does not define, or an extension there that is not
    written in place: GS1's reference hashes write it after the event's ordered fields, under
    the names of the containers that hold it (``readPointplain=…``)."""
    return extension(key(name, scope) if is_extension(name) else name, raw, scope)


def no_strays(_name: str, _raw, _scope: Scope) -> list[str]:
    return []


class Container:
    """A standard container: its name, its fields in their order, its extensions sorted."""

    __slots__ = ("fields", "names", "nested")

    def __init__(self, fields: tuple[tuple[str, Writer], ...]):
        self.fields = fields
        self.names = frozenset(field for field, _ in fields)
        self.nested = tuple((field, write) for field, write in fields if hasattr(write, "strays"))

    def __call__(self, name: str, raw, scope: Scope) -> str:
        if not isinstance(raw, dict):
            return scalar(name, raw, scope) if raw not in (None, "") else ""
        body = "".join(
            [write(field, raw[field], scope) for field, write in self.fields if field in raw]
        )
        if not raw.keys() <= self.names:  # something beyond the table: extensions
            body += "".join(
                sorted(
                    part
                    for field, item in raw.items()
                    if in_place(field, scope)
                    for part in extension(key(field, scope), item, scope)
                )
            )
        return name + body if body else ""

    def strays(self, name: str, raw, scope: Scope) -> list[str]:
        """What this container (and the containers in it) holds that is not written in place,
        as one substring under its name."""
        if not isinstance(raw, dict):
            return []
        if not self.nested and raw.keys() <= self.names:  # nothing beyond the table
            return []
        parts = [
            part
            for field in raw.keys() - self.names
            if not in_place(field, scope) and not field.startswith("@")
            for part in stray(field, raw[field], scope)
        ]
        for field, write in self.nested:
            if field in raw:
                parts.extend(write.strays(field, raw[field], scope))
        return [name + "".join(sorted(parts))] if parts else []


@dataclass(frozen=True, slots=True)
class Entries:
    """A list of containers: its name once, then its entries sorted, each written under
    ``entry_name`` (``quantityElement``; empty when an entry writes no name of its own). With
    ``named=False`` the list writes no name and each entry goes under the field's own name (a
    sensor element's ``sensorReport`` entries)."""

    entry_name: str
    entry: Writer
    named: bool = True

    def __call__(self, name: str, raw, scope: Scope) -> str:
        entry_name = self.entry_name if self.named else name
        written = sorted(
            part for item in _as_list(raw) if (part := self.entry(entry_name, item, scope))
        )
        if not written:
            return ""
        return (name if self.named else "") + "".join(written)

    def strays(self, name: str, raw, scope: Scope) -> list[str]:
        entry_name = self.entry_name if self.named else name
        strays_of = getattr(self.entry, "strays", no_strays)
        parts = sorted(
            part for item in _as_list(raw) for part in strays_of(entry_name, item, scope)
        )
        if not self.named:
            return parts
        return [name + "".join(parts)] if parts else []


def as_given(fields: frozenset[str]) -> Writer:
    """A business transaction, source or destination: its value and its ``type`` in the order
    the document gives them, as GS1's reference hashes write them."""

    def write(_name: str, raw, scope: Scope) -> str:
        if not isinstance(raw, dict):
            return ""
        return "".join(
            scalar(field, item, scope)
            if field in fields
            else "".join(extension(key(field, scope), item, scope))
            for field, item in raw.items()
            if field in fields or is_extension(field)
        )

    return write


def persistent_disposition(name: str, raw, scope: Scope) -> str:
    if not isinstance(raw, dict):
        return ""
    written = sorted(
        scalar(change, term, scope)
        for change in ("set", "unset")
        for term in _as_list(raw.get(change) or [])
    )
    return name + "".join(written) if written else ""


def ilmd(name: str, raw, scope: Scope) -> str:
    """Instance/lot master data: every element, by its namespace and name, sorted (the
    standard defines none of its own; GS1's reference hashes also keep a bare name here)."""
    if not isinstance(raw, dict):
        return ""
    written = sorted(
        part
        for field, item in raw.items()
        if not field.startswith("@")
        for part in stray(field, item, scope)
    )
    return name + "".join(written) if written else ""


# --- the canonical property order ----------------------------------------------------------

QUANTITY_ELEMENT = Container(
    (
        ("epcClass", scalar),
        ("quantity", scalar),
        ("uom", scalar),
    )
)
LOCATION = Container((("id", scalar),))
SENSOR_METADATA = Container(
    (
        ("time", timestamp),
        ("startTime", timestamp),
        ("endTime", timestamp),
        ("deviceID", scalar),
        ("deviceMetadata", scalar),
        ("rawData", scalar),
        ("dataProcessingMethod", scalar),
        ("bizRules", scalar),
    )
)
SENSOR_REPORT = Container(
    tuple(
        (field, timestamp if field == "time" else scalar)
        for field in (
            "type",
            "exception",
            "deviceID",
            "deviceMetadata",
            "rawData",
            "dataProcessingMethod",
            "time",
            "microorganism",
            "chemicalSubstance",
            "value",
            "component",
            "stringValue",
            "booleanValue",
            "hexBinaryValue",
            "uriValue",
            "minValue",
            "maxValue",
            "meanValue",
            "sDev",
            "percRank",
            "percValue",
            "uom",
            "coordinateReferenceSystem",
        )
    )
)
SENSOR_ELEMENT = Container(
    (
        ("sensorMetadata", SENSOR_METADATA),
        ("sensorReport", Entries("sensorReport", SENSOR_REPORT, named=False)),
    )
)
QUANTITY_LIST = Entries("quantityElement", QUANTITY_ELEMENT)

# The event's fields in the standard's order. GS1's reference hashes (the test vectors) place
# ``certificationInfo`` right after the time zone and ``parentID`` before the EPC lists.
EVENT_FIELDS: tuple[tuple[str, Writer], ...] = (
    ("eventTime", timestamp),
    ("eventTimeZoneOffset", scalar),
    ("certificationInfo", repeated),
    ("parentID", scalar),
    ("epcList", epc_list),
    ("inputEPCList", epc_list),
    ("childEPCs", epc_list),
    ("quantityList", QUANTITY_LIST),
    ("childQuantityList", QUANTITY_LIST),
    ("inputQuantityList", QUANTITY_LIST),
    ("outputEPCList", epc_list),
    ("outputQuantityList", QUANTITY_LIST),
    ("action", scalar),
    ("transformationID", scalar),
    ("bizStep", scalar),
    ("disposition", scalar),
    ("persistentDisposition", persistent_disposition),
    ("readPoint", LOCATION),
    ("bizLocation", LOCATION),
    ("sensorElementList", Entries("sensorElement", SENSOR_ELEMENT)),
)

# Fields written after the ordered ones, sorted together with the event's extensions (as GS1's
# reference hashes place them).
UNORDERED_FIELDS: dict[str, Writer] = {
    "bizTransactionList": Entries("", as_given(frozenset({"bizTransaction", "type"}))),
    "sourceList": Entries("", as_given(frozenset({"source", "type"}))),
    "destinationList": Entries("", as_given(frozenset({"destination", "type"}))),
    "ilmd": ilmd,
}

# Not part of the hash (CBV 2.0 8.9): the ID the hash stands in for, when the event reached
# a repository, and a later declaration that the event was in error.
NOT_HASHED = frozenset({"eventID", "recordTime", "errorDeclaration"})


_EVENT_WRITERS = tuple(
    (field, write, getattr(write, "strays", None)) for field, write in EVENT_FIELDS
)


def pre_hash(event: Mapping, scope: Scope) -> str:
    """The event type, the ordered fields, then everything else sorted as one set of
    substrings: the unordered fields, the event's extensions and the strays of its containers.
    A bare name at the event's top level that the standard does not define is not data (see
    :func:`is_extension`) and is left out."""
    parts = [f"eventType={event.get('type')}"]
    unordered: list[str] = []
    for field, write, strays in _EVENT_WRITERS:
        if field in event:
            parts.append(write(field, event[field], scope))
            if strays is not None:
                unordered.extend(strays(field, event[field], scope))
    for field, raw in event.items():
        write = UNORDERED_FIELDS.get(field)
        if write is not None:
            unordered.append(write(field, raw, scope))
        elif field not in NOT_HASHED and is_extension(field):
            unordered.extend(extension(key(field, scope), raw, scope))
    parts.extend(sorted(unordered))
    return "".join(parts)


def namespaces(contexts: Iterable) -> dict[str, str]:
    """The namespace prefixes that ``@context`` values declare inline (``{"ex":
    "http://ex.com/"}``); a remote context (a URL) declares none here."""
    declared: dict[str, str] = {}
    for context in contexts:
        for item in _as_list(context):
            if isinstance(item, dict):
                declared.update(
                    (prefix, iri)
                    for prefix, iri in item.items()
                    if isinstance(iri, str) and not prefix.startswith("@")
                )
    return declared
