"""The only writes of spot checks: making a draw (with its planned checks) and recording a
check's result. Each change writes a ``SpotCheckTimelineEntry`` in the same transaction."""

from __future__ import annotations

import re
from datetime import date
from trace.core.choices import ProductCategory

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import OrganizationKind, Role
from core.errors import Conflict
from core.models import Organization
from core.validators import field_error, validate_region_code

from . import policy
from .choices import SeedSource, SpotCheckResult
from .draw import ALGORITHM, draw, new_seed
from .models import SpotCheck, SpotCheckDraw, SpotCheckTimelineEntry

_SEED_RE = re.compile(r"^[0-9a-f]{64}$")
WRITER_ROLES = (Role.ADMIN, Role.OPERATOR)


def region_prefix(region_code: str) -> str:
    """The prefix a region code stands for: a province ``xx0000`` → ``xx``, a city ``xxxx00`` →
    ``xxxx``, a county the whole code (GB/T 2260)."""
    if region_code.endswith("0000"):
        return region_code[:2]
    if region_code.endswith("00"):
        return region_code[:4]
    return region_code


def enterprise_candidates(scope_prefix: str, category: str = "") -> list[int]:
    """The enterprises a draw chooses from: registered in the region, making the category."""
    enterprises = Organization.objects.filter(
        kind=OrganizationKind.ENTERPRISE, region_code__startswith=scope_prefix
    )
    if category:
        enterprises = enterprises.filter(products__category=category)
    return sorted(set(enterprises.values_list("pk", flat=True)))


def jurisdiction_enterprises(regulator: Organization) -> list[int]:
    """Every enterprise a regulator may draw (its whole jurisdiction, any category)."""
    return enterprise_candidates(policy.draw_scope(regulator))


def default_inspectors(regulator: Organization) -> list[int]:
    """The regulator's own staff who may act (operators and administrators, active accounts)."""
    return sorted(
        get_user_model()
        .objects.filter(
            is_active=True,
            membership__organization=regulator,
            membership__role__in=WRITER_ROLES,
        )
        .values_list("pk", flat=True)
    )


def inspector_choices(regulator: Organization):
    """The people a regulator may draw inspectors from (what ``inspectors_from`` accepts): active
    operators and administrators of regulators within its jurisdiction, its own staff first."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            membership__organization__in=Organization.objects.filter(
                kind=OrganizationKind.REGULATOR
            ).governed_by(regulator),
            membership__role__in=WRITER_ROLES,
        )
        .select_related("membership__organization")
        .order_by("membership__organization__region_code", "pk")
    )


def inspectors_from(regulator: Organization, user_ids: list[int]) -> list[int]:
    """The given inspectors, each an active operator or administrator of a regulator within the
    drawing regulator's jurisdiction (its own staff, or a lower regulator's)."""
    wanted = sorted(set(user_ids))
    found = set(
        get_user_model()
        .objects.filter(
            pk__in=wanted,
            is_active=True,
            membership__organization__in=Organization.objects.filter(
                kind=OrganizationKind.REGULATOR
            ).governed_by(regulator),
            membership__role__in=WRITER_ROLES,
        )
        .values_list("pk", flat=True)
    )
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise field_error(
            "inspectors",
            _(
                "Users %(ids)s are not inspectors a regulator of this jurisdiction may draw "
                "(an active operator or administrator of a regulator in it)."
            )
            % {"ids": ", ".join(map(str, missing))},
            "not_an_inspector",
        )
    return wanted


def _timeline(check: SpotCheck, action: str, *, actor, data: dict | None = None, at=None):
    return SpotCheckTimelineEntry.record(check, action, actor=actor, data=data, at=at)


def _draw_scope(regulator: Organization, region_code: str, category: str) -> str:
    """The region-code prefix drawn over: the regulator's jurisdiction, or a region inside it."""
    scope = policy.draw_scope(regulator)
    if region_code:
        try:
            validate_region_code(region_code)
        except ValidationError as exc:
            raise ValidationError({"region_code": exc.error_list}) from exc
        scope = region_prefix(region_code)
        policy.require_in_jurisdiction(regulator, scope, "region_code")
    if category and category not in ProductCategory.values:
        raise field_error("category", _("Not a product category."), "invalid_choice")
    return scope


def _draw_seed(seed: str | None) -> tuple[str, str]:
    """The seed and where it came from: the OS's cryptographic source unless one is given."""
    if seed is None:
        return new_seed(), SeedSource.SERVER
    seed = seed.lower()
    if not _SEED_RE.match(seed):
        raise field_error("seed", _("A seed is 64 hexadecimal digits (32 bytes)."), "invalid_seed")
    return seed, SeedSource.GIVEN


def _draw_candidates(
    regulator: Organization,
    scope: str,
    category: str,
    enterprise_count: int,
    inspectors_per_check: int,
    inspector_ids: list[int] | None,
) -> tuple[list[int], list[int]]:
    """The sorted candidate lists, refusing a count the lists (or the setting) cannot give."""
    limit = settings.SPOT_CHECK_MAX_ENTERPRISES
    if not 1 <= enterprise_count <= limit:
        raise field_error(
            "enterprise_count",
            _("Draw between 1 and %(limit)d enterprises at a time (SPOT_CHECK_MAX_ENTERPRISES).")
            % {"limit": limit},
            "out_of_range",
        )
    enterprises = enterprise_candidates(scope, category)
    if enterprise_count > len(enterprises):
        raise field_error(
            "enterprise_count",
            _("Only %(n)d enterprises match the draw; you asked for %(k)d.")
            % {"n": len(enterprises), "k": enterprise_count},
            "more_than_candidates",
        )
    inspectors = (
        inspectors_from(regulator, inspector_ids)
        if inspector_ids
        else default_inspectors(regulator)
    )
    if not 1 <= inspectors_per_check <= len(inspectors):
        raise field_error(
            "inspectors_per_check",
            _("Between 1 and %(n)d inspectors per check: there are %(n)d inspectors to draw from.")
            % {"n": len(inspectors)},
            "more_than_candidates",
        )
    return enterprises, inspectors


