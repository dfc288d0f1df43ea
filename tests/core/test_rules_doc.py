"""docs/RULES.md is generated from the rulebook and never goes stale."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.rulebook import code_rules
from core.rulebook.document import GROUPS, group_of, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "RULES.md"


def test_the_committed_rules_doc_is_the_generated_one():
    """Change core/rulebook/data/, then run `python manage.py rules_doc`."""
    assert DOC.read_text(encoding="utf-8") == render()
    call_command("rules_doc", "--check")


def test_the_doc_lists_every_rule_with_its_citation_dates_and_status():
    text = render()
    for r in code_rules():
        row = next(
            line
            for line in text.splitlines()
            if line.startswith(f"| `{r.key}` |") and r.citation("en") in line
        )
        assert r.citation("zh") in row and r.status.value in row, r.key
        if r.in_force_from:
            assert r.in_force_from.isoformat() in row, r.key
    # The date switch of SAMR Order 122 shows as two rows of one key.
    assert "| `food_recall.grade3.start_hours` | 72 hours | 2015-09-01 – 2026-11-30 |" in text
    assert "| `food_recall.grade3.start_hours` | 48 hours | from 2026-12-01 |" in text
    assert (
        "| `food_recall.grade1.complete_days` | 10 working days | 2015-09-01 – 2026-11-30 |" in text
    )
    assert "| `food_recall.grade1.complete_days` | 10 calendar days | from 2026-12-01 |" in text


def test_every_rule_belongs_to_a_section_of_the_doc():
    titles = {title for _prefix, title in GROUPS}
    assert {group_of(r.key) for r in code_rules()} == titles
    with pytest.raises(ValueError):
        group_of("nowhere.rule")


def test_the_doc_ignores_the_local_overrides(settings):
    """The committed doc is the code's rulebook, the same on every machine."""
    settings.RULEBOOK_OVERRIDES = {"food_recall.grade3.start_hours": 40}
    assert render() == DOC.read_text(encoding="utf-8")


def test_the_command_writes_the_file_and_check_refuses_a_stale_one(tmp_path):
    out = tmp_path / "RULES.md"
    call_command("rules_doc", "--output", str(out))
    assert out.read_text(encoding="utf-8") == render()
    out.write_text(
        out.read_text(encoding="utf-8").replace("72 hours", "70 hours"), encoding="utf-8"
    )
    with pytest.raises(CommandError, match="stale"):
        call_command("rules_doc", "--check", "--output", str(out))
