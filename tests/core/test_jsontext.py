"""``core.jsontext.loads`` reads large texts as orjson does: the same objects, the same refusals."""

import orjson
import pytest

from core import jsontext

TEXTS = [
    b'{"eventList": [{"quantity": 1.5, "n": 3, "s": "\\u00e9\\u0000"}], "k": null}',
    b'{"a": 1, "a": 2, "b": [true, false]}',
    b"18446744073709551615",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"1e-400",
    b"1e309",
    b"-0.0",
    b"[NaN]",
    b"[Infinity]",
    b'"\\ud800"',
    b'"\\uD83D\\uDE00"',
    b"\xef\xbb\xbf{}",
    b'{"a": "\xff"}',
    b"[1,]",
    b"[" * 2000 + b"]" * 2000,
    b'"a\x01"',
    b"1" * 5000,
]


def _outcome(loads, text):
    try:
        return "parsed", repr(loads(text))
    except orjson.JSONDecodeError as exc:
        return "refused", str(exc)


@pytest.mark.parametrize("text", TEXTS)
def test_a_large_text_reads_as_orjson_reads_it(monkeypatch, text):
    monkeypatch.setattr(jsontext, "LARGE", 0)  # every text takes the large texts' way
    assert _outcome(jsontext.loads, text) == _outcome(orjson.loads, text)
    assert _outcome(jsontext.loads, memoryview(text)) == _outcome(orjson.loads, text)


@pytest.mark.parametrize("text", TEXTS)
def test_a_released_body_reads_as_orjson_reads_it(monkeypatch, text):
    monkeypatch.setattr(jsontext, "LARGE", 0)
    body = bytearray(text)
    assert _outcome(lambda b: jsontext.loads(b, release=True), body) == _outcome(orjson.loads, text)


def test_shared_strings_leave_the_document_equal():
    document = orjson.loads(b'{"a": ["x", {"b": "x", "c": [1, "y", "x"]}], "d": "y"}')
    assert jsontext.share_strings(document) == orjson.loads(
        b'{"a": ["x", {"b": "x", "c": [1, "y", "x"]}], "d": "y"}'
    )
    assert document["a"][0] is document["a"][1]["b"] is document["a"][1]["c"][2]
