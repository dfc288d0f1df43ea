"""What a rule is: a keyed figure with its unit, its citation, how sure we are, and when it holds.

Pure data types (frozen dataclasses and enums); the rules themselves are in the ``data`` package.
Texts come in both languages (``Text``): the rulebook is bilingual data, like an
organization's ``name`` and ``name_en``; only the vocabulary around it (unit and status
labels) goes through gettext.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.conf import settings
from django.utils import translation
from django.utils.translation import pgettext_lazy


def language(lang: str | None = None) -> str:
    """``"en"`` or ``"zh"``: the given language code, else the active one (else the default)."""
    code = (lang or translation.get_language() or settings.LANGUAGE_CODE).lower()
    return "en" if code.startswith("en") else "zh"


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Simplified Chinese and in English."""

    zh: str
    en: str

    def __call__(self, lang: str | None = None) -> str:
        return self.en if language(lang) == "en" else self.zh


_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """1–999 in Chinese numerals, as article numbers are written (第一百零一条, 第十五条)."""
    if not 0 < n < 1000:
        raise ValueError(f"article number out of range: {n}")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = _DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _DIGITS[rest]
    if rest < 20:
        return head + "一" + zh_number(rest)
    return head + zh_number(rest)


def art(number: int, para: int | None = None, item: int | None = None) -> Text:
    """An article reference in both languages: ``art(46, 3)`` is "Art. 46 ¶3" / "第四十六条第三款"."""
    en = f"Art. {number}"
    zh = f"第{zh_number(number)}条"
    if para is not None:
        en += f" ¶{para}"
        zh += f"第{zh_number(para)}款"
    if item is not None:
        en += f" ({item})"
        zh += f"第（{zh_number(item)}）项"
    return Text(zh=zh, en=en)


def arts(*numbers: int) -> Text:
    """Several articles: ``arts(32, 37)`` is "Arts. 32, 37" / "第三十二条、第三十七条"."""
    return Text(
        zh="、".join(f"第{zh_number(n)}条" for n in numbers),
        en="Arts. " + ", ".join(str(n) for n in numbers),
    )


class Status(StrEnum):
    """How sure the rulebook is of the text a figure comes from (RULEBOOK.md's status words)."""

    VERIFIED = "VERIFIED"  # read in a full consolidated text of the instrument
    VERIFIED_2 = "VERIFIED-2"  # the article's wording read on an official site, wire or repost
    UNVERIFIED = "UNVERIFIED"  # not read anywhere: best knowledge, so always a setting

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    Status.VERIFIED: pgettext_lazy("rule status", "read in a full text of the instrument"),
    Status.VERIFIED_2: pgettext_lazy(
        "rule status", "wording read in an official repost or news item, not in a full text"
    ),
    Status.UNVERIFIED: pgettext_lazy(
        "rule status", "not read: best knowledge, to be confirmed (a setting)"
    ),
}


class Unit(StrEnum):
    """What a value counts. Day periods start the day after the triggering day (Civil Code
    Art. 201); working days skip weekends and public holidays and count swapped weekend days."""

    HOURS = "hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"
    YEARS = "years"
    PEOPLE = "people"
    YUAN = "yuan"
    MEGAWATTS = "megawatts"
    PERCENT = "percent"
    LEVEL = "level"  # a government level: county, city, province, national
    TIMES = "times"  # how many times something happened (consecutive failed checks ...)
    ITEMS = "items"  # how many items a text must contain (a plan's or a notice's contents)

    @property
    def label(self) -> str:
        return str(_UNIT_LABELS[self])


_UNIT_LABELS = {
    Unit.HOURS: pgettext_lazy("rule unit", "hours"),
    Unit.WORKING_DAYS: pgettext_lazy("rule unit", "working days"),
    Unit.CALENDAR_DAYS: pgettext_lazy("rule unit", "calendar days"),
    Unit.MONTHS: pgettext_lazy("rule unit", "months"),
    Unit.YEARS: pgettext_lazy("rule unit", "years"),
    Unit.PEOPLE: pgettext_lazy("rule unit", "people"),
    Unit.YUAN: pgettext_lazy("rule unit", "yuan"),
    Unit.MEGAWATTS: pgettext_lazy("rule unit", "MW"),
    Unit.PERCENT: pgettext_lazy("rule unit", "percent"),
    Unit.LEVEL: pgettext_lazy("rule unit", "government level"),
    Unit.TIMES: pgettext_lazy("rule unit", "times"),
    Unit.ITEMS: pgettext_lazy("rule unit", "items"),
}

LEVELS = ("county", "city", "province", "national")
# The values as plain lists: the API's choice fields and their OpenAPI enum names.
UNIT_VALUES = [u.value for u in Unit]
STATUS_VALUES = [s.value for s in Status]

Value = int | float | str


@dataclass(frozen=True, slots=True)
class Instrument:
    """A law, regulation, rule, plan or local setting that figures come from."""

    key: str
    name: Text

    def __call__(self, lang: str | None = None) -> str:
        return self.name(lang)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One figure of one text, in force from ``in_force_from`` to ``in_force_to`` (both days
    included; ``None``: open, or before our records). ``overridden``: a setting
    (``RULEBOOK_OVERRIDES``) replaced the figure; ``replaces`` is the rule it replaced."""

    key: str
    value: Value
    unit: Unit
    title: Text
    instrument: Instrument
    article: Text
    status: Status
    in_force_from: date | None
    in_force_to: date | None = None
    phrase: str = ""  # the instrument's own words, quoted (Chinese)
    note: Text | None = None
    overridden: bool = False
    replaces: Rule | None = None

    @property
    def verified(self) -> bool:
        return self.status is not Status.UNVERIFIED

    def in_force_on(self, day: date) -> bool:
        return (self.in_force_from is None or self.in_force_from <= day) and (
            self.in_force_to is None or day <= self.in_force_to
        )

    def citation(self, lang: str | None = None) -> str:
        """Instrument and article, as a message names them."""
        if language(lang) == "en":
            return f"{self.instrument.name.en}, {self.article.en}"
        return f"{self.instrument.name.zh}{self.article.zh}"

    def with_changes(self, **changes) -> Rule:
        return dataclasses.replace(self, **changes)
