"""A recall of the ingredient lot with the most lots made from it (the whey
powder: ≈ 24 k downstream lots and ≈ 220 holders at full size).

Measured: the scope of the lot (``recalls.selectors.compute_scope``, target
≤ 1 s), a drill on it (scope, notices and an acknowledgement round, nothing
written but the drill's record), and the activation transaction (every lot
recalled through one capture of EPCIS ``recalled`` events, every consignee's
notice in the outbox, the lots' cached pages invalidated; target ≤ 10 s).
Then sampled consumer pages, cached as safe before the activation, are asked
for again: none may still say "no recall".

The activation is a real write, like the capture benchmark's: the data set
keeps the recall (``--regenerate`` rebuilds it). On a data set already recalled
by an earlier run the pages are already red, and the note says so.
"""

from __future__ import annotations

import time

from bench.common import Context, Measure, short_of, summary_ms

REPEATS = 3
SAMPLE_PAGES = 200


def _pages(client, batches) -> dict[int, str]:
    statuses = {}
    for batch in batches:
        html = client.get(f"/01/{batch.gtin}/10/{batch.lot}").content.decode()
        statuses[batch.pk] = "recalled" if 'data-status="recalled"' in html else "other"
    return statuses


def _give_addresses(recall) -> int:
    """Give the consignees' members without one an e-mail address (the generated data set has
    none), so that activation queues a real notice for each, as it would in a deployment;
    returns how many consignees had no address before."""
    from django.contrib.auth import get_user_model

    from core.models import Membership

    orgs = list(recall.notices.filter(included=True).values_list("organization_id", flat=True))
    bare = Membership.objects.filter(organization_id__in=orgs, user__email="")
    count = bare.values("organization_id").distinct().count()
    users = list(get_user_model().objects.filter(pk__in=bare.values("user_id")))
    for user in users:
        user.email = f"bench-{user.pk}@example.invalid"
    get_user_model().objects.bulk_update(users, ["email"], batch_size=1000)
    return count


def run(ctx: Context) -> list[Measure]:
    from trace.models import Batch

    from django.test import Client

    from core.models import Membership, Notification
    from recalls import services
    from recalls.drill import recall_drill
    from recalls.models import RecallNotice
    from recalls.selectors import compute_scope

    hub = Batch.objects.select_related("product__owner").get(pk=ctx.dataset["hub_lot_id"])
    owner = (
        Membership.objects.filter(organization=hub.product.owner)
        .select_related("user")
        .first()
        .user
    )

    compute_scope([hub.pk])  # warm
    times, scope = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        scope = compute_scope([hub.pk])
        times.append(time.perf_counter() - start)
    s = summary_ms(times)
    scope_seconds = s["p50_ms"] / 1000  # the median of the repetitions, their range in the notes
    lots, holders = len(scope.lots), len(scope.holders())
    measures = [
        Measure(
            name="recall_scope",
            label="recall scope of the whey lot",
            value=round(scope_seconds, 4),
            unit="s",
            target="≤ 1 s",
            met=scope_seconds <= 1,
            shortfall=short_of(scope_seconds, 1, at_most=True, what="seconds "),
            notes=f"lot {hub.lot}: {lots:,} lots in scope, {holders} holders, {len(scope.holdings):,} holdings; "
            f"median of {REPEATS} runs (min–max {min(times) * 1000:.1f}–{s['max_ms']} ms).",
            details={"lots": lots, "holders": holders, "timing": s},
        )
    ]

    drill = recall_drill(actor=owner, batch_ids=[hub.pk])
    measures.append(
        Measure(
            name="recall_drill",
            label="mock recall (drill) of the whey lot",
            value=round(drill.total_seconds, 4),
            unit="s",
            target="reported",
            met=None,
            notes=f"scope {drill.scope_seconds:.3f} s, notices {drill.notices_seconds:.3f} s, "
            f"acknowledgement round {drill.ack_seconds:.3f} s for {drill.holders} holders.",
            details={
                "scope_s": drill.scope_seconds,
                "notices_s": drill.notices_seconds,
                "ack_s": drill.ack_seconds,
            },
        )
    )

    sample = list(Batch.objects.filter(pk__in=list(scope.lots)[:SAMPLE_PAGES]).order_by("id"))
    client = Client()
    before = _pages(client, sample)  # now cached, safe ones as safe
    already = sum(1 for v in before.values() if v == "recalled")

    recall = services.recall_create(
        actor=owner,
        batch_ids=[hub.pk],
        recall_type="voluntary",
        recall_class=1,
        defect="bench: whey powder contaminated",
        hazard="bench",
        remedies=["refund", "replacement"],
        notice_title="乳清粉召回（基准测试）",
        notice_text="停止使用。",
        consumer_action="请立即停止使用并退回。",
        contact="客服热线 400-000-0000",
        planned_end="2027-06-30",
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=owner, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=owner)
    consignees = list(recall.notices.filter(included=True).values_list("pk", flat=True))
    addressed = _give_addresses(recall)  # else every notice is undeliverable and nothing queued
    notifications = Notification.objects.count()
    start = time.perf_counter()
    services.recall_activate(
        recall_id=recall.pk, actor=owner
    )  # one transaction; on-commit hooks included
    seconds = time.perf_counter() - start
    queued = Notification.objects.count() - notifications
    notified = RecallNotice.objects.filter(recall=recall, notified_at__isnull=False).count()
    # Every consignee's notice is in the outbox: at least one row about each notice.
    unqueued = len(consignees) - (
        Notification.objects.filter(
            topic="recall.notice",
            subject_type=RecallNotice._meta.label,
            subject_id__in=consignees,
        )
        .values("subject_id")
        .distinct()
        .count()
    )
    after = _pages(client, sample)
    safe = sum(1 for v in after.values() if v != "recalled")
    measures.append(
        Measure(
            name="recall_activation",
            label="recall activation of the whey lot (one transaction)",
            value=round(seconds, 3),
            unit="s",
            target="≤ 10 s, notices queued, no page served as safe after commit",
            met=seconds <= 10 and safe == 0 and unqueued == 0 and bool(consignees),
            shortfall=short_of(seconds, 10, at_most=True, what="seconds ")
            or (f"{safe} pages still safe" if safe else "")
            or (
                f"{unqueued} of {len(consignees)} consignees' notices not queued"
                if unqueued
                else ""
            ),
            notes=(
                f"{recall.scope_batches.count():,} lots recalled through EPCIS events, {notified} consignees "
                f"notified ({queued} outbox rows written in the transaction, each consignee's notice among "
                f"them: {unqueued == 0}; {addressed} consignees had members without an e-mail address, who were "
                f"given one first, as the generated data set has none); {len(sample)} sampled consumer pages, cached before, "
                f"all red after commit: {safe == 0}."
                + (
                    f" {already} of them were already recalled by an earlier run."
                    if already
                    else ""
                )
            ),
            details={
                "lots": recall.scope_batches.count(),
                "consignees": notified,
                "outbox_rows": queued,
                "notices_not_queued": unqueued,
                "sampled_pages": len(sample),
                "pages_still_safe": safe,
            },
        )
    )
    return measures
