"""What the enterprise pages share: a refusal from a service turned into form errors that name
the field (the problem+json ``field``/``rule`` of the API), names in the reader's language,
and the member's right to write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf

from api.exceptions import errors_of as api_errors_of
from api.exceptions import flatten_errors

# A service's field name → the form field that carries it on these pages.
FIELD_ALIASES = {"file": "attachments", "batch": "batches"}
# Fields naming the page's own subject (the lot of a lot's page, the incident a recall is
# ordered from): said without the name.
SUBJECT_FIELDS = {"batch", "batches", "incident", ""}


def _triples(errors: list[dict]) -> list[tuple[str, str, str]]:
    return [(e["field"] or "", e["rule"], e["message"]) for e in errors]


def errors_of(exc: Exception) -> list[tuple[str, str, str]]:
    """(field, rule, message) of each error a service or an API serializer raised, as the API's
    problem+json names them."""
    if not isinstance(exc, REFUSALS):
        raise exc
    return _triples(api_errors_of(exc))


def status_of(exc: Exception) -> int:
    """The status the API answers the same refusal with (a rule's own: 403, 409 or 400)."""
    if isinstance(exc, DjangoValidationError):
        return getattr(exc, "status", 400)
    return getattr(exc, "status_code", 400)


REFUSALS = (DjangoValidationError, drf.APIException)


def put_errors(form: forms.Form, errors: list[tuple[str, str, str]], *, aliases=None) -> None:
    """Each error on the field it names; one naming no field of the form on the form, prefixed
    with the name the service gave."""
    aliases = {**FIELD_ALIASES, **(aliases or {})}
    for field, rule, message in errors:
        target = field if field in form.fields else aliases.get(field, field)
        error = DjangoValidationError(message, code=rule)
        if target in form.fields:
            form.add_error(target, error)
        else:
            text = message if field in SUBJECT_FIELDS else f"{field}: {message}"
            form.add_error(None, DjangoValidationError(text, code=rule))


def refuse_into(form: forms.Form, exc: Exception, *, aliases=None) -> int:
    """Put the service's refusal on the form; returns the status the page answers with."""
    put_errors(form, errors_of(exc), aliases=aliases)
    return status_of(exc)


def check_with(serializer_class, data, form: forms.Form, **kwargs) -> dict | None:
    """The API's own input checks (its serializer) on what the form posted: the page refuses
    exactly what ``POST /api/v1/…`` refuses. None (and the errors on the form) when refused."""
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return serializer.validated_data
    put_errors(form, _triples(flatten_errors(serializer.errors)))
    return None


def english() -> bool:
    return (translation.get_language() or "").startswith("en")


def local_name(obj) -> str:
    """A product's or organization's name in the reader's language (the data as entered)."""
    if obj is None:
        return ""
    if english() and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


def can_write(user) -> bool:
    membership = getattr(user, "membership", None)
    return bool(membership and membership.can_write)


def number(value) -> str:
    """8000.000 → "8000"."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def viewer_refusal() -> str:
    return _("Viewers may read these pages; recording needs the operator or admin role.")
