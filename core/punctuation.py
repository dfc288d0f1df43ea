"""Punctuation between translated words: Chinese takes the full-width marks (：，、（）) and no
spaces around them, English the ASCII marks with their spaces. Each mark is a translatable
string with its own context, so the translator decides and every page agrees."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def colon() -> str:
    """After a label, before its value."""
    return pgettext("punctuation", ": ")


def comma() -> str:
    """Between clauses or facts."""
    return pgettext("punctuation", ", ")


def list_comma() -> str:
    """Between the items of a list of like things (remedies, kinds)."""
    return pgettext("punctuation between list items", ", ")


def open_paren() -> str:
    return pgettext("punctuation", " (")


def close_paren() -> str:
    return pgettext("punctuation", ")")


def parenthesized(text: str) -> str:
    return f"{open_paren()}{text}{close_paren()}"


def joined(items: Iterable[str]) -> str:
    """Like things in a list: 退货退款、更换 / refund, replacement."""
    return list_comma().join(str(item) for item in items)
