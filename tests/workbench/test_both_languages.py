"""Both languages whole: every workbench page of every persona, in English (``?lang=en``) and in
Chinese (the default), shows no text of the other language outside record data (what people
entered: names, titles, descriptions, marked ``translate="no"``, and the choices of a form)."""

import re
from html import unescape
from trace.models import Batch

import pytest
from django.test import Client
from django.utils import timezone

from complaints import report_services
from complaints.models import Complaint, Report, RiskSignal
from incidents.models import Incident
from inspections import services as inspection_services
from inspections.models import SpotCheckDraw
from recalls.models import Recall
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

PERSONAS = ("county-regulator", "city-regulator", "producer", "retailer")
LISTS = (
    "/workbench/",
    "/workbench/incidents/",
    "/workbench/complaints/",
    "/workbench/recalls/",
    "/workbench/dashboard/",
    "/workbench/lots/",
    "/workbench/enterprise/notices/",
    "/workbench/enterprise/complaints/",
    "/workbench/tips/",
    "/workbench/spot-checks/",
    "/workbench/spot-checks/draw/",
)
# Record data the demo shows outside a translate="no" element (the enterprise's view of an
# incident opened from a complaint names it in a list cell).
DATA = ("酸奶疑致多人腹泻（消费者投诉）",)
# A file format both languages name in Latin letters (the trace page's download).
FORMATS = ("Excel",)


def _pages() -> list[str]:
    pages = list(LISTS)
    pages += [f"/workbench/incidents/{pk}/" for pk in Incident.objects.values_list("pk", flat=True)]
    pages += [
        f"/workbench/complaints/{pk}/" for pk in Complaint.objects.values_list("pk", flat=True)
    ]
    pages += [f"/workbench/signals/{pk}/" for pk in RiskSignal.objects.values_list("pk", flat=True)]
    pages += [f"/workbench/recalls/{pk}/" for pk in Recall.objects.values_list("pk", flat=True)]
    pages += [f"/workbench/tips/{pk}/" for pk in Report.objects.values_list("pk", flat=True)]
    for pk in SpotCheckDraw.objects.values_list("pk", flat=True):
        pages += [
            f"/workbench/spot-checks/draws/{pk}/",
            f"/workbench/spot-checks/draws/{pk}/verify/",
        ]
    for pk in Batch.objects.order_by("id").values_list("pk", flat=True)[:4]:
        pages += [f"/workbench/lots/{pk}/", f"/workbench/lots/{pk}/trace/"]
    return pages


def _interface_text(html: str) -> str:
    html = html.split("<main", 1)[-1].split(">", 1)[-1]  # the bar names the organization
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*translate="no"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r"<option[^>]*>[^<]*</option>", " ", html)
    text = unescape(re.sub(r"<[^>]+>", " ", html))  # a browser's copy writes &nbsp;
    for data in DATA + FORMATS:
        text = text.replace(data, " ")
    return text


CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
# An ASCII colon, comma, semicolon, question or exclamation mark right after or before Chinese
# text (spaces and removed tags between), or ASCII brackets around it: Chinese takes the
# full-width forms (：，；？！（）). Times (12:30), numbers (1,000) and codes ((01)0690…) have no
# Chinese beside the mark.
HALF_WIDTH = re.compile(rf"{CJK}\s*[:,;?!]|[:,;?!]\s*{CJK}|\([^()\n]*{CJK}[^()\n]*\)")


def half_width_punctuation(text: str) -> list[str]:
    """Each place in ``text`` where Chinese meets an ASCII punctuation mark, with a little
    context either side."""
    return [text[max(m.start() - 8, 0) : m.end() + 8].strip() for m in HALF_WIDTH.finditer(text)]


def _reports_and_draws(seeded):  # noqa: F811
    """Beyond the demo's one report and one draw: a real-name report the county opened a case on (a new incident),
    an anonymous one still to check, the county's draw with its result recorded and the
    city's still planned."""
    county = seeded["county-regulator"]
    for name, phone in (("李四", "13800138000"), ("", "")):
        report = report_services.report_submit(
            subject="冒用厂名厂址",
            enterprise_name="某乳业公司",
            region_code=county.membership.organization.region_code,
            facts="包装地址与实际不符。",
            contact_name=name,
            contact_phone=phone,
        )
    report_services.report_verify(report_id=report.pk - 1, actor=county)
    report_services.report_open_case(report_id=report.pk - 1, actor=county, open_incident=True)
    draw = inspection_services.draw_make(actor=county, enterprise_count=1, inspectors_per_check=1)
    inspection_services.draw_make(
        actor=seeded["city-regulator"], enterprise_count=2, inspectors_per_check=1
    )
    inspection_services.spot_check_record(
        check_id=draw.checks.first().pk,
        actor=county,
        result="fail",
        checked_on=timezone.localdate(),
        findings="标签不合格",
    )


def _rendered(seeded, lang: str):  # noqa: F811
    _reports_and_draws(seeded)
    for persona in PERSONAS:
        client = Client()
        client.force_login(seeded[persona])
        for page in _pages():
            response = client.get(f"{page}?lang={lang}")
            if response.status_code == 200:
                yield persona, page, _interface_text(response.content.decode())


def test_english_pages_have_no_chinese_outside_record_data(seeded):  # noqa: F811
    found = {}
    for persona, page, text in _rendered(seeded, "en"):
        for word in re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", text):
            found.setdefault(word, (persona, page))
    assert not found, sorted(found.items())


def test_chinese_pages_have_no_english_outside_record_data(seeded):  # noqa: F811
    found = {}
    for persona, page, text in _rendered(seeded, "zh-hans"):
        for word in re.findall(r"\b[A-Za-z][A-Za-z_]{2,}\b", text):
            if not word.isupper():  # codes (tracking, recall numbers) and grades I–IV
                found.setdefault(word, (persona, page))
    assert not found, sorted(found.items())


def test_the_punctuation_check_catches_ascii_marks_beside_chinese():
    assert half_width_punctuation("状态: 已受理")  # {% translate "Status" %}: …
    assert half_width_punctuation("补救措施  退货退款, 更换")
    assert half_width_punctuation("已报告 (实施中，主动召回)")
    assert not half_width_punctuation(
        "状态：已受理，12:30 · 1,000 · (01)06901234500011 · 100 % (2 / 2) · 已通知（2）"
    )


def test_chinese_pages_use_full_width_punctuation(seeded):  # noqa: F811
    found = {}
    for persona, page, text in _rendered(seeded, "zh-hans"):
        for place in half_width_punctuation(text):
            found.setdefault(place, (persona, page))
    assert not found, "\n".join(f"{place!r} on {where}" for place, where in sorted(found.items()))


def test_the_language_switch_keeps_the_query_and_lookup_keeps_its_form(client, seeded):  # noqa: F811
    client.force_login(seeded["county-regulator"])
    page = client.get("/workbench/incidents/?status=reported&lang=zh-hans").content.decode()
    switch = re.search(r'class="wb-lang" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "status=reported" in switch and "lang=en" in switch
    assert client.get("/lookup/?lang=en").status_code == 200
