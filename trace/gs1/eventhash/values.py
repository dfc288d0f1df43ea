"""How one value is written in the pre-hash string (CBV 2.0 section 8.9, the value rules).

- surrounding white space is dropped;
- a number has no trailing zeros (``1.50`` → ``1.5``, ``200.0`` → ``200``, ``1e3`` → ``1000``),
  read as a double;
- a timestamp is in UTC, with milliseconds, the fourth decimal rounding the third half up
  (``2023-01-18T12:04:03.1415+01:00`` → ``2023-01-18T11:04:03.142Z``);
- an EPC URN (``urn:epc:id:…``, ``urn:epc:class:…``, ``urn:epc:idpat:…``) or a GS1 Digital
  Link URI on any host becomes the canonical Digital Link URI on ``https://id.gs1.org``
  (``trace.gs1.digital_link``);
- a CBV URN becomes its web URI (``trace.gs1.eventhash.vocabulary``).
"""

import re
from datetime import datetime, timedelta
from functools import lru_cache
from trace.gs1.digital_link import canonical_uri

from .vocabulary import URN_PREFIX, cbv_urn_to_uri

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)


@lru_cache(maxsize=4096)
def canonical_number(text: str) -> str:
    """A number without trailing zeros or exponent: ``5.0`` → ``5``, ``1.50`` → ``1.5``, ``1e3``
    → ``1000``; text that is not a number is returned as it is.

    The number is read as an IEEE 754 double and written as the shortest decimal that reads
    back to it (an integral one as an integer), as GS1's reference hashes write numbers: a
    string of more than 15 significant digits loses its last ones (SensorDataExample7's
    ``111100001111000011110000`` is written ``111100001111000003641344``)."""
    if not _NUMBER.fullmatch(text):
        return text
    number = float(text)
    return str(int(number)) if number.is_integer() else repr(number)


def canonical_timestamp(text: str) -> str:
    """``2020-01-01T11:00:00.12345+01:00`` → ``2020-01-01T10:00:00.123Z``. A time without an
    offset (the standard requires one) is read as UTC; text that is not a timestamp is kept."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return text.strip()
    date, hour, minute, second, fraction, offset = match.groups()
    fraction = (fraction or "").ljust(4, "0")
    milliseconds = int(fraction[:3]) + (fraction[3] >= "5")
    if milliseconds < 1000 and second < "60":
        # An offset is whole minutes: only the date, hour and minute move (and repeat).
        minute_utc = _utc_minute(date, hour, minute, offset or "Z")
        if minute_utc is not None:
            return f"{minute_utc}:{second}.{milliseconds:03d}Z"
    moment = _utc(date, hour, minute, second, offset or "Z")
    if moment is None:
        return text.strip()
    # Rounding may carry into the next second, minute, day (GS1's reference fails there).
    moment += timedelta(milliseconds=milliseconds)
    return moment.isoformat(timespec="milliseconds") + "Z"


def _utc(date: str, hour: str, minute: str, second: str, offset: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(f"{date}T{hour}:{minute}:{second}")
    except ValueError:
        return None
    if offset not in ("Z", "+00:00", "-00:00"):
        sign = -1 if offset[0] == "+" else 1
        moment += sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    return moment


@lru_cache(maxsize=4096)
def _utc_minute(date: str, hour: str, minute: str, offset: str) -> str | None:
    """``YYYY-MM-DDTHH:MM`` in UTC of a local date, hour and minute at ``offset``."""
    moment = _utc(date, hour, minute, "00", offset)
    return None if moment is None else moment.isoformat(timespec="minutes")


@lru_cache(maxsize=65_536)
def canonical_text(text: str) -> str:
    """A string value that is not a vocabulary term or a compact URI: an identifier in its
    canonical URI, a number without trailing zeros, anything else stripped of white space.

    Cached: a document names the same few products, places and parties over and over, and
    converting an EPC URN is the costliest step of the hash."""
    text = text.strip()
    if text.startswith(URN_PREFIX):
        return cbv_urn_to_uri(text) or text
    if text[:1].isdigit() or text[:1] in "+-.":
        return canonical_number(text)
    return canonical_uri(text) or text
