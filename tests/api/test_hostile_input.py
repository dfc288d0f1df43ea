"""Hostile input from anyone, signed in or not, is a 4xx naming the field and the rule, never
a 500, and writes nothing (issue 19, item 13).

The values are the ones that got through before: ``"²".isdigit()`` is true and ``int("²")``
raises; ``int("٣")`` is 3; ``Decimal("1e-999999999")``, ``NaN`` and ``Infinity`` are numbers to
Python but no column holds them; year 9999 overflows a day's arithmetic; ``json.loads``
recurses once per ``[``. The sweeps walk the OpenAPI schema (every GET operation, every query
and path parameter) and the URL conf (every page), so a parameter added later is covered.
"""

import io
import re
from decimal import Decimal
from trace.models import Batch, Product, Site

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from api import parsing
from complaints.models import Complaint, RiskSignal
from core.models import Organization
from incidents.models import Incident
from recalls import services as recall_services
from recalls.models import Recall, RecallAcknowledgement, RecallAckToken, RecallNotice

# Python's digits that are not ASCII (superscripts, Arabic-Indic), out-of-range whole numbers,
# numbers no column holds, days at the calendar's ends.
HOSTILE = [
    "²",
    "¹",
    "٣",
    "-1",
    "99999999999999999999",
    "1e-999999999",
    "1e999999999",
    "NaN",
    "Infinity",
    "9999-12-31",
    "0000-01-01",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
]
# The sweeps' share of them: one of each kind.
SWEEP = ["²", "٣", "99999999999999999999", "1e-999999999", "NaN", "9999-12-31T23:59:59-12:00"]
NESTED = "[" * 50_000 + "]" * 50_000
# Rows a request may write whatever its query string: sessions of the signed-in clients, and
# the scan log a look at a lot's page (GS1 Digital Link) adds.
NOT_COUNTED = {"sessions.session", "axes.accessattempt", "axes.accesslog", "trace.scanlog"}


@pytest.fixture
def demo(db):
    """The seeded demo (`make run`): every kind of record exists, so every page has a subject."""
    call_command("seed_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model.objects.count()
        for model in apps.get_models()
        if model._meta.label_lower not in NOT_COUNTED and not model._meta.proxy
    }


def _assert_problem(response, field: str | None = None):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json"), response.content[:200]
    body = response.json()
    assert body["status"] == response.status_code
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body
    return body


# --- the helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "¹", "٣", "1.5", "1e3", " ", "NaN", "0x10", "1_000", "+"])
def test_an_integer_is_ascii_digits_only(value):
    with pytest.raises(parsing.InputRefused) as refused:
        parsing.parse_int(value, "size")
    assert refused.value.field == "size" and refused.value.rule == "integer"


def test_an_integer_within_its_bounds():
    assert parsing.parse_int(" 12 ", "size", min_value=1, max_value=40) == 12
    assert parsing.parse_int("-3", "delta") == -3
    for value, rule in (("0", "min_value"), ("41", "max_value"), ("9" * 4400, "integer")):
        with pytest.raises(parsing.InputRefused) as refused:
            parsing.parse_int(value, "size", min_value=1, max_value=40)
        assert refused.value.rule == rule
    assert parsing.query_int({}, "size", default=10) == 10
    assert parsing.query_int({"size": ""}, "size", default=10) == 10


@pytest.mark.parametrize("value", ["-1", "0", "99999999999999999999", str(2**63), "²", "٣"])
def test_an_id_is_a_positive_64_bit_number(value):
    with pytest.raises(parsing.InputRefused):
        parsing.positive_id(value, "batch")
    assert parsing.positive_id(str(2**63 - 1), "batch") == 2**63 - 1


