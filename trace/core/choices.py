from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductCategory(models.TextChoices):
    # The first four are the categories the seeds (001 Art. 21) require traceability for.
    DRUG = "drug", _("Drug")
    KEY_INDUSTRIAL = "key_industrial", _("Key industrial product")
    KEY_CONSUMER = "key_consumer", _("Key consumer good")
    KEY_AGRICULTURAL = "key_agricultural", _("Key agricultural product")
    FOOD = "food", _("Food")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment")
    OTHER = "other", _("Other")


class BatchStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    RECALLED = "recalled", _("Recalled")
    DESTROYED = "destroyed", _("Destroyed")


class EventType(models.TextChoices):
    OBJECT = "ObjectEvent", "ObjectEvent"
    AGGREGATION = "AggregationEvent", "AggregationEvent"
    TRANSACTION = "TransactionEvent", "TransactionEvent"
    TRANSFORMATION = "TransformationEvent", "TransformationEvent"
    ASSOCIATION = "AssociationEvent", "AssociationEvent"


class Action(models.TextChoices):
    ADD = "ADD", "ADD"
    OBSERVE = "OBSERVE", "OBSERVE"
    DELETE = "DELETE", "DELETE"


class BatchRole(models.TextChoices):
    """How a batch appears in an event."""

    SUBJECT = "subject", _("subject")  # quantityList / epcList of Object/Transaction events
    PARENT = "parent", _("parent")
    CHILD = "child", _("child")
    INPUT = "input", _("input")
    OUTPUT = "output", _("output")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


# CBV 2.0 business steps and dispositions the friendly endpoints use.
class BizStep:
    COMMISSIONING = "commissioning"
    INSPECTING = "inspecting"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    RETAIL_SELLING = "retail_selling"
    DESTROYING = "destroying"
    HOLDING = "holding"


class Disposition:
    ACTIVE = "active"
    CONFORMANT = "conformant"
    NON_CONFORMANT = "non_conformant"
    IN_TRANSIT = "in_transit"
    IN_PROGRESS = "in_progress"
    RETAIL_SOLD = "retail_sold"
    DESTROYED = "destroyed"
    NON_SELLABLE_OTHER = "non_sellable_other"
    SELLABLE_ACCESSIBLE = "sellable_accessible"
    RECALLED = "recalled"