def _plan_checks(record: SpotCheckDraw, assignments, *, actor, now) -> None:
    """One planned check per drawn enterprise, its inspectors and its timeline row."""
    regions = dict(
        Organization.objects.filter(pk__in=[a.enterprise for a in assignments]).values_list(
            "pk", "region_code"
        )
    )
    checks = SpotCheck.objects.bulk_create(
        SpotCheck(
            draw=record,
            position=position,
            enterprise_id=a.enterprise,
            regulator=record.regulator,
            region_code=regions[a.enterprise],
        )
        for position, a in enumerate(assignments)
    )
    through = SpotCheck.inspectors.through
    through.objects.bulk_create(
        through(spotcheck_id=check.pk, user_id=user_id)
        for check, a in zip(checks, assignments, strict=True)
        for user_id in a.inspectors
    )
    SpotCheckTimelineEntry.objects.bulk_create(
        SpotCheckTimelineEntry.entry(
            check,
            "planned",
            actor=actor,
            at=now,
            data={"draw": record.pk, "position": check.position, "inspectors": a.inspectors},
        )
        for check, a in zip(checks, assignments, strict=True)
    )


def draw_make(
    *,
    actor,
    enterprise_count: int,
    inspectors_per_check: int,
    category: str = "",
    region_code: str = "",
    inspector_ids: list[int] | None = None,
    seed: str | None = None,
    title: str = "",
) -> SpotCheckDraw:
    """Draw ``enterprise_count`` enterprises of the regulator's jurisdiction (optionally of one
    region inside it and one product category) and ``inspectors_per_check`` inspectors for each
    (Sichuan draft Art. 27, 双随机), and plan one spot check per drawn enterprise. The seed is
    from the OS's cryptographic source unless given; seed, sorted lists and result are stored
    so anyone can re-draw (``draw.py`` documents the algorithm)."""
    regulator = policy.require_drawer(actor)
    scope = _draw_scope(regulator, region_code, category)
    seed, source = _draw_seed(seed)
    enterprises, inspectors = _draw_candidates(
        regulator, scope, category, enterprise_count, inspectors_per_check, inspector_ids
    )
    assignments = draw(
        seed_hex=seed,
        enterprises=enterprises,
        inspectors=inspectors,
        enterprise_count=enterprise_count,
        inspectors_per_check=inspectors_per_check,
    )
    now = timezone.now()
    with transaction.atomic():
        record = SpotCheckDraw(
            regulator=regulator,
            drawn_by=actor,
            drawn_at=now,
            title=title,
            scope_prefix=scope,
            category=category,
            enterprise_count=enterprise_count,
            inspectors_per_check=inspectors_per_check,
            algorithm=ALGORITHM,
            seed=seed,
            seed_source=source,
            enterprise_candidates=enterprises,
            inspector_candidates=inspectors,
            result=[a.as_dict() for a in assignments],
        )
        record.save()
        _plan_checks(record, assignments, actor=actor, now=now)
    return record


def spot_check_record(
    *,
    check_id: int,
    actor,
    result: str,
    checked_on: date,
    findings: str = "",
) -> SpotCheck:
    """Record a planned check's result (pass or fail, the day, the findings): it is then done
    and published (一公开). A failed check needs its findings."""
    with transaction.atomic():
        check = (
            SpotCheck.objects.select_for_update().select_related("draw").filter(pk=check_id).first()
        )
        if check is None:
            raise Http404
        policy.require_record(actor, check)
        sources, target = policy.TRANSITIONS["record"]
        if check.status not in sources:
            raise Conflict(
                _("This spot check is %(status)s: its result is already recorded.")
                % {"status": check.get_status_display()},
                code="already_recorded",
            )
        if result not in SpotCheckResult.values:
            raise field_error("result", _("The result is pass or fail."), "invalid_choice")
        today = timezone.localdate()
        if checked_on > today:
            raise field_error("checked_on", _("The check cannot be dated in the future."), "future")
        if checked_on < timezone.localdate(check.draw.drawn_at):
            raise field_error(
                "checked_on", _("The check cannot be dated before its draw."), "before_draw"
            )
        findings = findings.strip()
        if result == SpotCheckResult.FAIL and not findings:
            raise field_error(
                "findings", _("A failed check states its findings."), "findings_required"
            )
        check.status = target
        check.result = result
        check.checked_on = checked_on
        check.findings = findings
        check.concluded_at = timezone.now()
        check.save(
            update_fields=[
                "status",
                "result",
                "checked_on",
                "findings",
                "concluded_at",
                "updated_at",
            ]
        )
        _timeline(
            check,
            "result_recorded",
            actor=actor,
            at=check.concluded_at,
            data={"result": result, "checked_on": checked_on.isoformat()},
        )
    return check
