from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Grade(models.TextChoices):
    """Incident grades I–IV (the local emergency plan's), most serious first."""

    I = "I", _("I — particularly serious (特别重大)")  # noqa: E741
    II = "II", _("II — serious (重大)")
    III = "III", _("III — relatively serious (较大)")
    IV = "IV", _("IV — ordinary (一般)")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    RESPONDING = "responding", _("Emergency handling")
    INVESTIGATING = "investigating", _("Investigating")
    CONCLUDED = "concluded", _("Concluded")
    CLOSED = "closed", _("Closed")
    TRANSFERRED = "transferred", _("Transferred")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged as duplicate")


OPEN_STATUSES = (Status.REPORTED, Status.ACCEPTED, Status.RESPONDING, Status.INVESTIGATING)


class Level(models.TextChoices):
    """Regulator levels of the reporting chain, lowest first."""

    COUNTY = "county", _("County")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National")


LEVEL_ORDER = [Level.COUNTY, Level.CITY, Level.PROVINCE, Level.NATIONAL]


def level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


class Kind(models.TextChoices):
    INCIDENT = "incident", _("Quality-safety incident")
    DEFECT = "defect", _("Consumer-product defect (SAMR Order 19 Art. 8)")


class Category(models.TextChoices):
    """Which instrument governs the incident: who reports to whom, how fast, how it is graded and
    who investigates (``incidents.law``)."""

    FOOD = "food", _("Food-safety incident (食品安全事故)")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special-equipment accident (特种设备事故)")
    PRODUCT = "product", _("Product-quality incident (other products)")


class Source(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise report")
    # A regulator's supervisory inspection (监督检查), not trace's inspection of a lot (检验).
    INSPECTION = "inspection", pgettext_lazy("incident source", "Inspection")
    COMPLAINT = "complaint", _("Complaint")
    # A report (举报, SAMR Order 20 Art. 3) on which a case was opened (Art. 31).
    REPORT = "report", pgettext_lazy("tip-off", "Report")
    MEDIA = "media", _("Media")
    OTHER = "other", _("Other")


class TransferTarget(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("Public security (judicial organs)")
    DEPARTMENT = "department", _("Another department")
    JURISDICTION = "jurisdiction", _("Another jurisdiction")
