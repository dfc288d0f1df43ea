"""The authorization matrix (issue 9, item 9): every endpoint × method × persona × owner.

The expected answers live in ``tests/authz_matrix.py`` (read its header for the format).
This module builds one small world per module (two producers' lots, a customer, the
regulators of both places, EPCIS queries, subscriptions and capture jobs), then for each
row of the table sends the request once per persona, each in a savepoint that is rolled
back, so no row changes what the next one sees.

Three checks:

* every row answers what the table says, for all eleven personas;
* every operation (path + method) of the OpenAPI schema has at least one row — generated
  here with drf-spectacular, so a new endpoint that nobody put in the table fails with
  the rows to add;
* every named URL of the site that is not in the schema (HTML pages, the router roots,
  the login pages, the admin) is reached by some row.

The rule behind the expectations: EU 178/2002 Art. 18 and FSMA 204 ("one step up, one
step down") for enterprises; a regulator sees what is made or held in its jurisdiction
(region-code prefix); the public sees the consumer page and the public JSON of a lot.
"""

from __future__ import annotations

import copy
import io
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from trace.core import services
from trace.core.digest import digest_make
from trace.epcis import services as epcis_services
from trace.epcis.models import CaptureJob, Subscription
from trace.models import Batch
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from PIL import Image
from rest_framework.test import APIClient

from complaints.models import ConsumerWarning
from complaints.report_services import report_submit
from complaints.risk import signal_raise
from complaints.services import complaint_accept, complaint_submit
from core.choices import RegulatorLevel
from core.models import AlertChannel
from credit import services as credit_services
from credit.models import CreditRequest
from incidents import services as incident_services
from incidents.attachments import incident_attach
from incidents.models import QualityAward
from inspections import services as inspection_services
from recalls import services as recall_services
from tests.authz_matrix import MATRIX, PERSONAS, UNREACHABLE, Row, parse_matrix
from tests.factories import (
    EnterpriseFactory,
    ProductFactory,
    RegulatorFactory,
    SiteFactory,
    UserFactory,
)
from workbench import pdf

ROWS = parse_matrix(MATRIX)
_METHODS = ("get", "post", "put", "patch", "delete")


# --- the world -----------------------------------------------------------------------


@dataclass
class World:
    # persona -> the session cookie of a signed-in client (none for the anonymous)
    cookies: dict[str, SimpleCookie] = field(default_factory=dict)
    # owner key ("A", "A*", "B", "-") -> kind ("batch", "product", …) -> object
    objects: dict[str, dict] = field(default_factory=dict)


def _regulator(level, region):
    return UserFactory(organization=RegulatorFactory(level=level, region_code=region))


def _real_png() -> bytes:
    """A real 2×2 PNG: photos are decoded and re-encoded (metadata stripped), so a fake one is
    refused."""
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


_PNG = _real_png()


def _incident(reporter, lot, region_code):
    """An incident reported now (the service refuses a discovery in the future) on ``lot``,
    with a photo attached: (incident, attachment)."""
    now = datetime.now(UTC)
    incident = incident_services.incident_report(
        actor=reporter,
        title="腹泻",
        description="多名消费者食用后腹泻。",
        region_code=region_code,
        occurred_at=now - timedelta(hours=3),
        discovered_at=now - timedelta(hours=1),
        batch_ids=[lot.pk],
    )
    attachment = incident_attach(
        incident_id=incident.pk, actor=reporter, upload=SimpleUploadedFile("photo.png", _PNG)
    )
    return incident, attachment


