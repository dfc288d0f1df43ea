"""Attachments: photos (JPEG, PNG) and PDFs, recognised by their first bytes, never by name."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from api.permissions import organization_of

from .models import Incident, IncidentAttachment
from .policy import TRANSITIONS
from .services import IllegalTransition, incident_note_attachment

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def incident_attach(*, incident_id: int, actor, upload) -> IncidentAttachment:
    """Store one attachment on an incident the actor can see; refused when oversized or disguised."""
    if upload.size > settings.INCIDENT_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is larger than %(max)s bytes.")
                    % {"max": settings.INCIDENT_ATTACHMENT_MAX_BYTES},
                    code="file_too_large",
                )
            }
        )
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "Only JPEG or PNG photos and PDF documents are accepted (checked by content)."
                    ),
                    code="file_type",
                )
            }
        )
    content_type, extension = kind
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
        if (
            incident is None
            or not Incident.objects.visible_to(actor).filter(pk=incident_id).exists()
        ):
            raise exceptions.NotFound()
        if incident.status not in TRANSITIONS["attach"][0]:
            raise IllegalTransition(incident, "attach")
        if incident.attachments.count() >= settings.INCIDENT_ATTACHMENT_MAX_COUNT:
            raise ValidationError(
                {
                    "file": ValidationError(
                        _("This incident has too many attachments."), code="too_many_files"
                    )
                }
            )
        attachment = IncidentAttachment(
            incident=incident,
            original_name=(upload.name or "file")[:255],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            organization=organization_of(actor),
            uploaded_at=timezone.now(),
        )
        # The stored name comes from the content type, never from the uploaded name.
        attachment.file.save(f"{digest.hexdigest()[:32]}{extension}", upload, save=False)
        attachment.save()
        incident_note_attachment(incident=incident, actor=actor, attachment=attachment)
    return attachment
