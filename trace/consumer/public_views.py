"""The GS1 Digital Link resolver at the site root, the consumer page, the
phone actions for signed-in staff, and the public batch JSON.

``/01/<gtin>/10/<lot>`` answers a phone with the consumer page, a machine
(``Accept: application/linkset+json`` or ``?linkType=linkset``) with an
RFC 9264 linkset, and ``?linkType=gs1:…`` with a 307 to that link's target.
"""

from __future__ import annotations

from pathlib import Path
from trace.core import services
from trace.core.cache import page_key
from trace.core.choices import BatchStatus, InspectionResult
from trace.core.identifiers import digital_link_path, digital_link_uri, normalize_gtin, validate_lot
from trace.core.labels import unit_label
from trace.models import Batch, ScanLog
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.throttling import AnonRateThrottle
from core.models import organization_of

from .extensions import code_not_found, page_notices, recall_notice
from .fastpage import SCAN_LEFT, SCAN_LINE
from .forms import action_form, lookup_form
from .public import (
    ACTIONS,
    PageActions,
    find_public_batch,
    page_actions,
    public_batch,
    scan_client,
    split_resolver_path,
)
from .regions import scan_region
from .representation import LINKSET_TYPE, wants_linkset

GS1_VOC = "https://gs1.org/voc/"
# The link types this resolver answers; ``gs1:pip`` and the full URI both work.
LINK_TYPES = ("defaultLink", "pip", "traceability", "recallStatus")


# --- targets -------------------------------------------------------------------


def _public_api_url(batch: Batch, suffix: str = "") -> str:
    return (
        f"{settings.PUBLIC_BASE_URL}/api/v1/public/batches/{batch.gtin}/"
        f"{quote(batch.lot, safe='')}/{suffix}"
    )


def _targets(batch: Batch) -> dict[str, str]:
    page = digital_link_uri(batch.gtin, batch.lot)
    return {
        "defaultLink": page,
        "pip": page,
        "traceability": _public_api_url(batch),
        "recallStatus": _public_api_url(batch, "recall-status/"),
    }


