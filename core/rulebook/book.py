"""Looking rules up: the rule in force on a day, with the settings' overrides applied."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import overrides
from .data import RULES
from .model import Rule

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class RulebookError(LookupError):
    pass


class UnknownRule(RulebookError):
    """No rule of the rulebook has this key (a typo in the code)."""

    def __init__(self, key: str):
        self.key = key
        super().__init__(_("The rulebook has no rule %(key)s.") % {"key": key})


class NoRuleInForce(RulebookError):
    """The rulebook has the key, but no text of it is in force on that day."""

    def __init__(self, key: str, day: date):
        self.key, self.day = key, day
        super().__init__(
            _("No rule %(key)s is in force on %(day)s.") % {"key": key, "day": day.isoformat()}
        )


def _index(rules: tuple[Rule, ...]) -> dict[str, tuple[Rule, ...]]:
    """Each key's texts in date order; two texts of one key never overlap."""
    by_key: dict[str, list[Rule]] = {}
    for r in rules:
        by_key.setdefault(r.key, []).append(r)
    index = {}
    for key, versions in sorted(by_key.items()):
        versions.sort(key=lambda r: r.in_force_from or date.min)
        for a, b in zip(versions, versions[1:], strict=False):
            if a.in_force_to is None or a.in_force_to >= (b.in_force_from or date.min):
                raise ValueError(f"rulebook: two texts of {key} are in force on the same day")
        for r in versions:
            if r.in_force_from and r.in_force_to and r.in_force_to < r.in_force_from:
                raise ValueError(f"rulebook: {key} ends before it starts")
        index[key] = tuple(versions)
    return index


VERSIONS: dict[str, tuple[Rule, ...]] = _index(RULES)

# The parsed overrides, with the setting object they were parsed from (a changed setting,
# as tests make, is parsed again).
_parsed: tuple[object, dict[str, tuple[overrides.Override, ...]]] | None = None


def active_overrides() -> dict[str, tuple[overrides.Override, ...]]:
    global _parsed
    raw = getattr(settings, overrides.SETTING, None) or {}
    if _parsed is None or _parsed[0] is not raw:
        _parsed = (raw, overrides.parse(raw, VERSIONS))
    return _parsed[1]


def day_of(on: date | datetime) -> date:
    """The day a moment falls on in China (a naive moment is read as China time)."""
    if isinstance(on, datetime):
        if timezone.is_naive(on):
            return on.date()
        return on.astimezone(CHINA_TZ).date()
    if isinstance(on, date):
        return on
    raise TypeError(f"a date or datetime, not {type(on).__name__}")


def today() -> date:
    """Today in China (Asia/Shanghai)."""
    return day_of(timezone.now())


def _in_force(key: str, versions: tuple[Rule, ...], day: date) -> Rule | None:
    base = next((r for r in versions if r.in_force_on(day)), None)
    if base is None:
        return None
    for override in active_overrides().get(key, ()):
        if override.covers(day):
            return override.apply(base)
    return base


def rule(key: str, on: date | datetime) -> Rule:
    """The rule ``key`` in force on the day of ``on`` (China time), overrides applied.

    Raises ``UnknownRule`` for a key the rulebook lacks and ``NoRuleInForce`` when none of
    its texts is in force that day."""
    versions = VERSIONS.get(key)
    if versions is None:
        raise UnknownRule(key)
    day = day_of(on)
    found = _in_force(key, versions, day)
    if found is None:
        raise NoRuleInForce(key, day)
    return found


def rules_in_force(on: date | datetime) -> list[Rule]:
    """Every rule in force on the day of ``on``, by key, overrides applied."""
    day = day_of(on)
    found = (_in_force(key, versions, day) for key, versions in VERSIONS.items())
    return [r for r in found if r is not None]


def code_rules() -> tuple[Rule, ...]:
    """Every text of every rule as the code has it (no overrides), by key and date."""
    return tuple(r for versions in VERSIONS.values() for r in versions)
