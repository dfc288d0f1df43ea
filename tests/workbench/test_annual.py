"""The annual quality report: its figures recounted from the objects created, the latest year
with data, the PDF (Chinese text in it) where WeasyPrint runs, and the page without it."""

import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from tests.workbench import analytics_world
from tests.workbench.analytics_world import build_world, days_ago
from workbench import pdf

pytestmark = pytest.mark.django_db
full_demo = analytics_world.full_demo


def _kpi(page: str, label: str) -> str:
    match = re.search(rf"<span>{re.escape(label)}</span><strong>([^<]*)</strong>", page)
    assert match, label
    return match.group(1)


@pytest.fixture
def world():
    w = build_world()
    for days, figures in ((30, {}), (20, {"deaths": 3}), (12, {}), (8, {})):
        w.report("a", at=days_ago(days), **figures)
    w.report("b", at=days_ago(15))
    county = w.users["tongshan"]
    first = w.incidents[0]
    incident_services.incident_report_up(
        incident_id=first.pk, actor=county, now=first.reported_at + timedelta(minutes=30)
    )
    for days in (9, 6):
        w.complain("a", at=days_ago(days))
    return w


def test_the_report_counts_the_jurisdictions_year(client, world):
    year = timezone.localdate().year
    client.force_login(world.users["tongshan"])
    page = client.get(f"/workbench/reports/annual/{year}/?lang=en").content.decode()
    mine = [
        i
        for i in world.fresh_incidents()
        if i.region_code == "320312" and timezone.localtime(i.reported_at).year == year
    ]
    assert _kpi(page, "Incidents reported") == str(len(mine))
    assert _kpi(page, "Complaints received") == str(
        sum(1 for c in world.complaints if c.region_code == "320312")
    )
    passes = Counter()
    for incident in mine:
        for row in incident.timeline.filter(action__in=("reported_up", "escalated")):
            passes[row.action] += 1
    assert passes["reported_up"] >= 1
    grades = Counter(i.grade for i in mine)
    cells = re.search(r'id="grades">.*?<tbody><tr>(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)<", cells) == [
        str(grades.get(g, 0)) for g in ("I", "II", "III", "IV")
    ]
    assert "Most frequent defect causes" in page and "<svg" in page


def test_the_current_report_opens_the_latest_year_with_data(client, full_demo):
    client.force_login(full_demo["county-regulator"])
    response = client.get("/workbench/reports/annual/")
    year = timezone.localtime().year  # the demo's records are from the last weeks
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/reports/annual/{year}/"
    page = client.get(response["Location"]).content.decode()
    assert "年度质量报告" in page and "铜山区市场监督管理局" in page
    assert "发酵罐温控传感器漂移。" in page  # a demo recall's root cause, among the causes


def test_years_out_of_range_and_enterprises_are_refused(client, world):
    client.force_login(world.users["tongshan"])
    next_year = timezone.localdate().year + 1
    assert client.get(f"/workbench/reports/annual/{next_year}/").status_code == 404
    assert client.get("/workbench/reports/annual/1999/").status_code == 404
    assert client.get(f"/workbench/reports/annual/{next_year}.pdf").status_code == 404
    client.force_login(world.users["a"])
    assert client.get("/workbench/reports/annual/").status_code == 403
    assert client.get("/workbench/reports/annual/2026/").status_code == 403


def test_the_pdf_holds_the_report_in_chinese(client, full_demo):
    if not pdf.available():
        pytest.skip("WeasyPrint cannot load here (no Pango): CI installs it (.ci/run)")
    pypdf = pytest.importorskip("pypdf")
    year = timezone.localdate().year
    client.force_login(full_demo["county-regulator"])
    page = client.get(f"/workbench/reports/annual/{year}/").content.decode()
    assert 'id="annual-pdf"' in page
    response = client.get(f"/workbench/reports/annual/{year}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "铜山区市场监督管理局" in text
    assert "年度质量报告" in text and "主要指标" in text


def test_without_weasyprint_the_page_says_so_and_the_pdf_answers_503(client, world, monkeypatch):
    monkeypatch.setattr(pdf, "available", lambda: False)
    year = timezone.localdate().year
    client.force_login(world.users["tongshan"])
    page = client.get(f"/workbench/reports/annual/{year}/?lang=en").content.decode()
    assert 'id="annual-pdf-unavailable"' in page and "not available" in page
    response = client.get(f"/workbench/reports/annual/{year}.pdf?lang=en")
    assert response.status_code == 503
    assert "WeasyPrint needs Pango" in response.content.decode()
