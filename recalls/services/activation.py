"""Starting a recall: the scope brought up to date, the lots recorded as recalled (EPCIS),
every consignee notified.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from trace.core.capture import capture_events, new_event_id
from trace.core.choices import BatchStatus, BizStep, Disposition
from trace.core.identifiers import canonical_lot_uri
from trace.models import Batch

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.models import Organization
from core.outbox import notify

from .. import law, policy
from ..models import (
    Recall,
    RecallNotice,
)
from ..selectors import (
    pending_scope_changes,
)
from .common import _check, _lock, log_entry, notify_regulators, recall_require_actor
from .notices import send_notice
from .objection import _activation_refusal
from .plan import _set_complete_due
from .scope import _bring_scope_up_to_date


def _recall_documents(recall: Recall, lots: list[tuple[str, str]], when: datetime) -> list[dict]:
    """EPCIS ObjectEvents with disposition ``recalled`` naming every lot, a few hundred a event."""
    local = timezone.localtime(when)
    offset = local.strftime("%z")
    per_event = max(1, settings.RECALL_LOTS_PER_EVENT)
    documents = []
    for start in range(0, len(lots), per_event):
        documents.append(
            {
                "@context": [{"sy": "https://suyuan.cn/epcis/"}],
                "type": "ObjectEvent",
                "eventID": new_event_id(),
                "eventTime": local.isoformat(timespec="milliseconds"),
                "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
                "action": "OBSERVE",
                "bizStep": BizStep.HOLDING,
                "disposition": Disposition.RECALLED,
                "quantityList": [
                    {"epcClass": canonical_lot_uri(gtin, lot)}
                    for gtin, lot in lots[start : start + per_event]
                ],
                "sy:recall": {
                    "number": recall.number,
                    "class": recall.recall_class,
                    "type": recall.recall_type,
                },
            }
        )
    return documents


def _record_recall_events(
    recall: Recall, *, org: Organization, actor, now: datetime
) -> tuple[int, int, int]:
    """Record the ``recalled`` events of every lot of the scope; capture changes their status
    (``trace.core.rules``: a recall is decided by the lot's owner or a regulator). A regulator
    records them all; otherwise each owner's lots go on its own hash chain, one capture per
    owner, recorded by the person activating. Lots already recalled or destroyed stay so,
    as do lots of GTINs not registered here (no owner to decide for them).
    Returns (lots recalled, events, lots left as they were)."""
    rows = (
        Batch.objects.filter(recall_links__recall=recall, recall_links__included=True)
        .order_by("id")
        .values_list("gtin", "lot", "status", "product__owner_id")
    )
    by_recorder: dict[int, list[tuple[str, str]]] = {}
    skipped = 0
    for gtin, lot, status, owner_id in rows:
        recorder = policy.recorder_of_recalled_lot(org, owner_id)
        if status in (BatchStatus.RECALLED, BatchStatus.DESTROYED) or recorder is None:
            skipped += 1
            continue
        by_recorder.setdefault(recorder, []).append((gtin, lot))
    recorders = Organization.objects.in_bulk(list(by_recorder))
    events = 0
    for recorder_id, lots in sorted(by_recorder.items()):
        result = capture_events(
            documents=_recall_documents(recall, lots, now),
            organization=recorders[recorder_id],
            user=actor,
        )
        events += len(result.event_pks)
    return sum(len(lots) for lots in by_recorder.values()), events, skipped


class ScopeChanged(Conflict):
    """Activation refused until the changes to the scope found since it was confirmed are
    confirmed: ``changes`` lists each refresh not yet confirmed (the 409's ``scope_changes``)."""

    default_code = "scope_changed"

    def __init__(self, detail, *, changes: list[dict]):
        super().__init__(detail, code="scope_changed")
        self.changes = changes


@transaction.atomic
def recall_refresh_scope(*, recall_id: int, actor, now: datetime | None = None) -> dict:
    """Bring a filed recall's scope up to date from the trace graph before it starts: stock
    shipped, received or made into new lots since the draft is in it, and its holders get
    their notices. A change is kept, on the timeline (``scope_refreshed``, listing it), and
    leaves the scope unconfirmed until the producer confirms it. Returns the change (empty
    when the scope was up to date)."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    org = recall_require_actor(recall=recall, actor=actor, action="activate")
    _check(recall, "activate")
    _activation_refusal(recall, org)
    difference = _bring_scope_up_to_date(recall)
    if not difference:
        return {}
    recall.scope_confirmed_at = None
    recall.save(
        update_fields=[
            "units_planned",
            "units_producer_held",
            "units_sold",
            "scope_confirmed_at",
            "updated_at",
        ]
    )
    log_entry(recall, "scope_refreshed", actor=actor, data=difference)
    if org.pk != recall.producer_id:
        notify(
            organization=recall.producer,
            topic="recall.scope_changed",
            subject=_("Recall %(number)s: the scope changed before the start")
            % {"number": recall.number},
            body=_(
                "%(lots)s lots and %(n)s consignees were added since the scope was confirmed; "
                "confirm the new scope to start the recall."
            )
            % {"lots": difference["lots_added_count"], "n": difference["consignees_added_count"]},
            payload={"recall": recall.number},
            about=recall,
        )
    return difference


@transaction.atomic
def _confirm_refreshed_scope(recall_id: int, actor, now: datetime | None) -> None:
    """The producer (or the ordering regulator) confirms the refreshed scope it was shown."""
    recall = _lock(recall_id)
    org = recall_require_actor(recall=recall, actor=actor, action="activate")
    _check(recall, "activate")
    _activation_refusal(recall, org)
    if recall.scope_confirmed_at is not None:
        return
    recall_require_actor(recall=recall, actor=actor, action="edit_scope")
    changes = pending_scope_changes(recall)
    recall.scope_confirmed_at = now or timezone.now()
    recall.save(update_fields=["scope_confirmed_at", "updated_at"])
    log_entry(
        recall,
        "scope_confirmed",
        actor=actor,
        data={
            "at_activation": True,
            "refreshes": [c["entry"] for c in changes],
            "lots": recall.scope_batches.filter(included=True).count(),
            "consignees": recall.notices.filter(included=True).count(),
        },
    )


def recall_activate(
    *, recall_id: int, actor, confirm_scope: bool = False, now: datetime | None = None
) -> Recall:
    """Start the recall. First its scope is brought up to date from the trace graph
    (``recall_refresh_scope``, its own transaction, kept even when the start is refused): when
    it changed since it was confirmed, the start is refused (409 ``scope_changed``, listing
    the changes) until the producer confirms them (``confirm_scope``, which confirms only
    changes already shown: one found in this very call is refused again)."""
    if confirm_scope:
        _confirm_refreshed_scope(recall_id, actor, now)
    recall_refresh_scope(recall_id=recall_id, actor=actor, now=now)
    return _activate(recall_id=recall_id, actor=actor, now=now)


@transaction.atomic
def _activate(*, recall_id: int, actor, now: datetime | None) -> Recall:
    """Start the recall, in one transaction: every lot of the scope becomes
    recalled through recorded EPCIS events (bulk captures), every consignee gets its
    notice with an acknowledgement link (outbox, sent after commit), and the lots'
    consumer pages show the red banner from the next scan. An ordered recall
    activates once the objection window has passed, or when its producer does."""
    recall = _lock(recall_id)
    now = now or timezone.now()
    org = recall_require_actor(recall=recall, actor=actor, action="activate")
    target = _check(recall, "activate")
    _activation_refusal(recall, org)
    if recall.scope_confirmed_at is None:
        raise ScopeChanged(
            _(
                "The scope changed since it was confirmed (stock shipped, received or made "
                "into new lots since); the producer confirms the changes listed, then the "
                "recall starts."
            ),
            changes=pending_scope_changes(recall),
        )
    recalled, events, skipped = _record_recall_events(recall, org=org, actor=actor, now=now)
    notices = list(recall.notices.filter(included=True).select_related("organization"))
    reminder_at = now + timedelta(hours=settings.RECALL_ACK_REMINDER_HOURS)
    for notice in notices:
        send_notice(notice, recall, topic="recall.notice", now=now)
        notice.notified_at = now
        notice.next_reminder_at = reminder_at
    RecallNotice.objects.bulk_update(notices, ["notified_at", "next_reminder_at"], batch_size=1000)
    recall.status = target
    recall.activated_at = now
    recall.next_report_due_at = recall.report_check_at = law.next_progress_due(
        recall, now, first=True
    )
    _set_complete_due(recall)
    recall.save(
        update_fields=[
            "status",
            "activated_at",
            "next_report_due_at",
            "report_check_at",
            "complete_due_at",
            "complete_calendar_covered",
            "updated_at",
        ]
    )
    log_entry(
        recall,
        "activated",
        actor=actor,
        at=now,
        data={
            "lots": recalled + skipped,
            "lots_recalled": recalled,
            "lots_already_recalled_or_destroyed": skipped,
            "events": events,
            "consignees": len(notices),
            "next_report_due_at": recall.next_report_due_at
            and recall.next_report_due_at.isoformat(),
        },
    )
    notify_regulators(
        recall,
        topic="recall.activated",
        subject=_("Recall started: %(number)s") % {"number": recall.number},
        body=_("%(lots)s lots recalled, %(n)s consignees notified.")
        % {"lots": recalled, "n": len(notices)},
    )
    return recall
