from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    """What an enterprise asks about a fact listed on its credit record."""

    OBJECTION = "objection", _("Objection (异议)")
    REPAIR = "repair", _("Credit repair (信用修复)")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Objection upheld: the fact is struck out")
    DISMISSED = "dismissed", _("Objection dismissed: the fact stays")
    GRANTED = "granted", _("Repair granted: the fact no longer counts")
    REFUSED = "refused", _("Repair refused: the fact still counts")


# The decisions open to the regulator, by kind of request.
DECISIONS = {
    RequestKind.OBJECTION: (RequestStatus.UPHELD, RequestStatus.DISMISSED),
    RequestKind.REPAIR: (RequestStatus.GRANTED, RequestStatus.REFUSED),
}
# A fact no longer counts in the class after these decisions.
STRIKING = (RequestStatus.UPHELD, RequestStatus.GRANTED)


class DeclarationStatus(models.TextChoices):
    DECLARED = "declared", _("Declared, awaiting the award office")
    VERIFIED = "verified", _("Verified by the award office")
    REFUSED = "refused", _("Refused by the award office")


class AwardTrigger(models.IntegerChoices):
    """The five events an award holder reports in writing within 30 days (SIP award Art. 29)."""

    MAJOR_INCIDENT = (
        1,
        _(
            "A major quality-safety, environmental, work-safety, public-health or "
            "food-safety incident"
        ),
    )
    IP_INFRINGEMENT = 2, _("A serious infringement of others' intellectual property")
    SPOT_CHECK_FAILED = 3, _("A national, industry or regional spot check failed")
    EXPORT_RETURNED = (
        4,
        _("Exports returned or claimed for quality, with a foreign notice or a risk warning"),
    )
    OTHER_VIOLATION = 5, _("Another violation of laws or regulations with a serious adverse effect")


class RevocationGround(models.IntegerChoices):
    """The grounds on which the award office proposes to revoke an award (SIP award Art. 30)."""

    MAJOR_INCIDENT = 1, _("A major quality-safety or other incident (Art. 30 (1))")
    SPOT_CHECKS_FAILED_TWICE = 2, _("Two official spot checks failed in a row (Art. 30 (2))")


# What the credit record's timeline rows say, by action.
TIMELINE_LABELS = {
    "objection_filed": _("Objection filed"),
    "objection_upheld": _("Objection upheld"),
    "objection_dismissed": _("Objection dismissed"),
    "repair_applied": _("Credit repair applied for"),
    "repair_granted": _("Credit repair granted"),
    "repair_refused": _("Credit repair refused"),
    "award_condition_declared": _("Award condition declared"),
    "award_condition_verified": _("Award condition verified"),
    "award_condition_refused": _("Award condition refused"),
    "award_report_filed": _("Written report sent to the award office"),
    "award_office_notified": _("Award office notified of the written report (SIP award Art. 29)"),
    "award_revoked": _("Award revoked"),
}
