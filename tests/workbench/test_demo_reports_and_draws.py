"""A new user exploring the demo reaches a report's page and a spot-check draw's page: the
seed (``manage.py seed_demo``, what ``make run`` runs) makes one real-name report (举报, SAMR
Order 20 Art. 3) to the Tongshan county regulator and one draw (双随机) by the Xuzhou city
regulator, through the services; a second seed adds nothing."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from complaints.models import Report
from inspections.models import SpotCheckDraw
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _followed(client, listing: str, pattern: str) -> str:
    """Open ``listing``, follow the first link matching ``pattern``; the page it reaches."""
    page = client.get(listing)
    assert page.status_code == 200
    link = re.search(pattern, page.content.decode())
    assert link, f"no link {pattern} on {listing}"
    detail = client.get(link.group(0)[len('href="') : -1])
    assert detail.status_code == 200
    return detail.content.decode()


def test_the_demo_report_is_reachable_from_the_county_tips_list(seeded):  # noqa: F811
    report = Report.objects.get()
    assert report.status == "received" and report.real_name
    assert report.timeline.filter(action="received").exists()  # made by report_submit
    html = _followed(
        _client(seeded["county-regulator"]), "/workbench/tips/", r'href="/workbench/tips/\d+/"'
    )
    assert "冷库温度记录涉嫌造假" in html and "周先生" in html  # the handling county sees the name


def test_the_demo_draw_is_reachable_and_re_draws_to_the_same_result(seeded):  # noqa: F811
    draw = SpotCheckDraw.objects.get()
    assert draw.regulator.name == seeded["city-regulator"].membership.organization.name
    assert draw.checks.count() == 2 and draw.seed
    client = _client(seeded["city-regulator"])
    html = _followed(client, "/workbench/spot-checks/", r'href="/workbench/spot-checks/draws/\d+/"')
    assert draw.seed in html
    assert client.get(f"/workbench/spot-checks/draws/{draw.pk}/verify/").status_code == 200


def test_a_second_seed_adds_no_report_nor_draw(seeded):  # noqa: F811
    call_command("seed_demo", stdout=io.StringIO())
    assert Report.objects.count() == 1 and SpotCheckDraw.objects.count() == 1
