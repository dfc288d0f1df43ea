"""The mock recall (drill): what activation would do, computed and timed, nothing sent or changed."""

from __future__ import annotations

import secrets
import time
from decimal import Decimal

from django.utils.translation import gettext as _

from core.models import Organization

from . import policy
from .choices import RecallType
from .models import RecallDrill
from .selectors import ZERO, compute_scope
from .services import ack_token, ack_url, affected_batches, require_writer, token_hash


def recall_drill(*, actor, batch_ids: list[int]):
    """A mock recall: the scope, the notices and an acknowledgement round computed
    and timed, without notifying anyone or changing any lot; the timings are kept."""
    org = require_writer(actor)
    started = time.perf_counter()
    ordered = policy.default_type(org) == RecallType.ORDERED  # a regulator drills an order
    batches, producer_id = affected_batches(batch_ids, organization=org, ordered=ordered)
    scope = compute_scope([b.pk for b in batches])
    by_org: dict[int, Decimal] = {}
    for h in scope.holdings:
        if h.organization_id != producer_id:
            by_org[h.organization_id] = by_org.get(h.organization_id, ZERO) + h.held
    scoped = time.perf_counter()
    names = dict(Organization.objects.filter(pk__in=by_org).values_list("pk", "name"))
    # The notices as activation would write them (token, link, text), kept in memory only.
    tokens, drafts = {}, []
    for org_id, held in by_org.items():
        token = ack_token(secrets.token_hex(16))
        tokens[token_hash(token)] = (token, held)
        drafts.append(
            (
                org_id,
                ack_url(token),
                _("Recall notice %(number)s: %(title)s")
                % {"number": "DRILL", "title": names.get(org_id, "")},
            )
        )
    noticed = time.perf_counter()
    # A simulated round: every consignee's link looked up by its hash and an answer checked.
    answered = sum(
        1 for token, held in tokens.values() if tokens.get(token_hash(token)) and held >= 0
    )
    acked = time.perf_counter()
    return RecallDrill.objects.create(
        organization=org,
        started_by=actor,
        batch_ids=[b.pk for b in batches],
        lots=len(scope.lots),
        holders=answered,
        units_held=sum(by_org.values(), ZERO),
        scope_seconds=scoped - started,
        notices_seconds=noticed - scoped,
        ack_seconds=acked - noticed,
        total_seconds=acked - started,
    )
