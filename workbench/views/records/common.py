"""What the record pages share: due times as people read them, the action buttons and forms,
relaying a service's refusal as a message, the batch links and the timeline rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from trace.models import Batch

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions as drf

from api.exceptions import errors_of

# --- names and labels --------------------------------------------------------------------


def display_name(obj) -> str:
    """An organization's or product's name in the page's language (the English name if any)."""
    if obj is None:
        return ""
    if translation.get_language() == "en" and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


# Short grade names without the Chinese in brackets the model's labels carry, so an English
# page reads in English only.
GRADE_NAMES = {
    "I": gettext_lazy("particularly serious"),
    "II": gettext_lazy("serious"),
    "III": gettext_lazy("relatively serious"),
    "IV": gettext_lazy("ordinary"),
}


def grade_text(grade: str) -> str:
    return f"{grade} · {GRADE_NAMES.get(grade, '')}" if grade else "—"


# --- due times -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A due time as a person reads it: when, and the time left or how late."""

    at: datetime
    what: str
    overdue: bool
    text: str

    @property
    def sort_key(self) -> tuple:
        return (0 if self.overdue else 1, self.at)


def due(at: datetime | None, what: str, now: datetime, *, overdue: bool = False) -> Due | None:
    if at is None:
        return None
    if at <= now:
        text = _("%(what)s: overdue by %(time)s") % {
            "what": what,
            "time": timesince(at, now, depth=2),
        }
    elif overdue:
        text = _("%(what)s: overdue, next due in %(time)s") % {
            "what": what,
            "time": timeuntil(at, now, depth=2),
        }
    else:
        text = _("%(what)s: in %(time)s") % {"what": what, "time": timeuntil(at, now, depth=2)}
    return Due(at=at, what=str(what), overdue=overdue or at <= now, text=text)


def dues(*items: Due | None) -> list[Due]:
    return sorted((d for d in items if d is not None), key=lambda d: d.sort_key)


# --- actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionField:
    name: str
    label: str
    kind: str = "text"  # text, textarea, select, number, checkbox
    required: bool = False
    choices: tuple = ()


@dataclass(frozen=True)
class Action:
    """A button (no fields) or a small form, posting to ``url``."""

    name: str
    label: str
    fields: tuple[ActionField, ...] = ()
    confirm: str = ""
    danger: bool = False
    url: str = ""

    def at(self, url: str) -> Action:
        return replace(self, url=url)


def reason_field(required: bool = False) -> ActionField:
    return ActionField(
        "reason",
        _("Reason") if required else _("Reason (optional)"),
        "textarea",
        required=required,
    )


def error_text(exc: Exception) -> str:
    """A service's refusal as one line: field and message, as the API's problem+json says it."""
    parts = [
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors_of(exc)
    ]
    return "; ".join(parts) or str(exc)


REFUSALS = (drf.APIException, DjangoValidationError)


def perform(request: HttpRequest, call: Callable[[], object], done: str) -> bool:
    """Call a service; its refusal (400, 403, 404, 409) becomes an error message on the page."""
    membership = getattr(request.user, "membership", None)
    if membership is None or not membership.can_write:
        messages.error(request, _("You must belong to an organization, and viewers may only read."))
        return False
    try:
        call()
    except REFUSALS as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, done)
    return True


def validated(request: HttpRequest, serializer_class, data=None) -> dict | None:
    """The form's fields through the API's own input serializer (the same rules)."""
    serializer = serializer_class(data=request.POST if data is None else data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    messages.error(request, error_text(drf.ValidationError(serializer.errors)))
    return None


def run_action(
    request: HttpRequest, spec: tuple | None, call: Callable[[dict], object], here: str
) -> HttpResponse:
    """One action button's post: ``spec`` is (button, the API's input serializer or None, …);
    the form goes through the serializer, then ``call(validated data)`` through ``perform``,
    then back to the page (Post/Redirect/Get). An action that is no button of the page is 404."""
    if spec is None:
        raise Http404
    button, serializer_class = spec[0], spec[1]
    data = {} if serializer_class is None else validated(request, serializer_class)
    if data is not None:
        perform(request, lambda: call(data), _("%(action)s: done.") % {"action": button.label})
    return back(request, here)


def renamed(data: dict, renames: dict) -> dict:
    """The API's input names → the service's keyword names."""
    return {renames.get(k, k): v for k, v in data.items()}


def filter_params(request: HttpRequest):
    """The query without the empty values a filter form sends for "any"."""
    params = request.GET.copy()
    for key in list(params):
        values = [v for v in params.getlist(key) if v != ""]
        if values:
            params.setlist(key, values)
        else:
            del params[key]
    return params


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Post/Redirect/Get: back where the button was (the inbox or the record's page)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# --- batches and timelines -----------------------------------------------------------------


def batch_rows(batches: Iterable[Batch], user) -> list[dict]:
    """Each batch with its consumer page and, where this user may see it, its trace page."""
    batches = list(batches)
    traceable = set(
        Batch.objects.visible_to(user)
        .filter(pk__in=[b.pk for b in batches])
        .values_list("pk", flat=True)
    )
    return [
        {
            "batch": b,
            "product": display_name(b.product) if b.product_id else b.gtin,
            "page_url": f"/01/{b.gtin}/10/{b.lot}",
            "trace_url": reverse("workbench:lot-trace", args=[b.pk]) if b.pk in traceable else "",
            "status": b.get_status_display(),
        }
        for b in batches
    ]


def timeline_rows(rows: Iterable, describe: Callable[[object], tuple[str, str]]) -> list[dict]:
    """Timeline entries in order: when, what (label and details), who, why."""
    out = []
    for row in rows:
        label, details = describe(row)
        org = row.actor_organization
        out.append(
            {
                "at": timezone.localtime(row.at),
                "label": label,
                "details": details,
                "who": display_name(org) if org else _("the system"),
                "reason": row.reason,
            }
        )
    return out


def arrow(a: str, b: str) -> str:
    return f"{a} → {b}"
