"""One error format for the whole API: RFC 9457 problem+json.

Every error body has ``type``, ``title``, ``status`` and ``detail``; validation
errors add ``errors``: a list of ``{"field", "rule", "message"}`` so a client
can tell which input broke which rule. Messages follow ``Accept-Language``.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.degrade import DATABASE_ERRORS, database_failed, database_retry_after
from core.errors import Conflict, StateConflict

__all__ = ["Conflict", "StateConflict", "problem_exception_handler", "problem_response"]

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://suyuan.cn/problems/"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def database_unavailable_detail() -> str:
    return _(
        "The service is briefly unavailable: its database does not answer. Your request was "
        "not completed; try again in %(seconds)d seconds."
    ) % {"seconds": database_retry_after()}


class DatabaseUnavailable(exceptions.APIException):
    """The database did not answer (down, restarting, unreachable): 503 with Retry-After."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"

    def __init__(self):
        super().__init__(database_unavailable_detail())
        self.wait = database_retry_after()  # DRF turns it into the Retry-After header


def flatten_errors(detail, prefix: str = "") -> list[dict]:
    """Turn DRF's nested error detail into a flat list of field/rule/message (the problem+json
    ``errors``; the workbench pages show the same)."""
    items: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            field = f"{prefix}.{name}" if prefix and name else (name or prefix)
            items.extend(flatten_errors(value, field))
    elif isinstance(detail, list):
        if all(isinstance(v, (exceptions.ErrorDetail, str)) for v in detail):
            for value in detail:
                items.extend(flatten_errors(value, prefix))
        else:
            for index, value in enumerate(detail):
                items.extend(
                    flatten_errors(value, f"{prefix}[{index}]" if prefix else f"[{index}]")
                )
    else:
        code = getattr(detail, "code", None) or "invalid"
        items.append({"field": prefix or None, "rule": code, "message": str(detail)})
    return items


def _error_detail(error: DjangoValidationError) -> exceptions.ErrorDetail:
    message = error.message % error.params if error.params else error.message
    return exceptions.ErrorDetail(str(message), code=error.code or "invalid")


def detail_from_django(exc: DjangoValidationError):
    """A Django ValidationError as DRF detail, keeping each error's code (the rule)."""
    if hasattr(exc, "error_dict"):
        return {
            field: [_error_detail(e) for e in errors] for field, errors in exc.error_dict.items()
        }
    return [_error_detail(e) for e in exc.error_list]


def errors_of(exc: Exception) -> list[dict]:
    """field/rule/message of each error a service or serializer raised (DRF or Django)."""
    if isinstance(exc, DjangoValidationError):
        return flatten_errors(detail_from_django(exc))
    detail = getattr(exc, "detail", None)
    return flatten_errors(detail) if detail is not None else []


def problem_response(
    *, status_code: int, title: str, detail: str, type_: str, errors=None, headers=None
):
    body = {"type": PROBLEM_BASE + type_, "title": title, "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(
        body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, DATABASE_ERRORS):
        request = context.get("request")
        database_failed(exc, getattr(request, "path", "the API"))
        response = problem_exception_handler(DatabaseUnavailable(), context)
        # The outage has its own log lines (api.degrade); not one "Service Unavailable" each.
        response._has_been_logged = True
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail_from_django(exc))
    elif isinstance(exc, IntegrityError):
        exc = Conflict(_("The record conflicts with an existing one."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than %(limit)s bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError(
            _("The request has more than %(limit)s fields.")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    headers = {
        k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = errors[0] if errors else None
        detail = (
            f"{first['field']}: {first['message']}"
            if first and first["field"]
            else (first["message"] if first else _("Invalid input."))
        )
        return problem_response(
            status_code=response.status_code,
            title=_("Invalid input"),
            detail=detail,
            type_="validation-error",
            errors=errors,
            headers=headers,
        )

    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = getattr(exc, "default_code", "error")
    if isinstance(detail, (dict, list)):
        errors = flatten_errors(detail)
        detail_text = errors[0]["message"] if errors else str(exc)
    else:
        errors = None
        detail_text = str(detail)
        code = getattr(detail, "code", None) or code
    problem = problem_response(
        status_code=response.status_code,
        title=_title_for(response.status_code),
        detail=detail_text,
        type_=str(code).replace("_", "-"),
        errors=errors,
        headers=headers,
    )
    if isinstance(exc, Conflict) and hasattr(exc, "problem_fields"):
        # The state machine's refusal: where it is, what it allows; or what a conflict names.
        problem.data.update(exc.problem_fields())
    return problem


def _title_for(status_code: int) -> str:
    titles = {
        400: _("Bad request"),
        401: _("Authentication required"),
        403: _("Permission denied"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        429: _("Too many requests"),
        503: _("Service unavailable"),
    }
    return titles.get(status_code, _("Error"))
