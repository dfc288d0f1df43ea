"""A lot's trace in the workbench (issue 23 item 1): who may open it (the rule of the API's
batch trace, regulators included), the journey drawn as SVG with its lots, companies and
transformation, the events beside it, the spreadsheet with the session, and the way to it
from every incident, complaint, signal and recall page."""

from __future__ import annotations

import io
import re
from pathlib import Path
from trace.demo.seed import YOGURT_GTIN
from trace.models import Batch
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from openpyxl import load_workbook

from complaints.models import Complaint, RiskSignal
from core.choices import RegulatorLevel
from incidents.models import Incident
from recalls.models import Recall
from tests.factories import EnterpriseFactory, RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

WORKBENCH_TEMPLATES = Path(__file__).resolve().parents[2] / "workbench" / "templates"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo (ranch → dairy, raw milk made into yogurt → distributor → two supermarkets, with
    incidents, complaints, a risk signal and recalls on the yogurt), plus a company and a county
    regulator elsewhere; built once, rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            users = {u.username: u for u in get_user_model().objects.all()}
            users["rival"] = UserFactory(organization=EnterpriseFactory(region_code="330106"))
            users["county-elsewhere"] = UserFactory(
                organization=RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="330106")
            )
            yield users
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _yogurt(suffix: str = "01") -> Batch:
    """The demo's yogurt lot ``YG<day of the seed><suffix>``, made from its two raw milk lots."""
    return Batch.objects.filter(gtin=YOGURT_GTIN, lot__endswith=suffix).order_by("id").first()


def _raw_milk() -> list[Batch]:
    return list(Batch.objects.filter(lot__startswith="RM").order_by("lot"))


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _svg(html: str) -> ElementTree.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "the page draws no graph"
    return ElementTree.fromstring(match.group(0))


# Who may open the yogurt lot's trace: the API's rule (``Batch.objects.visible_to``). The
# ranch only supplied the milk (one step up: it sees its own lots, not the dairy's yogurt).
ACCESS = {
    "producer": 200,  # the dairy that made it
    "distributor": 200,  # shipped to it
    "retailer2": 200,  # a supermarket in Nanjing it reached
    "county-regulator": 200,  # Tongshan, where the dairy is
    "city-regulator": 200,
    "province-regulator": 200,
    "national-regulator": 200,
    "ranch": 404,
    "rival": 404,
    "county-elsewhere": 404,
}


@pytest.mark.parametrize("username,status", ACCESS.items())
def test_who_may_open_the_trace_page_and_its_spreadsheet(world, username, status):
    yogurt = _yogurt()
    client = _client(world[username])
    for path in ("trace/", "trace.xlsx", "trace.csv"):
        response = client.get(f"/workbench/lots/{yogurt.pk}/{path}")
        assert response.status_code == status, (username, path)
        api = client.get(f"/api/v1/batches/{yogurt.pk}/{path}")
        assert api.status_code == status, "the API's trace answers alike"