def _link_type(value: str) -> str | None:
    """``gs1:pip`` / ``https://gs1.org/voc/pip`` / ``pip`` → ``pip``; None if not ours."""
    for prefix in ("gs1:", GS1_VOC, "https://ref.gs1.org/voc/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    return value if value in LINK_TYPES else None


def linkset(batch: Batch, *, serial: str | None = None) -> dict:
    """The RFC 9264 linkset of a lot, in the shape GS1-Conformant resolvers return."""
    targets = _targets(batch)
    page = targets["pip"]
    return {
        "linkset": [
            {
                "anchor": digital_link_uri(batch.gtin, batch.lot, serial),
                GS1_VOC + "defaultLink": [
                    {"href": page, "title": _("Product traceability page"), "type": "text/html"},
                ],
                GS1_VOC + "pip": [
                    {
                        "href": page,
                        "title": "产品追溯信息",
                        "type": "text/html",
                        "hreflang": ["zh-Hans"],
                    },
                    {
                        "href": f"{page}?lang=en",
                        "title": "Product traceability information",
                        "type": "text/html",
                        "hreflang": ["en"],
                    },
                ],
                GS1_VOC + "traceability": [
                    {
                        "href": targets["traceability"],
                        "title": _("Where this lot came from and went"),
                        "type": "application/json",
                    },
                ],
                GS1_VOC + "recallStatus": [
                    {
                        "href": targets["recallStatus"],
                        "title": _("Recall status of this lot"),
                        "type": "application/json",
                    },
                ],
            }
        ]
    }


def _wants_linkset(request) -> bool:
    # The same decision the fast page layer makes (``trace.representation``).
    return wants_linkset(request.headers.get("Accept", ""), request.GET.get("linkType"))


@require_GET
def resolver_description(request) -> JsonResponse:
    """``/.well-known/gs1resolver``: what a GS1-Conformant resolver says about itself."""
    return JsonResponse(
        {
            "name": "Suyuan (溯源) GS1 Digital Link resolver",
            "resolverRoot": settings.PUBLIC_BASE_URL,
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
            "linkTypeDefaultCanBeLinkset": False,
        },
        json_dumps_params={"ensure_ascii": False},
    )


# --- pages ---------------------------------------------------------------------


def _message_page(
    request, *, status: int, title: str, text: str, context: dict | None = None
) -> HttpResponse:
    response = render(
        request,
        "trace/message.html",
        {"title": title, "text": text, **(context or {})},
        status=status,
    )
    response["Cache-Control"] = "no-cache"
    return response


def not_found_page(request, *, gtin: str = "", lot: str = "") -> HttpResponse:
    """An unknown lot: say why that happens, and offer the code typed in and the way home."""
    return _message_page(
        request,
        status=404,
        title=_("Product not found"),
        text=_(
            "We could not find this product lot. Check that the whole code was scanned, "
            "or ask the seller."
        ),
        context={
            "lookup": lookup_form(initial={"gtin": gtin, "lot": lot}),
            "not_found_help": True,
        },
    )


def _log_scan(request, batch: Batch) -> None:
    # A miss handed over by the fast page layer: it queues the scan's line with the page.
    if SCAN_LINE in request.META and not request.user.is_authenticated:
        request.META[SCAN_LEFT] = True
        return
    # One INSERT, no IP, no full User-Agent: how many scans, from what kind of app, and the
    # region the operator's table places the address in (the address itself is forgotten).
    ScanLog.objects.create(
        batch=batch,
        client=scan_client(request.headers.get("User-Agent", "")),
        language=(translation.get_language() or "")[:8],
        signed_in=request.user.is_authenticated,
        region_code=scan_region(request.META),
    )


def _page_context(batch: Batch, *, language: str) -> dict:
    path = digital_link_path(batch.gtin, batch.lot)
    notices = page_notices(batch, language)  # asked once per render
    return {
        "page": public_batch(batch, notices),
        "warnings": [n for n in notices if n.kind == "warning"],
        "links": [n for n in notices if n.kind == "link"],
        "page_path": path,
        "language": language,
        "html_lang": "en" if language == "en" else "zh-Hans",
        "other_language": "zh-hans" if language == "en" else "en",
        "other_language_name": "中文" if language == "en" else "English",
        "login_url": f"{reverse_lazy('public:login')}?next={quote(path)}",
    }


def _render_page(request, batch: Batch) -> str:
    """The page for anyone not signed in: cached per lot and language.

    The cache entry carries the status it was rendered with and is only used
    while the lot still has that status, so even a render racing a recall
    cannot be served as safe; ``batch_set_status`` also drops the entry.
    """
    language = translation.get_language()
    if SCAN_LINE in request.META:  # a miss of the fast page layer, which keeps what is rendered
        return render_to_string("trace/batch_page.html", _page_context(batch, language=language))
    key = page_key(batch.pk, language)
    stamp = f"{batch.status}|{batch.status_changed_at.isoformat()}"
    entry = cache.get(key)
    if entry and entry.get("stamp") == stamp:
        return entry["html"]
    html = render_to_string("trace/batch_page.html", _page_context(batch, language=language))
    cache.set(key, {"stamp": stamp, "html": html}, settings.SUYUAN_PUBLIC_PAGE_TTL)
    return html


def _render_signed_in_page(request, batch: Batch) -> str:
    language = translation.get_language()
    context = _page_context(batch, language=language)
    actions = page_actions(request.user, batch)
    context["actions"] = actions
    context["forms"] = {
        name: action_form(name, organization=actions.organization) for name in actions.allowed
    }
    return render_to_string("trace/batch_page.html", context, request=request)


def _link_header(batch: Batch) -> str:
    page = digital_link_uri(batch.gtin, batch.lot)
    return (
        f'<{page}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}", '
        f'<{page}>; rel="canonical"'
    )


def _announce_unknown(gtin: str, lot: str) -> None:
    """A well-formed code that names no lot here: tell listeners (counterfeit signals)."""
    try:
        gtin14 = normalize_gtin(gtin)
        validate_lot(lot)
    except DjangoValidationError:
        return
    code_not_found.send(sender=resolve, gtin=gtin14, lot=lot)


@require_http_methods(["GET", "HEAD"])
def resolve(request, gtin: str, rest: str) -> HttpResponse:
    lot, serial = split_resolver_path(rest)
    batch = find_public_batch(gtin, lot)
    if batch is None:
        _announce_unknown(gtin, lot)
        if _wants_linkset(request):
            return JsonResponse(
                {
                    "type": "https://suyuan.cn/problems/not-found",
                    "title": _("Not found"),
                    "status": 404,
                    "detail": _("No lot with this GTIN and lot number is known here."),
                },
                status=404,
                content_type="application/problem+json",
            )
        return not_found_page(request, gtin=gtin, lot=lot)
    if request.method == "GET":
        _log_scan(request, batch)

    if _wants_linkset(request):
        response = JsonResponse(
            linkset(batch, serial=serial),
            content_type=LINKSET_TYPE,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Vary"] = "Accept"
        return response

    requested = request.GET.get("linkType")
    if requested:
        link_type = _link_type(requested)
        # An unknown link type falls back to the default link (the page itself).
        if link_type and link_type not in ("pip", "defaultLink"):
            response = HttpResponseRedirect(_targets(batch)[link_type], status=307)
            response["Link"] = _link_header(batch)
            return response

    if request.user.is_authenticated:
        response = HttpResponse(_render_signed_in_page(request, batch))
        response["Cache-Control"] = "private, no-store"
    else:
        response = HttpResponse(_render_page(request, batch))
        response["Cache-Control"] = "no-cache"
    response["Link"] = _link_header(batch)
    response["Vary"] = "Accept, Accept-Language, Cookie"
    response["Content-Language"] = translation.get_language()
    return response


def _error_text(exc: DjangoValidationError) -> list[tuple[str, str, str]]:
    """(field, rule, message) for each error a service or form raised."""
    items = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = error.message % error.params if error.params else error.message
                items.append((field, error.code or "invalid", str(message)))
    else:
        for error in exc.error_list:
            message = error.message % error.params if error.params else error.message
            items.append(("", error.code or "invalid", str(message)))
    return items


def _report_errors(request, errors: list[tuple[str, str, str]], labels: dict[str, str]) -> None:
    for field, rule, message in errors:
        label = labels.get(field, field)
        text = (
            _("%(field)s: %(message)s") % {"field": label, "message": message} if label else message
        )
        messages.error(request, text, extra_tags=f"field-{field or 'none'} rule-{rule}")


_DONE = {
    "receive": gettext_lazy("Recorded: receipt of %(quantity)s %(unit)s."),
    "ship": gettext_lazy("Recorded: shipment of %(quantity)s %(unit)s to %(to)s."),
    "inspect": gettext_lazy("Recorded: inspection, result %(result)s."),
    "inspect_report": gettext_lazy("Recorded: inspection, result %(result)s, report %(report)s."),
    "sell": gettext_lazy("Recorded: sale of %(quantity)s %(unit)s."),
    "hold": gettext_lazy("Recorded: the lot is now on hold (%(reason)s)."),
}


def _number(value) -> str:
    return format(value.normalize(), "f")


def done_message(action: str, *, batch: Batch, data: dict, before: PageActions) -> str:
    """What the success message says was recorded, in the reader's words."""
    unit = unit_label(batch.unit)
    if action == "receive":
        quantity = data.get("quantity") or before.in_transit
        return str(_DONE["receive"]) % {"quantity": _number(quantity), "unit": unit}
    if action == "ship":
        org = data["to_organization"]
        name = org.name_en if translation.get_language() == "en" and org.name_en else org.name
        return str(_DONE["ship"]) % {
            "quantity": _number(data["quantity"]),
            "unit": unit,
            "to": name,
        }
    if action == "inspect":
        result = str(InspectionResult(data["result"]).label)
        if data.get("report_ref"):
            return str(_DONE["inspect_report"]) % {"result": result, "report": data["report_ref"]}
        return str(_DONE["inspect"]) % {"result": result}
    if action == "sell":
        return str(_DONE["sell"]) % {"quantity": _number(data["quantity"]), "unit": unit}
    return str(_DONE["hold"]) % {"reason": data["reason"]}


def _run_action(action: str, *, batch: Batch, data: dict, user) -> None:
    if action == "receive":
        services.batch_receive(batch=batch, quantity=data.get("quantity"), actor=user)
    elif action == "ship":
        services.batch_ship(
            batch=batch, to=data["to_organization"], quantity=data["quantity"], actor=user
        )
    elif action == "inspect":
        services.batch_inspect(
            batch=batch, result=data["result"], report_ref=data["report_ref"], actor=user
        )
    elif action == "sell":
        services.batch_sell(batch=batch, quantity=data["quantity"], actor=user)
    elif action == "hold":
        services.batch_hold(batch=batch, reason=data["reason"], actor=user)


@require_POST
def batch_action(request, gtin: str, rest: str, action: str) -> HttpResponse:
    """A form on the page posts here; the service records the event and we go back to the page."""
    lot, _serial = split_resolver_path(rest)
    batch = find_public_batch(gtin, lot)
    if batch is None or action not in ACTIONS:
        return not_found_page(request)
    page_url = digital_link_path(batch.gtin, batch.lot)
    if not request.user.is_authenticated:
        return redirect_to_login(page_url)
    # Back to the form, not the top of a long page.
    log_url = page_url + "#log"
    allowed = page_actions(request.user, batch)
    if action not in allowed.allowed:
        return _message_page(
            request,
            status=403,
            title=_("Not allowed"),
            text=_("Your organization cannot do this on this lot now."),
        )
    form = action_form(action, request.POST, organization=allowed.organization)
    labels = {name: str(field.label) for name, field in form.fields.items()}
    if not form.is_valid():
        errors = [
            (
                field,
                error.code or "invalid",
                str(error.message % error.params if error.params else error.message),
            )
            for field, items in form.errors.as_data().items()
            for error in items
        ]
        _report_errors(request, errors, labels)
        return HttpResponseRedirect(log_url)
    try:
        _run_action(action, batch=batch, data=form.cleaned_data, user=request.user)
    except DjangoValidationError as exc:
        _report_errors(request, _error_text(exc), labels)
    else:
        messages.success(
            request,
            done_message(action, batch=batch, data=form.cleaned_data, before=allowed),
            extra_tags=f"action-{action}",
        )
    return HttpResponseRedirect(log_url)


# --- sign in -------------------------------------------------------------------


class PhoneLoginView(LoginView):
    template_name = "trace/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("public:account")


class PhoneLogoutView(LogoutView):
    next_page = reverse_lazy("public:login")


ACCOUNT_LOTS = 20


@require_GET
def account(request) -> HttpResponse:
    """Where signing in without ``?next=`` lands: who you are, your latest lots
    (each a link to its page's form), a lot typed in, and where else to go."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    lots = list(
        Batch.objects.visible_to(request.user)
        .select_related("product")
        .order_by("-id")[:ACCOUNT_LOTS]
    )
    english = translation.get_language() == "en"
    rows = [
        {
            "url": digital_link_path(b.gtin, b.lot) + "#log",
            "product": (b.product.name_en if english and b.product.name_en else b.product.name)
            if b.product_id
            else b.gtin,
            "lot": b.lot,
            "status": str(BatchStatus(b.status).label),
        }
        for b in lots
    ]
    response = render(
        request,
        "trace/account.html",
        {
            "organization": organization_of(request.user),
            "lots": rows,
            "lookup": lookup_form(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def lookup(request) -> HttpResponse:
    """A lot by the GTIN and lot number typed in: its page, or the form again with why not."""
    if not request.GET:
        response = render(request, "trace/lookup.html", {"lookup": lookup_form()})
        response["Cache-Control"] = "no-cache"
        return response
    form = lookup_form(request.GET)
    status = 400
    if form.is_valid():
        batch = find_public_batch(form.cleaned_data["gtin"], form.cleaned_data["lot"])
        if batch is not None:
            return redirect(digital_link_path(batch.gtin, batch.lot))
        status = 404
        form.add_error(
            None,
            DjangoValidationError(
                _("No lot with this GTIN and lot number is known here."), code="not_found"
            ),
        )
    response = render(request, "trace/lookup.html", {"lookup": form}, status=status)
    response["Cache-Control"] = "no-cache"
    return response


# --- favicon ---------------------------------------------------------------------

_STATIC = Path(__file__).resolve().parent.parent / "static" / "trace"


@require_GET
def favicon(request, kind: str) -> HttpResponse:
    """``/favicon.ico`` (browsers ask for it unprompted) and ``/favicon.svg``."""
    content_type = "image/svg+xml" if kind == "svg" else "image/vnd.microsoft.icon"
    response = HttpResponse((_STATIC / f"favicon.{kind}").read_bytes(), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- public JSON ---------------------------------------------------------------


class _PublicLotMixin:
    permission_classes = [AllowAny]
    authentication_classes: list = []
    # Anyone may call these, so they are always throttled (rate: the "anon" setting).
    throttle_classes = [AnonRateThrottle]

    def get_batch(self, gtin: str, lot: str) -> Batch:
        errors = {}
        try:
            gtin = normalize_gtin(gtin)
        except DjangoValidationError as exc:
            errors["gtin"] = serializers.ErrorDetail(exc.messages[0], code=exc.code)
        try:
            validate_lot(lot)
        except DjangoValidationError as exc:
            errors["lot"] = serializers.ErrorDetail(exc.messages[0], code=exc.code)
        if errors:
            raise serializers.ValidationError(errors)
        batch = (
            Batch.objects.select_related("product__owner", "site")
            .filter(gtin=gtin, lot=lot)
            .first()
        )
        if batch is None:
            raise exceptions.NotFound(_("No lot with this GTIN and lot number is known here."))
        return batch


def _status_body(batch: Batch) -> dict:
    return {
        "gtin": batch.gtin,
        "lot": batch.lot,
        "status": batch.status,
        "status_label": str(BatchStatus(batch.status).label),
        "recalled": batch.status == BatchStatus.RECALLED,
        "on_hold": batch.status == BatchStatus.ON_HOLD,
        "status_changed_at": batch.status_changed_at.isoformat(),
        "recall": recall_notice(batch, translation.get_language() or ""),
    }


@extend_schema(
    tags=["public"],
    auth=[],
    responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="unknown lot")},
    summary="Public view of a lot: product, producer, dates, status and journey",
)
class PublicBatchView(_PublicLotMixin, APIView):
    """What a consumer may know about a lot (the ``gs1:traceability`` link target)."""

    def get(self, request, gtin: str, lot: str):
        batch = self.get_batch(gtin, lot)
        page = public_batch(batch)
        product = batch.product
        producer = product.owner if product else None
        return Response(
            {
                **_status_body(batch),
                "digital_link": batch.digital_link,
                "product": None
                if product is None
                else {
                    "gtin": product.gtin,
                    "name": product.name,
                    "name_en": product.name_en,
                    "category": product.category,
                    "specification": product.specification,
                    "standard": product.standard,
                },
                "producer": None
                if producer is None
                else {
                    "name": producer.name,
                    "name_en": producer.name_en,
                    "region": page.producer_region,
                },
                "origin_region": page.origin_region,
                "production_date": batch.production_date,
                "expiry_date": batch.expiry_date,
                "journey": [step.as_dict() for step in page.journey],
            }
        )


@extend_schema(
    tags=["public"],
    auth=[],
    responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="unknown lot")},
    summary="Recall status of a lot (the gs1:recallStatus link target)",
)
class PublicRecallStatusView(_PublicLotMixin, APIView):
    def get(self, request, gtin: str, lot: str):
        return Response(_status_body(self.get_batch(gtin, lot)))
