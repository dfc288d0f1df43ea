"""Every page of every persona passes axe-core (WCAG 2.1 A/AA and best practice) with no
serious or critical violation, text contrast at 4.5:1 or more included: each persona's pages
are found by following links from where that persona starts (the consumer from the scan page,
the others from the workbench), so a new page is checked once something links to it."""

from trace.demo.seed import demo_yogurt_batch
from trace.models import Batch

import pytest

from complaints.models import Complaint
from recalls import services as recall_services
from recalls.models import Recall, RecallNotice
from tests.browser import describe_violations
from tests.browser_journeys.conftest import PHONE, consumer_context, crawl, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKBENCH_PERSONAS = [
    "producer",
    "distributor",
    "retailer",
    "retailer2",
    "ranch",
    "county-regulator",
    "city-regulator",
    "province-regulator",
    "national-regulator",
]


def _report(visited) -> tuple[list[str], list[str]]:
    pages, failures = [], []
    for url, status, violations in visited:
        pages.append(f"{status} {url}")
        if violations:
            failures.append(f"{url}\n{describe_violations(violations)}")
    return pages, failures


def test_every_consumer_page_on_a_phone(browser, demo):
    batch = demo_yogurt_batch()
    complaint = Complaint.objects.order_by("pk").first()
    recall = Recall.objects.exclude(number="").order_by("-pk").first()
    notice = RecallNotice.objects.filter(recall=recall).first()
    token = recall_services.issue_token(notice)
    page = consumer_context(browser).new_page()
    # The scan page of a lot of every status (recalled, on hold, active...): each has its banner.
    lots = {b.status: b for b in Batch.objects.order_by("-pk")}
    start = [
        f"{demo}/01/{batch.gtin}/10/{batch.lot}",
        *(f"{demo}/01/{b.gtin}/10/{b.lot}" for b in lots.values()),
        f"{demo}/lookup/",
        f"{demo}/report/",
        f"{demo}/report/status/",
        f"{demo}/report/status/{complaint.tracking_code}/",
        f"{demo}/recalls/{recall.number}/",
        f"{demo}/recall-ack/{token}/",
        f"{demo}/accounts/login/",
    ]
    pages, failures = _report(
        crawl(page, start, within=("/01/", "/report/", "/recalls/", "/lookup/"))
    )
    assert len(pages) >= len(start), pages
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("username", WORKBENCH_PERSONAS)
def test_every_workbench_page_of_the_persona(browser, demo, username):
    page = sign_in(browser, demo, username)
    pages, failures = _report(
        crawl(page, [f"{demo}/workbench/", f"{demo}/accounts/"], within=("/workbench/",))
    )
    assert len(pages) > 3, pages
    assert not failures, "\n\n".join(failures)


def test_the_scan_page_signed_in_with_its_forms_on_a_phone(browser, demo):
    """The distributor scans a lot to log what it did: the page with its forms, on a phone."""
    batch = demo_yogurt_batch()
    lot_page = f"/01/{batch.gtin}/10/{batch.lot}"
    page = sign_in(browser, demo, "distributor", viewport=PHONE, next_path=lot_page)
    assert page.url.endswith(lot_page)
    assert page.locator("#jump-to-log").is_visible()
    pages, failures = _report(crawl(page, [f"{demo}{lot_page}", f"{demo}/accounts/"], within=()))
    assert len(pages) == 2, pages
    assert not failures, "\n\n".join(failures)
