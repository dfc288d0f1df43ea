"""The phone forms on the consumer page for signed-in enterprise staff.

They only validate and shape input; the writes are the services in
``trace.core.services``.
"""

from decimal import Decimal
from trace.core.choices import InspectionResult
from trace.core.identifiers import normalize_gtin, validate_lot

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.choices import OrganizationKind
from core.models import Organization


def _quantity(required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Quantity"),
        required=required,
        max_digits=18,
        decimal_places=3,
        min_value=Decimal("0.001"),
        max_value=Decimal(settings.SUYUAN_MAX_QUANTITY),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )


class ReceiveForm(forms.Form):
    quantity = _quantity(required=False)


class ShipForm(forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("Ship to"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose an enterprise"),
    )
    quantity = _quantity()

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = (
            Organization.objects.filter(kind=OrganizationKind.ENTERPRISE)
            .exclude(pk=organization.pk)
            .order_by("name")
        )


class InspectForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=InspectionResult.choices, widget=forms.RadioSelect
    )
    report_ref = forms.CharField(label=_("Report number"), max_length=100, required=False)


class SellForm(forms.Form):
    quantity = _quantity()


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


ACTION_FORMS = {
    "receive": ReceiveForm,
    "ship": ShipForm,
    "inspect": InspectForm,
    "sell": SellForm,
    "hold": HoldForm,
}


def action_form(action: str, data=None, *, organization: Organization) -> forms.Form:
    form_class = ACTION_FORMS[action]
    kwargs = {"organization": organization} if form_class is ShipForm else {}
    # No ":" after labels: they sit above their fields on a phone.
    return form_class(data, prefix=action, label_suffix="", **kwargs)


class LookupForm(forms.Form):
    """The GTIN and lot printed under the barcode, typed in when a code will not scan."""

    gtin = forms.CharField(
        label=_("GTIN (the number under the barcode)"),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    lot = forms.CharField(
        label=_("Lot number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_gtin(self) -> str:
        return normalize_gtin(self.cleaned_data["gtin"].replace(" ", ""))

    def clean_lot(self) -> str:
        lot = self.cleaned_data["lot"].strip()
        validate_lot(lot)
        return lot


def lookup_form(data=None, *, initial=None) -> LookupForm:
    return LookupForm(data, initial=initial, label_suffix="")
