"""The inbox (``/workbench/``): what needs this user now, most urgent first.

Read through the ``visible_to`` querysets and the due-time columns the sweep uses. For a
regulator: incidents waiting for its level (to accept, acknowledge, pass up), complaints
waiting for its decision or for both parties to be told mediation ended, risk signals to decide, recalls to approve or whose reports are
due; for an enterprise: supplements and written reports it owes, recall notices to
acknowledge, the reports of its recalls. The list is also a fragment at its own URL
(``inbox/items/``) that the page polls, so a new escalation appears without a reload.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import escalation as complaint_escalation
from complaints import report_policy
from complaints import services as complaint_services
from complaints.choices import ComplaintStatus, SignalStatus
from complaints.models import PARTIES_NOTICE_OWED_Q, Complaint, Report, RiskSignal
from incidents import escalation
from incidents.choices import Level
from incidents.models import Incident
from recalls import services as recall_services
from recalls.choices import RecallStatus, RecallType
from recalls.models import Recall, RecallNotice

from ..access import member_page
from .records import complaints as complaint_pages
from .records import incidents as incident_pages
from .records import recalls as recall_pages
from .records import reports as report_pages
from .records.common import Action, Due, display_name, due, grade_text

# How far ahead a due time makes an item "due soon", and how often the page asks for news
# (defaults; the settings WORKBENCH_INBOX_HORIZON_DAYS and WORKBENCH_INBOX_POLL_SECONDS override).
HORIZON_DAYS = 14
POLL_SECONDS = 30

KINDS = {
    "incident": gettext_lazy("Incidents"),
    "complaint": gettext_lazy("Complaints"),
    "report": gettext_lazy("Reports (tip-offs)"),
    "signal": gettext_lazy("Risk signals"),
    "recall": gettext_lazy("Recalls"),
    "notice": gettext_lazy("Recall notices"),
}


@dataclass
class Item:
    """One thing in the inbox: what it is, what is wanted, by when, and the quick buttons."""

    kind: str
    pk: int
    title: str
    url: str
    wanted: list[str]
    dues: list[Due] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    since: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def due(self) -> Due | None:
        return self.dues[0] if self.dues else None

    @property
    def overdue(self) -> bool:
        return bool(self.due and self.due.overdue)

    def sort_key(self) -> tuple:
        """Overdue first (the longest late on top), then the soonest due, then the undated."""
        if self.due is not None:
            return (0 if self.due.overdue else 1, self.due.at.timestamp(), self.key)
        return (2, -(self.since.timestamp() if self.since else 0), self.key)


def _soon(dues: list[Due], horizon: datetime) -> bool:
    """Something is due before the horizon (or overdue): the item belongs in the inbox; once
    there, it shows all its due times."""
    return any(d.at <= horizon or d.overdue for d in dues)


def _buttons(actions: list[Action], wanted: set[str]) -> list[Action]:
    """The one-click actions (no form to fill) of a record, for its inbox row."""
    return [replace(a, fields=()) for a in actions if a.name in wanted]


# --- a regulator's inbox ----------------------------------------------------------------------


def _regulator_incidents(user, org, now, horizon) -> list[Item]:
    rows = (
        Incident.objects.visible_to(user)
        .open()
        .filter(Q(level=org.level) | Q(handling_level=org.level))
        .select_related("reporter")
    )
    wanted_text = {
        "accept": _("to accept"),
        "acknowledge": _("to acknowledge"),
        "report-up": _("to pass up"),
    }
    rows = list(rows)
    owed = incident_pages.overdue_owed_many(rows)
    items = []
    for incident in rows:
        offered = incident_pages.offered_actions(incident, user)
        wanted = [
            str(wanted_text[a]) for a in ("accept", "acknowledge", "report-up") if a in offered
        ]
        # offered to a level below the current one only as its late report (incident_actions_for)
        late = "report-up" in offered and org.level != incident.level
        if "report-up" in offered and incident.escalation_due_at is None and not late:
            wanted.remove(str(wanted_text["report-up"]))  # at the level required: may, need not
            offered.remove("report-up")
        if "take-over" in offered and incident.is_overdue:
            wanted.append(_("escalated to you: take over or urge the handling level"))
        if escalation.open_urge(incident, org) is not None:
            wanted.append(_("urged by the level above"))
        dues_ = incident_pages.incident_dues(incident, org, now, owed[incident.pk])
        if not wanted and not _soon(dues_, horizon):
            continue
        items.append(
            Item(
                kind="incident",
                pk=incident.pk,
                title=incident.title,
                url=reverse("workbench:incident", args=[incident.pk]),
                wanted=wanted,
                dues=dues_,
                facts=[
                    _("grade %(grade)s%(provisional)s")
                    % {
                        "grade": grade_text(incident.grade),
                        "provisional": _(" (provisional)") if incident.grade_provisional else "",
                    },
                    _("at the %(level)s level") % {"level": incident.get_level_display()},
                    incident.get_status_display(),
                ],
                actions=_buttons(
                    incident_pages.actions_for(incident, user),
                    {"accept", "acknowledge", "report-up"} & set(offered),
                ),
                since=incident.level_reached_at,
            )
        )
    return items


def _notice_owed(user, now, horizon) -> list[Item]:
    """Complaints whose mediation was terminated and both parties not yet told (SAMR Order 20
    Art. 21 ¶2): the handling county's, from when it falls due within the horizon until
    ``notify-parties`` records it (overdue once the sweep flagged it)."""
    rows = (
        Complaint.objects.visible_to(user)
        .filter(PARTIES_NOTICE_OWED_Q)
        .filter(Q(parties_notice_due_at__lte=horizon) | Q(parties_notice_overdue=True))
        .select_related("batch__product")
    )
    items = []
    for complaint in rows:
        if not complaint_services.is_handler(user, complaint):
            continue
        product = complaint.batch.product
        items.append(
            Item(
                kind="complaint",
                pk=complaint.pk,
                title=_("Complaint %(code)s about %(product)s")
                % {
                    "code": complaint.display_code,
                    "product": display_name(product) if product else complaint.batch.gtin,
                },
                url=reverse("workbench:complaint", args=[complaint.pk]),
                wanted=[_("tell both parties that mediation ended (SAMR Order 20 Art. 21 ¶2)")],
                dues=complaint_pages.complaint_dues(complaint, now),
                facts=[complaint.get_status_display(), complaint.get_outcome_display()],
                actions=_buttons(
                    complaint_pages.complaint_actions(complaint, user), {"notify-parties"}
                ),
                since=complaint.closed_at,
            )
        )
    return items


def _regulator_complaints(user, org, now, horizon) -> list[Item]:
    rows = Complaint.objects.visible_to(user).open().select_related("batch__product")
    items = _notice_owed(user, now, horizon)
    for complaint in rows:
        handler = complaint_services.is_handler(user, complaint)
        if not handler and not (complaint.escalated and org.level == Level.CITY):
            continue
        dues_ = complaint_pages.complaint_dues(complaint, now, org)
        escalated = complaint_escalation.escalation_actions_for(complaint=complaint, actor=user)
        overdue_here = (
            [_("overdue at the county: take over or urge it")]
            if "take-over" in escalated
            else [_("overdue at the county")]
        )
        urged = [_("urged by the city")] if complaint_escalation.open_urge(complaint, org) else []
        if complaint.status == ComplaintStatus.SUBMITTED:
            wanted = [_("to decide (accept or decline)")] if handler else overdue_here
        else:
            wanted = [_("mediation under way")] if handler else overdue_here
            if handler and not urged and not _soon(dues_, horizon):
                continue
        wanted += urged
        product = complaint.batch.product
        items.append(
            Item(
                kind="complaint",
                pk=complaint.pk,
                title=_("Complaint %(code)s about %(product)s")
                % {
                    "code": complaint.display_code,
                    "product": display_name(product) if product else complaint.batch.gtin,
                },
                url=reverse("workbench:complaint", args=[complaint.pk]),
                wanted=wanted,
                dues=dues_,
                facts=[complaint.get_status_display()]
                + ([_("someone was hurt")] if complaint.injured else []),
                actions=_buttons(complaint_pages.complaint_actions(complaint, user), {"accept"}),
                since=complaint.submitted_at,
            )
        )
    return items


REPORT_WANTED = {
    "verify": gettext_lazy("to check (verify or open no case)"),
    "open-case": gettext_lazy("to decide whether to open a case"),
    "tell-reporter": gettext_lazy("to tell the reporter the decision"),
}


def _regulator_reports(user, now) -> list[Item]:
    """Reports the county handling them must act on (check, decide, tell the real-name
    reporter): every one of them is due under the penalty-procedure rule or Order 20 Art. 31."""
    rows = Report.objects.visible_to(user).filter(
        Q(decided_at__isnull=True)
        | Q(reporter_notice_due_at__isnull=False, reporter_notified_at__isnull=True)
    )
    items = []
    for report in rows.order_by("received_at", "id")[:200]:
        offered = report_policy.offered_actions(user, report)
        wanted = [str(text) for name, text in REPORT_WANTED.items() if name in offered]
        if not wanted:
            continue
        items.append(
            Item(
                kind="report",
                pk=report.pk,
                title=_("Report %(code)s about %(name)s")
                % {"code": report.display_code, "name": report.enterprise_name},
                url=reverse("workbench:report", args=[report.pk]),
                wanted=wanted,
                dues=report_pages.report_dues(report, now),
                facts=[report.get_status_display()]
                + [_("real-name") if report.real_name else _("anonymous")],
                actions=_buttons(report_pages.report_actions(report, user), {"verify"}),
                since=report.received_at,
            )
        )
    return items


def _signals(user, org) -> list[Item]:
    rows = RiskSignal.objects.visible_to(user).filter(status=SignalStatus.OPEN)
    return [
        Item(
            kind="signal",
            pk=signal.pk,
            title=signal.get_title_display(),
            url=reverse("workbench:signal", args=[signal.pk]),
            wanted=[_("to confirm or dismiss")],
            facts=[signal.get_kind_display()],
            actions=_buttons(complaint_pages.signal_actions(signal, org), {"confirm"}),
            since=signal.raised_at,
        )
        for signal in rows.order_by("-raised_at")[:100]
    ]


def _recall_item(recall: Recall, user, org, now, horizon, wanted: list[str]) -> Item | None:
    dues_ = recall_pages.recall_dues(recall, org, now)
    if not wanted and not _soon(dues_, horizon):
        return None
    return Item(
        kind="recall",
        pk=recall.pk,
        title=f"{recall.number} · {recall.notice_title}",
        url=reverse("workbench:recall", args=[recall.pk]),
        wanted=wanted,
        dues=dues_,
        facts=[recall_pages.status_name(recall), str(recall_pages.TYPE_NAMES[recall.recall_type])],
        actions=_buttons(
            recall_pages.actions_for(recall, user, now), {"approve", "submit", "activate"}
        ),
        since=recall.updated_at,
    )


def _silent_consignees(org, now) -> list[Item]:
    """Consignees of an active recall that stayed silent through every reminder: for the
    regulator who must chase them, the lowest level competent for the consignee's place
    (``recall_services.competent_regulators``)."""
    prefix = org.jurisdiction_prefix
    rows = RecallNotice.objects.filter(
        included=True,
        escalated_at__isnull=False,
        acknowledged_at__isnull=True,
        recall__status=RecallStatus.ACTIVE,
    ).select_related("recall", "organization")
    if prefix:
        rows = rows.filter(organization__region_code__startswith=prefix)
    chaser: dict[str, int | None] = {}
    items = []
    for notice in rows.order_by("escalated_at", "id")[:200]:
        region = notice.organization.region_code
        if region not in chaser:
            competent = recall_services.competent_regulators(region)
            lowest = max(competent, key=lambda r: len(r.jurisdiction_prefix), default=None)
            chaser[region] = lowest.pk if lowest else None
        if chaser[region] != org.pk:
            continue
        items.append(
            Item(
                kind="notice",
                pk=notice.pk,
                title=_("%(org)s has not answered recall %(number)s")
                % {"org": display_name(notice.organization), "number": notice.recall.number},
                url=reverse("workbench:recall", args=[notice.recall_id]),
                wanted=[_("chase the silent consignee")],
                dues=[due(notice.escalated_at, _("acknowledgement"), now, overdue=True)],
                facts=[
                    _("reminded %(n)s times") % {"n": notice.reminders_sent},
                    notice.recall.notice_title,
                ],
                since=notice.escalated_at,
            )
        )
    return items


def _regulator_recalls(user, org, now, horizon) -> list[Item]:
    rows = (
        Recall.objects.visible_to(user)
        .filter(
            status__in=(
                RecallStatus.DRAFT,
                RecallStatus.SUBMITTED,
                RecallStatus.ACTIVE,
                RecallStatus.COMPLETED,
            )
        )
        .select_related("producer")
    )
    items = []
    for recall in rows:
        if not recall_services.covers(org, recall.region_code):
            continue
        offered = recall_pages.offered_actions(recall, user, now)
        wanted = []
        if "approve" in offered:
            wanted.append(_("plan to approve"))
        if "close" in offered and recall_pages._summary(recall) is not None:
            wanted.append(_("to verify and close"))
        item = _recall_item(recall, user, org, now, horizon, wanted)
        if item:
            items.append(item)
    return items


# --- an enterprise's inbox --------------------------------------------------------------------


def _enterprise_incidents(user, org, now) -> list[Item]:
    rows = list(Incident.objects.visible_to(user).open().filter(reporter=org))
    owed = incident_pages.overdue_owed_many(rows)
    items = []
    for incident in rows:
        # Every report it owes, however far off (an overdue one until it is filed): the
        # reporter has nothing else to wait for.
        dues_ = incident_pages.incident_dues(incident, org, now, owed[incident.pk])
        if not dues_:
            continue
        items.append(
            Item(
                kind="incident",
                pk=incident.pk,
                title=incident.title,
                url=reverse("workbench:incident", args=[incident.pk]),
                wanted=[_("a report is due")],
                dues=dues_,
                facts=[incident.get_status_display(), grade_text(incident.grade)],
                since=incident.reported_at,
            )
        )
    return items


def _notices(org, now) -> list[Item]:
    rows = RecallNotice.objects.filter(
        organization=org,
        included=True,
        notified_at__isnull=False,
        acknowledged_at__isnull=True,
        recall__status=RecallStatus.ACTIVE,
    ).select_related("recall")
    items = []
    for notice in rows:
        ack_url = recall_services.current_ack_url(notice)
        items.append(
            Item(
                kind="notice",
                pk=notice.pk,
                title=f"{notice.recall.number} · {notice.recall.notice_title}",
                url=ack_url or reverse("workbench:recall", args=[notice.recall_id]),
                wanted=[_("acknowledge the recall notice and report quantities")],
                dues=[
                    d
                    for d in (due(notice.next_reminder_at, _("next reminder"), now),)
                    if d is not None
                ],
                facts=[_("escalated to the regulator")] if notice.escalated_at else [],
                since=notice.notified_at,
            )
        )
    return items


def _enterprise_recalls(user, org, now, horizon) -> list[Item]:
    rows = Recall.objects.filter(producer=org).exclude(
        status__in=(RecallStatus.CLOSED, RecallStatus.TERMINATED, RecallStatus.CANCELLED)
    )
    items = []
    for recall in rows:
        offered = recall_pages.offered_actions(recall, user, now)
        wanted = []
        if recall.status == RecallStatus.DRAFT:
            wanted.append(_("draft: confirm the scope and file the plan"))
        if recall.status == RecallStatus.SUBMITTED and "activate" in offered:
            wanted.append(_("plan filed: start the recall"))
        if "object" in offered and recall.recall_type == RecallType.ORDERED:
            wanted.append(_("ordered: you may object within the window"))
        item = _recall_item(recall, user, org, now, horizon, wanted)
        if item:
            items.append(item)
    return items


def collect(request: HttpRequest) -> list[Item]:
    user, org = request.user, request.organization
    now = timezone.now()
    horizon = now + timedelta(days=getattr(settings, "WORKBENCH_INBOX_HORIZON_DAYS", HORIZON_DAYS))
    if org.is_regulator:
        items = (
            _regulator_incidents(user, org, now, horizon)
            + _regulator_complaints(user, org, now, horizon)
            + _regulator_reports(user, now)
            + _signals(user, org)
            + _regulator_recalls(user, org, now, horizon)
            + _silent_consignees(org, now)
        )
    else:
        items = (
            _enterprise_incidents(user, org, now)
            + _notices(org, now)
            + _enterprise_recalls(user, org, now, horizon)
        )
    return sorted(items, key=Item.sort_key)


def _context(request: HttpRequest) -> dict:
    items = collect(request)
    kind = request.GET.get("kind", "")
    overdue_only = request.GET.get("overdue") in ("1", "true", "on")
    counts = [
        {"kind": k, "label": label, "n": sum(1 for i in items if i.kind == k)}
        for k, label in KINDS.items()
    ]
    shown = [i for i in items if (not kind or i.kind == kind) and (not overdue_only or i.overdue)]
    query = request.GET.urlencode()
    inbox_url = reverse("workbench:inbox")
    return {
        "items": shown,
        "total": len(items),
        "overdue_count": sum(1 for i in items if i.overdue),
        "counts": [c for c in counts if c["n"]],
        "kind": kind,
        "kinds": list(KINDS.items()),
        "overdue_only": overdue_only,
        "next": f"{inbox_url}?{query}" if query else inbox_url,
        "poll_url": reverse("workbench:inbox-items") + (f"?{query}" if query else ""),
        "poll_seconds": getattr(settings, "WORKBENCH_INBOX_POLL_SECONDS", POLL_SECONDS),
    }


@member_page
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/inbox.html", _context(request))


@member_page
def inbox_items(request: HttpRequest) -> HttpResponse:
    """The list alone (the page polls it): same filters, same order."""
    response = render(request, "workbench/inbox_items.html", _context(request))
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("", inbox, name="inbox"),
    path("inbox/items/", inbox_items, name="inbox-items"),
]