@pytest.mark.parametrize(
    "value,rule",
    [
        ("NaN", "number"),
        ("Infinity", "number"),
        ("-Infinity", "number"),
        ("sNaN", "number"),
        ("٣", "number"),
        ("²", "number"),
        ("", "number"),
        (True, "number"),
        (float("nan"), "number"),
        ("1e-999999999", "decimal_places"),
        ("0.0001", "decimal_places"),
        ("1e999999999", "max_value"),
        ("-1", "min_value"),
        ("1" + "0" * 70, "number"),
    ],
)
def test_a_decimal_is_finite_bounded_and_has_the_column_places(value, rule):
    with pytest.raises(parsing.InputRefused) as refused:
        parsing.parse_decimal(value, "returned", min_value=0, max_value=10**12, decimal_places=3)
    assert refused.value.rule == rule


def test_a_decimal_in_plain_or_exponent_notation():
    parse = parsing.parse_decimal
    assert parse("12.5", "q", decimal_places=3) == Decimal("12.500")
    assert parse("2e3", "q", decimal_places=3) == Decimal(2000)
    assert parse(7, "q", decimal_places=3) == Decimal(7)
    assert parse("0e-999999999", "q", decimal_places=3) == 0
    with pytest.raises(parsing.InputRefused) as refused:
        parse("1e40", "q", decimal_places=3)  # no bound: more digits than a decimal context holds
    assert refused.value.rule == "number"


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "²⁰²⁶-01-01", "x"])
def test_a_day_lies_inside_the_calendar_margins(value):
    with pytest.raises(parsing.InputRefused) as refused:
        parsing.parse_day(value, "date_from")
    assert refused.value.rule in ("date", "date_range")
    assert parsing.parse_day("2026-05-01", "date_from").isoformat() == "2026-05-01"
    with pytest.raises(parsing.InputRefused):
        parsing.parse_year("9999", "year")


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31mred", "bell\x07", "\x7f"])
def test_text_refuses_nul_and_control_characters(value):
    with pytest.raises(parsing.InputRefused) as refused:
        parsing.clean_text(value, "note")
    assert refused.value.rule == "control_character"
    assert parsing.clean_text(" 两行\n\t文字 ", "note") == "两行\n\t文字"


def test_fifty_thousand_brackets_are_refused_without_recursing():
    with pytest.raises(parsing.JSONRefused) as refused:
        parsing.load_json(NESTED.encode(), max_depth=32)
    assert refused.value.rule == "max_depth"
    with pytest.raises(parsing.JSONRefused) as refused:
        parsing.load_json(b"[" * 33 + b"]" * 33, max_depth=32)
    assert refused.value.rule == "max_depth"
    assert parsing.load_json(b"[" * 32 + b"]" * 32, max_depth=32) is not None
    for body in (b"1e999", b"NaN", b'"\\ud800"', b"{not json"):
        with pytest.raises(parsing.JSONRefused) as refused:
            parsing.load_json(body, max_depth=32)
        assert refused.value.rule == "json"


# --- JSON bodies: every operation that takes one -------------------------------------------


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _ids(demo) -> dict[str, str]:
    """A record of each kind the producer may see, by the address segment that names it (on
    PostgreSQL the ids do not start at 1)."""
    org = demo["producer"].membership.organization
    first = {
        "batches": Batch.objects.filter(product__owner=org),
        "lots": Batch.objects.filter(product__owner=org),
        "products": Product.objects.filter(owner=org),
        "incidents": Incident.objects.all(),
        "complaints": Complaint.objects.all(),
        "signals": RiskSignal.objects.all(),
        "recalls": Recall.objects.filter(producer=org),
        "organizations": Organization.objects.filter(pk=org.pk),
        "sites": Site.objects.all(),
    }
    return {
        k: str(q.order_by("pk").values_list("pk", flat=True).first() or 1) for k, q in first.items()
    }


def _path(template: str, ids: dict[str, str]) -> str:
    """``template`` with each ``{parameter}`` the id of a record named by the segment before."""
    return re.sub(
        r"([\w-]+)/\{[^}]+\}", lambda m: f"{m.group(1)}/{ids.get(m.group(1), '1')}", template
    )


