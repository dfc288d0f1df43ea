"""A risk signal's title, in the reader's language.

A signal keeps the figures that raised it in ``evidence``; its title is rendered from its kind
and those figures with gettext in the language active when it is read (the API's
``Accept-Language``, the workbench's ``?lang=``), so a reader sees it in their language whatever
language the sweep or the submission that raised it ran in. The same rule writes the stored
``title`` when the signal is raised (what was raised, in the language of that moment); a row
whose evidence lacks the figures (raised before they were kept) reads its stored title.
Words among the figures (why a lot's life ended) are kept as codes and translated here.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .choices import SignalKind


def _why(code: str) -> str | None:
    """What ended the lot's life, as the title says it ("after it was …")."""
    words = {
        "recalled": pgettext("scanned after it was", "recalled"),
        "destroyed": pgettext("scanned after it was", "destroyed"),
        "expired": pgettext("scanned after it was", "expired"),
    }
    return words.get(code)


def _units(value) -> str:
    """A quantity as people write it: 200, 2.5 (not 200.000, not 2E+2)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _injury(e: dict) -> str | None:
    if e.get("rule") == "min_per_batch":
        return _("%(n)s people hurt by lot %(lot)s within %(days)s days") % {
            "n": e["casualties"],
            "lot": e["lot"],
            "days": e["window_days"],
        }
    if e.get("rule") == "multiple_of_trailing_average":
        return _("People hurt by %(product)s at %(multiple)s× their usual rate") % {
            "product": e["product_name"],
            "multiple": e["ratio"],
        }
    return None


def _unknown(e: dict) -> str:
    return _("Code %(gtin)s / lot %(lot)s was never issued but was scanned %(n)s times") % {
        "gtin": e["gtin"],
        "lot": e["lot"],
        "n": e["scans"],
    }


def _after_end(e: dict) -> str | None:
    why = _why(e["why"])
    if why is None:
        return None
    return _("Lot %(lot)s scanned %(n)s times after it was %(why)s") % {
        "lot": e["lot"],
        "n": e["scans"],
        "why": why,
    }


def _over_scanned(e: dict) -> str:
    return _("Lot %(lot)s scanned %(n)s times, more than %(factor)s× the %(units)s units made") % {
        "lot": e["lot"],
        "n": e["scans"],
        "factor": e["factor"],
        "units": _units(e["units"]),
    }


def _outside_region(e: dict) -> str:
    return _("Lot %(lot)s scanned %(n)s times in region %(city)s00, where it was never shipped") % {
        "lot": e["lot"],
        "n": e["scans"],
        "city": str(e["region"])[:4],
    }


_RENDER = {
    SignalKind.INJURY_CLUSTER: _injury,
    SignalKind.UNKNOWN_CODE: _unknown,
    SignalKind.SCANNED_AFTER_END: _after_end,
    SignalKind.OVER_SCANNED: _over_scanned,
    SignalKind.OUTSIDE_REGION: _outside_region,
}


def signal_title(kind: str, evidence) -> str | None:
    """The title of a signal of ``kind`` raised on ``evidence``, in the active language; None when
    the evidence does not hold the figures the title names."""
    render = _RENDER.get(kind)
    if render is None or not isinstance(evidence, dict):
        return None
    try:
        title = render(evidence)
    except KeyError:
        return None
    return title or None
