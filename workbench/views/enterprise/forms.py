"""The enterprise pages' forms. They parse and show input; what may be done is decided by the
services (and ``trace.core.rules``) they hand it to, and their choices come from what the
reader may see (``visible_to``) and what the rules allow now."""

from __future__ import annotations

from decimal import Decimal
from trace.core.choices import BatchStatus, InspectionResult
from trace.core.identifiers import validate_lot
from trace.core.labels import UNIT_LABELS
from trace.models import Batch, Product, Site

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from api.parsing import DecimalFormField
from core.choices import OrganizationKind
from core.models import Organization
from core.punctuation import parenthesized
from incidents.choices import Category, Kind
from incidents.models import Incident
from recalls.choices import Effectiveness, RecallClass, RecallDepth, Remedy

from .common import local_name

DATETIME = "%Y-%m-%dT%H:%M"


def _quantity(label, *, required: bool = True, maximum: Decimal | None = None):
    attrs = {"inputmode": "decimal", "step": "any", "min": "0"}
    if maximum is not None:
        attrs["max"] = format(maximum.normalize(), "f")
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=18,
        decimal_places=3,
        min_value=Decimal("0.001"),
        max_value=Decimal(settings.SUYUAN_MAX_QUANTITY),
        widget=forms.NumberInput(attrs=attrs),
    )


def _date(label, required: bool = False):
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


def _moment(label):
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME),
    )


def _text(label, *, max_length: int, required: bool = True, rows: int = 0):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget)


class LotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Batch) -> str:
        name = local_name(obj.product) if obj.product_id else obj.gtin
        status = "" if obj.status == BatchStatus.ACTIVE else parenthesized(obj.get_status_display())
        return f"{name} · {obj.lot}{status}"


class LotsChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = LotChoiceField.label_from_instance


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return local_name(obj)


class IncidentsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Incident) -> str:
        return f"#{obj.pk} {obj.title}"


