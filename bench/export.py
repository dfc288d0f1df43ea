"""The FSMA 204-style spreadsheet of a lot's trace, through the API."""

from __future__ import annotations

import time

from bench.common import Context, Measure, sample_lots, short_of, summary_ms


def run(ctx: Context) -> list[Measure]:
    from rest_framework.test import APIClient

    from core.models import Organization

    national = (
        Organization.objects.filter(kind="regulator", level="national").order_by("id").first()
    )
    user = national.memberships.select_related("user").first()
    if user is None:
        from django.contrib.auth import get_user_model

        from core.models import Membership

        account = get_user_model().objects.create(username=f"bench-national-{national.pk}")
        Membership.objects.create(user=account, organization=national, role="viewer")
        user = national.memberships.select_related("user").first()
    client = APIClient()
    client.force_authenticate(user.user)
    lots = sample_lots(ctx, ctx.params["export_samples"], finished_only=True)
    times, sizes = [], []
    client.get(f"/api/v1/batches/{lots[0]}/trace.xlsx")  # warm
    for lot in lots:
        start = time.perf_counter()
        response = client.get(f"/api/v1/batches/{lot}/trace.xlsx")
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"trace.xlsx of lot {lot} answered {response.status_code}")
        sizes.append(len(response.content))
    s = summary_ms(times)
    seconds = s["max_ms"] / 1000
    return [
        Measure(
            name="trace_export_xlsx",
            label="trace spreadsheet export of a lot (xlsx)",
            value=round(seconds, 4),
            unit="s",
            target="≤ 1 s",
            met=seconds <= 1,
            shortfall=short_of(seconds, 1, at_most=True, what="seconds "),
            notes=(
                f"GET /api/v1/batches/{{id}}/trace.xlsx as the national regulator for {len(lots)} random "
                f"finished lots (both directions, depth 20): slowest shown, p50 {s['p50_ms']} ms, "
                f"p95 {s['p95_ms']} ms; files {min(sizes):,}–{max(sizes):,} bytes."
            ),
            details={"timing": s},
        )
    ]
