"""Official spot checks, 双随机、一公开 (Sichuan Quality Promotion Regulation, draft, Art. 27:
market regulators "全面落实'双随机、一公开'要求"; Art. 25: quality credit records).

Through the API and the services, on the real database: a draw is reproducible from its seed
and lists and a tampered one is caught; a regulator draws only in its jurisdiction; recording a
result writes a timeline row; the public list shows concluded results only; the quality
record's selector counts failed official checks only.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone

from api.exceptions import Conflict
from core.choices import RegulatorLevel, Role
from inspections import draw as drawing
from inspections import selectors, services
from inspections.choices import SpotCheckResult, SpotCheckStatus
from inspections.filters import PublicSpotCheckFilterSet, SpotCheckFilterSet
from inspections.models import DrawImmutableError, SpotCheck, SpotCheckDraw
from tests.conftest import Persona
from tests.factories import EnterpriseFactory, ProductFactory, RegulatorFactory, UserFactory

DRAWS = "/api/v1/spot-check-draws/"
CHECKS = "/api/v1/spot-checks/"
PUBLIC = "/api/v1/public/spot-checks/"


@pytest.fixture
def xuzhou(enterprise, partner, other_enterprise):
    """Eight enterprises in Xuzhou (enterprise, partner and six more; dairies make food, the
    rest key industrial products) and one in Hangzhou (other_enterprise)."""
    more = [EnterpriseFactory(region_code=f"3203{n:02d}") for n in (2, 3, 5, 11, 22, 24)]
    for org in [enterprise.org, partner.org, *more[:2]]:
        ProductFactory(owner=org, category="food")
    for org in more[2:]:
        ProductFactory(owner=org, category="key_industrial")
    ProductFactory(owner=other_enterprise.org, category="food")
    return [enterprise.org, partner.org, *more]


@pytest.fixture
def inspectors(regulator):
    """The Xuzhou city regulator's staff: the regulator persona and three more inspectors (and
    a viewer, who is no inspector)."""
    org = regulator.org
    staff = [UserFactory(organization=org) for _ in range(3)]
    UserFactory(organization=org, organization__role=Role.VIEWER)
    return [regulator.user, *staff]


def make_draw(persona, **body):
    body = {"enterprise_count": 3, "inspectors_per_check": 2, **body}
    return persona.client.post(DRAWS, body, format="json")


def redraw_by_hand(seed_hex, enterprises, inspectors, k, m):
    """The algorithm as ``inspections/draw.py``'s docstring states it, written again here."""
    seed = bytes.fromhex(seed_hex)

    def choose(label, items, count):
        a, counter = sorted(items), 0
        for i in range(count):
            n = len(a) - i
            while True:
                block = hmac.new(seed, f"{label}:{counter}".encode(), hashlib.sha256).digest()
                counter += 1
                r = int.from_bytes(block[:8], "big")
                if r < 2**64 - 2**64 % n:
                    break
            j = i + r % n
            a[i], a[j] = a[j], a[i]
        return a[:count]

    chosen = choose("enterprises", enterprises, k)
    return [
        {"enterprise": e, "inspectors": choose(f"inspectors:{p}", inspectors, m)}
        for p, e in enumerate(chosen)
    ]


# --- the draw is reproducible (Art. 27: the random draw is published and verifiable) -----


