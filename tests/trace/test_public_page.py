"""The Digital Link resolver at the site root: consumer page, linkset, link-type
redirects, public JSON, cache safety, scan log, and the phone actions."""

from datetime import date
from decimal import Decimal
from trace.core.cache import page_key
from trace.core.choices import BatchStatus
from trace.core.identifiers import digital_link_path
from trace.core.services import batch_inspect, batch_ship
from trace.models import Custody, Event, ScanLog

import pytest
from django.core.cache import cache
from django.test import Client

from core.choices import Role
from tests.factories import (
    ProductFactory,
    SiteFactory,
    UserFactory,
    hold,
    make_gtin13,
    produce,
    recall,
)

pytestmark = pytest.mark.django_db

LINKSET = "application/linkset+json"


@pytest.fixture
def lot(enterprise, partner):
    """A lot the enterprise made (98765) and inspected, 43219 shipped to the partner, not yet received."""
    org = enterprise.org
    org.name, org.name_en = "徐州彭城乳业有限公司", "Xuzhou Pengcheng Dairy Co., Ltd."
    org.save()
    partner.org.name, partner.org.name_en = "徐州淮海冷链物流有限公司", "Xuzhou Huaihai Cold Chain"
    partner.org.save()
    product = ProductFactory(
        owner=org,
        name="彭城原味酸奶 200g",
        name_en="Pengcheng plain yogurt 200 g",
        specification="200 g/杯",
    )
    site = SiteFactory(owner=org, address="江苏省徐州市铜山区银山路8号")
    batch = produce(
        enterprise.user,
        product,
        lot="YG-01",
        quantity=Decimal(98765),
        production_date=date(2026, 11, 16),
        expiry_date=date(2026, 12, 7),
        site=site,
    )
    batch_inspect(
        batch=batch, result="pass", report_ref="QC-SECRET-1", note="内部备注", actor=enterprise.user
    )
    batch_ship(
        batch=batch,
        to=partner.org,
        quantity=Decimal(43219),
        documents={"po": "PO-SECRET-9"},
        actor=enterprise.user,
    )
    batch.refresh_from_db()
    return batch


def url(batch, suffix=""):
    return digital_link_path(batch.gtin, batch.lot) + suffix


def signed_in(persona):
    client = Client()
    client.force_login(persona.user)
    return client


def html(response) -> str:
    return response.content.decode()


# --- the consumer page -----------------------------------------------------------


