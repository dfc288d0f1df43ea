"""HTML to PDF with WeasyPrint, where it can run.

WeasyPrint is a Python dependency, but it needs Pango at run time (Debian: ``libpango-1.0-0``
and ``libpangoft2-1.0-0``), and Chinese text needs a CJK font (``fonts-noto-cjk`` or
``fonts-wqy-microhei``). Without Pango the import fails: the annual report then says the PDF is
not available and its ``.pdf`` URL answers 503, and everything else runs as before.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders

log = logging.getLogger(__name__)

STYLESHEETS = ("workbench/workbench.css", "workbench/analytics.css")


@lru_cache(maxsize=1)
def engine():
    """The ``weasyprint`` module, or None when it cannot load (no Pango)."""
    try:
        import weasyprint  # a system library (Pango) decides whether this works
    except (ImportError, OSError) as exc:
        log.info("PDF output is off: WeasyPrint cannot load (%s)", exc)
        return None
    # Its CSS warnings (screen-only rules it skips) are noise in the server's log.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint


def available() -> bool:
    return engine() is not None


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML page; its stylesheets are read from the static files, not fetched."""
    weasyprint = engine()
    if weasyprint is None:
        raise RuntimeError("WeasyPrint is not available")
    sheets = [
        weasyprint.CSS(filename=str(Path(found)))
        for found in (finders.find(name) for name in STYLESHEETS)
        if found
    ]

    def no_fetch(url, *args, **kwargs):  # the report embeds everything it shows
        raise ValueError(f"not fetched: {url}")

    document = weasyprint.HTML(string=html, url_fetcher=no_fetch, base_url="/")
    return document.write_pdf(stylesheets=sheets)
