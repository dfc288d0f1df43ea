"""docs/SCALING.md shows the project's own code: every snippet that names a file is in it.

A fenced block whose first line is a comment naming a path (``# config/settings.py``, optionally
followed by a parenthesised note) must appear in that file line for line, in one piece. A doc that
drifts from the code it quotes fails here, not in front of an operator.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "SCALING.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
NAMED = re.compile(r"^#\s+(?P<path>\.?[\w-]+(?:/[\w.-]+)+)(?:\s+\((?P<note>[^)]*)\))?\s*$")


def snippets() -> list[tuple[str, str, list[str]]]:
    found = []
    for match in FENCE.finditer(DOC.read_text(encoding="utf-8")):
        lines = match.group(2).rstrip("\n").split("\n")
        named = NAMED.match(lines[0])
        if named:
            found.append((named["path"], named["note"] or "", lines[1:]))
    return found


def _contains_run(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return True
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _ini_lines(text: str) -> list[str]:
    """The lines of a heredoc'd config file, as the shell script writes them."""
    return [line.strip() for line in text.splitlines()]


def test_the_doc_quotes_files():
    assert len(snippets()) >= 5  # settings twice, public.py twice, the pooler's ini


@pytest.mark.parametrize(("path", "note", "lines"), snippets(), ids=lambda v: str(v)[:40])
def test_each_snippet_is_in_its_file(path, note, lines):
    source = ROOT / path
    assert source.is_file(), f"SCALING.md quotes {path}, which does not exist"
    text = source.read_text(encoding="utf-8")
    if path.startswith(".ci/"):
        # The pooler's settings sit in a heredoc among others: each quoted line is there, in order.
        have = _ini_lines(text)
        positions = [have.index(line.strip()) for line in lines]
        assert positions == sorted(positions), f"{path}: the quoted lines are out of order"
        return
    assert _contains_run(text.splitlines(), lines), (
        f"SCALING.md's snippet of {path} ({note or 'no note'}) is not in the file as quoted"
    )
