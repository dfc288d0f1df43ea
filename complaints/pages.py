"""The consumer's phone pages: "report a problem" on a lot (a complaint, 投诉, with what SAMR
Order 20 Art. 9 asks; without it, an anonymous-if-wished report, 举报, instead), typing the code
from the package, and the status page by tracking code, with its form to withdraw the complaint
(Order 20 Art. 21 ¶1 (1)). Same rules and rate limits as the API."""

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
from core.errors import Conflict, NotAllowed
from incidents.choices import Level
from incidents.services import regulators_at

from . import report_services, services
from .choices import OPEN_COMPLAINT_STATUSES, Claim, RespondentKind
from .intake import normalize_phone, parse_code
from .throttles import ComplaintLookupThrottle, ComplaintSubmitThrottle, ComplaintWithdrawThrottle
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
    """A complaint: what SAMR Order 20 Art. 9 asks, every field of it required."""

    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
    )
    injured = forms.BooleanField(label=_("Someone was hurt or fell ill"), required=False)
    claim = forms.ChoiceField(label=_("What do you ask for?"), choices=Claim.choices)
    claim_detail = forms.CharField(
        label=_("Details of your request (optional)"), max_length=500, required=False
    )
    respondent_kind = forms.ChoiceField(
        label=_("Your complaint is against the"),
        choices=RespondentKind.choices,
        widget=forms.RadioSelect,
    )
    respondent_name = forms.CharField(label=_("Name of the seller or maker"), max_length=200)
    respondent_address = forms.CharField(
        label=_("Address of the seller or maker"), max_length=300, required=False
    )
    respondent_credit_code = forms.CharField(
        label=_(
            "Its unified social credit code, if you know it (18 characters, on the receipt or licence)"
        ),
        max_length=40,
        required=False,
    )
    purchase_place = forms.CharField(label=_("Where you bought it"), max_length=300, required=False)
    purchase_date = forms.DateField(
        label=_("When you bought it"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    purchase_price = forms.DecimalField(
        label=_("Price paid (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    photos = MultipleFileField(label=_("Photos (JPEG or PNG, up to 3)"), required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=50)
    contact_phone = forms.CharField(
        label=_("Your phone (only the regulator handling it sees it)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_address = forms.CharField(
        label=_("Your postal address (only the regulator handling it sees it)"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    consents_mediation = forms.BooleanField(
        label=_("I agree to mediation by the market regulator"), required=False, initial=True
    )

    def clean_contact_phone(self):
        try:
            return normalize_phone(self.cleaned_data["contact_phone"])
        except ValidationError as exc:
            raise forms.ValidationError(
                exc.error_dict["contact_phone"][0].message, code="invalid_phone"
            ) from exc


class TipForm(forms.Form):
    """A report (举报): a suspected violation; the name and phone are optional (anonymous)."""

    facts = forms.CharField(
        label=_("What did you find?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000
    )
    enterprise_name = forms.CharField(label=_("Enterprise or place reported"), max_length=200)
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_contact_phone(self):
        return ComplaintForm.clean_contact_phone(self)


class WithdrawForm(forms.Form):
    """The complainant withdraws (SAMR Order 20 Art. 21 ¶1 (1)), proving the complaint is theirs
    with the last four digits of the phone number given at filing."""

    phone_last4 = forms.RegexField(
        label=_("Last four digits of the phone number you gave"),
        regex=r"^[0-9]{4}$",
        max_length=4,
        error_messages={"invalid": _("Give the last four digits of your phone number.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}
        ),
    )
    reason = forms.CharField(
        label=_("Why you withdraw it (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


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


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.error_dict.items():
        name = field.split("[")[0].replace("respondent.", "respondent_")
        for error in errors:
            form.add_error(name if name in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def report(request, gtin: str, rest: str):
    lot, _serial = split_resolver_path(rest)
    batch = _find(gtin, lot)
    if batch is None:
        return _not_found(request)
    prefill = services.respondent_prefill(batch)
    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "respondent_kind": prefill["kind"],
            "respondent_name": prefill["name"],
            "respondent_address": prefill["address"],
            "consents_mediation": True,
        },
    )
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
                    contact_address=data["contact_address"],
                    claim=data["claim"],
                    claim_detail=data["claim_detail"],
                    respondent={
                        "kind": data["respondent_kind"],
                        "name": data["respondent_name"],
                        "address": data["respondent_address"],
                        "credit_code": data["respondent_credit_code"],
                        "purchase_place": data["purchase_place"],
                        "purchase_date": data["purchase_date"],
                        "purchase_price": data["purchase_price"],
                    },
                    consents_mediation=data["consents_mediation"],
                    strict=True,
                    photos=request.FILES.getlist("photos"),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return HttpResponseRedirect(
                    reverse("complaint-pages:status", args=[complaint.display_code]) + "?new=1"
                )
    product = batch.product.name if batch.product_id else batch.gtin
    art9_missing = request.method == "POST" and any(
        name in form.errors
        for name in ("contact_name", "contact_phone", "contact_address", "respondent_name", "claim")
    )
    return render(
        request,
        "complaints/report.html",
        {
            "form": form,
            "batch": batch,
            "product": product,
            "page_path": digital_link_path(batch.gtin, batch.lot),
            "tip_url": reverse("complaint-pages:tip", args=[batch.gtin, batch.lot]),
            "art9_missing": art9_missing,
            "max_photos": settings.COMPLAINT_PHOTO_MAX_COUNT,
            "accept_days": settings.COMPLAINT_ACCEPT_WORKING_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
def tip(request, gtin: str, lot: str):
    """A report (举报) on a lot, anonymous unless a name and phone are given (SAMR Order 20
    Arts. 3, 24, 31): to the county regulator of the maker's place."""
    batch = _find(gtin, lot)
    if batch is None:
        return _not_found(request)
    prefill = services.respondent_prefill(batch)
    form = TipForm(request.POST or None, initial={"enterprise_name": prefill["name"]})
    if request.method == "POST":
        if not ComplaintSubmitThrottle().allow_request(request, None):
            return _too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            product = batch.product.name if batch.product_id else batch.gtin
            owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
            try:
                sent = report_services.report_submit(
                    subject=str(_("Product problem: %(product)s") % {"product": product})[:200],
                    enterprise_name=data["enterprise_name"],
                    region_code=owner.region_code if owner else "",
                    facts=data["facts"],
                    gtin=batch.gtin,
                    lot=batch.lot,
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return render(
                    request,
                    "complaints/message.html",
                    {
                        "title": _("Your report was sent"),
                        "text": _(
                            "Keep this tracking code to follow it: %(code)s. The market "
                            "regulator checks it; who reported is never told to the enterprise."
                        )
                        % {"code": sent.display_code},
                    },
                )
    return render(
        request,
        "complaints/tip.html",
        {"form": form, "batch": batch, "page_path": digital_link_path(batch.gtin, batch.lot)},
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


def _status(request, complaint, *, form=None, refusal: str = "", status: int = 200):
    response = render(
        request,
        "complaints/status.html",
        {
            "complaint": complaint,
            "new": request.GET.get("new") == "1",
            "withdrawn": request.GET.get("withdrawn") == "1",
            "handling": _handling(complaint),
            "withdraw_form": form or WithdrawForm(),
            "withdrawable": complaint.status in OPEN_COMPLAINT_STATUSES,
            "refusal": refusal,
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
def status_page(request, tracking_code: str):
    if not ComplaintLookupThrottle().allow_request(request, None):
        return _too_many(request)
    try:
        complaint = lookup(tracking_code)
    except NotFound:
        return _not_found(request)
    return _status(request, complaint)


@require_http_methods(["POST"])
def withdraw(request, tracking_code: str):
    """The status page's withdraw form (SAMR Order 20 Art. 21 ¶1 (1)): the same service, rate
    limit and answers as ``POST /api/v1/public/complaints/{tracking_code}/withdraw/``."""
    if not ComplaintWithdrawThrottle().allow_request(request, None):
        return _too_many(request)
    try:
        complaint = lookup(tracking_code)
    except NotFound:
        return _not_found(request)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _status(request, complaint, form=form, status=400)
    try:
        services.complaint_withdraw_by_complainant(
            tracking_code=tracking_code,
            phone_last4=form.cleaned_data["phone_last4"],
            reason=form.cleaned_data["reason"],
        )
    except (NotAllowed, Conflict) as exc:
        complaint.refresh_from_db()
        return _status(
            request, complaint, form=form, refusal=str(exc.detail), status=exc.status_code
        )
    return HttpResponseRedirect(
        reverse("complaint-pages:status", args=[complaint.display_code]) + "?withdrawn=1"
    )
