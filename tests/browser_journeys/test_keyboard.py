"""Every action is reachable with the keyboard alone: tabbing through a page focuses, in turn,
every link, button and field a person can see (a radio group once), each with a visible focus
ring, and the main actions work from the keyboard (Tab to them, Enter): the consumer opens the
report form from the scan page, the county accepts the overdue incident from its inbox, the
producer opens the forms of its lot page."""

from trace.demo.seed import demo_yogurt_batch

import pytest

from tests.browser import assert_accessible
from tests.browser_journeys.conftest import consumer_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Everything a person could act on, numbered in document order (data-kb).
_CONTROLS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[tabindex]:not([tabindex="-1"])';
  const out = [];
  document.querySelectorAll(selector).forEach(el => {
    if (el.disabled || el.closest('[inert]')) return;
    if (!el.checkVisibility({visibilityProperty: true})) return;
    const summary = el.closest('details:not([open]) > summary');
    if (el.closest('details:not([open])') && !summary) return;
    el.dataset.kb = String(out.length);
    out.push({kb: String(out.length), group: el.type === 'radio' ? 'radio:' + el.name : null,
              name: (el.tagName + ' ' + (el.getAttribute('aria-label') || el.textContent
                     || el.name || el.id || '')).replace(/\\s+/g, ' ').trim().slice(0, 60)});
  });
  return out;
}"""
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== 'none';
  return {kb: el.dataset.kb || null, ring: ring, name: el.tagName + ' ' + (el.id || el.type || '') + ' ' + el.textContent.trim().slice(0, 40)};
}"""

# Focus (then leave) the body, so the next Tab starts from the top of the page: a blur alone
# would leave the browser's starting point at the element that had the focus.
_TO_THE_TOP = """() => {
  const body = document.body;
  body.setAttribute('tabindex', '-1');
  body.focus();
  body.blur();
  body.removeAttribute('tabindex');
  window.scrollTo(0, 0);
}"""


def tab_through(page) -> tuple[list[dict], list[dict]]:
    """Tab from the top of the page to its end; returns (every control, what got focus)."""
    controls = page.evaluate(_CONTROLS)
    page.evaluate(_TO_THE_TOP)
    focused: list[dict] = []
    # A date-time field takes a Tab per part (year, month, day, hour, minute).
    for _ in range(3 * len(controls) + 20):
        page.keyboard.press("Tab")
        now = page.evaluate(_FOCUSED)
        if now is None or (focused and now["kb"] == focused[0]["kb"] and now["kb"] is not None):
            break  # past the last control (or round again)
        focused.append(now)
    return controls, focused


def assert_every_control_reached(page):
    controls, focused = tab_through(page)
    reached = {f["kb"] for f in focused}
    groups = {c["group"] for c in controls if c["kb"] in reached and c["group"]}
    missed = [c["name"] for c in controls if c["kb"] not in reached and c["group"] not in groups]
    assert not missed, f"{page.url}: not reachable with Tab: {missed}"
    # (A date field is focused once per part; the ring may lag a part: one showing it will do.)
    ringed = {f["kb"] for f in focused if f["ring"]}
    ringless = [f["name"] for f in focused if f["kb"] not in ringed]
    assert not ringless, f"{page.url}: focused without a visible focus ring: {ringless}"
    return focused


def tab_to(page, selector: str, *, limit: int = 200):
    """Press Tab until the element matching ``selector`` has the focus."""
    page.evaluate(_TO_THE_TOP)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def test_consumer_reaches_everything_and_opens_the_report_form_by_keyboard(browser, demo):
    yogurt = demo_yogurt_batch()
    page = consumer_context(browser).new_page()
    page.goto(f"{demo}/01/{yogurt.gtin}/10/{yogurt.lot}")
    assert_every_control_reached(page)
    tab_to(page, f'a[href="/report/01/{yogurt.gtin}/10/{yogurt.lot}/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/report/01/{yogurt.gtin}/10/{yogurt.lot}/")
    assert_accessible(page)
    assert_every_control_reached(page)


def test_county_accepts_the_overdue_incident_with_the_keyboard(browser, demo):
    page = sign_in(browser, demo, "county-regulator")
    page.on("dialog", lambda dialog: dialog.accept())
    assert_every_control_reached(page)
    key = page.locator('.wb-inbox-item[data-kind="incident"]').first.get_attribute("data-item")
    tab_to(page, f'[data-item="{key}"] button[data-action="accept"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".wb-msg--success").count() == 1
    assert page.locator(f'[data-item="{key}"] button[data-action="accept"]').count() == 0

    # The incident page: its actions open (Enter on the summary) and their fields are reached.
    page.goto(f"{demo}/workbench/incidents/{key.split('-')[1]}/")
    assert_every_control_reached(page)
    summary = page.locator("#actions details > summary")
    if summary.count():
        tab_to(page, "#actions details > summary")
        page.keyboard.press("Enter")
        assert page.locator("#actions details").first.evaluate("d => d.open")
        assert_every_control_reached(page)


def test_producer_reaches_every_form_of_its_lot_by_keyboard(browser, demo):
    yogurt = demo_yogurt_batch()
    page = sign_in(browser, demo, "producer", next_path=f"/workbench/lots/{yogurt.pk}/")
    focused = assert_every_control_reached(page)
    assert any("BUTTON" in f["name"] for f in focused)
    tab_to(page, "#report-incident")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/enterprise/incidents/new/**")
    assert_every_control_reached(page)