def test_a_draw_is_reproducible_from_its_seed(regulator, xuzhou, inspectors):
    response = make_draw(regulator, title="2026 Q4")
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["seed"]) == 64 and body["seed_source"] == "server"
    assert body["algorithm"] == "hmac-sha256-fisher-yates-v1"
    assert body["enterprise_candidates"] == sorted(o.pk for o in xuzhou)
    assert body["inspector_candidates"] == sorted(u.pk for u in inspectors)
    assert len(body["result"]) == 3 and len(body["checks"]) == 3
    for assignment in body["result"]:
        assert len(set(assignment["inspectors"])) == 2

    # Anyone holding the published seed and lists draws the same, with no code of ours.
    assert body["result"] == redraw_by_hand(
        body["seed"], body["enterprise_candidates"], body["inspector_candidates"], 3, 2
    )
    verified = regulator.client.get(f"{DRAWS}{body['id']}/verify/").json()
    assert verified["matches"] is True and verified["checks_match"] is True
    assert verified["redrawn"] == body["result"]

    # The same seed over the same lists draws the same; each drawn enterprise got a check.
    again = make_draw(regulator, seed=body["seed"].upper()).json()
    assert again["seed_source"] == "given" and again["result"] == body["result"]
    planned = SpotCheck.objects.filter(draw_id=body["id"]).order_by("position")
    assert [c.enterprise_id for c in planned] == [a["enterprise"] for a in body["result"]]
    assert {c.status for c in planned} == {SpotCheckStatus.PLANNED}


def test_the_algorithm_spreads_evenly_and_is_stable():
    """Every enterprise is about as likely to be drawn (rejection sampling, Fisher–Yates), and
    the draw of a fixed seed never changes (published draws must stay verifiable)."""
    counts = dict.fromkeys(range(10), 0)
    for n in range(2000):
        for e in drawing.choose(n.to_bytes(32, "big"), "enterprises", range(10), 3):
            counts[e] += 1
    assert all(500 < c < 700 for c in counts.values()), counts  # expected 600 each
    seed = "00" * 32
    assert drawing.draw(
        seed_hex=seed,
        enterprises=[5, 1, 9, 3],
        inspectors=[7, 8],
        enterprise_count=2,
        inspectors_per_check=1,
    ) == [
        drawing.Assignment(a["enterprise"], a["inspectors"])
        for a in redraw_by_hand(seed, [1, 3, 5, 9], [7, 8], 2, 1)
    ]


