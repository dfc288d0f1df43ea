"""The deadline sweep of complaints (undecided ones escalate to the city once; a mediation period that ran out terminates; a notice to both parties not given in time is flagged once), and the risk-signal sweeps it starts."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from core.rulebook import rule
from incidents.choices import Level

from .. import risk
from ..choices import (
    ComplaintStatus,
    TerminationGround,
)
from ..models import (
    OPEN_COMPLAINT_Q,
    PARTIES_NOTICE_OWED_Q,
    Complaint,
)
from .common import _log, _notify_regulators, logger
from .mediation import _terminate


def complaints_sweep(now: datetime) -> int:
    """The complaints sweeper (api.deadlines): an open complaint past its decision deadline is
    marked overdue and escalated to the city regulator above, exactly once; one past its
    mediation deadline (testing time excluded) has its mediation terminated without agreement,
    both parties to be told within 7 working days (not an escalation). Each once: its
    ``next_due_at`` is cleared in the same transaction, the row locked with SKIP LOCKED."""
    acted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(OPEN_COMPLAINT_Q, next_due_at__lte=now)
                .select_related("batch")
                .order_by("next_due_at", "id")[:500]
            )
            for complaint in rows:
                due = complaint.next_due_at
                if complaint.status != ComplaintStatus.SUBMITTED:
                    # The mediation period ended without agreement: mediation terminates
                    # (Regulation Art. 46 ¶3), both parties to be told (Order 20 Art. 21 ¶2).
                    _terminate(
                        complaint,
                        ground=TerminationGround.PERIOD_ENDED,
                        now=due,
                        at=due,
                        reason=_("The mediation period ended without agreement."),
                    )
                    acted += 1
                    continue
                which = "decision"
                complaint.is_overdue = complaint.escalated = True
                complaint.next_due_at = None
                complaint.save(
                    update_fields=["is_overdue", "escalated", "next_due_at", "updated_at"]
                )
                _log(
                    complaint,
                    "overdue_escalated",
                    at=due,
                    reason=_("Not handled within the deadline (SAMR Order 20)."),
                    data={"deadline": which, "due_at": due, "swept_at": now, "to": Level.CITY},
                )
                _notify_regulators(
                    complaint,
                    Level.CITY,
                    topic="complaint.overdue",
                    subject=_("Complaint #%(id)s is overdue at the county") % {"id": complaint.pk},
                )
                acted += 1
        if len(rows) < 500:
            return acted + _parties_notice_sweep(now)


# What the overdue notice cites (SAMR Order 20 Art. 21 ¶2: within 7 working days of terminating).
PARTIES_NOTICE_CITATION = "SAMR Order 20 Art. 21 ¶2"


def _notice_days(complaint: Complaint) -> int:
    return rule(
        "complaint.mediation_termination_notice_working_days", on=complaint.submitted_at
    ).value


def _parties_notice_sweep(now: datetime) -> int:
    """Mediation was terminated and both parties were not told by ``parties_notice_due_at``
    (Order 20 Art. 21 ¶2): flag it once (``parties_notice_overdue``, a timeline row stamped
    with the due time, a notice to the handling county). The duty stays until
    ``notify-parties`` records it (the workbench inbox keeps it)."""
    acted = 0
    while True:
        with transaction.atomic():
            rows = list(
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    PARTIES_NOTICE_OWED_Q,
                    parties_notice_due_at__lte=now,
                    parties_notice_overdue=False,
                )
                .select_related("batch")
                .order_by("parties_notice_due_at", "id")[:500]
            )
            for complaint in rows:
                due = complaint.parties_notice_due_at
                complaint.parties_notice_overdue = True
                complaint.save(update_fields=["parties_notice_overdue", "updated_at"])
                _log(
                    complaint,
                    "parties_notice_overdue",
                    at=due,
                    reason=_(
                        "Both parties were not told within %(days)s working days that mediation "
                        "ended (SAMR Order 20 Art. 21 ¶2)."
                    )
                    % {"days": _notice_days(complaint)},
                    data={"due_at": due, "swept_at": now, "citation": PARTIES_NOTICE_CITATION},
                )
                _notify_regulators(
                    complaint,
                    Level.COUNTY,
                    topic="complaint.parties_notice_overdue",
                    subject=_("Complaint #%(id)s: both parties not yet told that mediation ended")
                    % {"id": complaint.pk},
                )
                acted += 1
        if len(rows) < 500:
            return acted


def scan_signals_sweep(now: datetime) -> int:
    """Counterfeit and diversion signals from scans. Registered as a sweeper (called every minute)
    but reads the scan log at most once per ``RISK_SCAN_SWEEP_MINUTES`` window of ``now``: the
    signals are idempotent, the aggregate queries are not free."""
    window = max(1, settings.RISK_SCAN_SWEEP_MINUTES) * 60
    key = f"complaints:scan-sweep:{int(now.timestamp() // window)}"
    try:
        if not cache.add(key, 1, window * 2):
            return 0
    except Exception:  # cache down: run anyway (the signals are raised once whatever happens)
        logger.warning("scan sweep: cache unreachable, running without the window guard")
    return risk.scan_signals(now=now)


def incident_injuries_sweep(now: datetime) -> int:
    """Injury monitoring over incidents (the complaints' side runs at submission): every minute,
    the batches of incidents with casualties reported within the window are checked."""
    return risk.incident_injury_signals(now=now)
