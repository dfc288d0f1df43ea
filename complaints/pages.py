"""The consumer's phone pages: "report a problem" on a lot, typing the code from the package,
and the status page by tracking code. Same rules and rate limits as the API."""

from trace.consumer.public import split_resolver_path
from trace.core.identifiers import digital_link_path, normalize_gtin, validate_lot
from trace.core.labels import region_name
from trace.models import Batch

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import NotFound

from core import rulebook
from incidents.choices import Level
from incidents.services import regulators_at

from . import services
from .intake import normalize_phone, parse_code
from .throttles import ComplaintLookupThrottle, ComplaintSubmitThrottle
from .views import lookup


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.Form):
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
    )
    injured = forms.BooleanField(label=_("Someone was hurt or fell ill"), required=False)
    photos = MultipleFileField(label=_("Photos (JPEG or PNG, up to 3)"), required=False)
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Your phone (optional, only the regulator handling it sees it)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_contact_phone(self):
        try:
            return normalize_phone(self.cleaned_data["contact_phone"])
        except ValidationError as exc:
            raise forms.ValidationError(
                exc.error_dict["contact_phone"][0].message, code="invalid_phone"
            ) from exc


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the package"),
        max_length=300,
        required=False,
        help_text=_("The text under the QR code, e.g. (01)06901234000010(10)YG20260301"),
    )
    gtin = forms.CharField(
        label=_("Or: product code (GTIN)"),
        max_length=14,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    lot = forms.CharField(label=_("and lot number"), max_length=20, required=False)


def _too_many(request) -> HttpResponse:
    return render(
        request,
        "complaints/message.html",
        {"title": _("Too many attempts"), "text": _("Please wait a while before trying again.")},
        status=429,
    )


def _not_found(request) -> HttpResponse:
    return render(
        request,
        "complaints/message.html",
        {"title": _("Not found"), "text": _("We could not find this. Check what you typed.")},
        status=404,
    )


def _find(gtin: str, lot: str):
    try:
        gtin = normalize_gtin(gtin)
        validate_lot(lot)
    except ValidationError:
        return None
    return Batch.objects.select_related("product__owner").filter(gtin=gtin, lot=lot).first()


@require_http_methods(["GET", "POST"])
def enter_code(request):
    """Type the code printed on the package when the QR code will not scan."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code, gtin, lot = (form.cleaned_data[k].strip() for k in ("code", "gtin", "lot"))
        if code:
            try:
                gtin, lot = parse_code(code)
            except ValidationError as exc:
                form.add_error("code", exc.error_dict["code"][0].message)
        if not form.errors:
            batch = _find(gtin, lot) if gtin and lot else None
            if batch is None:
                form.add_error(
                    None, _("No lot with this product code and lot number is known here.")
                )
            else:
                return HttpResponseRedirect(f"/report{digital_link_path(batch.gtin, batch.lot)}/")
    return render(request, "complaints/enter_code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def report(request, gtin: str, rest: str):
    lot, _serial = split_resolver_path(rest)
    batch = _find(gtin, lot)
    if batch is None:
        return _not_found(request)
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not ComplaintSubmitThrottle().allow_request(request, None):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_submit(
                    batch=batch,
                    description=data["description"],
                    injured=data["injured"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    photos=request.FILES.getlist("photos"),
                )
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    name = field.split("[")[0]
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error.message)
            else:
                return HttpResponseRedirect(
                    reverse("complaint-pages:status", args=[complaint.display_code]) + "?new=1"
                )
    product = batch.product.name if batch.product_id else batch.gtin
    return render(
        request,
        "complaints/report.html",
        {
            "form": form,
            "batch": batch,
            "product": product,
            "page_path": digital_link_path(batch.gtin, batch.lot),
            "max_photos": settings.COMPLAINT_PHOTO_MAX_COUNT,
            "accept_days": settings.COMPLAINT_ACCEPT_WORKING_DAYS,
        },
    )


@require_http_methods(["GET"])
def status_lookup(request):
    code = request.GET.get("code", "").strip()
    if code:
        return HttpResponseRedirect(reverse("complaint-pages:status", args=[code.replace(" ", "")]))
    return render(request, "complaints/status_lookup.html", {})


def _handling(complaint) -> dict:
    """Who handles the complaint (the county regulator of the handling place) and by when it
    decides whether to accept it, with the rule that sets the deadline (SAMR Order 20 Art. 14)."""
    bureau = regulators_at(Level.COUNTY, complaint.region_code).first()
    english = (translation.get_language() or "").startswith("en")
    if bureau is not None:
        name = bureau.name_en if english and bureau.name_en else bureau.name
    else:
        name = _("the market regulator of %(place)s") % {
            "place": region_name(complaint.region_code) or complaint.region_code
        }
    rule = rulebook.rule("complaint.accept_working_days", on=complaint.submitted_at)
    return {
        "bureau": name,
        "accept_due_at": complaint.accept_due_at,
        "accept_days": rule.value,
        "accept_citation": rule.citation(),
    }


@require_http_methods(["GET"])
def status_page(request, tracking_code: str):
    if not ComplaintLookupThrottle().allow_request(request, None):
        return _too_many(request)
    try:
        complaint = lookup(tracking_code)
    except NotFound:
        return _not_found(request)
    response = render(
        request,
        "complaints/status.html",
        {
            "complaint": complaint,
            "new": request.GET.get("new") == "1",
            "handling": _handling(complaint),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response