def _tamper(sql, params):
    """Change a stored draw as someone with full database access could (on PostgreSQL the
    trigger refusing UPDATE is bypassed for it, as only a superuser can)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_tampering_with_the_stored_lists_fails_verification(regulator, xuzhou, inspectors):
    body = make_draw(regulator).json()
    first = body["result"][0]["enterprise"]
    # Leave out the first drawn enterprise, as if it had never been a candidate.
    fewer = [pk for pk in body["enterprise_candidates"] if pk != first]
    _tamper(
        "UPDATE inspections_spotcheckdraw SET enterprise_candidates = %s WHERE id = %s",
        [str(fewer).replace(" ", ""), body["id"]],
    )
    verified = regulator.client.get(f"{DRAWS}{body['id']}/verify/").json()
    assert verified["matches"] is False
    assert verified["stored"] == body["result"] and verified["redrawn"] != body["result"]

    # A swapped inspector list is caught as well.
    other = make_draw(regulator).json()
    _tamper(
        "UPDATE inspections_spotcheckdraw SET inspector_candidates = %s WHERE id = %s",
        [str(other["inspector_candidates"][:-1]).replace(" ", ""), other["id"]],
    )
    assert regulator.client.get(f"{DRAWS}{other['id']}/verify/").json()["matches"] is False


def test_a_draw_is_immutable(regulator, xuzhou, inspectors):
    record = SpotCheckDraw.objects.get(pk=make_draw(regulator).json()["id"])
    record.seed = "0" * 64
    with pytest.raises(DrawImmutableError):
        record.save()
    with pytest.raises(DrawImmutableError):
        SpotCheckDraw.objects.filter(pk=record.pk).update(seed="0" * 64)
    with pytest.raises(DrawImmutableError):
        record.delete()
    if connection.vendor != "postgresql":
        return
    for sql in (
        "UPDATE inspections_spotcheckdraw SET seed = repeat('0', 64)",
        "DELETE FROM inspections_spotcheckdraw",
        "UPDATE inspections_spotchecktimelineentry SET action = 'x'",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


# --- only within the jurisdiction ----------------------------------------------------------


def test_a_regulator_draws_only_in_its_jurisdiction(
    regulator, regulator_elsewhere, enterprise, other_enterprise, xuzhou, inspectors
):
    body = make_draw(regulator, enterprise_count=8).json()
    assert other_enterprise.org.pk not in body["enterprise_candidates"]
    assert {a["enterprise"] for a in body["result"]} == {o.pk for o in xuzhou}

    # A region inside narrows the draw; a region outside is refused, in the asker's language.
    narrow = make_draw(regulator, enterprise_count=1, region_code="320312").json()
    assert narrow["scope_prefix"] == "320312"
    assert narrow["enterprise_candidates"] == [enterprise.org.pk]
    outside = make_draw(regulator, region_code="330106")
    assert outside.status_code == 403
    assert outside["Content-Type"].startswith("application/problem+json")
    assert outside.json()["type"].endswith("/outside-jurisdiction")
    zh = regulator.client.post(
        DRAWS,
        {"enterprise_count": 1, "inspectors_per_check": 1, "region_code": "330106"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "辖区" in zh.json()["detail"]
    en = regulator.client.post(
        DRAWS,
        {"enterprise_count": 1, "inspectors_per_check": 1, "region_code": "330106"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "own jurisdiction" in en.json()["detail"]

    # The category filter keeps enterprises making that category.
    food = make_draw(regulator, enterprise_count=4, category="food").json()
    assert set(food["enterprise_candidates"]) == {o.pk for o in xuzhou[:4]}

    # Inspectors from a regulator outside the jurisdiction are refused; more enterprises than
    # candidates is refused, naming the field; nothing is stored.
    stranger = UserFactory(organization=regulator_elsewhere.org)
    count = SpotCheckDraw.objects.count()
    refused = make_draw(regulator, inspectors=[inspectors[1].pk, stranger.pk])
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "inspectors"
    assert refused.json()["errors"][0]["rule"] == "not_an_inspector"
    too_many = make_draw(regulator, enterprise_count=9).json()
    assert too_many["errors"][0] == {
        "field": "enterprise_count",
        "rule": "more_than_candidates",
        "message": "符合条件的企业只有 8 家，您要求抽取 9 家。",  # zh by default
    }
    bad_seed = make_draw(regulator, seed="xyz").json()
    assert bad_seed["errors"][0]["rule"] == "invalid_seed"
    bad_region = make_draw(regulator, region_code="32x").json()
    assert bad_region["errors"][0]["field"] == "region_code"
    assert bad_region["errors"][0]["rule"] == "region_code_format"
    with pytest.raises(ValidationError) as refused_by_service:
        services.draw_make(
            actor=regulator.user, enterprise_count=1, inspectors_per_check=1, region_code="999999"
        )
    assert "region_code" in refused_by_service.value.error_dict
    assert make_draw(regulator, enterprise_count="many").status_code == 400
    assert SpotCheckDraw.objects.count() == count

    # The given inspectors are drawn from: a county regulator's staff in Xuzhou may be drafted.
    county = UserFactory(
        organization=RegulatorFactory(level=RegulatorLevel.COUNTY, region_code="320312")
    )
    drafted = make_draw(regulator, inspectors=[county.pk, inspectors[2].pk]).json()
    assert drafted["inspector_candidates"] == sorted([county.pk, inspectors[2].pk])

    # Elsewhere nothing of it is seen; enterprises do not see draws at all.
    assert regulator_elsewhere.client.get(f"{DRAWS}{body['id']}/").status_code == 404
    assert regulator_elsewhere.client.get(f"{DRAWS}{body['id']}/verify/").status_code == 404
    assert regulator_elsewhere.client.get(CHECKS).json()["count"] == 0
    assert enterprise.client.get(DRAWS).status_code == 403
    assert make_draw(enterprise).status_code == 403


# --- the result, its timeline, and who sees what ------------------------------------------


def _check_of(persona, regulator):
    """Draw only ``persona``'s enterprise (its county as region) and return its check."""
    body = make_draw(
        regulator,
        enterprise_count=1,
        inspectors_per_check=1,
        region_code=persona.org.region_code,
    ).json()
    return SpotCheck.objects.get(draw_id=body["id"])


