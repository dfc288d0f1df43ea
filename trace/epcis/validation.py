"""Checks an EPCIS 2.0 JSON/JSON-LD document before anything is stored.

The official JSON schema is compiled once, at its first use, by jsonschema-rs (a
maintained Rust validator: a 1,000-event document validates in milliseconds,
formats such as ``date-time`` with its zone offset and ``uri`` included). On
top of the schema: the CBV vocabularies written as full URIs must name a real
CBV value, the EPCIS JSON-LD context must be present, and nesting is bounded.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from trace.core.choices import EventType

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from api.parsing import JSONRefused, load_json
from core.validators import validate_storable_datetime

SCHEMA_PATH = Path(__file__).with_name("schema") / "EPCIS-JSON-Schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    """The schema's validator, compiled at its first use: a Celery worker, which captures
    documents checked already, never loads jsonschema_rs."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(SCHEMA, validate_formats=True)


EPCIS_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
DEFAULT_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
_EVENT_TYPES = frozenset(EventType.values)


def _enum(definition: str) -> frozenset[str]:
    for branch in SCHEMA["definitions"][definition]["anyOf"]:
        if "enum" in branch:
            return frozenset(branch["enum"])
    raise LookupError(definition)


# CBV 2.0 web-vocabulary prefixes and their standard values (from the schema's enums).
CBV_VOCABULARIES = {
    "bizStep": ("https://ref.gs1.org/cbv/BizStep-", _enum("bizStep")),
    "disposition": ("https://ref.gs1.org/cbv/Disp-", _enum("disposition")),
    "bizTransactionType": ("https://ref.gs1.org/cbv/BTT-", _enum("bizTransaction-type")),
    "sourceDestType": ("https://ref.gs1.org/cbv/SDT-", _enum("source-dest-type")),
    "errorReason": ("https://ref.gs1.org/cbv/ER-", _enum("error-reason")),
}


class DocumentError(Exception):
    """The document is refused as a whole: ``problem_type`` is the EPCIS exception."""

    def __init__(
        self, errors: list[dict], *, problem_type: str = "ValidationException", status: int = 400
    ):
        super().__init__(errors[0]["message"] if errors else problem_type)
        self.errors = errors
        self.problem_type = problem_type
        self.status = status


def _error(field: str | None, rule: str, message: str) -> dict:
    return {"field": field, "rule": rule, "message": message}


def _path(parts) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def parse_json(body: bytes):
    """Parse the request body; malformed JSON and absurd nesting are a ValidationException."""
    try:
        return load_json(body, max_depth=settings.EPCIS_MAX_JSON_DEPTH)
    except JSONRefused as exc:  # UTF-8 only, as RFC 8259 §8.1 requires
        raise DocumentError([_error(None, exc.rule, exc.message)]) from exc


def _rule(error) -> str:
    name = type(error.kind).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _schema_errors(document, prefix: str = "") -> list[dict]:
    errors = []
    for error in _validator().iter_errors(document):
        field = _path(error.instance_path) or None
        if prefix and field:
            field = prefix + ("" if field.startswith("[") else ".") + field
        errors.append(_error(field, _rule(error), error.message))
        if len(errors) >= 50:
            break
    return errors


def _has_epcis_context(context) -> bool:
    if isinstance(context, str):
        return context in EPCIS_CONTEXTS
    if isinstance(context, list):
        return any(isinstance(c, str) and c in EPCIS_CONTEXTS for c in context)
    return False


def _vocabulary_errors(events: list, base: str) -> list[dict]:
    """CBV values written as web URIs must exist in CBV 2.0 (``BizStep-shiping`` is a typo, not an extension)."""
    errors: list[dict] = []

    def check(kind: str, value, field: str) -> None:
        prefix, allowed = CBV_VOCABULARIES[kind]
        if (
            isinstance(value, str)
            and value.startswith(prefix)
            and value[len(prefix) :] not in allowed
        ):
            errors.append(
                _error(
                    field,
                    "cbv_vocabulary",
                    _(
                        "%(value)s is not a CBV 2.0 value; use a standard value or a URI outside the CBV namespace."
                    )
                    % {"value": value},
                )
            )

    for i, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        at = f"{base}[{i}]"
        check("bizStep", event.get("bizStep"), f"{at}.bizStep")
        check("disposition", event.get("disposition"), f"{at}.disposition")
        persistent = event.get("persistentDisposition") or {}
        for key in ("set", "unset"):
            for j, value in enumerate(persistent.get(key) or []):
                check("disposition", value, f"{at}.persistentDisposition.{key}[{j}]")
        for j, entry in enumerate(event.get("bizTransactionList") or []):
            check("bizTransactionType", entry.get("type"), f"{at}.bizTransactionList[{j}].type")
        for key in ("sourceList", "destinationList"):
            for j, entry in enumerate(event.get(key) or []):
                check("sourceDestType", entry.get("type"), f"{at}.{key}[{j}].type")
        declaration = event.get("errorDeclaration") or {}
        check("errorReason", declaration.get("reason"), f"{at}.errorDeclaration.reason")
    return errors


