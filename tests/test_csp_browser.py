"""The Content-Security-Policy leaves the pages working, in Chromium.

Every CSP violation is reported by the browser as a ``securitypolicyviolation`` event and a
console error; none may occur on the consumer page, the sign-in page or Swagger UI, and
Swagger UI must still render the operations from the schema.
"""

import pytest

from tests.trace.test_browser import demo, phone  # noqa: F401 (the demo fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """() => { window.__csp = []; document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


def _violations(page):
    return page.evaluate("() => window.__csp || []")


def _open(context, url):
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.add_init_script(f"({WATCH})()")
    response = page.goto(url)
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return page, console


def test_swagger_ui_and_pages_work_under_the_policy(browser, live_server, demo):  # noqa: F811
    context = browser.new_context()
    docs, console = _open(context, f"{live_server.url}/api/docs/")
    # Operations rendered from the schema (the scripts ran under the policy). The UI renders
    # and re-renders them progressively: at least ten must have been on the page at once
    # (the wait fails the test otherwise), whatever it shows the moment after.
    docs.wait_for_function(
        "() => document.querySelectorAll('.opblock').length >= 10", timeout=30_000
    )
    assert _violations(docs) == [] and not [c for c in console if "Content Security" in c]

    mobile = phone(browser)
    page, console = _open(mobile, f"{live_server.url}/01/{demo.gtin}/10/{demo.lot}")
    assert page.locator("h1").inner_text()
    assert page.locator("#recall-status").is_visible()
    assert _violations(page) == [] and not [c for c in console if "Content Security" in c]

    login, console = _open(mobile, f"{live_server.url}/accounts/login/")
    assert login.locator("input[name=username]").is_visible()
    assert _violations(login) == [] and not [c for c in console if "Content Security" in c]
