"""Both languages whole on the consumer's pages: the lot page, the lookup, the complaint and
report forms, the status pages and the public recall notices, in English (``?lang=en``) and in
Chinese (the default), show no text of the other language outside record data (what producers,
regulators and consumers wrote, marked ``translate="no"``).

The Chinese legal terms an English sentence names beside its own words (a complaint, 投诉; a
report, 举报; a voluntary recall, 主动召回) are the terms a reader meets on the regulator's
own forms: they are allowed, and nothing else."""

import re
from trace.models import Batch

import pytest
from django.test import Client

from complaints.models import Complaint
from recalls.models import Recall
from tests.workbench.test_both_languages import _interface_text, half_width_punctuation
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

LEGAL_TERMS = ("投诉", "举报", "主动召回", "责令召回")


def _pages() -> list[str]:
    pages = ["/lookup/", "/report/", "/report/status/", "/accounts/login/"]
    for batch in Batch.objects.order_by("id")[:6]:
        pages += [
            f"/01/{batch.gtin}/10/{batch.lot}",
            f"/report/01/{batch.gtin}/10/{batch.lot}/",
            f"/report/tip/01/{batch.gtin}/10/{batch.lot}/",
        ]
    pages += [
        f"/report/status/{c}/" for c in Complaint.objects.values_list("tracking_code", flat=True)
    ]
    pages += [f"/recalls/{n}/" for n in Recall.objects.values_list("number", flat=True)]
    return pages


def _rendered(lang: str):
    client = Client()
    for page in _pages():
        response = client.get(f"{page}?lang={lang}")
        if response.status_code == 200:
            html = response.content.decode()
            body = html.split("<body", 1)[-1]
            text = _interface_text(body if "<main" in body else "<main>" + body)
            for term in LEGAL_TERMS if lang == "en" else ():
                text = text.replace(term, " ")
            yield page, text


def test_the_consumer_pages_are_read(seeded):  # noqa: F811
    pages = [page for page, _text in _rendered("en")]
    assert any(p.startswith("/01/") for p in pages) and any(
        p.startswith("/recalls/") for p in pages
    )
    assert any(p.startswith("/report/status/") and p != "/report/status/" for p in pages)


def test_english_consumer_pages_have_no_chinese_outside_record_data(seeded):  # noqa: F811
    found = {}
    for page, text in _rendered("en"):
        for word in re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", text):
            found.setdefault(word, page)
    assert not found, sorted(found.items())


def test_chinese_consumer_pages_have_no_english_outside_record_data(seeded):  # noqa: F811
    found = {}
    for page, text in _rendered("zh-hans"):
        for word in re.findall(r"\b[A-Za-z][A-Za-z_]{2,}\b", text):
            if not word.isupper():  # codes: GTINs, lots, tracking and recall numbers
                found.setdefault(word, page)
    assert not found, sorted(found.items())


def test_chinese_consumer_pages_use_full_width_punctuation(seeded):  # noqa: F811
    found = {}
    for page, text in _rendered("zh-hans"):
        for place in half_width_punctuation(text):
            found.setdefault(place, page)
    assert not found, "\n".join(f"{place!r} on {where}" for place, where in sorted(found.items()))
