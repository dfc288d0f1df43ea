"""The Django admin in Simplified Chinese (issue 10 §5: "admin labels partly untranslated").

Renders, as a superuser on the demo data, every changelist and one change form of each of our
models registered in the admin, with Chinese asked for, and reads the labels an operator sees:
column headers, field labels, inline headers, the page title. A label that is the English text
of one of our models' or fields' verbose names (its msgid, or the name Django makes up from the
attribute when there is none), where Chinese is expected, is a failure. A few labels are the same
in both languages on purpose (codes such as GTIN); they have a msgstr equal to their msgid."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import trans_real

pytestmark = pytest.mark.django_db

OURS = ("api", "trace", "complaints", "incidents", "recalls")


class _Labels(HTMLParser):
    """Text of <label>, <th> and <h1>/<h2> elements, and of the column headers' <a>/<span>."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.buffer: list[str] = []
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("label", "th", "h1", "h2"):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in ("label", "th", "h1", "h2") and self.depth:
            self.depth -= 1
            if not self.depth:
                text = " ".join("".join(self.buffer).split()).rstrip(":：").strip()
                if text:
                    self.labels.append(text)
                self.buffer = []

    def handle_data(self, data):
        if self.depth:
            self.buffer.append(data)


def _english_names() -> dict[str, list[tuple[str, str, str]]]:
    """English label → (app, model, field) for every verbose name of ours that shows English
    under zh-hans: untranslatable (a plain string) or translated to itself by accident."""
    catalog = trans_real.translation("zh-hans")._catalog
    names: dict[str, list[tuple[str, str, str]]] = {}

    def check(value, where):
        with translation.override("en"):
            english = capfirst(str(value))
        with translation.override("zh-hans"):
            chinese = capfirst(str(value))
        msgid = (getattr(value, "_args", None) or (None,))[0]  # a gettext_lazy proxy's msgid
        deliberate = msgid is not None and catalog.get(msgid) == msgid
        if chinese == english and not deliberate and english.isascii():
            names.setdefault(english, []).append(where)

    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in OURS:
            continue
        check(meta.verbose_name, (meta.app_label, model.__name__, "<verbose_name>"))
        check(meta.verbose_name_plural, (meta.app_label, model.__name__, "<verbose_name_plural>"))
        for field in meta.get_fields():
            if field.auto_created and not field.concrete or field.name == "id":
                continue
            check(field.verbose_name, (meta.app_label, model.__name__, field.name))
    return names


_rendered: list = []  # the pages are rendered once per session, by the first test that asks


@pytest.fixture
def untranslated(db) -> list[tuple[str, str, str, str, str]]:
    """(app, model, field, label, page) for every English label seen on the admin pages."""
    if _rendered:
        return _rendered[0]
    call_command("seed_demo", verbosity=0)
    user = get_user_model().objects.create_superuser("label-check", "root@example.cn", "x")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    english = _english_names()
    seen = []
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in OURS:
            continue
        pages = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            parser = _Labels()
            parser.feed(response.content.decode())
            for label in parser.labels:
                for where in english.get(label, ()):  # every verbose name it may be
                    seen.append((*where, label, page))
    _rendered.append(sorted(set(seen)))
    return _rendered[0]


def test_the_check_sees_the_admin_in_chinese(admin_client):
    """Not vacuous: the page is Chinese, and an untranslated label would be caught."""
    page = admin_client.get(reverse("admin:trace_batch_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    parser = _Labels()
    parser.feed(page.content.decode())
    assert "批次" in " ".join(parser.labels)
    assert "Owner" not in _english_names()  # trace.Product.owner is translated now


def test_every_label_of_every_app_in_the_admin_is_chinese(untranslated):
    assert untranslated == []


def test_every_verbose_name_of_ours_has_chinese():
    """Models not in the admin, or fields no admin page shows, too: every verbose name of our
    models and fields reads Chinese under zh-hans (or is the same on purpose, like GTIN)."""
    assert _english_names() == {}
