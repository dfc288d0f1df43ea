"""What the browser tests share: Debian's Chromium driven by Playwright (browsers cannot be
downloaded here, so Playwright is pointed at ``/usr/bin/chromium``), launched by the ``browser``
fixture of ``tests/conftest.py`` and skipped, visibly, where either is missing."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def launch_browser(monkeypatch):
    """Yield a launched Chromium, or skip the test saying what is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed: the browser tests need Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM
    # calls are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# axe-core, the accessibility checker, comes from the npm registry: `npm ci` at the top of the
# repository installs the version package-lock.json pins into node_modules/.
AXE_JS = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# What a page may not have: the violations axe rates serious or critical (WCAG 2.1 A/AA and
# best practice). Text contrast is held to 4.5:1 for large text as well as small.
FORBIDDEN_IMPACTS = ("serious", "critical")
_AXE_RUN = """async () => {
  axe.configure({checks: [{id: 'color-contrast', options: {
    contrastRatio: {normal: {expected: 4.5}, large: {expected: 4.5}}}}]});
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""


def axe_source() -> str:
    """axe.min.js, or a skip saying how to install it (a failure under CI, which installs it)."""
    if not AXE_JS.exists():
        reason = f"{AXE_JS.relative_to(AXE_JS.parents[2])} is missing: run `npm ci` first"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI installs it: .ci/run)")
        pytest.skip(reason)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, impacts=FORBIDDEN_IMPACTS) -> list[dict]:
    """The page's accessibility violations of the given impacts, as axe-core reports them."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so the page's CSP does not block it.
        page.evaluate(axe_source())
    return [v for v in page.evaluate(_AXE_RUN) if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:6])
        for v in violations
    )


def assert_accessible(page):
    """No serious or critical axe-core violation on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{describe_violations(violations)}"


# The page's own words: everything but record data (marked translate="no"), code, the signed-in
# organization's name and a switch to the other language.
_PAGE_WORDS = """() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('[translate="no"], [lang]:not([lang="' + document.documentElement.lang
    + '"]), .wb-who, .wb-lang, script, style, code, option').forEach(n => n.remove());
  return document.title + ' ' + clone.textContent;
}"""
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_LATIN = re.compile(r"\b[A-Za-z][A-Za-z_]{2,}\b")


def assert_one_language(page):
    """The page's own words are all in its language (``<html lang>``): no Chinese on an English
    page; on a Chinese page no English word (codes in capitals, like GTIN, are names)."""
    words = page.evaluate(_PAGE_WORDS)
    if page.locator("html").get_attribute("lang") == "en":
        foreign = _CJK.findall(words)
    else:
        foreign = [w for w in _LATIN.findall(words) if not w.isupper()]
    assert not foreign, f"{page.url}: {sorted(set(foreign))}"
