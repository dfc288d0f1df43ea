"""JSON text to Python objects, as orjson reads it, in little memory for large texts.

``loads`` returns what ``orjson.loads`` returns and raises what it raises.
orjson first builds a tree of its own of the whole document and only then
the Python objects: for a capture document of 10,000 events (7 MB) that tree
takes some 80 MB beside the result. Above ``LARGE`` bytes the text goes
through Python's ``json`` instead, which builds the objects as it reads
(the text itself, decoded, is the only extra). Whatever ``json`` would read
differently from orjson sends the text back to orjson, which then parses or
refuses it as usual: invalid UTF-8, a byte-order mark, NaN or Infinity,
numbers beyond a double, integers beyond 64 bits (orjson makes them floats),
escaped surrogates (orjson refuses lone ones), nesting deeper than Python's
recursion allows, and every text ``json`` refuses (so the error is orjson's).
"""

from __future__ import annotations

import json
import math
import re

import orjson

LARGE = 1 << 20  # bytes: below this orjson's tree is small (12 MB at most) and orjson faster

_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
# ``\uD800``–``\uDFFF`` in any case: a surrogate, paired or not; orjson decides.
_SURROGATE = re.compile(rb"\\u[dD][89abAB89a-fA-F]")


class _OrjsonDecides(Exception):
    """The text holds something Python's ``json`` reads differently from orjson."""


def _int(text: str) -> int:
    value = int(text)
    if not _INT_MIN <= value <= _INT_MAX:
        raise _OrjsonDecides
    return value


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _OrjsonDecides
    return value


def _constant(_name: str):
    raise _OrjsonDecides


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def loads(body: bytes | bytearray | memoryview | str, *, release: bool = False):
    """``orjson.loads(body)``, in less memory when ``body`` is a large binary text.
    ``release``: a ``bytearray`` body is emptied once decoded, so that its memory is free
    again before the objects are built (the caller must not need it afterwards)."""
    if isinstance(body, str) or len(body) < LARGE:
        return orjson.loads(body)
    if _SURROGATE.search(body) is not None:
        return orjson.loads(body)
    try:
        text = str(body, "utf-8")
    except ValueError:
        return orjson.loads(body)
    if release and isinstance(body, bytearray):
        body.clear()
        body = None
    try:
        return _DECODER.decode(text)
    except (_OrjsonDecides, ValueError, RecursionError):
        # A strict UTF-8 decoding encodes back to the same bytes.
        return orjson.loads(text.encode("utf-8") if body is None else body)


def share_strings(document):
    """Make equal strings in ``document`` one object, in place; returns ``document``.

    A capture document repeats the same few values thousands of times (CBV steps, places,
    units, dates): parsed, each is a string of its own. Shared, the 10,000-event document
    holds 2 MB of strings instead of 10."""
    shared: dict[str, str] = {}
    stack = [document]
    while stack:
        node = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, value in items:
            kind = type(value)
            if kind is str:
                node[key] = shared.setdefault(value, value)
            elif kind is dict or kind is list:
                stack.append(value)
    return document