def test_consumer_page_shows_product_producer_dates_and_journey(lot):
    response = Client().get(url(lot), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    body = html(response)
    assert '<html lang="zh-Hans">' in body
    assert "彭城原味酸奶 200g" in body
    assert "徐州彭城乳业有限公司" in body
    assert "江苏省徐州市铜山区" in body  # region, never the street
    assert "银山路" not in body
    assert "2026-11-16" in body and "2026-12-07" in body
    for kind in ("produced", "inspected", "shipped"):
        assert f'data-kind="{kind}"' in body
    assert "badge--pass" in body
    # The maker's customer (the cold-chain distributor) is counted, never named (issue 19 §14).
    assert "徐州淮海冷链物流有限公司" not in body and "发往其他 1 家企业（不公开名称）" in body
    assert 'data-status="active"' in body


def test_consumer_page_hides_business_documents_quantities_and_notes(lot):
    body = html(Client().get(url(lot)))
    for private in (
        "QC-SECRET-1",
        "PO-SECRET-9",
        "内部备注",
        "98765",
        "43219",
        "csrfmiddlewaretoken",
    ):
        assert private not in body


def test_link_header_points_at_the_linkset(lot):
    response = Client().get(url(lot))
    assert f'<http://testserver{url(lot)}?linkType=linkset>; rel="linkset"' in response["Link"]


@pytest.mark.parametrize(
    "lot_value,path_lot",
    [
        ("LOT7", "LOT7"),
        ("LOT7", "LOT7/"),  # trailing slash
        ("A/B", "A%2FB"),  # a slash in the lot, percent-encoded
        ("50%OFF", "50%25OFF"),  # a percent sign in the lot
        ("X(1)", "X%281%29"),
    ],
)
def test_resolver_decodes_lots_and_accepts_a_trailing_slash(enterprise, lot_value, path_lot):
    batch = produce(enterprise.user, ProductFactory(owner=enterprise.org), lot=lot_value)
    response = Client().get(f"/01/{batch.gtin}/10/{path_lot}")
    assert response.status_code == 200
    assert f"<dd>{batch.lot}</dd>" in html(response)


def test_resolver_accepts_gtin_13_and_gtin_8_forms(enterprise):
    gtin8 = "96385074"  # a valid GTIN-8
    product = ProductFactory(owner=enterprise.org, gtin="000000" + gtin8)
    batch = produce(enterprise.user, product, lot="S1")
    assert Client().get(f"/01/{gtin8}/10/S1").status_code == 200
    assert Client().get(f"/01/{batch.gtin[1:]}/10/S1").status_code == 200
    assert Client().get(f"/01/{batch.gtin[2:]}/10/S1").status_code == 200  # GTIN-12


def test_serial_in_the_uri_resolves_to_its_lot(lot):
    response = Client().get(url(lot, "/21/SN0001"))
    assert response.status_code == 200
    linkset = Client().get(url(lot, "/21/SN0001"), HTTP_ACCEPT=LINKSET).json()
    assert linkset["linkset"][0]["anchor"].endswith("/10/YG-01/21/SN0001")


def test_english_through_accept_language_and_the_switch(lot):
    body = html(Client().get(url(lot), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in body
    assert "Xuzhou Pengcheng Dairy Co., Ltd." in body
    assert "Pengcheng plain yogurt 200 g" in body

    client = Client()
    response = client.get(url(lot) + "?lang=en")
    assert '<html lang="en">' in html(response)
    # The switch sticks: the next scan is English without the parameter.
    assert '<html lang="en">' in html(client.get(url(lot)))
    back = client.get(url(lot) + "?lang=zh-hans")
    assert '<html lang="zh-Hans">' in html(back)
    assert "徐州彭城乳业有限公司" in html(back)


def test_page_has_a_visible_language_switch(lot):
    assert 'href="?lang=en"' in html(Client().get(url(lot)))
    assert 'href="?lang=zh-hans"' in html(Client().get(url(lot), HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.parametrize(
    "path",
    [
        "/01/06901234500028/10/NOPE",  # valid GTIN, unknown lot
        "/01/06901234500029/10/YG-01",  # wrong check digit
        "/01/69012345/10/YG-01",  # 8 digits, wrong check digit
        "/01/6901234ABC/10/YG-01",  # not digits
        "/01/123456789/10/YG-01",  # 9 digits is no GTIN
        "/01/06901234500028/10/" + "L" * 21,  # lot too long
    ],
)
def test_unknown_or_malformed_codes_get_a_friendly_404_page(lot, path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    body = html(response)
    assert '<html lang="zh-Hans">' in body
    assert "<h1" in body and "Traceback" not in body


def test_404_page_is_localized(lot):
    response = Client().get("/01/06901234500028/10/NOPE", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert '<html lang="en">' in html(response)
    assert "Product not found" in html(response)


def test_resolver_refuses_writes(lot):
    assert Client().post(url(lot)).status_code == 405


# --- linkset and link types ------------------------------------------------------


@pytest.mark.parametrize("how", ["accept", "query"])
def test_linkset(lot, how):
    client = Client()
    response = (
        client.get(url(lot), HTTP_ACCEPT=LINKSET)
        if how == "accept"
        else client.get(url(lot) + "?linkType=linkset")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == LINKSET
    entry = response.json()["linkset"][0]
    assert entry["anchor"] == f"http://testserver{url(lot)}"
    for link_type in ("pip", "traceability", "recallStatus", "defaultLink"):
        assert entry[f"https://gs1.org/voc/{link_type}"][0]["href"].startswith("http://testserver/")
    assert {tuple(link["hreflang"]) for link in entry["https://gs1.org/voc/pip"]} == {
        ("zh-Hans",),
        ("en",),
    }
    # Every target answers.
    for link_type in ("traceability", "recallStatus"):
        href = entry[f"https://gs1.org/voc/{link_type}"][0]["href"].removeprefix(
            "http://testserver"
        )
        assert client.get(href).status_code == 200


def test_json_clients_get_the_linkset_and_browsers_the_page(lot):
    assert Client().get(url(lot), HTTP_ACCEPT="application/json")["Content-Type"] == LINKSET
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert (
        Client().get(url(lot), HTTP_ACCEPT=browser_accept)["Content-Type"].startswith("text/html")
    )
    assert Client().get(url(lot), HTTP_ACCEPT="*/*")["Content-Type"].startswith("text/html")


def test_linkset_for_an_unknown_lot_is_a_problem_document(lot):
    response = Client().get("/01/06901234500028/10/NOPE", HTTP_ACCEPT=LINKSET)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "link_type,target",
    [
        ("gs1:traceability", "/api/v1/public/batches/{gtin}/YG-01/"),
        ("gs1:recallStatus", "/api/v1/public/batches/{gtin}/YG-01/recall-status/"),
        ("https://gs1.org/voc/recallStatus", "/api/v1/public/batches/{gtin}/YG-01/recall-status/"),
    ],
)
def test_link_type_redirects_307_to_its_target(lot, link_type, target):
    response = Client().get(url(lot), {"linkType": link_type})
    assert response.status_code == 307
    assert response["Location"] == "http://testserver" + target.format(gtin=lot.gtin)


@pytest.mark.parametrize("link_type", ["gs1:pip", "gs1:defaultLink", "gs1:nutritionalInfo"])
def test_page_link_types_and_unknown_ones_answer_with_the_page(lot, link_type):
    response = Client().get(url(lot), {"linkType": link_type})
    assert response.status_code == 200
    assert "彭城原味酸奶 200g" in html(response)


def test_recall_status_target_follows_the_lot(lot):
    path = f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/recall-status/"
    assert Client().get(path).json()["recalled"] is False
    recall(lot)
    body = Client().get(path).json()
    assert body["recalled"] is True and body["status"] == "recalled"


def test_resolver_describes_itself_at_the_well_known_address(anonymous):
    body = Client().get("/.well-known/gs1resolver").json()
    assert body["resolverRoot"] == "http://testserver"
    assert body["supportedPrimaryKeys"] == ["01"]
    assert body["supportedLinkType"] == [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}]


# --- public JSON -----------------------------------------------------------------


def test_public_batch_json(lot, anonymous):
    response = anonymous.client.get(
        f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["product"]["name"] == "彭城原味酸奶 200g"
    # The region in the language asked for, like the journey's sentences.
    assert body["producer"] == {
        "name": "徐州彭城乳业有限公司",
        "name_en": "Xuzhou Pengcheng Dairy Co., Ltd.",
        "region": "Tongshan District, Xuzhou, Jiangsu",
    }
    chinese = anonymous.client.get(f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/").json()
    assert chinese["producer"]["region"] == "江苏省徐州市铜山区"
    assert body["production_date"] == "2026-11-16" and body["expiry_date"] == "2026-12-07"
    assert body["status"] == "active" and body["recalled"] is False
    assert [s["kind"] for s in body["journey"]] == ["produced", "inspected", "shipped"]
    assert body["journey"][1]["outcome"] == "pass"
    text = response.content.decode()
    for private in ("QC-SECRET-1", "PO-SECRET-9", "内部备注", "quantity"):
        assert private not in text


def test_public_batch_json_unknown_lot_is_404_problem(lot, anonymous):
    response = anonymous.client.get(f"/api/v1/public/batches/{lot.gtin}/NOPE/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "gtin,lot_value,field,rule",
    [
        ("06901234500029", "L1", "gtin", "gtin_check_digit"),
        ("12345", "L1", "gtin", "gtin_format"),
        ("06901234500028", "L" * 21, "lot", "lot_length"),
    ],
)
def test_public_batch_json_bad_identifiers_are_400_naming_field_and_rule(
    anonymous, gtin, lot_value, field, rule
):
    response = anonymous.client.get(f"/api/v1/public/batches/{gtin}/{lot_value}/")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {"field": field, "rule": rule} == {
        k: response.json()["errors"][0][k] for k in ("field", "rule")
    }


def test_public_batch_json_is_throttled_by_the_anon_throttle(lot, monkeypatch):
    from trace.consumer.public_views import PublicBatchView

    from api.throttling import AnonRateThrottle

    assert AnonRateThrottle in PublicBatchView.throttle_classes
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    path = f"/api/v1/public/batches/{lot.gtin}/{lot.lot}/"
    codes = [Client().get(path).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


# --- cache -----------------------------------------------------------------------


def test_page_is_cached_per_language_and_a_recall_shows_at_once(lot):
    client = Client()
    assert 'data-status="active"' in html(client.get(url(lot)))
    assert cache.get(page_key(lot.pk, "zh-hans")) is not None
    client.get(url(lot), HTTP_ACCEPT_LANGUAGE="en")
    assert cache.get(page_key(lot.pk, "en")) is not None

    recall(lot)

    body = html(Client().get(url(lot)))
    assert 'data-status="recalled"' in body and 'class="status status--recalled"' in body
    assert 'data-status="recalled"' in html(Client().get(url(lot), HTTP_ACCEPT_LANGUAGE="en"))


def test_a_stale_cache_entry_is_never_served_as_safe(lot):
    """Even if a render raced the recall and wrote the old page after the invalidation."""
    Client().get(url(lot))
    stale = cache.get(page_key(lot.pk, "zh-hans"))
    recall(lot)
    cache.set(page_key(lot.pk, "zh-hans"), stale)
    assert 'data-status="recalled"' in html(Client().get(url(lot)))


def test_hold_shows_the_amber_banner(lot):
    Client().get(url(lot))
    hold(lot)
    body = html(Client().get(url(lot)))
    assert 'data-status="on_hold"' in body and 'class="status status--on_hold"' in body
    assert 'data-status="recalled"' not in body


def test_a_cached_scan_costs_two_queries(lot, django_assert_num_queries):
    Client().get(url(lot))
    # Find the lot, log the scan; the page itself comes from the cache.
    with django_assert_num_queries(2):
        assert Client().get(url(lot)).status_code == 200


def test_rendering_does_not_grow_queries_with_the_journey(
    lot, enterprise, partner, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        Client().get(url(lot))
    for _ in range(5):
        batch_inspect(batch=lot, result="pass", actor=enterprise.user)
        batch_ship(batch=lot, to=partner.org, quantity=Decimal(1), actor=enterprise.user)
    cache.clear()
    with django_assert_max_num_queries(10):
        body = html(Client().get(url(lot)))
    # Six shipments to the partner: one line that counts them (issue 19 §14).
    assert body.count('data-kind="shipped"') == 1 and "发往其他 1 家企业" in body
    assert body.count('data-kind="inspected"') == 6


def test_signed_in_pages_are_not_cached(lot, partner):
    response = signed_in(partner).get(url(lot))
    assert "csrfmiddlewaretoken" in html(response)
    assert "no-store" in response["Cache-Control"]
    assert cache.get(page_key(lot.pk, "zh-hans")) is None
    # And an anonymous scan afterwards gets no form.
    assert "csrfmiddlewaretoken" not in html(Client().get(url(lot)))


# --- scan log --------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent,client_class",
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.40", "wechat"),
        ("Mozilla/5.0 (Linux; Android 13) AlipayClient/10.5.0", "alipay"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "ios"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120 Mobile", "android"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120", "desktop"),
        ("Googlebot/2.1 (+http://www.google.com/bot.html)", "bot"),
        ("", "bot"),
    ],
)
def test_each_scan_is_logged_with_a_coarse_client(lot, user_agent, client_class):
    Client().get(url(lot), HTTP_USER_AGENT=user_agent, REMOTE_ADDR="203.0.113.7")
    scan = ScanLog.objects.get()
    assert (scan.batch_id, scan.client, scan.language, scan.signed_in) == (
        lot.pk,
        client_class,
        "zh-hans",
        False,
    )
    assert "203.0.113.7" not in str(vars(scan))


def test_cached_scans_are_logged_too_with_language_and_sign_in(lot, partner):
    Client().get(url(lot))
    Client().get(url(lot), HTTP_ACCEPT_LANGUAGE="en")
    Client().get(url(lot))  # served from cache
    signed_in(partner).get(url(lot))
    rows = list(ScanLog.objects.order_by("id").values_list("language", "signed_in"))
    assert rows == [("zh-hans", False), ("en", False), ("zh-hans", False), ("zh-hans", True)]


def test_unknown_codes_log_nothing(lot):
    Client().get("/01/06901234500028/10/NOPE")
    assert not ScanLog.objects.exists()


# --- signing in and recording actions --------------------------------------------


def test_login_page_and_sign_in_back_to_the_lot(lot, partner):
    client = Client()
    page = client.get("/accounts/login/?next=" + url(lot))
    assert page.status_code == 200 and '<html lang="zh-Hans">' in html(page)
    assert 'name="username"' in html(page) and 'name="password"' in html(page)
    bad = client.post("/accounts/login/", {"username": partner.user.username, "password": "wrong"})
    assert bad.status_code == 200 and "msg--error" in html(bad)
    response = client.post(
        "/accounts/login/",
        {"username": partner.user.username, "password": "pw-for-tests-2026", "next": url(lot)},
    )
    assert response.status_code == 302 and response["Location"] == url(lot)
    assert 'action="' + url(lot, "/actions/receive") + '"' in html(client.get(url(lot)))
    assert client.post("/accounts/logout/").status_code == 302
    assert "csrfmiddlewaretoken" not in html(client.get(url(lot)))


def test_login_without_next_lands_on_the_account_page(partner):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": partner.user.username, "password": "pw-for-tests-2026"}
    )
    assert response["Location"] == "/accounts/"
    assert partner.org.name in html(client.get("/accounts/"))


def test_anonymous_page_offers_sign_in(lot):
    assert "/accounts/login/?next=" in html(Client().get(url(lot)))


def test_receiver_sees_receive_and_records_it_through_the_form(lot, partner):
    client = signed_in(partner)
    body = html(client.get(url(lot)))
    assert 'action="' + url(lot, "/actions/receive") + '"' in body
    assert (
        "/actions/ship" not in body and "/actions/hold" not in body
    )  # holds nothing yet, not the maker

    response = client.post(url(lot, "/actions/receive"), {"receive-quantity": ""})
    assert (
        response.status_code == 302 and response["Location"] == url(lot) + "#log"
    )  # back to the form
    custody = Custody.objects.get(organization=partner.org, batch=lot)
    assert (custody.quantity, custody.in_transit) == (Decimal(43219), Decimal(0))
    page = html(client.get(url(lot)))
    assert "msg--success" in page
    assert 'data-kind="received"' in page
    assert "/actions/ship" in page and "/actions/sell" in page and "/actions/receive" not in page


def test_maker_sees_ship_inspect_sell_hold_and_ships_through_the_form(lot, enterprise, partner):
    client = signed_in(enterprise)
    body = html(client.get(url(lot)))
    for action in ("ship", "inspect", "sell", "hold"):
        assert f"/actions/{action}" in body
    assert "/actions/receive" not in body
    response = client.post(
        url(lot, "/actions/ship"), {"ship-to_organization": partner.org.pk, "ship-quantity": "10"}
    )
    assert response.status_code == 302
    assert Custody.objects.get(organization=partner.org, batch=lot).in_transit == Decimal(43229)


def test_service_errors_show_on_the_page_with_field_and_rule_and_write_nothing(
    lot, enterprise, partner
):
    client = signed_in(enterprise)
    events = Event.objects.count()
    response = client.post(
        url(lot, "/actions/ship"),
        {"ship-to_organization": partner.org.pk, "ship-quantity": "1000000"},
        follow=True,
    )
    assert response.status_code == 200
    body = html(response)
    assert "msg--error" in body and "field-quantity rule-quantity_exceeds_held" in body
    assert Event.objects.count() == events


def test_quantities_in_messages_are_plain_numbers(enterprise, partner):
    batch = produce(
        enterprise.user, ProductFactory(owner=enterprise.org), lot="Q1", quantity=Decimal(8000)
    )
    client = signed_in(enterprise)
    assert "You hold 8000 pieces." in html(client.get(url(batch), HTTP_ACCEPT_LANGUAGE="en"))
    body = html(client.post(url(batch, "/actions/sell"), {"sell-quantity": "9000"}, follow=True))
    assert "8000" in body and "8E+3" not in body


@pytest.mark.parametrize(
    "data,field,rule",
    [
        ({"ship-quantity": "abc"}, "quantity", "invalid"),
        ({"ship-quantity": "-1"}, "quantity", "min_value"),
        (
            {"ship-quantity": "5", "ship-to_organization": "999999"},
            "to_organization",
            "invalid_choice",
        ),
    ],
)
def test_bad_form_input_is_reported_not_a_500(lot, enterprise, partner, data, field, rule):
    client = signed_in(enterprise)
    data = {"ship-to_organization": partner.org.pk, **data}
    events = Event.objects.count()
    response = client.post(url(lot, "/actions/ship"), data, follow=True)
    assert response.status_code == 200
    assert f"field-{field} rule-{rule}" in html(response)
    assert Event.objects.count() == events


def test_hold_through_the_form_turns_the_public_banner_amber(lot, enterprise):
    Client().get(url(lot))  # cached as active
    client = signed_in(enterprise)
    client.post(url(lot, "/actions/hold"), {"hold-reason": "Customer complaint"})
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ON_HOLD
    assert 'data-status="on_hold"' in html(Client().get(url(lot)))
    # On hold: shipping and selling are no longer offered.
    body = html(client.get(url(lot)))
    assert "/actions/ship" not in body and "/actions/sell" not in body


def test_failed_inspection_through_the_form(lot, enterprise):
    client = signed_in(enterprise)
    client.post(
        url(lot, "/actions/inspect"), {"inspect-result": "fail", "inspect-report_ref": "R-2"}
    )
    lot.refresh_from_db()
    assert lot.status == BatchStatus.ON_HOLD
    assert "badge--fail" in html(Client().get(url(lot)))


def test_selling_through_the_form(lot, enterprise):
    signed_in(enterprise).post(url(lot, "/actions/sell"), {"sell-quantity": "5"})
    assert Custody.objects.get(organization=enterprise.org, batch=lot).quantity == Decimal(55541)


# --- who may not act -------------------------------------------------------------


def test_anonymous_post_goes_to_sign_in_and_writes_nothing(lot):
    events = Event.objects.count()
    response = Client().post(url(lot, "/actions/receive"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    "persona_name", ["other_enterprise", "regulator", "regulator_elsewhere", "enterprise_viewer"]
)
def test_wrong_personas_see_no_form_and_are_refused(lot, request, persona_name):
    persona = request.getfixturevalue(persona_name)
    client = signed_in(persona)
    body = html(client.get(url(lot)))
    assert "彭城原味酸奶 200g" in body  # the public view, still
    assert "/actions/" not in body
    events = Event.objects.count()
    for action, data in (
        ("receive", {}),
        ("ship", {"ship-quantity": "1"}),
        ("inspect", {"inspect-result": "pass"}),
        ("sell", {"sell-quantity": "1"}),
        ("hold", {"hold-reason": "x"}),
    ):
        response = client.post(url(lot, f"/actions/{action}"), data)
        assert response.status_code == 403, action
        assert response["Content-Type"].startswith("text/html")
    assert Event.objects.count() == events


def test_actions_not_permitted_by_custody_are_refused(lot, partner):
    """The partner has 43219 on its way but holds nothing: it may not ship or sell yet."""
    client = signed_in(partner)
    assert client.post(url(lot, "/actions/ship"), {"ship-quantity": "1"}).status_code == 403
    assert client.post(url(lot, "/actions/hold"), {"hold-reason": "x"}).status_code == 403


def test_unknown_action_or_lot_is_404(lot, enterprise):
    client = signed_in(enterprise)
    assert client.post(url(lot, "/actions/teleport")).status_code == 404
    assert client.post("/01/06901234500028/10/NOPE/actions/receive").status_code == 404


def test_actions_require_csrf(lot, partner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner.user)
    assert client.post(url(lot, "/actions/receive")).status_code == 403
    assert Custody.objects.get(organization=partner.org, batch=lot).in_transit == Decimal(43219)


def test_admin_of_another_org_with_a_partner_lot_in_transit_only_sees_receive(lot):
    """A second user of the receiving organization (admin role) gets the same actions."""
    receiver_org = Custody.objects.get(batch=lot, in_transit__gt=0).organization
    admin = UserFactory(organization=receiver_org, organization__role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    body = html(client.get(url(lot)))
    assert "/actions/receive" in body and "/actions/ship" not in body


def test_unregistered_product_lot_page_still_renders(enterprise):
    """A lot known only from others' events has no product: the page says so instead of failing."""
    from trace.core.capture import capture_events
    from trace.models import Batch

    gtin = "0" + make_gtin13()
    doc = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-11-16T08:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "bizStep": "receiving",
        "quantityList": [{"epcClass": f"https://id.gs1.org/01/{gtin}/10/EXT1", "quantity": 5}],
    }
    capture_events(documents=[doc], organization=enterprise.org, user=enterprise.user)
    batch = Batch.objects.get(lot="EXT1")
    response = Client().get(url(batch))
    assert response.status_code == 200
    assert batch.gtin in html(response)
