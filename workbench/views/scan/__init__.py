"""The scan app: an installable page (web manifest, service worker) where enterprise staff scan
a lot's code and log what happened to it (received, inspected, sold, held), also without a
network. What is recorded offline waits in the browser's storage, each record under its own
client ID, and is sent when the network returns; the server stores a record sent twice once
(the client ID becomes the event's EPCIS ``eventID``: ``trace.core.services.already_recorded``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path
from trace.core import services
from trace.core.choices import InspectionResult
from trace.core.identifiers import parse_scan
from trace.models import Batch

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from api.exceptions import errors_of

from ...access import enterprise_page

ACTIONS = ("receive", "inspect", "sell", "hold")


def _actions() -> list[tuple[str, str]]:
    return [
        ("receive", _("Received")),
        ("inspect", _("Inspected")),
        ("sell", _("Sold")),
        ("hold", _("Put on hold")),
    ]


@enterprise_page
@require_GET
def scan_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workbench/scan/scan.html",
        {
            "actions": _actions(),
            "results": InspectionResult.choices,
            "can_write": request.user.membership.can_write,
        },
    )


def _problem(status: int, errors: list[dict]) -> JsonResponse:
    return JsonResponse({"status": status, "errors": errors}, status=status)


def _refusal(field: str, rule: str, message: str, status: int = 400) -> JsonResponse:
    return _problem(status, [{"field": field, "rule": rule, "message": message}])


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


@enterprise_page
@require_POST
def scan_record(request: HttpRequest) -> JsonResponse:
    """Store one record of the scan app: ``{"client_id", "code", "action", "recorded_at",
    "quantity", "result", "reason", "note"}``. A record sent again (same client ID) answers
    200 with the event stored the first time; a new one 201; a refusal the API's field/rule."""
    if not request.user.membership.can_write:
        return _refusal("", "read_only", _("Viewers may only read."), 403)
    try:
        data = json.loads(request.body.decode() or "{}")
    except (UnicodeDecodeError, ValueError):
        return _refusal("", "json", _("The body is not JSON."))
    if not isinstance(data, dict):
        return _refusal("", "json", _("The body is not a JSON object."))
    try:
        client_id = uuid.UUID(str(data.get("client_id", "")))
    except ValueError:
        return _refusal("client_id", "uuid", _("Each record needs its client ID (a UUID)."))
    action = data.get("action")
    if action not in ACTIONS:
        return _refusal("action", "choice", _("Choose what happened to the lot."))
    try:
        scanned = parse_scan(str(data.get("code", ""))[:500])
    except DjangoValidationError as exc:
        return _refusal("code", exc.code or "invalid", exc.messages[0])
    if not scanned.lot:
        return _refusal("code", "scan_no_lot", _("The code names a product but no lot (AI 10)."))
    batch = (
        Batch.objects.visible_to(request.user)
        .filter(gtin=scanned.gtin.zfill(14), lot=scanned.lot)
        .first()
    )
    if batch is None:
        return _refusal("code", "unknown_lot", _("No lot of yours has this code."), 404)
    when = parse_datetime(str(data.get("recorded_at") or ""))
    now = timezone.now()
    if when is None or timezone.is_naive(when) or when > now:
        when = now
    event_id = f"urn:uuid:{client_id}"
    organization = request.organization
    try:
        before = services.already_recorded(event_id, organization)
        if before is not None:
            return JsonResponse({"event_id": event_id, "stored": "before"}, status=200)
        quantity = _decimal(data.get("quantity"))
        common = {"batch": batch, "actor": request.user, "when": when, "event_id": event_id}
        if action == "receive":
            services.batch_receive(quantity=quantity, **common)
        elif action == "inspect":
            result = data.get("result")
            if result not in InspectionResult.values:
                return _refusal("result", "choice", _("Choose the inspection's result."))
            services.batch_inspect(result=result, note=str(data.get("note", ""))[:500], **common)
        elif action == "sell":
            if quantity is None:
                return _refusal("quantity", "required", _("Say how much was sold."))
            services.batch_sell(quantity=quantity, **common)
        else:
            reason = str(data.get("reason", "")).strip()[:500]
            if not reason:
                return _refusal("reason", "required", _("Say why the lot is held."))
            services.batch_hold(reason=reason, **common)
    except DjangoValidationError as exc:
        return _problem(getattr(exc, "status", 400), errors_of(exc))
    return JsonResponse({"event_id": event_id, "stored": "now"}, status=201)


def _icon(size: int) -> dict:
    return {
        "src": static(f"workbench/scan/icon-{size}.png"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
    }


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: installs ``/workbench/scan/`` as its own app on a phone."""
    scope = reverse("workbench:scan")
    body = {
        "name": _("Suyuan scan"),
        "short_name": _("Scan"),
        "description": _("Scan a lot and log what happened to it, also offline."),
        "id": scope,
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b6e4f",
        "lang": "zh-Hans",
        "icons": [_icon(192), _icon(512)],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        content_type="application/manifest+json; charset=utf-8",
    )


_WORKER = Path(__file__).with_name("sw.js")


@never_cache
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the app's own path so that its scope is the app's."""
    shell = [
        reverse("workbench:scan"),
        static("workbench/workbench.css"),
        static("workbench/workbench.js"),
        static("workbench/scan/scan.js"),
        static("workbench/scan/scan.css"),
        static("workbench/scan/icon-192.png"),
    ]
    version = settings.STATIC_URL + "|".join(shell)
    script = _WORKER.read_text(encoding="utf-8")
    script = script.replace("__SHELL__", json.dumps(shell)).replace(
        "__VERSION__", json.dumps(hashlib.sha256((version + script).encode()).hexdigest()[:16])
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("workbench:scan")
    return response


urlpatterns = [
    path("scan/", scan_page, name="scan"),
    path("scan/record/", scan_record, name="scan-record"),
    path("scan/manifest.webmanifest", manifest, name="scan-manifest"),
    path("scan/sw.js", service_worker, name="scan-sw"),
]
