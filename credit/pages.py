"""The public credit page (no account): an enterprise's class, the reasons with their articles,
the period, and the objections and repairs with their status (Hangzhou Art. 23, Xinjiang
Art. 32)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.models import Organization

from . import selectors
from .choices import RequestKind
from .criteria import SCHEME


def public_credit_page(request, organization_id: int):
    enterprise = get_object_or_404(Organization, pk=organization_id)
    if not enterprise.is_enterprise:
        raise Http404
    record = selectors.credit_record(enterprise)
    context = {
        "enterprise": enterprise,
        "record": record,
        "since": timezone.localdate(record.since),
        "until": timezone.localdate(record.until),
        "class_a_reason": selectors.class_a_reason(),
        "scheme": str(SCHEME),
        "objections": [r for r in record.requests if r.kind == RequestKind.OBJECTION],
        "repairs": [r for r in record.requests if r.kind == RequestKind.REPAIR],
    }
    response = render(request, "credit/public.html", context)
    response["Cache-Control"] = "no-cache"
    return response
