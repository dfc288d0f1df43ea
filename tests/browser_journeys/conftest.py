"""What the journey tests share: the seeded demo served live, a browser context per persona
(signed in through the real form, desktop or phone), and a crawl that opens every page a
persona can reach by following links, running axe-core on each."""

import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

from tests.browser import axe_source, axe_violations

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
PASSWORD = "demo-pass-2026"

# Links a crawl does not open: downloads, images, the API, the admin, signing out.
NOT_PAGES = re.compile(
    r"(\.(csv|xlsx|pdf|png|svg|json|atom|ico)$)|^/(api|admin|epcis|static|media|\.well-known)/"
    r"|/accounts/logout/|/labels/|/qr\.png"
)


@pytest.fixture(autouse=True)
def _axe_installed():
    """Every test here runs axe-core: skip (fail under CI) before any work if it is missing."""
    axe_source()


@pytest.fixture
def demo(transactional_db, live_server, settings, tmp_path):
    """The demo as `make run` seeds it, its links pointing at the live server."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_demo", stdout=io.StringIO())
    return live_server.url


def consumer_context(browser, locale="zh-CN"):
    """A phone: the consumer scanning a code."""
    return browser.new_context(
        locale=locale,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        user_agent=ANDROID_UA,
    )


def sign_in(browser, base_url, username, *, locale="zh-CN", viewport=DESKTOP, next_path=None):
    """A new browser context signed in through the sign-in form; returns its page."""
    context = browser.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next={next_path or '/workbench/'}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _shape(path: str) -> str:
    """A page's kind: its path with every number and code made one placeholder."""
    return re.sub(r"/[^/]*\d[^/]*", "/{x}", path)


def crawl(page, start_urls, *, within: tuple[str, ...], limit: int = 80):
    """Open every start page, then every page linked from them whose path starts with one of
    ``within``, one page of each kind (path shape); yield (url, status, violations)."""
    base = "{0.scheme}://{0.netloc}".format(urlsplit(start_urls[0]))
    queue = [(url, True) for url in start_urls]
    seen: set[str] = set()
    while queue and len(seen) < limit:
        url, given = queue.pop(0)
        parts = urlsplit(urljoin(base, url))
        shape = parts.geturl() if given else _shape(parts.path)
        if shape in seen:
            continue
        seen.add(shape)
        seen.add(_shape(parts.path))
        response = page.goto(parts.geturl())
        yield parts.geturl(), response.status if response else None, axe_violations(page)
        for href in page.eval_on_selector_all(
            "a[href]", "as => as.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"
        ):
            link = urlsplit(href)
            if f"{link.scheme}://{link.netloc}" != base or NOT_PAGES.search(link.path):
                continue
            if link.path.startswith(within) and _shape(link.path) not in seen:
                queue.append((link._replace(fragment="").geturl(), False))
