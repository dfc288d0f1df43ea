"""What a consumer sends, checked: the code from the package, the phone number, the photos."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incidents.attachments import NotAnImage, TooManyPixels, strip_image_metadata

PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def parse_code(value: str) -> tuple[str, str]:
    """GTIN and lot from a scanned GS1 Digital Link URI or a GS1 element string (via biip,
    imported here: its GS1 prefix tables are large, and only this parse needs them)."""
    import biip
    from biip.gs1_messages import GS1Message

    value = (value or "").strip()
    if not value or len(value) > 300:
        raise _error("code", _("Enter the code printed on the package."), "invalid_code")
    try:
        if value.startswith("("):  # the human-readable form printed under the code
            message = GS1Message.parse_hri(value)
        else:
            result = biip.parse(value)
            message = result.gs1_digital_link_uri or result.gs1_message
    except Exception as exc:  # biip raises its own ParseError family; any failure is a bad code
        raise _error("code", _("This is not a GS1 code we can read."), "invalid_code") from exc
    if message is None:
        raise _error("code", _("This is not a GS1 code we can read."), "invalid_code")
    values = {element.ai.ai: element.value for element in message.element_strings}
    if "01" not in values or "10" not in values:
        raise _error(
            "code", _("The code must name the product (01) and the lot (10)."), "code_without_lot"
        )
    return values["01"], values["10"]


def normalize_phone(value: str) -> str:
    phone = re.sub(r"[\s()]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if phone and not PHONE_RE.match(phone):
        raise _error(
            "contact_phone",
            _("Enter a mainland mobile number (11 digits) or a landline with its area code."),
            "invalid_phone",
        )
    return phone


def check_photo(upload, index: int) -> tuple[bytes, str, str, int, int]:
    """(re-encoded bytes, content type, extension, width, height) of a JPEG or PNG photo.

    Opened by Pillow, whatever the name says; re-encoded by the one function every upload
    uses (``incidents.attachments.strip_image_metadata``), so no metadata (GPS) is kept.
    """
    field = f"photos[{index}]"
    if upload.size > settings.COMPLAINT_PHOTO_MAX_BYTES:
        raise _error(
            field,
            _("A photo may be at most %(max)s MB.")
            % {"max": settings.COMPLAINT_PHOTO_MAX_BYTES // (1024 * 1024)},
            "file_too_large",
        )
    try:
        image = strip_image_metadata(upload.read(), max_pixels=settings.COMPLAINT_PHOTO_MAX_PIXELS)
    except TooManyPixels:
        raise _error(field, _("This photo has too many pixels."), "image_too_large") from None
    except NotAnImage:
        raise _error(field, _("Only JPEG or PNG photos are accepted."), "not_an_image") from None
    return image.data, image.content_type, image.extension, image.width, image.height
