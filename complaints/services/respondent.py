"""Which enterprise registered here a complaint's respondent (SAMR Order 20 Art. 9 (2): the
seller's or maker's name and address) is: by the unified social credit code when the consumer
gives one (GB 32100-2015, check character verified), else by its name compared loosely —
Unicode NFKC (full-width letters, digits and brackets to half-width), no whitespace, letters
case-folded, and the two spellings the Company Law allows for one legal form made one. Never
by guess: two enterprises that fit leave the complaint unlinked for the regulator to link."""

from __future__ import annotations

import re
import unicodedata
from trace.models import Batch

from django.core.exceptions import ValidationError
from django.db.models import Q

from core.choices import OrganizationKind
from core.models import Organization
from core.validators import field_error, validate_credit_code

from ..choices import RespondentKind

# Company Law of the PRC (2023 revision) Art. 7: a limited liability company's name bears
# "有限责任公司" or "有限公司", a company limited by shares' "股份有限公司" or "股份公司";
# each pair names one legal form, so either spelling names the same enterprise.
_LEGAL_FORM_SPELLINGS = (("有限责任公司", "有限公司"), ("股份公司", "股份有限公司"))
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff]{2}")


def clean_credit_code(value: str, field: str = "respondent.credit_code") -> str:
    """The respondent's unified social credit code as given (full-width, spaces, lower case
    tolerated), checked against GB 32100-2015 (its check character included); "" when none."""
    code = _SPACE.sub("", unicodedata.normalize("NFKC", value or "")).upper()
    if not code:
        return ""
    try:
        validate_credit_code(code)
    except ValidationError as exc:
        raise field_error(field, exc.messages[0], exc.error_list[0].code) from exc
    return code


def name_key(name: str) -> str:
    """A name as compared: NFKC, no whitespace, case-folded, one spelling per legal form."""
    key = _SPACE.sub("", unicodedata.normalize("NFKC", name or "")).casefold()
    for variant, spelling in _LEGAL_FORM_SPELLINGS:
        if key.endswith(variant):
            key = key[: -len(variant)] + spelling
            break
    return key


def _by_name(name: str) -> Organization | None:
    key = name_key(name)
    if not key:
        return None
    # Narrow in SQL by the name's first two CJK characters (NFKC leaves them as they are), else
    # its first three characters; compare in Python.
    run = _CJK.search(key)
    narrowed = Q(name=name) | (
        Q(name__contains=run.group(0)) if run else Q(name__icontains=key[:3])
    )
    found = [
        org
        for org in Organization.objects.filter(narrowed, kind=OrganizationKind.ENTERPRISE)[:5000]
        if name_key(org.name) == key
    ]
    return found[0] if len(found) == 1 else None


def link_respondent(
    batch: Batch, kind: str, name: str, credit_code: str = ""
) -> tuple[Organization | None, str]:
    """The enterprise registered here the respondent names, and how it was found
    (``credit_code``, ``maker``, ``name``; "" when none or ambiguous). A credit code given
    decides alone: no enterprise with it, no link (the name is not tried against it)."""
    if credit_code:
        org = Organization.objects.filter(
            credit_code=credit_code, kind=OrganizationKind.ENTERPRISE
        ).first()
        return (org, "credit_code") if org is not None else (None, "")
    owner = batch.product.owner if batch.product_id and batch.product.owner_id else None
    if (
        kind == RespondentKind.MAKER
        and owner is not None
        and (not name or name_key(name) == name_key(owner.name))
    ):
        return owner, "maker"
    org = _by_name(name)
    return (org, "name") if org is not None else (None, "")