def test_deep_json_on_every_write_endpoint_is_a_400_and_writes_nothing(demo, enterprise):
    """50,000 nested ``[`` to every POST/PUT/PATCH of the schema, as JSON and as JSON-LD, signed
    in (the body is parsed) and anonymous (refused before it is)."""
    producer = _client(demo["producer"])
    anonymous = _client()
    ids = _ids(demo)
    before = _row_counts()
    seen = 0
    for template, item in _schema()["paths"].items():
        for method in ("post", "put", "patch"):
            if method not in item:
                continue
            url = _path(template, ids)
            for content_type in ("application/json", "application/ld+json"):
                for client in (producer, anonymous):
                    response = client.generic(
                        method.upper(), url, NESTED, content_type=content_type
                    )
                    seen += 1
                    assert 400 <= response.status_code < 500, (
                        method,
                        url,
                        content_type,
                        response.status_code,
                        response.content[:300],
                    )
    assert seen > 100
    assert _row_counts() == before
    # Signed in, the JSON parser itself refuses, naming the rule.
    response = producer.post("/api/v1/products/", NESTED, content_type="application/json")
    body = _assert_problem(response)
    assert response.status_code == 400 and body["errors"][0]["rule"] == "max_depth"
    response = producer.post("/epcis/capture", NESTED, content_type="application/ld+json")
    assert response.status_code == 400
    assert response.json()["type"] == "epcisException:ValidationException"
    assert response.json()["errors"][0]["rule"] == "max_depth"


