from decimal import Decimal
from trace.core.choices import InspectionResult
from trace.core.identifiers import normalize_gtin, validate_lot
from trace.models import Batch, Event, Product, Site, event_document_for

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers import OrganizationRefSerializer
from core.models import Organization

Quantity = lambda **kw: serializers.DecimalField(  # noqa: E731
    max_digits=18,
    decimal_places=3,
    min_value=Decimal("0.001"),
    max_value=Decimal(settings.SUYUAN_MAX_QUANTITY),
    **kw,
)


def _django_validator(func):
    def run(value):
        try:
            return func(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code) from exc

    return run


class ProductSerializer(serializers.ModelSerializer):
    owner = OrganizationRefSerializer(read_only=True)
    gtin = serializers.CharField(
        max_length=14,
        help_text=_("GTIN-8, -12, -13 or -14; stored as GTIN-14."),
        validators=[],
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "owner",
            "gtin",
            "name",
            "name_en",
            "category",
            "specification",
            "standard",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate_gtin(self, value):
        gtin = _django_validator(normalize_gtin)(value)
        existing = Product.objects.filter(gtin=gtin)
        if self.instance is not None:
            existing = existing.exclude(pk=self.instance.pk)
        if existing.exists():
            raise serializers.ValidationError(
                _("A product with this GTIN is already registered."), code="gtin_unique"
            )
        return gtin


class SiteSerializer(serializers.ModelSerializer):
    owner = OrganizationRefSerializer(read_only=True)

    class Meta:
        model = Site
        fields = ["id", "owner", "name", "gln", "address", "region_code", "created_at"]
        read_only_fields = ["created_at"]

    def validate_gln(self, value):
        if value and (not (value.isascii() and value.isdigit()) or len(value) != 13):
            raise serializers.ValidationError(_("A GLN has 13 digits."), code="gln_format")
        return value or None


class ProductRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "gtin", "name", "name_en", "category"]


class BatchSerializer(serializers.ModelSerializer):
    product = ProductRefSerializer(read_only=True)
    producer = OrganizationRefSerializer(source="product.owner", read_only=True, default=None)
    digital_link = serializers.CharField(read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id",
            "product",
            "producer",
            "gtin",
            "lot",
            "production_date",
            "expiry_date",
            "quantity",
            "unit",
            "site",
            "status",
            "status_changed_at",
            "digital_link",
            "created_at",
        ]


class BatchCreateSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    lot = serializers.CharField(max_length=64, validators=[_django_validator(validate_lot)])
    production_date = serializers.DateField(required=False, allow_null=True)
    expiry_date = serializers.DateField(required=False, allow_null=True)
    quantity = Quantity()
    unit = serializers.CharField(max_length=16)
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True
    )
    event_time = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        production, expiry = attrs.get("production_date"), attrs.get("expiry_date")
        if production and expiry and expiry < production:
            raise serializers.ValidationError(
                {
                    "expiry_date": serializers.ErrorDetail(
                        _("The expiry date cannot be before the production date."),
                        code="expiry_before_production",
                    )
                }
            )
        return attrs


class _ActionSerializer(serializers.Serializer):
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True
    )
    event_time = serializers.DateTimeField(
        required=False, help_text=_("When it happened; default now.")
    )


class InspectSerializer(_ActionSerializer):
    result = serializers.ChoiceField(choices=InspectionResult.choices)
    report_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class _DocumentsMixin(serializers.Serializer):
    purchase_order = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    despatch_advice = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    invoice = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def documents(self) -> dict[str, str]:
        return {
            "po": self.validated_data.get("purchase_order", ""),
            "desadv": self.validated_data.get("despatch_advice", ""),
            "inv": self.validated_data.get("invoice", ""),
        }


class ShipSerializer(_ActionSerializer, _DocumentsMixin):
    to_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    quantity = Quantity()


class ReceiveSerializer(_ActionSerializer, _DocumentsMixin):
    quantity = Quantity(
        required=False, help_text=_("Default: everything shipped to you and not yet received.")
    )


class SellSerializer(_ActionSerializer):
    quantity = Quantity()


class DestroySerializer(_ActionSerializer):
    quantity = Quantity()
    reason = serializers.CharField(max_length=500)


class HoldSerializer(_ActionSerializer):
    reason = serializers.CharField(max_length=500)


class TransformInputSerializer(serializers.Serializer):
    batch = serializers.PrimaryKeyRelatedField(queryset=Batch.objects.all())
    quantity = Quantity()


class TransformSerializer(BatchCreateSerializer):
    inputs = TransformInputSerializer(many=True, allow_empty=False)

    def __init__(self, *args, batch_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if batch_queryset is not None:
            self.fields["inputs"].child.fields["batch"].queryset = batch_queryset


class EventBatchSerializer(serializers.Serializer):
    batch = serializers.IntegerField(source="batch_id")
    role = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)
    uom = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True)
    source_organization = OrganizationRefSerializer(
        source="source_org", read_only=True, allow_null=True
    )
    destination_organization = OrganizationRefSerializer(
        source="destination_org", read_only=True, allow_null=True
    )
    batches = EventBatchSerializer(source="batch_links", many=True, read_only=True)
    biz_transactions = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "event_id",
            "event_type",
            "action",
            "event_time",
            "event_time_zone_offset",
            "record_time",
            "biz_step",
            "disposition",
            "read_point",
            "biz_location",
            "organization",
            "source_organization",
            "destination_organization",
            "batches",
            "biz_transactions",
            "error_declaration",
            "document",
        ]

    def get_biz_transactions(self, event) -> list[dict]:
        return event_document_for(event, self.context.get("viewer_org")).get(
            "bizTransactionList", []
        )

    def to_representation(self, event):
        data = super().to_representation(event)
        # Trade secrets: business documents (orders, despatch advices) only for the
        # parties of the event (``trace.models.event_document_for``).
        data["document"] = event_document_for(event, self.context.get("viewer_org"))
        return data


class DeclareErrorSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    corrective_event_ids = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False
    )


class ScanSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=512,
        trim_whitespace=False,
        help_text=_(
            "A Digital Link URI, an HRI string like (01)…(10)…, "
            "or the raw element string with GS separators."
        ),
    )