def test_recording_a_result_writes_a_timeline_row(regulator, enterprise, xuzhou, inspectors):
    check = _check_of(enterprise, regulator)
    url = f"{CHECKS}{check.pk}/"
    # A planned check is not announced to the enterprise (it is a random, unannounced check).
    assert enterprise.client.get(url).status_code == 404
    assert [row["action"] for row in regulator.client.get(url).json()["timeline"]] == ["planned"]

    today = timezone.localdate()
    refused = regulator.client.post(
        f"{url}record/", {"result": "fail", "checked_on": today}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["rule"] == "findings_required"
    future = regulator.client.post(
        f"{url}record/",
        {"result": "pass", "checked_on": today + timedelta(days=1)},
        format="json",
    )
    assert future.json()["errors"][0]["field"] == "checked_on"
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.PLANNED and check.timeline.count() == 1

    inspector = check.inspectors.get()
    done = Persona(inspector).client.post(
        f"{url}record/",
        {"result": "fail", "checked_on": today, "findings": "标签未标注生产日期。"},
        format="json",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "done" and body["result"] == "fail"
    last = body["timeline"][-1]
    assert last["action"] == "result_recorded" and last["actor"] == inspector.username
    assert last["data"] == {"result": "fail", "checked_on": today.isoformat()}
    assert last["actor_organization"]["id"] == regulator.org.pk

    again = regulator.client.post(
        f"{url}record/", {"result": "pass", "checked_on": today}, format="json"
    )
    assert again.status_code == 409
    assert enterprise.client.get(url).json()["result"] == "fail"  # concluded: its own to see


def test_who_may_record(regulator, enterprise, xuzhou, inspectors):
    check = _check_of(enterprise, regulator)
    url = f"{CHECKS}{check.pk}/record/"
    body = {"result": "pass", "checked_on": timezone.localdate()}
    province = Persona(
        UserFactory(
            organization=RegulatorFactory(level=RegulatorLevel.PROVINCE, region_code="320000")
        )
    )
    assert province.client.get(f"{CHECKS}{check.pk}/").status_code == 200  # sees it
    refused = province.client.post(url, body, format="json")
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/drawing-regulator-only")
    viewer = Persona(UserFactory(organization=regulator.org, organization__role=Role.VIEWER))
    assert viewer.client.post(url, body, format="json").status_code == 403
    assert enterprise.client.post(url, body, format="json").status_code == 404
    check.refresh_from_db()
    assert check.status == SpotCheckStatus.PLANNED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_inspectors_recording_at_once_conclude_it_once(regulator, enterprise, inspectors):
    """Two inspectors record the same check at the same moment (real threads, each its own
    connection): one result is kept, the other gets 409, one timeline row."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    check = _check_of(enterprise, regulator)
    barrier = threading.Barrier(2)
    outcomes = []

    def record(user, result):
        try:
            barrier.wait(timeout=10)
            services.spot_check_record(
                check_id=check.pk,
                actor=user,
                result=result,
                checked_on=timezone.localdate(),
                findings="x",
            )
            outcomes.append("done")
        except Conflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=record, args=(inspectors[1], "pass")),
        threading.Thread(target=record, args=(inspectors[2], "fail")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "done"]
    assert check.timeline.filter(action="result_recorded").count() == 1


# --- published results ------------------------------------------------------------------


def test_the_public_list_shows_only_concluded_results(
    regulator, enterprise, partner, anonymous, xuzhou, inspectors
):
    concluded = _check_of(enterprise, regulator)
    services.spot_check_record(
        check_id=concluded.pk,
        actor=regulator.user,
        result=SpotCheckResult.PASS,
        checked_on=timezone.localdate(),
    )
    planned = _check_of(partner, regulator)
    response = anonymous.client.get(PUBLIC)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [concluded.pk]
    assert planned.pk not in [r["id"] for r in results]
    assert set(results[0]) == {
        "id",
        "draw",
        "enterprise",
        "enterprise_credit_code",
        "region_code",
        "regulator",
        "checked_on",
        "result",
        "result_label",
    }  # no inspector, no findings
    assert results[0]["enterprise"] == enterprise.org.name and results[0]["result"] == "pass"
    assert anonymous.client.get(PUBLIC, {"result": "fail"}).json()["count"] == 0
    assert anonymous.client.get(PUBLIC, {"region": "3303"}).json()["count"] == 0
    assert anonymous.client.get(PUBLIC, {"region": "330"}).status_code == 400  # 2, 4 or 6 digits
    assert anonymous.client.get(PUBLIC, {"result": "nonsense"}).status_code == 400


def test_list_endpoints_run_a_fixed_number_of_queries(
    regulator, xuzhou, inspectors, django_assert_max_num_queries
):
    make_draw(regulator, enterprise_count=8)
    make_draw(regulator, enterprise_count=8)
    for check in SpotCheck.objects.all()[:6]:
        services.spot_check_record(
            check_id=check.pk, actor=regulator.user, result="pass", checked_on=timezone.localdate()
        )
    for url in (DRAWS, CHECKS, PUBLIC):
        with django_assert_max_num_queries(12):
            assert regulator.client.get(url).status_code == 200


def test_the_filters(regulator, enterprise, xuzhou, inspectors):
    check = _check_of(enterprise, regulator)
    services.spot_check_record(
        check_id=check.pk,
        actor=regulator.user,
        result="fail",
        checked_on=timezone.localdate(),
        findings="x",
    )
    _check_of(enterprise, regulator)
    qs = SpotCheck.objects.all()
    assert list(SpotCheckFilterSet({"status": ["done"]}, qs).qs) == [check]
    assert SpotCheckFilterSet({"enterprise_id": enterprise.org.pk}, qs).qs.count() == 2
    assert list(
        SpotCheckFilterSet({"q": enterprise.org.credit_code, "result": ["fail"]}, qs).qs
    ) == [check]
    assert not SpotCheckFilterSet({"enterprise_id": "1e400"}, qs).is_valid()
    assert list(PublicSpotCheckFilterSet({"region": "3203"}, qs.filter(status="done")).qs) == [
        check
    ]


# --- what the quality record counts (Art. 25) ---------------------------------------------


def test_the_selector_counts_only_failed_official_checks(regulator, enterprise, xuzhou, inspectors):
    today = timezone.localdate()
    failed = _check_of(enterprise, regulator)
    services.spot_check_record(
        check_id=failed.pk,
        actor=regulator.user,
        result="fail",
        checked_on=today,
        findings="抽检不合格",
    )
    passed = _check_of(enterprise, regulator)
    services.spot_check_record(
        check_id=passed.pk, actor=regulator.user, result="pass", checked_on=today
    )
    _check_of(enterprise, regulator)  # still planned
    # The enterprise's own failed inspection event is no official spot check.
    lot = trace_services.batch_produce(
        product=enterprise.org.products.first(),
        lot="L1",
        quantity=Decimal(10),
        unit="EA",
        actor=enterprise.user,
    )
    trace_services.batch_inspect(batch=lot, result="fail", actor=enterprise.user)

    since = timezone.now() - timedelta(days=365 * 3)
    assert list(selectors.failed_spot_checks(enterprise.org, since)) == [failed]
    # The quality record's window as it passes it (until = now): a check failed today counts.
    assert list(selectors.failed_spot_checks(enterprise.org, since, timezone.now())) == [failed]
    yesterday = today - timedelta(days=1)
    assert list(selectors.failed_spot_checks(enterprise.org, since, yesterday)) == []
    assert list(selectors.failed_spot_checks(enterprise.org, today + timedelta(days=1))) == []
    counts = selectors.failed_spot_check_counts([o.pk for o in xuzhou], since, timezone.now())
    assert counts == {enterprise.org.pk: 1}
