"""What a request gets when the server cannot serve it: the database down, or a bug.

PostgreSQL stopped, restarting or unreachable makes every query raise Django's
``OperationalError``/``InterfaceError``. Wherever that happens — a DRF view (``api.exceptions``),
any other view or template (``api.middleware.DatabaseOutageMiddleware``), or a middleware such
as the session's (``handler500`` = ``server_error`` below) — the answer is 503 with
``Retry-After``: ``application/problem+json`` on the API and EPCIS paths (and to a client asking
for JSON), a short apology page for people (consumer pages, phone forms, workbench), in Chinese
or English as the request asks. Nothing is kept from the failed connection: the next request
connects afresh (``CONN_HEALTH_CHECKS`` drops stale connections first), so service resumes
the moment the database answers, without a restart.

A real bug stays a 500, but in the same two shapes instead of Django's bare
"Server Error (500)".
"""

from __future__ import annotations

import json
import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.degrade import DATABASE_ERRORS, database_failed, database_retry_after

from .exceptions import PROBLEM_BASE, PROBLEM_CONTENT_TYPE, database_unavailable_detail

MACHINE_PATHS = ("/api/", "/epcis/")


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def wants_problem_json(request: HttpRequest) -> bool:
    """API and EPCIS paths, or a client asking for JSON: problem+json; everyone else a page."""
    return request.path.startswith(MACHINE_PATHS) or "json" in request.headers.get("Accept", "")


def _language(request: HttpRequest) -> str:
    # Decided here from the cookie and Accept-Language: the failure may have come before
    # LocaleMiddleware ran, and asking the session would need the database.
    return translation.get_language_from_request(request)


def _answer(
    request: HttpRequest, *, status: int, title: str, detail: str, apology: str
) -> HttpResponse:
    if wants_problem_json(request):
        epcis = request.path.startswith("/epcis/")
        body = {
            "type": "epcisException:ImplementationException"
            if epcis
            else PROBLEM_BASE + ("database-unavailable" if status == 503 else "server-error"),
            "title": title,
            "status": status,
            "detail": detail,
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
        )
    else:
        page = render_to_string(
            "api/error_page.html",
            {"title": title, "apology": apology, "advice": detail, "status": status},
        )
        response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    response["Content-Language"] = translation.get_language()
    response["Cache-Control"] = "no-store"
    response["Vary"] = "Accept, Accept-Language, Cookie"
    return response


def database_unavailable(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """503 with Retry-After for a request the database could not serve (and log the outage)."""
    if exc is not None:
        database_failed(exc, request.path)
    with translation.override(_language(request)):
        response = _answer(
            request,
            status=503,
            title=_("Service unavailable"),
            detail=database_unavailable_detail(),
            apology=_("Sorry: we cannot look anything up or save anything right now."),
        )
    response["Retry-After"] = str(database_retry_after())
    # The outage has its own log lines (api.degrade), not one "Service Unavailable" per request.
    response._has_been_logged = True
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database outage raised outside a view is still a 503; a bug is a 500."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        return database_unavailable(request, exc)
    with translation.override(_language(request)):
        return _answer(
            request,
            status=500,
            title=_("Server error"),
            detail=_(
                "Something went wrong on our side; it has been logged. Please try again later."
            ),
            apology=_("Sorry: this page could not be shown."),
        )
