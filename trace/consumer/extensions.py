"""The one way other apps add to the consumer page, without ``trace`` importing them.

``incidents`` and ``recalls`` import ``trace``, never the reverse. So an app that has something
to show on a lot's page registers a notice provider here from its ``AppConfig.ready()``
(``register_notice_provider``); the page asks every provider once per render
(``page_notices``) and shows each notice by its kind:

- ``recall``: the red banner's recall notice of a recalled lot (recalls: the recall's title,
  remedies and notice link in ``data``); also in the lot's public JSON and its
  ``gs1:recallStatus`` answer (``recall_notice``);
- ``warning``: a published consumer warning, under the lot's status (complaints);
- ``link``: a way on from the page, e.g. "report a problem" (complaints).

Whoever changes what a provider returns calls ``trace.core.cache.invalidate_batches`` for the
lots concerned, as for any other change to the page.

``code_not_found`` is sent when a scanned code names no lot known here (a
well-formed GTIN and lot nobody registered): listeners may count it, nothing
about the scanner is sent. (Where a scan came from is not announced: the scan log itself
keeps the region, see ``regions``.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from trace.core.choices import BatchStatus

from django.dispatch import Signal

code_not_found = Signal()  # kwargs: gtin (GTIN-14), lot

NOTICE_KINDS = ("recall", "warning", "link")


@dataclass(frozen=True)
class PageNotice:
    """One block on the consumer page, of a kind in ``NOTICE_KINDS``; ``data`` carries what a
    ``recall`` notice shows beyond its title (remedies, notice link, number)."""

    kind: str
    title: str
    text: str = ""
    url: str = ""
    data: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in NOTICE_KINDS:
            raise ValueError(f"a page notice is one of {NOTICE_KINDS}, not {self.kind!r}")


NoticeProvider = Callable[[object, str], list[PageNotice]]
_providers: dict[str, NoticeProvider] = {}


def register_notice_provider(name: str, fn: NoticeProvider) -> None:
    """Register (or replace, so a reloaded app does not show twice) the provider ``name``:
    ``fn(batch, language) -> [PageNotice]``."""
    _providers[name] = fn


def page_notices(batch, language: str) -> list[PageNotice]:
    """Every provider's notices for this lot, providers in name order."""
    notices: list[PageNotice] = []
    for _name, fn in sorted(_providers.items()):
        notices.extend(fn(batch, language))
    return notices


def recall_notice(batch, language: str, notices: list[PageNotice] | None = None) -> dict | None:
    """What the red banner (and the public JSON) says of a recalled lot: the first ``recall``
    notice's title, text and data (from ``notices`` when the page already asked for them);
    None for a lot that is not recalled, without asking anyone."""
    if batch.status != BatchStatus.RECALLED:
        return None
    for notice in page_notices(batch, language) if notices is None else notices:
        if notice.kind == "recall":
            return {"title": notice.title, "text": notice.text, **notice.data}
    return None
