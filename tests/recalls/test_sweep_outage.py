"""A recall sweep that comes back after an outage does every due action
exactly once, stamped with its due time — the same timeline rows, at the same times, as
sweeps that ran on time (the incidents' sweep does the same)."""

from datetime import datetime, timedelta
from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from core.workdays import CHINA_TZ
from recalls import services
from recalls.models import Recall, RecallNotice, RecallTimelineEntry
from recalls.sweeps import sweep_recalls
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_type": "voluntary",
    "recall_class": 2,
    "defect": "包装破损",
    "hazard": "可能变质",
    "remedies": ["refund", "replacement"],
    "notice_title": "酸奶召回",
    "notice_text": "请停止食用并退货。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}
SWEPT = {"consignee_reminded", "consignee_escalated", "progress_report_overdue"}


@pytest.fixture
def recall(enterprise, settings):
    """An active recall of a lot shipped to three consignees, none of which answers; its
    progress report falls due 10 days after the start (and is repeated weekly when late)."""
    settings.RECALL_PROGRESS_INTERVAL_DAYS = 10
    settings.RECALL_OVERDUE_REPEAT_DAYS = 7
    settings.RECALL_ACK_REMINDER_HOURS = 48
    settings.RECALL_ACK_MAX_REMINDERS = 2
    product = ProductFactory(owner=enterprise.org)
    lot = trace_services.batch_produce(
        product=product, lot="L1", quantity=Decimal(300), unit="EA", actor=enterprise.user
    )
    for _n in range(3):
        consignee = UserFactory(organization=EnterpriseFactory(region_code="320311"))
        trace_services.batch_ship(
            batch=lot,
            to=consignee.membership.organization,
            quantity=Decimal(50),
            actor=enterprise.user,
        )
        trace_services.batch_receive(batch=lot, actor=consignee)
    # Dated under the old food text (CFDA Order 12), which sets no progress interval: the
    # project's RECALL_PROGRESS_INTERVAL_DAYS applies (under SAMR Order 122 a voluntary grade 2
    # recall is exempt from progress reports, Art. 24, and there would be nothing to sweep).
    recall = services.recall_create(
        actor=enterprise.user,
        batch_ids=[lot.pk],
        risk_discovered_at=datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ),
        **PLAN,
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    recall = services.recall_activate(recall_id=recall.pk, actor=enterprise.user)
    assert recall.notices.filter(included=True, notified_at__isnull=False).count() == 3
    return recall


def _swept_rows(recall: Recall) -> list[tuple]:
    """The sweep's timeline rows as a reader compares them: what, when, about whom (the
    time the sweep really ran aside)."""
    rows = RecallTimelineEntry.objects.filter(recall=recall, action__in=SWEPT).order_by("at", "id")
    return [
        (row.action, row.at, {k: v for k, v in row.data.items() if k != "swept_at"}) for row in rows
    ]


def _notice_state(recall: Recall) -> list[tuple]:
    return list(
        RecallNotice.objects.filter(recall=recall)
        .order_by("id")
        .values_list("organization_id", "reminders_sent", "next_reminder_at", "escalated_at")
    )


def _next_due(recall: Recall):
    """The earliest time anything of this recall falls due (what a sweep every minute meets)."""
    notices = RecallNotice.objects.filter(
        recall=recall, acknowledged_at__isnull=True, recall__status="active"
    ).aggregate(at=Min("next_reminder_at"))["at"]
    recall.refresh_from_db()
    times = [t for t in (notices, recall.report_check_at) if t is not None]
    return min(times) if times else None


def _on_time(recall: Recall, until) -> tuple[list[tuple], list[tuple], list]:
    """Sweep at each due time up to ``until``, as a sweep running every minute would, then
    undo it all (a savepoint) so the late sweep starts from the same state."""
    sweeps = []
    with transaction.atomic():
        while (at := _next_due(recall)) is not None and at <= until:
            sweep_recalls(at)
            sweeps.append(at)
        rows, state = _swept_rows(recall), _notice_state(recall)
        transaction.set_rollback(True)
    return rows, state, sweeps