class Form(forms.Form):
    """No ":" after labels: they sit above their fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- products and lots ----------------------------------------------------------------------


UNIT_CHOICES = [(code, f"{label} ({code})") for code, label in UNIT_LABELS.items() if code != "EA"]


class LotForm(Form):
    """``POST /api/v1/batches/``: register a lot and record its production."""

    product = NamedChoiceField(
        label=_("Product"), queryset=Product.objects.none(), empty_label=_("Choose a product")
    )
    lot = forms.CharField(
        label=_("Lot number"),
        max_length=20,
        validators=[validate_lot],
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    quantity = _quantity(_("Quantity produced"))
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, initial="H87")
    site = NamedChoiceField(
        label=_("Site"), queryset=Site.objects.none(), required=False, empty_label=_("(none)")
    )
    production_date = _date(_("Production date"))
    expiry_date = _date(_("Expiry date"))

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(owner=organization).order_by("id")
        self.fields["site"].queryset = Site.objects.filter(owner=organization).order_by("id")


class ShipForm(Form):
    to_organization = NamedChoiceField(
        label=_("Ship to"), queryset=Organization.objects.none(), empty_label=_("Choose a customer")
    )
    quantity = _quantity(_("Quantity"))
    purchase_order = forms.CharField(label=_("Purchase order"), max_length=100, required=False)
    despatch_advice = forms.CharField(label=_("Despatch advice"), max_length=100, required=False)

    def __init__(self, *args, organization: Organization, held: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        # Goods go to another enterprise (the service refuses yourself and regulators).
        self.fields["to_organization"].queryset = (
            Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
            .exclude(pk=organization.pk)
            .order_by("name")
        )
        self.fields["quantity"].widget.attrs["max"] = format(held.normalize(), "f")

    def documents(self) -> dict[str, str]:
        return {
            "po": self.cleaned_data.get("purchase_order", ""),
            "desadv": self.cleaned_data.get("despatch_advice", ""),
        }


class ReceiveForm(Form):
    quantity = _quantity(_("Quantity received (empty: everything on its way)"), required=False)

    def __init__(self, *args, in_transit: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs["max"] = format(in_transit.normalize(), "f")


class InspectForm(Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=InspectionResult.choices, widget=forms.RadioSelect
    )
    report_ref = forms.CharField(label=_("Report number"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SellForm(Form):
    quantity = _quantity(_("Quantity sold"))

    def __init__(self, *args, held: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs["max"] = format(held.normalize(), "f")


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


# --- incidents ------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,.pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class IncidentForm(Form):
    """``POST /api/v1/incidents/`` as an enterprise reports it."""

    title = _text(_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.INCIDENT)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=Category.choices,
        initial=Category.PRODUCT,
        required=False,  # a form sent without it (before categories) reports a product incident
        help_text=_(
            "Food (Food Safety Law), special equipment (SAMR Order 50) or other products (the "
            "local emergency plan): it decides who is told, how fast, and who investigates."
        ),
    )
    recalled_abroad = forms.BooleanField(
        label=_("The product is being recalled abroad"), required=False
    )
    description = _text(_("What happened"), max_length=20000, rows=5)
    batches = LotsChoiceField(
        label=_("Lots concerned"),
        queryset=Batch.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    region_code = forms.CharField(
        label=_("Region code of the place (county level, GB/T 2260)"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{6}"}),
    )
    occurred_at = _moment(_("Occurred at"))
    discovered_at = _moment(_("Discovered at"))
    deaths = forms.IntegerField(label=_("Deaths"), min_value=0, initial=0)
    serious_injuries = forms.IntegerField(label=_("Serious injuries"), min_value=0, initial=0)
    minor_injuries = forms.IntegerField(label=_("Minor injuries"), min_value=0, initial=0)
    direct_loss = forms.DecimalField(
        label=_("Direct economic loss (yuan)"),
        min_value=0,
        max_digits=16,
        decimal_places=2,
        initial=0,
    )
    affected_quantity = forms.DecimalField(
        label=_("Affected quantity"), min_value=0, max_digits=18, decimal_places=3, required=False
    )
    measures_taken = _text(_("Measures taken"), max_length=20000, required=False, rows=3)
    attachments = MultipleFileField(
        label=_("Attachments (JPEG or PNG photos, PDF)"), required=False
    )

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batches"].queryset = lots

    def clean_category(self):
        return self.cleaned_data.get("category") or Category.PRODUCT


# --- recalls --------------------------------------------------------------------------------


class RecallPlanForm(Form):
    """The plan of a recall (``POST /api/v1/recalls/`` without its lots): what a regulator
    orders from an incident, whose lots give the scope."""

    recall_class = forms.TypedChoiceField(
        label=_("Recall class"), choices=RecallClass.choices, coerce=int, initial=2
    )
    defect = _text(_("Defect"), max_length=5000, rows=3)
    hazard = _text(_("Hazard"), max_length=5000, rows=3)
    root_cause = _text(_("Root cause"), max_length=5000, required=False, rows=2)
    remedies = forms.MultipleChoiceField(
        label=_("Remedies offered (or say why none or fewer)"),
        choices=Remedy.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    remedies_reason = _text(
        _("Why fewer remedies than asked"), max_length=2000, required=False, rows=2
    )
    consumer_action = _text(
        _("What consumers should do now"), max_length=5000, required=False, rows=2
    )
    contact = _text(_("Contact for the public"), max_length=500, required=False)
    depth = forms.ChoiceField(
        label=_("Recall depth"), choices=RecallDepth.choices, initial=RecallDepth.CONSUMER
    )
    notice_title = _text(_("Notice title (Chinese)"), max_length=200)
    notice_text = _text(_("Notice text (Chinese)"), max_length=5000, rows=4)
    notice_title_en = _text(_("Notice title (English)"), max_length=200, required=False)
    notice_text_en = _text(_("Notice text (English)"), max_length=5000, required=False, rows=4)
    target_effectiveness = forms.ChoiceField(
        label=_("Target effectiveness"), choices=Effectiveness.choices, initial=Effectiveness.A
    )
    planned_start = _date(_("Planned start"))
    planned_end = _date(_("Planned end"))


class RecallForm(RecallPlanForm):
    """``POST /api/v1/recalls/`` for a voluntary recall of the producer's own lots."""

    field_order = ["batches"]

    batches = LotsChoiceField(
        label=_("Affected lots"),
        queryset=Batch.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    linked_incidents = IncidentsChoiceField(
        label=_("Incidents it follows from"),
        queryset=Incident.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args, lots, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batches"].queryset = lots
        self.fields["linked_incidents"].queryset = incidents


class ScopeEditForm(Form):
    """One change to a draft's proposed scope (``POST …/scope/`` with one edit)."""

    target = forms.ChoiceField(label=_("Lot or holder"))
    include = forms.TypedChoiceField(
        label=_("Change"),
        choices=[("0", _("Leave out")), ("1", _("Put back in"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def __init__(self, *args, targets: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets

    def edit(self) -> dict:
        kind, pk = self.cleaned_data["target"].split(":", 1)
        return {
            "batch" if kind == "lot" else "organization": int(pk),
            "include": self.cleaned_data["include"],
            "reason": self.cleaned_data["reason"],
        }


class DrillForm(Form):
    batches = LotsChoiceField(
        label=_("Lots to drill"),
        queryset=Batch.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batches"].queryset = lots


class AckForm(Form):
    """What the acknowledgement link's page asks (``POST /api/v1/public/recall-ack/…``)."""

    on_hand = DecimalFormField(
        label=_("On hand now"), min_value=0, max_digits=18, decimal_places=3, required=False
    )
    returned = DecimalFormField(
        label=_("Returned"), min_value=0, max_digits=18, decimal_places=3, required=False
    )
    destroyed = DecimalFormField(
        label=_("Destroyed"), min_value=0, max_digits=18, decimal_places=3, required=False
    )
    corrected = DecimalFormField(
        label=_("Corrected (repaired or relabelled)"),
        min_value=0,
        max_digits=18,
        decimal_places=3,
        required=False,
    )
    note = _text(_("Note"), max_length=2000, required=False, rows=2)
