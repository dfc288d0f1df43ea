"""Official spot-check pages for regulators (双随机、一公开, Sichuan draft Art. 27): the draws
and the published results, the form that makes a draw, a draw's page (seed, candidate lists,
result and each check with its result form) and its verification, which re-draws from the
stored seed and lists. Writes go through ``inspections.services`` with the API's input
serializers; ``inspections.policy`` says who may record a result and who sees what."""

from __future__ import annotations

from trace.core.choices import ProductCategory

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.models import Organization
from inspections import policy, selectors, services
from inspections.choices import SpotCheckResult, SpotCheckStatus
from inspections.models import SpotCheck, SpotCheckDraw
from inspections.serializers import DrawInput, RecordInput

from ...access import regulator_page
from .common import REFUSALS, display_name, error_text, perform, validated


def _person(user) -> str:
    return user.get_full_name() or user.username


def _names(ids, model) -> dict[int, str]:
    if model is Organization:
        return {o.pk: display_name(o) for o in Organization.objects.filter(pk__in=ids)}
    return {u.pk: _person(u) for u in get_user_model().objects.filter(pk__in=ids)}


@regulator_page
def spotcheck_list(request: HttpRequest) -> HttpResponse:
    draws = SpotCheckDraw.objects.visible_to(request.user).select_related("regulator")
    page = Paginator(draws.order_by("-drawn_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/records/spotcheck_list.html",
        {
            "draws": [
                {
                    "draw": d,
                    "regulator": display_name(d.regulator),
                    "done": d.checks.filter(status=SpotCheckStatus.DONE).count(),
                }
                for d in page
            ],
            "page": page,
            "query": "",
            "published": selectors.published_checks(request.organization),
            "citation": policy.CITATION,
        },
    )


def _form_context(request: HttpRequest, values: dict) -> dict:
    inspectors = [
        {
            "pk": u.pk,
            "name": _person(u),
            "organization": display_name(u.membership.organization),
            "checked": str(u.pk) in values.get("inspectors", []),
        }
        for u in services.inspector_choices(request.organization)
    ]
    enterprises = services.jurisdiction_enterprises(request.organization)
    return {
        "values": values,
        "inspectors": inspectors,
        "enterprises": Organization.objects.filter(pk__in=enterprises[:200]).order_by("pk"),
        "enterprise_total": len(enterprises),
        "categories": ProductCategory.choices,
        "citation": policy.CITATION,
    }


@require_http_methods(["GET", "POST"])
@regulator_page
def draw_new(request: HttpRequest) -> HttpResponse:
    """The draw form; a valid draw goes to its page, a refused one stays here saying why."""
    if request.method == "GET":
        return render(request, "workbench/records/draw_new.html", _form_context(request, {}))
    values = {
        "title": request.POST.get("title", ""),
        "category": request.POST.get("category", ""),
        "region_code": request.POST.get("region_code", ""),
        "enterprise_count": request.POST.get("enterprise_count", ""),
        "inspectors_per_check": request.POST.get("inspectors_per_check", ""),
        "inspectors": request.POST.getlist("inspectors"),
        "seed": request.POST.get("seed", "").strip(),
    }
    data = validated(request, DrawInput, {k: v for k, v in values.items() if v not in ("", [])})
    if data is not None:
        try:
            record = services.draw_make(
                actor=request.user,
                enterprise_count=data["enterprise_count"],
                inspectors_per_check=data["inspectors_per_check"],
                category=data.get("category", ""),
                region_code=data.get("region_code", ""),
                inspector_ids=data.get("inspectors"),
                seed=data.get("seed"),
                title=data.get("title", ""),
            )
        except REFUSALS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Drawn: the checks are planned."))
            return redirect("workbench:spot-check-draw", record.pk)
    context = _form_context(request, values)
    return render(request, "workbench/records/draw_new.html", context, status=400)


def _visible_draw(request: HttpRequest, pk: int) -> SpotCheckDraw:
    record = (
        SpotCheckDraw.objects.visible_to(request.user).select_related("regulator").filter(pk=pk)
    ).first()
    if record is None:
        raise Http404
    return record


def _assignments(rows: list[dict], enterprises: dict, people: dict) -> list[dict]:
    return [
        {
            "position": n + 1,
            "enterprise": enterprises.get(a["enterprise"], a["enterprise"]),
            "inspectors": [people.get(i, i) for i in a["inspectors"]],
        }
        for n, a in enumerate(rows)
    ]


@regulator_page
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = _visible_draw(request, pk)
    enterprises = _names(record.enterprise_candidates, Organization)
    people = _names(record.inspector_candidates, get_user_model())
    checks = (
        SpotCheck.objects.visible_to(request.user)
        .filter(draw=record)
        .select_related("enterprise")
        .prefetch_related("inspectors")
        .order_by("position")
    )
    return render(
        request,
        "workbench/records/draw_detail.html",
        {
            "draw": record,
            "regulator": display_name(record.regulator),
            "enterprise_candidates": [
                (i, enterprises.get(i, i)) for i in record.enterprise_candidates
            ],
            "inspector_candidates": [(i, people.get(i, i)) for i in record.inspector_candidates],
            "result": _assignments(record.result, enterprises, people),
            "checks": [
                {
                    "check": c,
                    "enterprise": display_name(c.enterprise),
                    "inspectors": [_person(u) for u in c.inspectors.all()],
                    "may_record": c.status == SpotCheckStatus.PLANNED
                    and policy.may_record(request.user, c),
                }
                for c in checks
            ],
            "results": SpotCheckResult.choices,
            "today": timezone.localdate(),
            "citation": policy.CITATION,
        },
    )


@regulator_page
def draw_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw run again from its stored seed and lists, beside what it stored."""
    record = _visible_draw(request, pk)
    check = selectors.draw_verify(record)
    enterprises = _names(record.enterprise_candidates, Organization)
    people = _names(record.inspector_candidates, get_user_model())
    return render(
        request,
        "workbench/records/draw_verify.html",
        {
            "draw": record,
            "verification": check,
            "stored": _assignments(check.stored, enterprises, people),
            "redrawn": _assignments(check.redrawn, enterprises, people),
        },
    )


@require_POST
@regulator_page
def check_record(request: HttpRequest, pk: int) -> HttpResponse:
    check = SpotCheck.objects.visible_to(request.user).filter(pk=pk).first()
    if check is None:
        raise Http404
    here = reverse("workbench:spot-check-draw", args=[check.draw_id])
    data = validated(request, RecordInput)
    if data is not None:
        perform(
            request,
            lambda: services.spot_check_record(check_id=check.pk, actor=request.user, **data),
            _("The result is recorded and published."),
        )
    return redirect(f"{here}#check-{check.pk}")


urlpatterns = [
    path("spot-checks/", spotcheck_list, name="spot-checks"),
    path("spot-checks/draw/", draw_new, name="spot-check-draw-new"),
    path("spot-checks/draws/<int:pk>/", draw_detail, name="spot-check-draw"),
    path("spot-checks/draws/<int:pk>/verify/", draw_verify, name="spot-check-verify"),
    path("spot-checks/checks/<int:pk>/record/", check_record, name="spot-check-record"),
]