def build_world() -> World:
    """Enterprise A (Tongshan, Xuzhou) makes lot A and ships 30 of it to its customer
    (Quanshan, Xuzhou), who receives it; A's second lot A* never leaves A. Enterprise B
    (Hangzhou) makes lot B. Each enterprise has a product, a site, an EPCIS named query with
    a subscription, and a capture job. Regulators: the counties of A and of B, Xuzhou city,
    Jiangsu province, national.

    Incidents (issue 11 §9: the reporter; a producer of a named lot once accepted; a regulator
    in its jurisdiction once the incident reached its level): A reports one on lot A in its
    county (A, still at the county); B reports one on lot B in its county (B); A's customer
    reports one on lot A in Tongshan, which the county accepts and passes up to Xuzhou city
    (A^: seen by the producer A now it is accepted, and by the city, not yet by the province).
    Issue 19: A reports one in Wuzhong, Suzhou (A@); A's county opens one against A (A!).
    Each has an attachment. A second unrelated enterprise (Wuzhong) and Wuzhong's county
    regulator are personas with no tie to A or B. One signed chain digest (the day of the events) is kept."""
    owner = UserFactory(organization=EnterpriseFactory(region_code="320312"))
    customer = UserFactory(organization=EnterpriseFactory(region_code="320311"))
    rival = UserFactory(organization=EnterpriseFactory(region_code="330106"))
    # Issue 19: an enterprise with no tie to A or B, and a county of another city of A's province
    # (Wuzhong, Suzhou), the kind of regulator that once filed against a Xuzhou dairy.
    stranger = UserFactory(organization=EnterpriseFactory(region_code="320506"))
    users = {
        "owner": owner,
        "customer": customer,
        "rival": rival,
        "stranger": stranger,
        "county": _regulator(RegulatorLevel.COUNTY, "320312"),
        "county_elsewhere": _regulator(RegulatorLevel.COUNTY, "330106"),
        "county_suzhou": _regulator(RegulatorLevel.COUNTY, "320506"),
        "city": _regulator(RegulatorLevel.CITY, "320300"),
        "province": _regulator(RegulatorLevel.PROVINCE, "320000"),
        "national": _regulator(RegulatorLevel.NATIONAL, "110000"),
    }
    world = World()
    for persona in PERSONAS:
        client = APIClient()
        if persona != "anonymous":
            client.force_login(users[persona])  # a session works for the API and the HTML pages
        world.cookies[persona] = client.cookies

    when = datetime(2026, 11, 1, 8, tzinfo=UTC)
    for key, user in (("A", owner), ("B", rival)):
        org = user.membership.organization
        product = ProductFactory(owner=org)
        site = SiteFactory(owner=org)
        batch = services.batch_produce(
            product=product,
            lot=f"L{key}",
            quantity=Decimal(100),
            unit="EA",
            actor=user,
            site=site,
            when=when,
        )
        query = epcis_services.named_query_create(
            organization=org, user=user, name=f"query-{key}", query={}
        )
        subscription = Subscription.objects.create(
            query=query, user=user, dest="https://example.com/hook"
        )
        job = CaptureJob.objects.create(
            organization=org,
            user=user,
            body=b"{}",
            event_count=0,
            error_behaviour=CaptureJob.ErrorBehaviour.ROLLBACK,
        )
        world.objects[key] = {
            "organization": org,
            "product": product,
            "site": site,
            "batch": batch,
            "event": batch.event_links.first().event,
            "query": query,
            "subscription": subscription,
            "capture_job": job,
            "alert_channel": AlertChannel.objects.create(
                organization=org,
                platform="wecom",
                name="值班群",
                url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            ),
        }
    lot_a = world.objects["A"]["batch"]
    shipment = services.batch_ship(
        batch=lot_a,
        to=customer.membership.organization,
        quantity=Decimal(30),
        actor=owner,
        when=when.replace(hour=9),
    )
    services.batch_receive(batch=lot_a, actor=customer, when=when.replace(hour=10))
    world.objects["A"]["event"] = shipment  # an event the customer is party to
    hidden = services.batch_produce(
        product=world.objects["A"]["product"],
        lot="LA2",
        quantity=Decimal(5),
        unit="EA",
        actor=owner,
        when=when,
    )
    world.objects["A*"] = {
        **world.objects["A"],
        "batch": hidden,
        "event": hidden.event_links.first().event,
    }
    for key in ("A", "B"):  # complaints (issue 12): one complaint, risk signal and warning per lot
        objects = world.objects[key]
        complaint = complaint_submit(
            batch=objects["batch"],
            description="authz",
            injured=True,
            contact_name="张三",
            contact_phone="13800000000",
            contact_address="authz",
            claim="refund",
        )
        signal = signal_raise(
            key=f"authz-{key}",
            kind="injury_cluster",
            title="authz",
            evidence={},
            region_code=objects["organization"].region_code,
            producer=objects["organization"],
            batches=[objects["batch"]],
            complaints=[complaint],
        )
        warning = ConsumerWarning.objects.create(
            signal=signal,
            title_zh="警示",
            title_en="Warning",
            text_zh="文",
            text_en="text",
            published_by=objects["organization"],
        )
        report = report_submit(  # reports (issue 22): one about each enterprise, in its county
            subject="authz",
            enterprise_name=objects["organization"].name,
            region_code=objects["organization"].region_code,
            facts="authz",
            contact_name="李四",
            contact_phone="13900000000",
        )
        objects.update(complaint=complaint, signal=signal, warning=warning, report=report)
    world.objects["A*"].update(
        {k: world.objects["A"][k] for k in ("complaint", "signal", "warning")}
    )
    # A~: a complaint against A (its maker) that A's county accepted: A, the respondent, sees it
    # and answers it (SAMR Order 20 Art. 16); nobody else but the regulators.
    against = complaint_submit(
        batch=lot_a,
        description="authz",
        injured=False,
        contact_name="张三",
        contact_phone="13800000000",
        contact_address="authz",
        claim="refund",
    )
    complaint_accept(complaint_id=against.pk, actor=users["county"])
    world.objects["A~"] = {**world.objects["A"], "complaint": against}

    for key, reporter, region in (("A", owner, "320312"), ("B", rival, "330106")):
        incident, attachment = _incident(reporter, world.objects[key]["batch"], region)
        world.objects[key].update(incident=incident, attachment=attachment)
    passed_up, attachment = _incident(customer, lot_a, "320312")
    incident_services.incident_accept(incident_id=passed_up.pk, actor=users["county"])
    incident_services.incident_report_up(incident_id=passed_up.pk, actor=users["county"])
    passed_up.refresh_from_db()
    world.objects["A^"] = {**world.objects["A"], "incident": passed_up, "attachment": attachment}
    # Issue 19: A's report of harm in Wuzhong, Suzhou (A@: handled by the Suzhou county, seen by
    # A's own county as the enterprise's regulator), and an incident A's county opened against A
    # on an inspection (A!: A sees it at once and answers it).
    elsewhere, attachment = _incident(owner, lot_a, "320506")
    world.objects["A@"] = {**world.objects["A"], "incident": elsewhere, "attachment": attachment}
    now = datetime.now(UTC)
    opened = incident_services.incident_open(
        actor=users["county"],
        source="inspection",
        title="抽检不合格",
        description="监督抽检发现菌落总数超标。",
        region_code="320312",
        occurred_at=now - timedelta(hours=3),
        discovered_at=now - timedelta(hours=1),
        batch_ids=[lot_a.pk],
        enterprise=owner.membership.organization,
    )
    attachment = incident_attach(
        incident_id=opened.pk, actor=users["county"], upload=SimpleUploadedFile("p.png", _PNG)
    )
    world.objects["A!"] = {**world.objects["A"], "incident": opened, "attachment": attachment}

    # Recalls on lots of their own (a recall changes its lots' status, which the lot rows must not
    # see): A's recall is active on lot AR, shipped to the customer, who was notified and holds an
    # acknowledgement link; B's recall of lot BR is submitted, not yet active.
    for key, user in (("A", owner), ("B", rival)):
        lot = services.batch_produce(
            product=world.objects[key]["product"],
            lot=f"R{key}",
            quantity=Decimal(10),
            unit="EA",
            actor=user,
            when=when,
        )
        if key == "A":
            services.batch_ship(
                batch=lot,
                to=customer.membership.organization,
                quantity=Decimal(4),
                actor=owner,
                when=when.replace(hour=9),
            )
        recall = recall_services.recall_create(
            actor=user,
            batch_ids=[lot.pk],
            recall_type="voluntary",
            recall_class=2,
            defect="标签错误",
            hazard="过敏原未标示",
            remedies=["warning", "refund"],
            notice_title="饼干召回",
            notice_text="含花生，过敏者请勿食用。",
            consumer_action="请立即停止使用并退回。",
            contact="客服热线 400-000-0000",
            planned_end="2027-06-30",
        )
        recall_services.recall_edit_scope(recall_id=recall.pk, actor=user, edits=[], confirm=True)
        recall_services.recall_submit(recall_id=recall.pk, actor=user)
        world.objects[key]["recall"] = recall
    recall_services.recall_activate(recall_id=world.objects["A"]["recall"].pk, actor=owner)
    notice = world.objects["A"]["recall"].notices.get(organization=customer.membership.organization)
    world.objects["A"]["ack_token"] = recall_services.issue_token(notice)
    world.objects["A^"]["recall"] = world.objects["A"]["recall"]

    # Official spot checks (Sichuan draft Art. 27): A's county draws A and records a pass
    # (published); B's county draws B, still planned.
    for key, persona in (("A", "county"), ("B", "county_elsewhere")):
        draw = inspection_services.draw_make(
            actor=users[persona],
            enterprise_count=1,
            inspectors_per_check=1,
            region_code=world.objects[key]["organization"].region_code,
        )
        check = draw.checks.get()
        if key == "A":
            check = inspection_services.spot_check_record(
                check_id=check.pk,
                actor=users[persona],
                result="pass",
                checked_on=timezone.localdate(),
            )
        world.objects[key].update(spot_check_draw=draw, spot_check=check)

    # Quality credit: A holds an award, declared a condition of it, and objected to a fact of
    # its record (pending).
    a_org = world.objects["A"]["organization"]
    world.objects["A"]["award"] = QualityAward.objects.create(
        organization=a_org, name="质量奖", awarded_on=timezone.localdate()
    )
    world.objects["A"]["award_declaration"] = credit_services.declaration_file(
        actor=owner, enterprise=a_org, condition=2, statement="ISO 9001", evidence="证书"
    )
    world.objects["A"]["credit_request"] = CreditRequest.objects.create(
        enterprise=a_org, kind="objection", fact="incident:0", reason="异议", filed_by=owner
    )

    digest, _created = digest_make(day=date(2026, 11, 1))
    world.objects["-"] = {"digest": digest}
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module inside a transaction that is rolled back at the end (the
    attachments and the signing key in a scratch directory)."""
    scratch = tmp_path_factory.mktemp("authz")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=str(scratch / "media"),
            SUYUAN_SIGNING_KEY="",
            SUYUAN_SIGNING_KEY_FILE=str(scratch / "chain-signing-key.pem"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- filling the placeholders --------------------------------------------------------

# ``/api/v1/<collection>/{id}/…``: which kind of object the {id} names.
ID_KINDS = {
    "batches": "batch",
    "products": "product",
    "sites": "site",
    "events": "event",
    "organizations": "organization",
    "alert-channels": "alert_channel",
    "incidents": "incident",
    "recalls": "recall",
    "complaints": "complaint",
    "signals": "signal",
    "warnings": "warning",  # /api/v1/public/warnings/{id}/
    "spot-check-draws": "spot_check_draw",
    "spot-checks": "spot_check",
    "reports": "report",
    "tips": "report",  # /workbench/tips/{id}/: the workbench's report pages
    "draws": "spot_check_draw",  # /workbench/spot-checks/draws/{id}/
    "checks": "spot_check",  # /workbench/spot-checks/checks/{id}/record/
    "requests": "credit_request",  # /api/v1/credit/requests/{id}/decide/
    "award-declarations": "award_declaration",
    "awards": "award",
}


def _fill(path: str, objects: dict) -> str:
    if "{id}" in path:
        segments = path.strip("/").split("/")
        collection = segments[segments.index("{id}") - 1]  # the collection the id follows
        path = path.replace("{id}", str(objects[ID_KINDS[collection]].pk))
    batch: Batch | None = objects.get("batch")
    replacements = {
        "{gtin}": lambda: batch.gtin,
        "{lot}": lambda: quote(batch.lot, safe=""),
        "{capture_id}": lambda: str(objects["capture_job"].pk),
        "{event_id}": lambda: quote(objects["event"].event_id, safe=":"),
        "{name}": lambda: quote(objects["query"].name, safe=""),
        "{subscription_id}": lambda: str(objects["subscription"].pk),
        "{batch_id}": lambda: str(batch.pk),
        "{attachment_id}": lambda: str(objects["attachment"].pk),
        "{day}": lambda: objects["digest"].date.isoformat(),
        "{token}": lambda: objects["ack_token"],
        "{number}": lambda: quote(objects["recall"].number, safe=""),
        "{tracking_code}": lambda: objects["complaint"].display_code,
        "{code}": lambda: objects["report"].display_code,  # /api/v1/public/reports/{code}/
        "{organization_id}": lambda: str(objects["organization"].pk),
        "{photo_id}": lambda: "999999",  # no photo: the answer says who may reach the complaint
    }
    for placeholder, value in replacements.items():
        if placeholder in path:
            path = path.replace(placeholder, value())
    assert "{" not in path, f"no filler for a placeholder in {path}: add one to _fill()"
    return path


# One client for every request: a new client builds the middleware chain again (WhiteNoise
# scanning the static files each time); its cookies are replaced before each request.
_CLIENT = APIClient()


def _answer(world: World, persona: str, row: Row) -> int:
    url = _fill(row.path, world.objects[row.owner])
    client = _CLIENT
    client.cookies = copy.deepcopy(
        world.cookies[persona]
    )  # signing out in one row must not sign out the next
    with transaction.atomic():
        if row.method in ("GET", "DELETE", "OPTIONS", "HEAD"):
            response = client.generic(row.method, url)
        else:  # an empty body: an allowed write ends in validation (400), nothing is stored
            response = client.generic(row.method, url, "{}", content_type="application/json")
        transaction.set_rollback(True)
    return response.status_code


# --- the checks -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_each_persona_gets_what_the_matrix_says(world, row):
    answers = {persona: _answer(world, persona, row) for persona in PERSONAS}
    if row.path.endswith(".pdf") and not pdf.available():
        # No Pango on this machine: those allowed get the "PDF not available" page (503).
        answers = {p: 200 if a == 503 else a for p, a in answers.items()}
    if os.environ.get("AUTHZ_MATRIX_DUMP"):
        print("\nDUMP", row.line_for(answers))
        return
    wrong = {p: (row.expected[p], answers[p]) for p in PERSONAS if answers[p] != row.expected[p]}
    assert not wrong, (
        f"{row.method} {row.path} on {row.owner}'s object: persona -> (expected, got) {wrong}\n"
        f"the row as the server answers today: {row.line_for(answers)}"
    )


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_schema_operation_has_a_row(openapi):
    covered = {(r.method, r.path) for r in ROWS}
    missing = [
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        for method in item
        if method in _METHODS and (method.upper(), path) not in covered
    ]
    header = "  ".join(PERSONAS)
    assert not missing, (
        "These endpoints are not in tests/authz_matrix.py. Add one row per object owner "
        f"(columns: METHOD PATH OWNER {header}), e.g.:\n"
        + "\n".join(f"    {m:6} {p}  A  <expected status of each persona>" for m, p in missing)
    )


def test_no_row_names_an_endpoint_that_is_gone(openapi):
    schema_ops = {
        (m.upper(), p) for p, item in openapi["paths"].items() for m in item if m in _METHODS
    }
    stale = [
        (r.method, r.path) for r in ROWS if not r.html and (r.method, r.path) not in schema_ops
    ]
    assert not stale, (
        f"rows for operations the schema no longer has (remove, or mark them html): {stale}"
    )


def _url_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            names |= _url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


# The admin's views all answer to one rule (staff only), so a few of its pages stand for it.
_SAMPLED_NAMESPACES = ("admin:",)


@pytest.mark.django_db
def test_every_page_of_the_site_is_reached_by_a_row(world):
    reached = set()
    for row in ROWS:
        match = resolve(_fill(row.path, world.objects[row.owner]).split("?")[0])
        reached.add(match.view_name)
    names = {n for n in _url_names(get_resolver()) if not n.startswith(_SAMPLED_NAMESPACES)}
    missing = sorted(names - reached - set(UNREACHABLE))
    assert not missing, (
        "These URL names are reached by no row of tests/authz_matrix.py; add an html row for each: "
        f"{missing}"
    )
    assert any(name.startswith("admin:") for name in reached)
