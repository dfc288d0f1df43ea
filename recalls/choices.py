from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RecallType(models.TextChoices):
    VOLUNTARY = "voluntary", _("Voluntary recall (主动召回)")
    ORDERED = "ordered", _("Ordered recall (责令召回)")


class RecallCategory(models.TextChoices):
    """Which law governs the recall: food (《食品召回管理办法》: CFDA Order 12 until 2026-11-30,
    SAMR Order 122 from 2026-12-01) or a consumer product (SAMR Order 19)."""

    FOOD = "food", _("Food recall (Food Recall Measures)")
    PRODUCT = "product", _("Consumer-product recall (SAMR Order 19)")


class RecallClass(models.IntegerChoices):
    """By risk, as FDA 21 CFR 7.3(m) and SAMR practice grade them."""

    I = 1, _("Class I: may cause death or serious harm")  # noqa: E741
    II = 2, _("Class II: may cause temporary or reversible harm")
    III = 3, _("Class III: unlikely to cause harm")


class RecallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Plan filed")
    # A recall being carried out (实施中), not trace's lot status "active" (正常).
    ACTIVE = "active", pgettext_lazy("recall status", "Active")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Cancelled")


class RecallDepth(models.TextChoices):
    CONSUMER = "consumer", _("Consumer level")
    RETAIL = "retail", _("Retail level")
    WHOLESALE = "wholesale", _("Wholesale level")


class Remedy(models.TextChoices):
    """What the producer offers (SAMR Order 19 Art. 20; GPSR Art. 37 asks for a choice of at least two)."""

    WARNING = "warning", _("Warning or label correction")
    REPAIR = "repair", _("Repair")
    REPLACEMENT = "replacement", _("Replacement")
    REFUND = "refund", _("Refund")


class Effectiveness(models.TextChoices):
    """FDA effectiveness-check levels (21 CFR 7.42(b)(3)): share of consignees to verify."""

    A = "A", _("Level A: every consignee")
    B = "B", _("Level B: more than level C, less than all")
    # xgettext:no-python-format
    C = "C", _("Level C: 10 % of consignees")
    # xgettext:no-python-format
    D = "D", _("Level D: 2 % of consignees")
    E = "E", _("Level E: no effectiveness checks")


# The effectiveness-check level a recall gets by default, by its class (FDA's practice under
# 21 CFR 7.42(b)(3): every consignee checked for a class I recall, fewer as the hazard falls).
DEFAULT_EFFECTIVENESS_BY_CLASS = {1: Effectiveness.A, 2: Effectiveness.B, 3: Effectiveness.C}


class ScopeSource(models.TextChoices):
    AFFECTED = "affected", _("Affected lot")
    DOWNSTREAM = "downstream", _("Made from an affected lot")
    ADDED = "added", _("Added by the producer")
