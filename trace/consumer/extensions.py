"""What other apps add to the consumer page, without ``trace`` importing them.

``incidents`` imports ``trace``, never the reverse. So an app that has something
to show on a lot's page (a published consumer warning, a "report a problem"
link) registers a provider here from its ``AppConfig.ready()``; the page asks
every provider when it renders. Whoever changes what a provider returns calls
``trace.core.cache.invalidate_batches`` for the lots concerned, as for any
other change to the page.

``code_not_found`` is sent when a scanned code names no lot known here (a
well-formed GTIN and lot nobody registered): listeners may count it, nothing
about the scanner is sent. (Where a scan came from is not announced: the scan log itself
keeps the region, see ``regions``.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal

code_not_found = Signal()  # kwargs: gtin (GTIN-14), lot


@dataclass(frozen=True)
class PageNotice:
    """One block on the consumer page: a ``warning`` (shown under the recall status) or a ``link``."""

    kind: str
    title: str
    text: str = ""
    url: str = ""


NoticeProvider = Callable[[object, str], list[PageNotice]]
_providers: dict[str, NoticeProvider] = {}


def register_notice_provider(name: str, fn: NoticeProvider) -> None:
    """Register (or replace) the provider ``name``: ``fn(batch, language) -> [PageNotice]``."""
    _providers[name] = fn


def page_notices(batch, language: str) -> list[PageNotice]:
    notices: list[PageNotice] = []
    for _name, fn in sorted(_providers.items()):
        notices.extend(fn(batch, language))
    return notices
