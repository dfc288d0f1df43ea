"""A lot's trace in the workbench, in a real browser: the county regulator opens an incident from its list and
reaches the lot's trace page in two clicks, and sees the journey drawn (the SVG the server
wrote, allowed by the CSP) with the events beside it at 1280 px, and one column at 390 px."""

import io
from trace.demo.seed import YOGURT_GTIN
from trace.models import Batch

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from incidents.models import Incident
from tests.workbench.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_county_regulator_reaches_the_lots_trace_from_an_incident_in_two_clicks(
    browser, live_server, seeded, tmp_path
):
    yogurt = Batch.objects.filter(gtin=YOGURT_GTIN, lot__endswith="01").order_by("id").first()
    incident = Incident.objects.filter(batch_links__batch=yogurt).order_by("id").first()
    page = sign_in(browser, live_server, "county-regulator", next_path="/workbench/incidents/")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    assert page.url.endswith("/workbench/incidents/")

    page.click(f'#incident-list a[href="/workbench/incidents/{incident.pk}/"]')  # click 1
    page.wait_for_load_state()
    page.click(f'#batches a[href="/workbench/lots/{yogurt.pk}/trace/"]')  # click 2
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/workbench/lots/{yogurt.pk}/trace/"

    graph = page.locator("#trace-graph svg")
    assert graph.is_visible()
    box = graph.bounding_box()
    assert box["width"] > 400 and box["height"] > 300
    assert page.locator('#trace-graph [data-kind="lot"]').count() == 3  # two milk lots, the yogurt
    assert page.locator('#trace-graph [data-kind="transformation"]').count() == 1
    assert page.locator('#trace-graph [data-kind="company"]').count() == 5
    assert "加工转化" in page.locator("#trace-graph").inner_text()
    journey, events = (
        page.locator("#journey").bounding_box(),
        page.locator("#events").bounding_box(),
    )
    assert events["x"] >= journey["x"] + journey["width"]  # the events beside the drawing
    assert page.locator("#events tr[data-event]").count() >= 10
    assert _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "trace-1280.png"), full_page=True)

    # A lot of the drawing opens its own trace.
    milk = page.locator('#trace-graph a [data-kind="lot"]').first
    milk.click()
    page.wait_for_load_state()
    assert (
        "/trace/" in page.url and page.url != f"{live_server.url}/workbench/lots/{yogurt.pk}/trace/"
    )

    phone = sign_in(
        browser,
        live_server,
        "county-regulator",
        viewport=PHONE,
        next_path=f"/workbench/lots/{yogurt.pk}/trace/",
    )
    assert phone.locator("#trace-graph svg").is_visible()
    journey, events = (phone.locator(s).bounding_box() for s in ("#journey", "#events"))
    assert events["y"] >= journey["y"] + journey["height"]  # one column on a phone
    assert _no_sideways_scroll(phone)  # the drawing scrolls inside its own box
    phone.screenshot(path=str(tmp_path / "trace-390.png"), full_page=True)
    assert not [p for p in problems if "Content Security Policy" in p], problems