def test_a_sweep_after_a_12_day_outage_writes_what_on_time_sweeps_write(recall):
    start = recall.activated_at
    later = start + timedelta(days=12)
    on_time, on_time_state, sweeps = _on_time(recall, later)
    assert _swept_rows(recall) == []  # undone

    call_command("sweep_deadlines", now=later.isoformat())
    late = _swept_rows(recall)

    # Each consignee: reminders at +48 h and +96 h, escalated at +144 h; the report, due at
    # +10 days, overdue once: 3 × 3 + 1 rows, whether swept on time or 12 days late.
    assert len(on_time) == 10 and len(sweeps) == 4
    assert late == on_time
    assert _notice_state(recall) == on_time_state
    hours = sorted({(at - start) / timedelta(hours=1) for _a, at, _d in late})
    assert hours == [48, 96, 144, 240]
    assert [a for a, *_ in late].count("consignee_reminded") == 6
    assert {d["reminder"] for a, _at, d in late if a == "consignee_reminded"} == {1, 2}
    assert [a for a, *_ in late].count("consignee_escalated") == 3
    for notice in RecallNotice.objects.filter(recall=recall):
        assert notice.reminders_sent == 2 and notice.escalated_at == start + timedelta(hours=144)
        assert notice.next_reminder_at is None
    # The rows say when the sweep really acted.
    swept_at = {
        row.data["swept_at"]
        for row in RecallTimelineEntry.objects.filter(recall=recall, action__in=SWEPT)
    }
    assert swept_at == {later.isoformat()}
    # Exactly once: sweeping again at the same time, or a little later, adds nothing.
    assert sweep_recalls(later) == 0
    assert sweep_recalls(later + timedelta(hours=1)) == 0
    assert _swept_rows(recall) == late


def test_the_recall_page_says_when_a_late_sweep_did_it(client, enterprise, recall):
    later = recall.activated_at + timedelta(days=12)
    sweep_recalls(later)
    client.force_login(enterprise.user)
    html = client.get(f"/workbench/recalls/{recall.pk}/", HTTP_ACCEPT_LANGUAGE="en").content
    done = timezone.localtime(later).strftime("%Y-%m-%d %H:%M")
    assert html.decode().count(f"done at {done}, the sweep having been down") == 10


def test_the_next_overdue_report_notice_counts_from_the_due_time(recall):
    """Weekly repeats of an overdue progress report keep their rhythm after an outage."""
    due = recall.next_report_due_at
    sweep_recalls(due + timedelta(days=22))  # due, +7, +14, +21 days: four notices
    rows = RecallTimelineEntry.objects.filter(
        recall=recall, action="progress_report_overdue"
    ).order_by("at")
    assert [row.at - due for row in rows] == [timedelta(days=d) for d in (0, 7, 14, 21)]
    assert {row.data["due_at"] for row in rows} == {due.isoformat()}
    recall.refresh_from_db()
    assert recall.report_check_at == due + timedelta(days=28)


def _started_days_ago(recall: Recall, days: int) -> None:
    """As if the recall had started ``days`` ago and no sweep had run since."""
    back = timedelta(days=days)
    Recall.objects.filter(pk=recall.pk).update(
        activated_at=F("activated_at") - back,
        next_report_due_at=F("next_report_due_at") - back,
        report_check_at=F("report_check_at") - back,
    )
    RecallNotice.objects.filter(recall=recall).update(
        notified_at=F("notified_at") - back, next_reminder_at=F("next_reminder_at") - back
    )
    recall.refresh_from_db()


def test_what_fell_due_before_a_completion_during_the_outage_is_still_done(enterprise, recall):
    """The producer completes the recall while the sweep is down: the reminders, escalations
    and the overdue report that fell due before are done when it comes back, as on time."""
    _started_days_ago(recall, 12)
    with transaction.atomic():  # on time: every due time swept, then the completion
        on_time, _state, sweeps = _on_time(recall, timezone.now())
        assert len(sweeps) == 4
        transaction.set_rollback(True)
    services.recall_complete(recall_id=recall.pk, actor=enterprise.user)
    assert sweep_recalls(timezone.now() + timedelta(minutes=1)) == 10
    assert _swept_rows(recall) == on_time and len(on_time) == 10
    recall.refresh_from_db()
    assert recall.report_check_at is None
    assert sweep_recalls(timezone.now() + timedelta(days=3)) == 0