def test_anonymous_is_sent_to_sign_in_and_a_regulator_gets_what_the_lot_page_refuses(world):
    yogurt = _yogurt()
    response = _client().get(f"/workbench/lots/{yogurt.pk}/trace/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    county = _client(world["county-regulator"])
    assert county.get(f"/workbench/lots/{yogurt.pk}/").status_code == 403  # an enterprise page
    assert county.get(f"/workbench/lots/{yogurt.pk}/trace/").status_code == 200
    assert county.get(f"/workbench/lots/{yogurt.pk}/trace.pdf").status_code == 404


def test_the_spreadsheet_is_the_api_export_with_the_session(world):
    yogurt = _yogurt()
    for username in ("county-regulator", "distributor"):
        client = _client(world[username])
        ours = client.get(f"/workbench/lots/{yogurt.pk}/trace.csv")
        assert ours["Content-Type"].startswith("text/csv")
        assert f'filename="trace-{YOGURT_GTIN}-{yogurt.lot}.csv"' in ours["Content-Disposition"]
        assert ours.content == client.get(f"/api/v1/batches/{yogurt.pk}/trace.csv").content
    xlsx = _client(world["county-regulator"]).get(f"/workbench/lots/{yogurt.pk}/trace.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    lots = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {*(b.lot for b in _raw_milk()), yogurt.lot} <= lots


def test_the_graph_draws_the_lots_the_companies_and_the_transformation(world):
    yogurt = _yogurt()
    raw = _raw_milk()
    html = _client(world["county-regulator"]).get(f"/workbench/lots/{yogurt.pk}/trace/")
    svg = _svg(html.content.decode())
    nodes = {g.get("data-node"): g for g in svg.iter(f"{SVG}g") if g.get("data-node")}
    kinds = {key: g.get("data-kind") for key, g in nodes.items()}
    lots = {k for k, v in kinds.items() if v == "lot"}
    assert lots == {f"lot-{b.pk}" for b in [*raw, yogurt]}
    assert "wbt-root" in nodes[f"lot-{yogurt.pk}"].get("class")
    [transformation] = [k for k, v in kinds.items() if v == "transformation"]
    names = {
        "".join(g.find(f"{SVG}title").itertext()) for k, g in nodes.items() if kinds[k] == "company"
    }
    assert {
        "徐州绿源牧业有限公司",  # the ranch: made the milk, shipped it to the dairy
        "徐州彭城乳业有限公司",  # the dairy
        "徐州淮海冷链物流有限公司",  # the distributor
        "云龙万家超市有限公司",
        "南京玄武惠民超市有限公司",
    } <= names
    edges = {
        (p.get("data-from"), p.get("data-to"), p.get("class").split("--")[-1])
        for p in svg.iter(f"{SVG}path")
        if p.get("data-from")
    }
    for milk in raw:
        assert (f"lot-{milk.pk}", transformation, "input") in edges
    assert (transformation, f"lot-{yogurt.pk}", "output") in edges
    assert any(kind == "shipped" for _a, _b, kind in edges)
    # A lot the reader may open is a link to its own trace page.
    assert f'href="/workbench/lots/{raw[0].pk}/trace/"' in html.content.decode()


def test_the_events_table_sits_beside_the_graph_chinese_by_default_english_complete(world):
    yogurt = _yogurt()
    client = _client(world["county-regulator"])
    zh = client.get(f"/workbench/lots/{yogurt.pk}/trace/").content.decode()
    assert "来源与去向" in zh and "关键追溯事件表格" in zh
    events = zh.split('id="events"')[1].split("</section>")[0]
    assert events.count("<tr data-event=") >= 10  # production to retail, both ways
    assert "生产" in events and "发货" in events
    en = client.get(f"/workbench/lots/{yogurt.pk}/trace/?lang=en").content.decode()
    # Everything but the data (names, lot codes) is English.
    words = re.sub(r'<(svg|script)\b.*?</\1>|translate="no">[^<]*<', "", en, flags=re.S)
    words = re.sub(r"<[^>]+>", " ", words)
    chinese = re.findall(r"[\u4e00-\u9fff]+", words)
    data = {"徐州市铜山区市场监督管理局", "中文"}  # the signed-in organization, the switch
    assert set(chinese) <= data, set(chinese) - data
    assert "The journey, both ways" in en


def _trace_links(html: str) -> set[str]:
    return set(re.findall(r'href="(/workbench/lots/\d+/trace/)"', html))


def test_every_record_page_links_to_the_lots_trace_page_and_none_to_the_api(world):
    county = _client(world["county-regulator"])
    yogurt, yogurt2 = _yogurt("01"), _yogurt("02")
    incident = Incident.objects.filter(batch_links__batch=yogurt).order_by("id").first()
    complaint = Complaint.objects.filter(batch=yogurt).order_by("id").first()
    signal = RiskSignal.objects.order_by("id").first()
    pages = {
        f"/workbench/incidents/{incident.pk}/": {yogurt},
        f"/workbench/complaints/{complaint.pk}/": {yogurt},
        f"/workbench/signals/{signal.pk}/": set(signal.batches.all()),
    }
    for recall in Recall.objects.order_by("id"):
        pages[f"/workbench/recalls/{recall.pk}/"] = {
            link.batch for link in recall.scope_batches.filter(included=True)
        }
    assert yogurt2 in pages[f"/workbench/signals/{signal.pk}/"]
    for path, lots in pages.items():
        response = county.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        expected = {f"/workbench/lots/{b.pk}/trace/" for b in lots}
        assert expected and expected <= _trace_links(html), path
        assert "/api/v1/batches/" not in html, path
        for link in expected:  # and each leads somewhere the regulator may go
            assert county.get(link).status_code == 200


def test_the_enterprise_lot_pages_link_to_the_trace_page_not_the_api(world):
    yogurt = _yogurt()
    producer = _client(world["producer"])
    lot_page = producer.get(f"/workbench/lots/{yogurt.pk}/").content.decode()
    assert f'href="/workbench/lots/{yogurt.pk}/trace/"' in lot_page
    assert f'href="/workbench/lots/{yogurt.pk}/trace.xlsx"' in lot_page
    assert f"/api/v1/batches/{yogurt.pk}/trace" not in lot_page
    lots = producer.get("/workbench/lots/").content.decode()
    assert f'href="/workbench/lots/{yogurt.pk}/trace/"' in lots
    trace = producer.get(f"/workbench/lots/{yogurt.pk}/trace/").content.decode()
    assert f'href="/workbench/lots/{yogurt.pk}/"' in trace  # back to the lot's own page
    county = _client(world["county-regulator"]).get(f"/workbench/lots/{yogurt.pk}/trace/")
    assert f'href="/workbench/lots/{yogurt.pk}/"' not in county.content.decode()


def test_no_workbench_template_links_into_the_api_browser():
    found = []
    for template in WORKBENCH_TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        # the files too (labels, QR code, attachments, photos) have workbench addresses
        found += [(template.name, m.group(0)) for m in re.finditer(r"/api/[^\"' ]*", text)]
    assert found == []
