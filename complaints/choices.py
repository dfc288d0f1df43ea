from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting a decision")
    ACCEPTED = "accepted", _("Accepted, being handled")
    ANSWERED = "answered", _("Answered")
    MEDIATING = "mediating", _("In mediation")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Not accepted")
    MERGED = "merged", _("Merged with another complaint")
    CONVERTED = "converted", _("Turned into an incident investigation")


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.SUBMITTED,
    ComplaintStatus.ACCEPTED,
    ComplaintStatus.ANSWERED,
    ComplaintStatus.MEDIATING,
)


class Claim(models.TextChoices):
    """What the complainant asks for (SAMR Order 20 Art. 9 (3): 具体的投诉请求)."""

    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    COMPENSATION = "compensation", _("Compensation")
    OTHER = "other", _("Other")


class RespondentKind(models.TextChoices):
    """Whom the complaint is against (Order 20 Art. 9 (2)): the seller or the maker."""

    SELLER = "seller", _("Seller")
    MAKER = "maker", _("Maker")


class Outcome(models.TextChoices):
    """How a complaint ended. Only ``agreement`` is in the consumer's favour ("upheld")."""

    AGREEMENT = "agreement", _("Mediation agreement")
    NO_AGREEMENT = "no_agreement", _("Mediation ended without agreement")
    WITHDRAWN = "withdrawn", _("Withdrawn by the complainant")
    DECLINED = "declined", _("Not accepted")


class DeclineGround(models.TextChoices):
    """Why a complaint is not accepted: SAMR Order 20 Art. 15 ¶1, items (1)–(6)."""

    NO_COMPETENCE = (
        "art15_1",
        _("Art. 15 (1): outside the market regulator's duties or this office's competence"),
    )
    HANDLED_ELSEWHERE = (
        "art15_2",
        _(
            "Art. 15 (2): a court, arbitration body, regulator, consumer association or mediator "
            "has accepted or handled the same dispute"
        ),
    )
    NOT_CONSUMER_DISPUTE = (
        "art15_3",
        _("Art. 15 (3): not for living consumption, or no provable dispute with the respondent"),
    )
    TIME_BARRED = (
        "art15_4",
        _("Art. 15 (4): more than three years since the complainant knew of the infringement"),
    )
    MATERIALS_MISSING = (
        "art15_5",
        _("Art. 15 (5): the information Art. 9 requires (or Art. 10's) is missing"),
    )
    OTHER_LEGAL_GROUND = "art15_6", _("Art. 15 (6): another ground in law, regulation or rule")


class TerminationGround(models.TextChoices):
    """Why mediation ends without agreement: SAMR Order 20 Art. 21 ¶1; the 2024 Consumer
    Rights Regulation Art. 46 ¶3 (not finished within 60 days of acceptance)."""

    NO_TESTING_AGREEMENT = "art21_2", _("Art. 21 (2): no agreement on the testing body or its cost")
    REFUSED = (
        "art21_3",
        _("Art. 21 (3): a party absent without good reason, or the respondent refuses mediation"),
    )
    IMPOSSIBLE = "art21_4", _("Art. 21 (4): a party says agreement is impossible")
    PERIOD_ENDED = (
        "period_ended",
        _("Not finished within the mediation period (Consumer Rights Regulation Art. 46 ¶3)"),
    )
    DECLINE_GROUND_FOUND = "art21_6", _("Art. 21 (6): an Art. 15 ground found after acceptance")
    OTHER = "art21_7", _("Art. 21 (7): another legal ground")


# action -> (states it is allowed from, state it leads to or None when the status stays).
# SAMR Order 20: submitted → accepted (or declined, with a reason) → answered → closed;
# forward keeps it submitted at another regulator; merge and convert are side exits.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": ((ComplaintStatus.SUBMITTED,), ComplaintStatus.ACCEPTED),
    "decline": ((ComplaintStatus.SUBMITTED,), ComplaintStatus.DECLINED),
    "forward": ((ComplaintStatus.SUBMITTED,), None),
    "reply": (
        (ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED, ComplaintStatus.MEDIATING),
        None,  # answered unless mediating
    ),
    "close": (
        (ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED, ComplaintStatus.MEDIATING),
        ComplaintStatus.CLOSED,
    ),
    "merge": ((ComplaintStatus.SUBMITTED, ComplaintStatus.ACCEPTED), ComplaintStatus.MERGED),
    "convert": (OPEN_COMPLAINT_STATUSES, ComplaintStatus.CONVERTED),
    # mediation (Order 20 Arts. 16–22; Consumer Rights Regulation Arts. 46–47)
    "pause": ((ComplaintStatus.MEDIATING,), None),
    "resume": ((ComplaintStatus.MEDIATING,), None),
    "record-agreement": ((ComplaintStatus.MEDIATING,), ComplaintStatus.CLOSED),
    "terminate": (
        (ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED, ComplaintStatus.MEDIATING),
        ComplaintStatus.CLOSED,
    ),
    "withdraw": (OPEN_COMPLAINT_STATUSES, ComplaintStatus.CLOSED),
    "notify-parties": ((ComplaintStatus.CLOSED,), None),
}

# The respondent enterprise's actions (its answer and its consent to mediation, Order 20 Art. 16).
RESPONDENT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "answer": (
        (ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED, ComplaintStatus.MEDIATING),
        None,
    ),
    "agree-mediation": (
        (ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED),
        ComplaintStatus.MEDIATING,
    ),
    "refuse-mediation": (
        (ComplaintStatus.ACCEPTED, ComplaintStatus.ANSWERED),
        ComplaintStatus.CLOSED,
    ),
}


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def respondent_allowed_actions(status: str) -> list[str]:
    return [a for a, (sources, _target) in RESPONDENT_TRANSITIONS.items() if status in sources]


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
