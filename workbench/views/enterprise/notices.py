"""What others ask of it: the recall notices it must answer as a consignee (answered through
the same service as the acknowledgement link), and what came of complaints about its
products: the complaints against it that a regulator accepted (``complaints.policy``; answered
on their own pages), the incidents opened from complaints that it may see, and the risk signals
raised on its products."""

from __future__ import annotations

from trace.core.labels import unit_label

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from api.parsing import positive_id
from complaints.models import RiskSignal
from incidents.choices import Source
from incidents.models import Incident
from recalls import services
from recalls.models import Recall, RecallBatch, RecallHolding, RecallNotice
from recalls.serializers import AckInput

from ...access import enterprise_page, refused
from .common import (
    REFUSALS,
    can_write,
    check_with,
    english,
    local_name,
    number,
    refuse_into,
    viewer_refusal,
)
from .complaints import complaint_rows
from .forms import AckForm
from .incidents import incident_url

FIGURES = ("on_hand", "returned", "destroyed", "corrected")


def _notices(request: HttpRequest):
    """Its notices in recalls it may see: included, and sent (the recall was activated)."""
    return (
        RecallNotice.objects.filter(
            organization=request.organization,
            included=True,
            notified_at__isnull=False,
            recall__in=Recall.objects.visible_to(request.user),
        )
        .select_related("recall__producer")
        .order_by("acknowledged_at", "-notified_at", "-id")
    )


def _notice_row(notice: RecallNotice) -> dict:
    recall = notice.recall
    return {
        "notice": notice,
        "recall": recall,
        "producer": local_name(recall.producer),
        "title": recall.notice_title_en
        if recall.notice_title_en and english()
        else recall.notice_title,
        "held": number(notice.held),
        "figures": {name: number(getattr(notice, name)) for name in FIGURES},
        "answered": notice.acknowledged_at is not None,
    }


@enterprise_page
def notices(request: HttpRequest) -> HttpResponse:
    rows = [_notice_row(n) for n in _notices(request)]
    return render(
        request,
        "workbench/enterprise/notices.html",
        {
            "rows": rows,
            "waiting": sum(1 for r in rows if not r["answered"]),
            "can_write": can_write(request.user),
        },
    )


def _token(notice: RecallNotice) -> str | None:
    """The consignee's working link, as the recall service shows it when signed in."""
    url = services.current_ack_url(notice)
    return url.rstrip("/").rsplit("/", 1)[1] if url else None


@enterprise_page
def notice_ack(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm receipt of a recall notice and report quantities: ``recall_acknowledge`` with
    the link the notice carried, as the phone page behind the link does."""
    notice = _notices(request).filter(recall_id=positive_id(pk, "pk")).first()
    if notice is None:
        raise Http404
    status = 200
    if request.method == "POST":
        if not can_write(request.user):
            return refused(request, viewer_refusal())
        form = AckForm(request.POST)
        status = 400
        if form.is_valid():
            given = {k: v for k, v in request.POST.items() if k in (*FIGURES, "note") and v != ""}
            data = check_with(AckInput, given, form)
            token = _token(notice)
            if data is not None and token is None:
                form.add_error(
                    None,
                    _("Your acknowledgement link has expired; a reminder will bring a new one."),
                )
            elif data is not None:
                try:
                    services.recall_acknowledge(token=token, data=data)
                except REFUSALS as exc:
                    status = refuse_into(form, exc)
                else:
                    messages.success(
                        request,
                        _("Your answer to recall %(number)s is recorded.")
                        % {"number": notice.recall.number},
                    )
                    return redirect("workbench:enterprise-notices")
    else:
        answered = notice.acknowledged_at is not None
        form = AckForm(
            initial={name: getattr(notice, name) for name in FIGURES} if answered else None
        )
    return render(
        request,
        "workbench/enterprise/notice_ack.html",
        {
            "row": _notice_row(notice),
            "lots": _lots_received(notice),
            "form": form,
            "can_write": can_write(request.user),
        },
        status=status,
    )


def _lots_received(notice: RecallNotice) -> list[dict]:
    """The lots of the recall's scope this consignee received: product, GTIN, lot, how much it
    received and how much the trace says it still holds."""
    included = RecallBatch.objects.filter(recall_id=notice.recall_id, included=True).values(
        "batch_id"
    )
    holdings = (
        RecallHolding.objects.filter(
            recall_id=notice.recall_id,
            organization_id=notice.organization_id,
            batch_id__in=included,
        )
        .select_related("batch__product")
        .order_by("batch__gtin", "batch__lot")
    )
    return [
        {
            "product": local_name(h.batch.product) if h.batch.product_id else "",
            "gtin": h.batch.gtin,
            "lot": h.batch.lot,
            "received": number(h.received),
            "held": number(h.held),
            "unit": unit_label(h.batch.unit),
        }
        for h in holdings
    ]


@enterprise_page
def complaints(request: HttpRequest) -> HttpResponse:
    incidents = (
        Incident.objects.visible_to(request.user)
        .filter(source=Source.COMPLAINT)
        .order_by("-reported_at", "-id")[:100]
    )
    signals = RiskSignal.objects.visible_to(request.user).order_by("-raised_at", "-id")[:100]
    return render(
        request,
        "workbench/enterprise/complaints.html",
        {
            "against": complaint_rows(request),
            "incidents": [
                {"incident": i, "url": incident_url(i.pk), "status": i.get_status_display()}
                for i in incidents
            ],
            "signals": [
                {
                    "signal": s,
                    "kind": s.get_kind_display(),
                    "title": s.get_title_display(),
                    "status": s.get_status_display(),
                }
                for s in signals
            ],
        },
    )
