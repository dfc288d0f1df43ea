"""The consumer page's one extension point (issue 10): upper apps register notice providers in
``trace.consumer.extensions``; the page shows each notice by its kind."""

from trace.consumer import extensions
from trace.consumer.extensions import PageNotice, register_notice_provider

import pytest
from django.test import Client

from tests.factories import produce, recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    def notices(batch, language):
        english = language == "en"
        return [
            PageNotice(kind="warning", title="Boil before use" if english else "煮沸后食用"),
            PageNotice(kind="link", title="Where to return it", url="/returns/"),
            PageNotice(
                kind="recall",
                title="Recall R-1",
                data={"notice_url": "http://testserver/recalls/R-1/", "remedies": []},
            ),
        ]

    register_notice_provider("zz-test", notices)
    yield
    extensions._providers.pop("zz-test")


def test_a_registered_provider_shows_its_warning_and_link_by_language(
    enterprise, product, provider
):
    lot = produce(enterprise.user, product, lot="PN1")
    path = lot.digital_link.replace("http://testserver", "")
    html = Client().get(path, HTTP_ACCEPT="text/html").content.decode()
    assert "煮沸后食用" in html and 'href="/returns/"' in html
    english = Client().get(path + "?lang=en", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
    assert "Boil before use" in english.content.decode()
    # A lot that is not recalled shows no recall notice, whatever a provider says.
    assert 'id="recall-notice"' not in html


def test_a_recall_notice_shows_in_the_banner_and_the_recall_status_only_once_recalled(
    enterprise, product, provider
):
    lot = produce(enterprise.user, product, lot="PN2")
    recall(lot)
    path = lot.digital_link.replace("http://testserver", "")
    html = Client().get(path, HTTP_ACCEPT="text/html").content.decode()
    assert 'id="recall-notice"' in html and 'href="http://testserver/recalls/R-1/"' in html
    status = Client().get(f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/recall-status/").json()
    assert status["recall"]["title"] == "Recall R-1"


def test_a_notice_of_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        PageNotice(kind="banner", title="?")
