"""The consumer files a complaint (SAMR Order 20 Art. 9): the lot, the facts, the claim, the respondent, the contact details (encrypted), photos; the handling county and its decision deadline (Art. 14)."""

from __future__ import annotations

from datetime import datetime
from trace.models import Batch

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validators import field_error as _field_error
from core.workdays import add_working_days
from incidents.choices import Level

from .. import privacy, risk
from ..choices import (
    Claim,
    RespondentKind,
)
from ..intake import check_photo
from ..models import (
    Complaint,
    ComplaintPhoto,
)
from .common import (
    _handling_region,
    _log,
    _notify_regulators,
    missing_art_9,
    respondent_prefill,
)
from .respondent import clean_credit_code, link_respondent


def _check_input(description: str, claim: str) -> str:
    description = (description or "").strip()
    if not description:
        raise _field_error("description", _("Say what happened."), "required")
    if len(description) > settings.COMPLAINT_DESCRIPTION_MAX:
        raise _field_error(
            "description",
            _("At most %(max)s characters.") % {"max": settings.COMPLAINT_DESCRIPTION_MAX},
            "too_long",
        )
    if claim and claim not in Claim.values:
        raise _field_error(
            "claim", _("Choose refund, replacement, compensation or other."), "invalid_choice"
        )
    return description


def _respondent(batch: Batch, respondent: dict | None) -> dict:
    """The respondent as given, missing keys prefilled from the lot (its maker), its credit code
    checked (GB 32100-2015), and the enterprise registered here it names, if one fits."""
    prefill = respondent_prefill(batch)
    given = {k: v for k, v in (respondent or {}).items() if v not in (None, "")}
    kind = given.get("kind") or prefill["kind"]
    if kind not in RespondentKind.values:
        raise _field_error("respondent.kind", _("Choose seller or maker."), "invalid_choice")
    if "name" in given or kind == prefill["kind"]:
        name = (given.get("name") or (prefill["name"] if kind == prefill["kind"] else "")).strip()
        address = (
            given.get("address") or (prefill["address"] if kind == prefill["kind"] else "")
        ).strip()
    else:
        name, address = "", (given.get("address") or "").strip()
    credit_code = clean_credit_code(given.get("credit_code", ""))
    return {"given": given, "kind": kind, "name": name, "address": address, "code": credit_code}


def _require_art_9(missing: list[str]) -> None:
    raise DjangoValidationError(
        {
            field: DjangoValidationError(
                _(
                    "SAMR Order 20 Art. 9: a complaint gives this. Without it, send a report "
                    "(举报) instead, which may be anonymous."
                ),
                code="required_by_order_20_art_9",
            )
            for field in missing
        }
    )


def _checked_photos(photos) -> list:
    """Every photo checked before anything is written."""
    photos = list(photos or [])
    if len(photos) > settings.COMPLAINT_PHOTO_MAX_COUNT:
        raise _field_error(
            "photos",
            _("At most %(max)s photos.") % {"max": settings.COMPLAINT_PHOTO_MAX_COUNT},
            "too_many_files",
        )
    return [check_photo(upload, i) for i, upload in enumerate(photos)]


def _create(**fields) -> Complaint:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Complaint.objects.create(tracking_code=privacy.new_tracking_code(), **fields)
        except IntegrityError:  # a tracking-code collision (1 in 10^14): draw again
            continue
    raise IntegrityError("no free tracking code after 5 draws")


def _save_photos(complaint: Complaint, checked: list) -> None:
    for data, content_type, extension, width, height in checked:
        photo = ComplaintPhoto(
            complaint=complaint,
            content_type=content_type,
            size=len(data),
            width=width,
            height=height,
        )
        photo.file.save(
            f"{privacy.new_tracking_code().lower()}{extension}", ContentFile(data), save=False
        )
        photo.save()


