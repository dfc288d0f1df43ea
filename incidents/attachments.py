"""Attachments: photos (JPEG, PNG) and PDFs, recognised by their first bytes, never by name.

Every photo uploaded anywhere (incident attachments here, complaint photos in
``complaints.intake``) goes through :func:`strip_image_metadata`: decoded by Pillow and
re-encoded without its metadata, so the GPS position, camera serial and time a phone writes
into EXIF never reach storage.
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from rest_framework import exceptions

from core.models import organization_of

from .models import Incident, IncidentAttachment
from .policy import TRANSITIONS
from .services import IllegalTransition, incident_note_attachment

SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


class NotAnImage(ValueError):
    """Not a JPEG or PNG Pillow can decode (or a damaged one)."""


class TooManyPixels(ValueError):
    """Larger than the pixel limit given (a decompression bomb, or a needless giant)."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def strip_image_metadata(data: bytes, *, max_pixels: int) -> CleanImage:
    """``data`` (a JPEG or PNG) decoded and re-encoded with no metadata: no EXIF (GPS position,
    camera, time), no XMP, no PNG text chunks. A photo a phone marked as rotated is turned
    upright first, since the orientation tag goes with the rest."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in IMAGE_FORMATS:
            raise NotAnImage(kind)
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > max_pixels:
                raise TooManyPixels(image.width * image.height)
            image.load()
            upright = ImageOps.exif_transpose(image)
            if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            # A bare copy of the pixels: nothing of ``info`` (exif, xmp, icc, text) is kept, and
            # save() is given no exif=/pnginfo=.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if upright.mode == "P":
                clean.putpalette(upright.getpalette())
            out = io.BytesIO()
            clean.save(out, format=kind, **({"quality": 90} if kind == "JPEG" else {}))
    except (NotAnImage, TooManyPixels):
        raise
    except Exception as exc:  # not an image Pillow can open, a damaged or a bomb one
        raise NotAnImage(str(exc)) from exc
    content_type, extension = IMAGE_FORMATS[kind]
    return CleanImage(out.getvalue(), content_type, extension, clean.width, clean.height)


def _file_error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


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
    stored = upload
    if content_type.startswith("image/"):
        try:
            image = strip_image_metadata(
                upload.read(), max_pixels=settings.INCIDENT_PHOTO_MAX_PIXELS
            )
        except TooManyPixels:
            raise _file_error(_("This photo has too many pixels."), "image_too_large") from None
        except NotAnImage:
            raise _file_error(
                _("Only JPEG or PNG photos and PDF documents are accepted (checked by content)."),
                "file_type",
            ) from None
        stored = ContentFile(image.data)
    digest = hashlib.sha256()
    for chunk in stored.chunks():
        digest.update(chunk)
    stored.seek(0)
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
            size=stored.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            organization=organization_of(actor),
            uploaded_at=timezone.now(),
        )
        # The stored name comes from the content type, never from the uploaded name.
        attachment.file.save(f"{digest.hexdigest()[:32]}{extension}", stored, save=False)
        attachment.save()
        incident_note_attachment(incident=incident, actor=actor, attachment=attachment)
    return attachment
