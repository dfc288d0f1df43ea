"""The rules: every figure the workflows use, with the instrument and article it comes from.

Transcribed from the project's sourced digest of the regulations (RULEBOOK.md, whose
"Fact-check (second reader)" section prevails over its earlier rows). Status words are the
digest's: VERIFIED (read in a full text), VERIFIED-2 (read in a repost or news item),
UNVERIFIED (not read: a setting with this default). A figure that changed keeps one rule per
text, each with the dates that text is in force: a case is judged by the text of its date.

Thresholds are reached at the figure itself ("以上" includes the number: Regulation on
Work-Safety Accident Reporting Art. 3 ¶3; "以下" excludes it). Day periods start the day
after the triggering day (Civil Code Art. 201); hour periods at the stated moment.

Change a figure in the module of its domain (``food``, ``incidents``, ``recalls``,
``complaints``, ``credit``; the instruments and their dates in ``instruments``), then run
``manage.py rules_doc``: docs/RULES.md is generated from these modules and a test refuses a
stale copy.
"""

from __future__ import annotations

from ..model import Rule
from .complaints import COMPLAINTS, REPORTS
from .credit import CREDIT, SIP_AWARDS
from .food import FOOD_INCIDENTS, FOOD_RECALLS
from .incidents import AWARDS, PRODUCT_INCIDENTS, SPECIAL_EQUIPMENT
from .instruments import INSTRUMENTS
from .recalls import CONSUMER_RECALLS, FDA

RULES: tuple[Rule, ...] = (
    *FOOD_RECALLS,
    *FOOD_INCIDENTS,
    *SPECIAL_EQUIPMENT,
    *PRODUCT_INCIDENTS,
    *CONSUMER_RECALLS,
    *COMPLAINTS,
    *REPORTS,
    *AWARDS,
    *SIP_AWARDS,
    *CREDIT,
    *FDA,
)

__all__ = ["INSTRUMENTS", "RULES"]
