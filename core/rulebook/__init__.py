"""The rulebook: every grade threshold, deadline and citation the workflows use, in one place.

Each rule (``Rule``) has a key, a value and unit, the instrument and article it comes from
(in Chinese and English), how sure we are of that text (``status``: VERIFIED, VERIFIED-2,
UNVERIFIED; ``verified`` is False only for UNVERIFIED) and the days it is in force. Rules
change: a case is judged by the rules in force on its own date::

    from core import rulebook

    limit = rulebook.rule("food_recall.grade3.start_hours", on=recall.started_at)
    limit.value, limit.unit, limit.citation()   # 72 hours until 2026-11-30, 48 from 2026-12-01

``rule()`` raises ``UnknownRule`` (a typo) or ``NoRuleInForce`` (no text that day);
``rules_in_force(on)`` lists a day's rules. ``settings.RULEBOOK_OVERRIDES`` may replace any
figure (a province's own plan; every UNVERIFIED figure is only a default): the rule then says
``overridden`` and cites the setting. docs/RULES.md is generated from ``data``
(``manage.py rules_doc``).

Modules: ``model`` (the types), ``data`` (the rules, one module per domain), ``overrides``
(the setting), ``book`` (look-ups), ``document`` (docs/RULES.md). Imports Django and the
standard library only.
"""

from .book import (
    CHINA_TZ,
    NoRuleInForce,
    RulebookError,
    UnknownRule,
    code_rules,
    day_of,
    rule,
    rules_in_force,
    today,
)
from .model import Instrument, Rule, Status, Text, Unit

__all__ = [
    "CHINA_TZ",
    "Instrument",
    "NoRuleInForce",
    "Rule",
    "RulebookError",
    "Status",
    "Text",
    "Unit",
    "UnknownRule",
    "code_rules",
    "day_of",
    "rule",
    "rules_in_force",
    "today",
]
