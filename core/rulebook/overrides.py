"""Settings that replace a rule's figure: a province's own plan, a corrected figure.

``settings.RULEBOOK_OVERRIDES`` (env ``RULEBOOK_OVERRIDES``, a JSON object) maps a rule key to
its replacement: a bare value, an object, or a list of objects with separate dates::

    {"food_incident.grade4.poisoned_people": 20,
     "food_incident.grade2.deaths": {"value": 10, "status": "VERIFIED-2",
         "instrument_zh": "《某省食品安全事故应急预案》", "instrument_en": "Province X food plan",
         "article_zh": "1.3", "article_en": "§1.3", "in_force_from": "2020-01-23"}}

An override changes the figure of a rule in force; it never creates a rule for a day on which
the rulebook has none. The replaced rule says ``overridden`` and cites the setting (or the
instrument the override names) instead of the code's citation; its status is UNVERIFIED
unless the override gives one. Malformed overrides refuse to start (``CoreConfig.ready``).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ImproperlyConfigured

from .model import LEVELS, Instrument, Rule, Status, Text, Unit

SETTING = "RULEBOOK_OVERRIDES"
LOCAL_SETTING = Instrument(
    "setting", Text(zh=f"本地设置（{SETTING}）", en=f"Local setting ({SETTING})")
)
_FIELDS = {
    "value",
    "unit",
    "status",
    "instrument_zh",
    "instrument_en",
    "article_zh",
    "article_en",
    "in_force_from",
    "in_force_to",
}


@dataclass(frozen=True, slots=True)
class Override:
    key: str
    value: int | float | str
    unit: Unit | None
    instrument: Instrument
    article: Text
    status: Status
    in_force_from: date | None
    in_force_to: date | None

    def covers(self, day: date) -> bool:
        return (self.in_force_from is None or self.in_force_from <= day) and (
            self.in_force_to is None or day <= self.in_force_to
        )

    def apply(self, base: Rule) -> Rule:
        """``base`` with this figure and citation, in force where both are."""
        return base.with_changes(
            value=self.value,
            unit=self.unit or base.unit,
            instrument=self.instrument,
            article=self.article,
            status=self.status,
            in_force_from=_later(base.in_force_from, self.in_force_from),
            in_force_to=_earlier(base.in_force_to, self.in_force_to),
            phrase="",
            overridden=True,
            replaces=base,
        )


def _later(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def parse(raw: object, versions: dict[str, tuple[Rule, ...]]) -> dict[str, tuple[Override, ...]]:
    """The overrides of ``raw`` (the setting), checked against the rules; every problem found
    is named in one ``ImproperlyConfigured``."""
    problems: list[str] = []
    parsed: dict[str, tuple[Override, ...]] = {}
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"{SETTING} must be a JSON object of rule key -> override")
    for key, spec in raw.items():
        if key not in versions:
            close = difflib.get_close_matches(str(key), versions, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{key!r} is no rule of the rulebook{hint}")
            continue
        specs = spec if isinstance(spec, list) else [spec]
        items = [_one(key, s, versions[key], problems) for s in specs]
        items = [i for i in items if i is not None]
        items.sort(key=lambda o: o.in_force_from or date.min)
        for a, b in zip(items, items[1:], strict=False):
            if a.in_force_to is None or a.in_force_to >= (b.in_force_from or date.min):
                problems.append(f"{key}: two overrides are in force on the same day")
        parsed[key] = tuple(items)
    if problems:
        raise ImproperlyConfigured(f"{SETTING}: " + "; ".join(problems))
    return parsed


def _one(key: str, spec: object, versions: tuple[Rule, ...], problems: list[str]):
    if not isinstance(spec, dict):
        spec = {"value": spec}
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        problems.append(f"{key}: unknown field(s) {', '.join(unknown)}")
        return None
    if "value" not in spec:
        problems.append(f"{key}: no value")
        return None
    value = spec["value"]
    textual = isinstance(versions[0].value, str)
    if textual:
        if value not in LEVELS:
            problems.append(f"{key}: the value must be one of {', '.join(LEVELS)}")
            return None
    elif (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        problems.append(f"{key}: the value must be a number, at least 0")
        return None
    try:
        unit = Unit(spec["unit"]) if spec.get("unit") is not None else None
        status = Status(spec.get("status") or Status.UNVERIFIED)
        since = _date(spec.get("in_force_from"))
        until = _date(spec.get("in_force_to"))
    except ValueError as exc:
        problems.append(f"{key}: {exc}")
        return None
    if since and until and until < since:
        problems.append(f"{key}: in_force_to is before in_force_from")
        return None
    zh, en = spec.get("instrument_zh"), spec.get("instrument_en")
    instrument = (
        Instrument("setting:" + key, Text(zh=str(zh or en), en=str(en or zh)))
        if zh or en
        else LOCAL_SETTING
    )
    article_zh, article_en = spec.get("article_zh"), spec.get("article_en")
    article = (
        Text(zh=str(article_zh or article_en), en=str(article_en or article_zh))
        if article_zh or article_en
        else Text(zh=f"键 {key}", en=f"key {key}")
    )
    return Override(key, value, unit, instrument, article, status, since, until)


def _date(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"a date is a string YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date YYYY-MM-DD") from None
