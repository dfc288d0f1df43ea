"""Which representation of a lot the Digital Link resolver answers with: one decision,
used by the fast page layer (``trace.fastpage``) and by the Django view alike, so the
cache never serves the HTML page to a client that asked for JSON or a linkset.

Kept free of Django imports: the fast layer calls it for every scan.
"""

from __future__ import annotations

LINKSET_TYPE = "application/linkset+json"
_JSON_TYPES = (LINKSET_TYPE, "application/json", "application/ld+json")
_HTML_RANGES = ("text/html", "text/*", "*/*")


def _qualities(accept: str) -> dict[str, float]:
    """Media range → quality (RFC 9110 §12.5.1); a malformed q counts as 0."""
    found: dict[str, float] = {}
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        found[media] = max(quality, found.get(media, 0.0))
    return found


def wants_linkset(accept: str | None, link_type: str | None = None) -> bool:
    """True when the client is a machine that asked for the lot's RFC 9264 linkset
    (``?linkType=linkset|all``, or JSON/linkset preferred over HTML in ``Accept``)."""
    if link_type in ("linkset", "all"):
        return True
    q = _qualities(accept or "")
    machine = max((q.get(t, 0.0) for t in _JSON_TYPES), default=0.0)
    if machine <= 0:
        return False
    html = next((q[r] for r in _HTML_RANGES if r in q), 0.0)
    return machine > html or (machine == html and LINKSET_TYPE in q)


def serves_cached_page(method: str, query_string: str, accept: str | None) -> bool:
    """Whether a request may be answered with the cached HTML page at all."""
    return method == "GET" and not query_string and not wants_linkset(accept)