def _nul_errors(node, parts: list) -> list[dict]:
    """Every string (key or value) holding U+0000: no database text column can store it."""
    errors: list[dict] = []
    items = node.items() if type(node) is dict else enumerate(node) if type(node) is list else ()
    for key, value in items:
        if type(key) is str and "\x00" in key:
            errors.append(
                _error(
                    _path([*parts, key]),
                    "nul_character",
                    _("Text may not contain the NUL character (U+0000)."),
                )
            )
        if type(value) is str:
            if "\x00" in value:
                errors.append(
                    _error(
                        _path([*parts, key]),
                        "nul_character",
                        _("Text may not contain the NUL character (U+0000)."),
                    )
                )
        elif type(value) in (dict, list):
            errors.extend(_nul_errors(value, [*parts, key]))
    return errors


def _time_errors(events: list, base: str) -> list[dict]:
    """Times the schema's ``date-time`` format accepts but that cannot be stored or shown:
    year 1 east of UTC or year 9999 west of it leaves the calendar when converted."""
    errors: list[dict] = []

    def check(value, field: str) -> None:
        if not isinstance(value, str):
            return
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            errors.append(
                _error(
                    field,
                    "datetime_format",
                    _("Not an ISO 8601 date-time: %(value)s") % {"value": value},
                )
            )
            return
        if moment.tzinfo is not None:
            try:
                validate_storable_datetime(moment)
            except ValidationError as exc:
                errors.append(_error(field, exc.code, exc.messages[0]))

    for i, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        check(event.get("eventTime"), f"{base}[{i}].eventTime")
        declaration = event.get("errorDeclaration")
        if isinstance(declaration, dict):
            check(
                declaration.get("declarationTime"), f"{base}[{i}].errorDeclaration.declarationTime"
            )
    return errors


def events_of(document) -> tuple[list, str]:
    """The event list of an EPCISDocument or EPCISQueryDocument, and its path."""
    if document.get("type") == "EPCISQueryDocument":
        return document["epcisBody"]["queryResults"]["resultsBody"]["eventList"], (
            "epcisBody.queryResults.resultsBody.eventList"
        )
    return document["epcisBody"]["eventList"], "epcisBody.eventList"


def validate_capture_document(document, *, body: bytes | None = None) -> list:
    """Check a document sent to capture; returns its events or raises :class:`DocumentError`.

    ``body``, the JSON text the document was parsed from, spares the search for U+0000
    when it holds no ``\\u0000`` escape (the only way JSON text can carry one)."""
    if not isinstance(document, dict):
        raise DocumentError(
            [_error(None, "type", _("An EPCISDocument (a JSON object) is required."))]
        )
    if document.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        raise DocumentError(
            [
                _error(
                    "type",
                    "document_type",
                    _("The document type must be EPCISDocument or EPCISQueryDocument."),
                )
            ]
        )
    if "@context" not in document:
        raise DocumentError(
            [_error("@context", "required", _("The JSON-LD @context is required."))]
        )
    errors = _schema_errors(document)
    if errors:
        raise DocumentError(errors)
    if not _has_epcis_context(document["@context"]):
        raise DocumentError(
            [
                _error(
                    "@context",
                    "context_epcis",
                    _("The @context must include the EPCIS 2.0 context %(url)s.")
                    % {"url": DEFAULT_CONTEXT},
                )
            ]
        )
    errors = _nul_errors(document, []) if body is None or b"\\u0000" in body else []
    if errors:
        raise DocumentError(errors[:50])
    events, base = events_of(document)
    errors = _time_errors(events, base)
    for i, event in enumerate(events):
        if event.get("type") not in _EVENT_TYPES:
            errors.append(
                _error(
                    f"{base}[{i}].type",
                    "event_type",
                    _(
                        "Unknown event type %(type)s: this repository stores the five EPCIS 2.0 event types."
                    )
                    % {"type": event.get("type")},
                )
            )
    errors.extend(_vocabulary_errors(events, base))
    if errors:
        raise DocumentError(errors)
    if len(events) > settings.EPCIS_CAPTURE_LIMIT:
        raise DocumentError(
            [
                _error(
                    base,
                    "capture_limit",
                    _("At most %(limit)s events per capture.")
                    % {"limit": settings.EPCIS_CAPTURE_LIMIT},
                )
            ],
            problem_type="CaptureLimitExceededException",
            status=413,
        )
    return events


def validate_query_document(document) -> list[dict]:
    """Errors of a document we produce against the official schema (used by tests and checks)."""
    return _schema_errors(document)
