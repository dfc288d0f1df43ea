from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting a decision")
    ACCEPTED = "accepted", _("Accepted, being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Not accepted")
    MERGED = "merged", _("Merged with another complaint")
    CONVERTED = "converted", _("Turned into an incident investigation")


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.SUBMITTED,
    ComplaintStatus.ACCEPTED,
    ComplaintStatus.ANSWERED,
)

# action -> (states it is allowed from, state it leads to or None when the status stays).
# SAMR Order 20: submitted → accepted (or declined, with a reason) → answered → closed;
# forward keeps it submitted at another regulator; merge and convert are side exits.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": ((ComplaintStatus.SUBMITTED,), ComplaintStatus.ACCEPTED),
    "decline": ((ComplaintStatus.SUBMITTED,), ComplaintStatus.DECLINED),
    "forward": ((ComplaintStatus.SUBMITTED,), None),
    "reply": ((ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED), ComplaintStatus.ANSWERED),
    "close": ((ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED), ComplaintStatus.CLOSED),
    "merge": ((ComplaintStatus.SUBMITTED, ComplaintStatus.ACCEPTED), ComplaintStatus.MERGED),
    "convert": (OPEN_COMPLAINT_STATUSES, ComplaintStatus.CONVERTED),
}


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


class SignalKind(models.TextChoices):
    INJURY_CLUSTER = "injury_cluster", _("Injuries (complaints and incidents) above the baseline")
    UNKNOWN_CODE = "unknown_code", _("A code never issued, scanned repeatedly")
    SCANNED_AFTER_END = "scanned_after_end", _("Scans after recall, destruction or expiry")
    OVER_SCANNED = "over_scanned", _("More scans than units made")
    OUTSIDE_REGION = "outside_region", _("Scanned where the lot was never shipped")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")
    PUBLISHED = "published", _("Published as a consumer warning")


SIGNAL_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": ((SignalStatus.OPEN,), SignalStatus.CONFIRMED),
    "dismiss": ((SignalStatus.OPEN, SignalStatus.CONFIRMED), SignalStatus.DISMISSED),
    "publish": ((SignalStatus.CONFIRMED,), SignalStatus.PUBLISHED),
}


class ReportStatus(models.TextChoices):
    """A report (举报, SAMR Order 20 Art. 3): received, checked, then a case opened or not
    (penalty procedure Art. 18, via Order 20 Art. 31)."""

    RECEIVED = "received", _("Received, being checked")
    VERIFIED = "verified", _("Checked, awaiting the case decision")
    CASE_OPENED = "case_opened", _("A case was opened")
    DECLINED = "declined", _("No case was opened")


OPEN_REPORT_STATUSES = (ReportStatus.RECEIVED, ReportStatus.VERIFIED)


class ReportSource(models.TextChoices):
    PUBLIC = "public", _("Submitted by a member of the public")
    COMPLAINT = "complaint", _("Found in a consumer complaint")


# action -> (states it is allowed from, state it leads to or None when the status stays).
REPORT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "verify": ((ReportStatus.RECEIVED,), ReportStatus.VERIFIED),
    "open-case": ((ReportStatus.VERIFIED,), ReportStatus.CASE_OPENED),
    "decline": (OPEN_REPORT_STATUSES, ReportStatus.DECLINED),
    "extend": (OPEN_REPORT_STATUSES, None),
    "tell-reporter": ((ReportStatus.CASE_OPENED, ReportStatus.DECLINED), None),
}


def report_allowed_actions(status: str) -> list[str]:
    return [a for a, (sources, _target) in REPORT_TRANSITIONS.items() if status in sources]
