"""The README's pictures, taken by this test from the live demo so they stay current: the
consumer page on a phone, the county's inbox, an incident, a recall, the dashboard and a lot's
trace, each in Chinese and in English. They go to pytest's tmp_path; with
``SUYUAN_SCREENSHOTS=1`` they are written to docs/screenshots/ (then commit them).
Each is a 256-colour PNG kept under 200 KB."""

import io
import os
from pathlib import Path
from trace.demo.seed import demo_yogurt_batch

import pytest
from PIL import Image

from incidents.models import Incident
from recalls.models import Recall
from tests.browser import assert_accessible
from tests.browser_journeys.conftest import DESKTOP, consumer_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_BYTES = 200 * 1024
LANGUAGES = {"zh": ("zh-CN", "zh-hans"), "en": ("en-US", "en")}


def _save(png: bytes, path: Path) -> int:
    """Write the screenshot as a palette PNG (text and flat colours lose nothing visible)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    image.save(path, format="PNG", optimize=True)
    return path.stat().st_size


@pytest.fixture
def out_dir(tmp_path):
    if os.environ.get("SUYUAN_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots_of_the_main_pages(browser, demo, out_dir, language):
    locale, lang = LANGUAGES[language]
    yogurt = demo_yogurt_batch()
    incident = Incident.objects.get(level="province")
    recall = Recall.objects.filter(status="active").order_by("pk").first() or Recall.objects.first()
    taken = {}

    phone = consumer_context(browser, locale=locale).new_page()
    phone.goto(f"{demo}/01/{yogurt.gtin}/10/{yogurt.lot}?lang={lang}")
    assert_accessible(phone)
    taken["consumer-phone"] = phone.screenshot()

    page = sign_in(browser, demo, "county-regulator", locale=locale)
    for name, path in [
        ("inbox", "/workbench/"),
        ("incident", f"/workbench/incidents/{incident.pk}/"),
        ("recall", f"/workbench/recalls/{recall.pk}/"),
        ("dashboard", "/workbench/dashboard/"),
        ("lot-trace", f"/workbench/lots/{yogurt.pk}/trace/"),
    ]:
        assert page.goto(f"{demo}{path}?lang={lang}").status == 200
        assert page.locator("html").get_attribute("lang") == (
            "en" if language == "en" else "zh-Hans"
        )
        assert_accessible(page)
        taken[name] = page.screenshot(clip={"x": 0, "y": 0, **DESKTOP})

    for name, png in taken.items():
        size = _save(png, out_dir / f"{name}-{language}.png")
        assert 5_000 < size < MAX_BYTES, (name, size)