def test_json_strings_with_nul_are_refused_by_the_parser(demo):
    producer = _client(demo["producer"])
    before = _row_counts()
    response = producer.post(
        "/api/v1/products/",
        '{"gtin": "06901234567892", "name": "a\\u0000b", "extra": {"k\\u0000": 1}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert _assert_problem(response)["errors"][0]["rule"] == "nul_character"
    assert _row_counts() == before


def test_the_depth_limit_is_a_setting_and_in_the_language_asked_for(demo, settings):
    settings.API_MAX_JSON_DEPTH = 3
    producer = _client(demo["producer"])
    deep = '{"name": [[["x"]]]}'
    en = producer.post(
        "/api/v1/products/", deep, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    zh = producer.post(
        "/api/v1/products/", deep, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert en.status_code == zh.status_code == 400
    assert en.json()["errors"][0]["message"] == "The JSON is nested more than 3 levels deep."
    assert zh.json()["errors"][0]["message"] != en.json()["errors"][0]["message"]
    assert "3" in zh.json()["errors"][0]["message"]
    assert producer.post(
        "/api/v1/products/", '{"name": [["x"]]}', content_type="application/json"
    ).status_code in (400, 403)  # within the limit: the serializer decides, not the parser


# --- query and path parameters: the OpenAPI schema's GET operations ------------------------

NUMERIC = {"integer", "number"}


def _get_operations():
    for template, item in _schema()["paths"].items():
        if "get" in item:
            yield template, item["get"].get("parameters", [])


def test_every_get_operation_answers_hostile_parameters_without_a_500(demo):
    """Each query parameter of each GET operation, alone: integer, number and date parameters
    get the hostile values, the others ``²``; each path parameter gets ``²`` and a number
    beyond 64 bits. Signed in as an enterprise and a regulator, and anonymous. (A filter
    that several operations of one resource share is tried on the first of them.)"""
    producer, regulator, anonymous = (
        _client(demo["producer"]),
        _client(demo["city-regulator"]),
        _client(),
    )
    ids = _ids(demo)
    before = _row_counts()
    failures, requests, tried = [], 0, set()
    for template, parameters in _get_operations():
        url = _path(template, ids)
        for parameter in parameters:
            schema, name = parameter.get("schema", {}), parameter["name"]
            numeric = schema.get("type") in NUMERIC
            if parameter["in"] == "path":
                asks = [
                    (producer, _path(template.replace("{" + name + "}", v), ids), {})
                    for v in ("²", "99999999999999999999")
                ]
            elif parameter["in"] == "query":
                key = (template.split("/")[3] if template.count("/") > 3 else template, name)
                if key in tried:
                    continue
                tried.add(key)
                rich = numeric or schema.get("format") in ("date", "date-time")
                asks = [(producer, url, {name: v}) for v in (SWEEP if rich else ["²"])]
                asks.append((regulator, url, {name: "²"}))
                if numeric:
                    asks.append((anonymous, url, {name: "²"}))
            else:
                continue
            for client, target, query in asks:
                response = client.get(target, query)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"{target} {query} -> {response.status_code}")
    assert requests > 300
    assert not failures, "\n".join(failures)
    assert _row_counts() == before


ID_VALUES = ["²", "¹", "٣", "-1", "99999999999999999999", "1e-999999999"]


def test_id_and_integer_parameters_are_a_400_naming_the_field(demo):
    producer = _client(demo["producer"])
    batch = _ids(demo)["batches"]
    for url, field in (
        (f"/api/v1/batches/{batch}/qr.png", "size"),
        ("/api/v1/complaints/injury-groups/", "batch"),
        ("/api/v1/incidents/", "product_id"),
        ("/api/v1/incidents/", "batch_id"),
        ("/api/v1/incidents/", "enterprise_id"),
        ("/api/v1/recalls/", "producer_id"),
        ("/api/v1/batches/", "product_id"),
        ("/api/v1/products/", "owner_id"),
    ):
        for value in ID_VALUES:
            response = producer.get(url, {field: value})
            assert response.status_code == 400, (url, field, value, response.content[:300])
            _assert_problem(response, field)
    zh = producer.get(
        f"/api/v1/batches/{batch}/qr.png", {"size": "²"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert zh.json()["errors"][0] == {
        "field": "size",
        "rule": "integer",
        "message": "请填写由数字 0–9 组成的整数。",
    }
    for field in ("occurred_after", "reported_before"):
        for value in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"):
            response = producer.get("/api/v1/incidents/", {field: value})
            assert response.status_code == 400
            assert _assert_problem(response, field)["errors"][0]["rule"] == "datetime_range"


def test_epcis_per_page_is_ascii_digits(demo):
    producer = _client(demo["producer"])
    for value in ("²", "٣", "0", "99999999999999999999"):
        response = producer.get("/epcis/events", {"perPage": value})
        assert response.status_code == 400
        assert response.json()["type"] == "epcisException:QueryParameterException"
        assert response.json()["errors"][0]["field"] == "perPage"
    assert producer.get("/epcis/events", {"perPage": "3"}).status_code == 200


# --- pages: the URL conf --------------------------------------------------------------------

# What each page reads from its query string (grep request.GET): all at once with ``²``, then
# one by one where the page refused the lot.
PAGE_PARAMETERS = [
    "page",
    "product",
    "batch",
    "drill",
    "status",
    "q",
    "mine",
    "kind",
    "overdue",
    "class",
    "date_from",
    "date_to",
    "injured",
    "recall_type",
    "grade",
    "level",
    "code",
    "new",
    "linkType",
    "next",
]


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _page_urls(samples: dict[str, str], ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every page of the URL conf outside the API, its arguments filled with demo records;
    with each, the same address with the id beyond 64 bits."""
    urls = []
    for route in _walk(get_resolver().url_patterns):
        if route.startswith(("api/", "epcis/", "admin/", "api-auth/")) or "(?P<action>" in route:
            continue
        if route.startswith("^01/") or route.startswith("^report/01/"):
            link = ("/report" if "report" in route else "") + samples["digital_link"]
            urls.append((link, link))
            continue
        if "(?P<" in route or "<slug:action>" in route:
            continue
        route = "/" + route.replace("^", "").replace("$", "").replace("\\", "")
        route = re.sub(r"<(?:\w+:)?(?!pk>)(\w+)>", lambda m: samples.get(m.group(1), "1"), route)
        url = _path(route.replace("<int:pk>", "{pk}"), ids)
        urls.append((url, route.replace("<int:pk>", "99999999999999999999")))
    return sorted(set(urls))


def _refused_fields(response) -> set[str]:
    if response["Content-Type"].startswith("application/problem+json"):
        return {e["field"] for e in response.json().get("errors", []) if e["field"]}
    return set()


def test_every_page_answers_hostile_query_strings_without_a_500(demo):
    """Every page, with every parameter a page reads set to ``²`` at once, as four personas;
    a parameter the page refuses (400 naming it) is taken out and tried alone with the other
    hostile values, and the rest asked again, until the page answers."""
    batch = Batch.objects.order_by("pk").first()
    samples = {
        "digital_link": f"/01/{batch.gtin}/10/{batch.lot}",
        "year": "2026",
        "figure": "incidents",
        "fmt": "csv",
        "number": "X",
        "token": "x",
        "tracking_code": "x",
        "kind": "svg",
    }
    urls = _page_urls(samples, _ids(demo))
    pages = {url for url, _huge in urls}
    assert "/workbench/lots/" in pages and "/workbench/dashboard/" in pages and len(pages) > 30
    personas = {
        "producer": _client(demo["producer"]),
        "distributor": _client(demo["distributor"]),
        "city-regulator": _client(demo["city-regulator"]),
        "anonymous": _client(),
    }
    before = _row_counts()
    failures = []
    for url, huge in urls:
        for who, client in personas.items():
            query = dict.fromkeys(PAGE_PARAMETERS, "²")
            while query:
                response = client.get(url, query)
                if response.status_code >= 500:
                    failures.append(f"{who} {url} {sorted(query)} -> {response.status_code}")
                if response.status_code != 400:
                    break
                # A form page answers 400 in HTML: what is left is tried one by one.
                refused = _refused_fields(response) & set(query) or set(query)
                for name in refused:
                    for value in ("٣", "99999999999999999999", "9999-12-31"):
                        one = client.get(url, {name: value})
                        if one.status_code >= 500:
                            failures.append(f"{who} {url} {name}={value} -> {one.status_code}")
                    query.pop(name)
            if huge != url and client.get(huge).status_code >= 500:
                failures.append(f"{who} {huge}")
    assert not failures, "\n".join(failures)
    assert _row_counts() == before


def test_workbench_id_parameters_are_a_400_naming_the_field(demo):
    producer = _client(demo["producer"])
    for url, field in (
        ("/workbench/lots/", "product"),
        ("/workbench/lots/new/", "product"),
        ("/workbench/enterprise/recalls/new/", "batch"),
        ("/workbench/enterprise/incidents/new/", "batch"),
        ("/workbench/enterprise/drill/", "batch"),
        ("/workbench/enterprise/drill/", "drill"),
    ):
        for value in ("²", "٣", "-1", "99999999999999999999"):
            response = producer.get(url, {field: value})
            assert response.status_code == 400, (url, field, value, response.content[:300])
            _assert_problem(response, field)


def test_workbench_keeps_following_real_ids(demo):
    producer = _client(demo["producer"])
    product = Product.objects.filter(owner=demo["producer"].membership.organization).first()
    response = producer.get("/workbench/lots/", {"product": str(product.pk)})
    assert response.status_code == 200
    assert producer.get("/workbench/lots/new/", {"product": str(product.pk)}).status_code == 200


def test_dashboard_and_its_exports_refuse_days_off_the_calendar(demo):
    regulator = _client(demo["city-regulator"])
    for query in (
        {"date_from": "9999-12-01", "date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-02"},
        {"date_to": "9999-12-31"},
        {"date_from": "²⁰²⁶-01-01"},
    ):
        assert regulator.get("/workbench/dashboard/", query).status_code == 400
        for fmt in ("csv", "xlsx"):
            response = regulator.get(f"/workbench/dashboard/incidents.{fmt}", query)
            body = _assert_problem(response)
            assert response.status_code == 400
            assert {e["rule"] for e in body["errors"]} <= {"date_range", "invalid"}
    in_range = {"date_from": "2026-01-01", "date_to": "2026-03-31"}
    assert regulator.get("/workbench/dashboard/", in_range).status_code == 200


# --- forms: the phone acknowledgement page and the public forms -----------------------------


@pytest.fixture
def ack_link(demo):
    notice = (
        RecallNotice.objects.filter(recall__status="active", included=True)
        .select_related("recall")
        .first()
    )
    return notice, recall_services.issue_token(notice)


def test_the_phone_acknowledgement_page_refuses_hostile_figures(ack_link):
    notice, token = ack_link
    before = _row_counts()
    for data in (
        {"returned": "1e-999999999"},
        {"returned": "1e999999999"},
        {"on_hand": "NaN"},
        {"destroyed": "Infinity"},
        {"corrected": "-Infinity"},
        {"on_hand": "٣"},
        {"on_hand": "²"},
        {"on_hand": "0", "note": "a\x00b"},
        {"on_hand": "0", "note": "\x1b[2J"},
    ):
        response = _client().post(f"/recall-ack/{token}/", data)
        assert response.status_code == 400, (data, response.content[:300])
    assert _row_counts() == before
    assert not RecallAckToken.objects.filter(used_at__isnull=False, notice=notice).exists()
    assert not RecallAcknowledgement.objects.filter(notice=notice).exists()
    # The same link still takes an honest answer.
    assert _client().post(f"/recall-ack/{token}/", {"on_hand": "0"}).status_code == 200


def test_the_workbench_acknowledgement_form_refuses_the_same(demo, ack_link):
    """The consignee's own page (``/workbench/enterprise/recalls/<id>/acknowledge/``) reads
    the figures through its form: a form error, nothing written."""
    notice, _token = ack_link
    user = get_user_model().objects.filter(membership__organization=notice.organization).first()
    consignee = _client(user)
    url = f"/workbench/enterprise/recalls/{notice.recall_id}/acknowledge/"
    assert consignee.get(url).status_code == 200
    before = _row_counts()
    for data in (
        {"returned": "1e-999999999"},
        {"on_hand": "NaN"},
        {"destroyed": "Infinity"},
        {"on_hand": "٣"},
        {"on_hand": "0", "note": "a\x00b"},
    ):
        response = consignee.post(url, data)
        assert response.status_code == 400, (data, response.status_code)
    assert _row_counts() == before


def test_the_acknowledgement_api_refuses_the_same(ack_link):
    notice, token = ack_link
    before = _row_counts()
    for data in ({"returned": "1e-999999999"}, {"on_hand": "NaN"}, {"note": "a\x00b"}):
        response = _client().post(
            f"/api/v1/public/recall-ack/{token}/", data, content_type="application/json"
        )
        assert response.status_code == 400, response.content[:300]
    assert _row_counts() == before


def test_public_forms_refuse_nul_with_a_form_error(demo):
    """Django's CharField refuses NUL (ProhibitNullCharactersValidator); the pages that read
    request.POST go through forms, so a NUL is a form error, not a database error."""
    batch = Batch.objects.order_by("pk").first()
    anonymous = _client()
    before = _row_counts()
    for url, data in (
        ("/report/", {"code": "\x00"}),
        ("/report/status/", {"tracking_code": "\x00", "code": "\x00"}),
        ("/accounts/login/", {"username": "a\x00", "password": "\x00"}),
        (
            f"/report/01/{batch.gtin}/10/{batch.lot}",
            {"kind": "quality", "description": "坏了\x00", "contact": "\x00", "injured": "²"},
        ),
    ):
        response = anonymous.post(url, data)
        assert response.status_code < 500, (url, response.status_code)
    assert _row_counts() == before