def _fields(r: dict, *, claim: str, claim_detail: str, consents_mediation: bool) -> dict:
    """The complaint's claim and respondent columns (SAMR Order 20 Art. 9 (2), (3))."""
    given = r["given"]
    return {
        "claim": claim or "",
        "claim_detail": (claim_detail or "").strip()[:500],
        "respondent_kind": r["kind"],
        "respondent_name": r["name"][:200],
        "respondent_address": r["address"][:300],
        "respondent_credit_code": r["code"],
        "respondent_organization": r["organization"],
        "purchase_place": (given.get("purchase_place") or "").strip()[:300],
        "purchase_date": given.get("purchase_date") or None,
        "purchase_price": given.get("purchase_price"),
        "consumer_consents_mediation": bool(consents_mediation),
    }


def _announce(complaint: Complaint, r: dict, *, linked_by, region, deadline, photos, missing, now):
    """The ``submitted`` timeline row (never contact details), the notice to the handling
    county, and the injury check of a complaint that says someone was hurt."""
    _log(
        complaint,
        "submitted",
        at=now,
        data={
            "batch": complaint.batch_id,
            "injured": complaint.injured,
            "photos": photos,
            "has_contact": complaint.has_contact,
            "region_code": region,
            "accept_due_at": deadline.due_at,
            "calendar_covered": deadline.calendar_covered,
            "claim": complaint.claim,
            "respondent": {
                "kind": r["kind"],
                "name": complaint.respondent_name,
                "credit_code": r["code"],
                "linked_by": linked_by,
            },
            "missing": missing,
        },
    )
    _notify_regulators(
        complaint,
        Level.COUNTY,
        topic="complaint.submitted",
        subject=_("New consumer complaint #%(id)s") % {"id": complaint.pk},
    )
    if complaint.injured:
        risk.check_injuries(complaint, now=now)


def complaint_submit(
    *,
    batch: Batch,
    description: str,
    injured: bool,
    contact_name: str = "",
    contact_phone: str = "",
    contact_address: str = "",
    claim: str = "",
    claim_detail: str = "",
    respondent: dict | None = None,
    consents_mediation: bool = True,
    strict: bool = False,
    photos=(),
    seller_region_code: str = "",
    now: datetime | None = None,
) -> Complaint:
    """A consumer's complaint about a lot: to the county regulator of the respondent's place
    (SAMR Order 20 Art. 12), with a decision due in 7 working days (Art. 14).

    ``respondent``: ``kind`` (seller or maker), ``name``, ``address``, ``credit_code`` (the
    unified social credit code, optional), ``purchase_place``, ``purchase_date``,
    ``purchase_price``; missing keys are prefilled from the lot (its maker). ``strict``: refuse
    (400, naming each field) a complaint without what Art. 9 asks; otherwise (an old client) it
    is recorded with ``complete`` False and can only be declined (Art. 15 (5)) or turned into a
    report."""
    now = now or timezone.now()
    description = _check_input(description, claim)
    r = _respondent(batch, respondent)
    contact_name, contact_address = (contact_name or "").strip(), (contact_address or "").strip()
    missing = missing_art_9(
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_address=contact_address,
        respondent_name=r["name"],
        claim=claim,
    )
    if strict and missing:
        _require_art_9(missing)
    checked = _checked_photos(photos)
    r["organization"], linked_by = link_respondent(batch, r["kind"], r["name"], r["code"])
    region = _handling_region(batch, seller_region_code, r["organization"])
    deadline = add_working_days(now, settings.COMPLAINT_ACCEPT_WORKING_DAYS)
    with transaction.atomic():
        complaint = _create(
            batch=batch,
            description=description,
            injured=bool(injured),
            complete=not missing,
            **_fields(
                r, claim=claim, claim_detail=claim_detail, consents_mediation=consents_mediation
            ),
            contact_encrypted=privacy.encrypt_contact(
                name=contact_name, phone=contact_phone, address=contact_address
            ),
            has_contact=bool(contact_name or contact_phone or contact_address),
            region_code=region,
            submitted_at=now,
            accept_due_at=deadline.due_at,
            next_due_at=deadline.due_at,
            calendar_covered=deadline.calendar_covered,
        )
        _save_photos(complaint, checked)
        _announce(
            complaint,
            r,
            linked_by=linked_by,
            region=region,
            deadline=deadline,
            photos=len(checked),
            missing=missing,
            now=now,
        )
    return complaint
