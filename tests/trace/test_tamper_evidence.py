"""Tamper evidence over everything shown (issue 9, item 4).

Someone with write access to the database (triggers bypassed: on PostgreSQL
``session_replication_role = replica``, as a superuser can; SQLite has no trigger) changes
what users see. ``verify_event_chain`` must name each change: the event, the column, the
stored and the recomputed value, and exit non-zero.
"""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from trace.core import signing
from trace.core.chain import verify_record
from trace.core.digest import digest_make, signed_file
from trace.core.hashchain import canonicalize, chain_hash
from trace.core.services import batch_receive, batch_ship, batch_transform
from trace.core.tasks import chain_digest_daily
from trace.models import Batch, ChainDigest, ChainHead, Custody, Event, EventBatch, LineageEdge

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.factories import ProductFactory, produce


@pytest.fixture(autouse=True)
def _signing_key(settings, tmp_path):
    settings.SUYUAN_SIGNING_KEY = ""
    settings.SUYUAN_SIGNING_KEY_FILE = str(tmp_path / "chain-signing-key.pem")


@pytest.fixture
def supply(enterprise, partner, product):
    """Milk made, part of it turned into yogurt, yogurt shipped to the partner who receives it."""
    milk = produce(enterprise.user, product, lot="MILK1", quantity=Decimal(100))
    yogurt = batch_transform(
        inputs=[(milk, Decimal(40))],
        product=ProductFactory(owner=enterprise.org),
        lot="YOG1",
        quantity=Decimal(200),
        unit="EA",
        actor=enterprise.user,
    )
    shipment = batch_ship(batch=yogurt, to=partner.org, quantity=Decimal(50), actor=enterprise.user)
    receipt = batch_receive(batch=yogurt, actor=partner.user)
    return {"milk": milk, "yogurt": yogurt, "shipment": shipment, "receipt": receipt}


def _bypass(sql: str, params: list) -> None:
    """Write as someone who can switch the triggers off (a PostgreSQL superuser)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _verify(*args) -> str:
    out = StringIO()
    call_command("verify_event_chain", *args, stdout=out)
    return out.getvalue()


def _refused(*args) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_event_chain", *args, stdout=out)
    return out.getvalue(), str(exc.value)


def _findings():
    return {(f.kind, f.column.split(" ")[0]) for f in verify_record().findings}


def test_an_untouched_record_verifies_as_intact(supply, enterprise, partner):
    output = _verify()
    assert "intact" in output
    report = verify_record()
    assert report.intact and report.events == 4 and report.organizations == 2
    assert report.custody_rows == Custody.objects.count() > 0


def test_capture_keeps_each_organizations_chain_head(supply, enterprise, partner):
    for org in (enterprise.org, partner.org):
        tail = Event.objects.filter(organization=org).order_by("-chain_seq").first()
        head = ChainHead.objects.get(organization=org)
        assert (head.chain_seq, head.content_hash) == (tail.chain_seq, tail.content_hash)


def test_forged_columns_are_named_with_stored_and_recomputed_values(
    supply, enterprise, partner, other_enterprise
):
    """What the API and the consumer page show (biz_step, destination, time) is checked
    against the hashed document, not only the document against its hash."""
    shipment = supply["shipment"]
    _bypass(
        "UPDATE trace_event SET biz_step = %s, destination_org_id = %s, event_time = %s WHERE id = %s",
        [
            "receiving",
            other_enterprise.org.pk,
            shipment.event_time - timedelta(days=3),
            shipment.pk,
        ],
    )
    output, summary = _refused()
    assert "3 finding(s)" in summary
    assert (
        f"event {shipment.pk} ({shipment.event_id}): biz_step: stored 'receiving', recomputed 'shipping'"
        in output
    )
    assert (
        f"destination_org_id: stored {other_enterprise.org.pk}, recomputed {partner.org.pk}"
    ) in output
    assert "event_time: stored" in output


def test_a_forged_document_is_named_too(supply, enterprise):
    shipment = supply["shipment"]
    _bypass(
        "UPDATE trace_event SET document = %s WHERE id = %s",
        [json.dumps({**shipment.document, "bizStep": "receiving"}), shipment.pk],
    )
    output, _ = _refused()
    assert f"event {shipment.pk}" in output and "does not match content_hash" in output


def test_deleting_an_organizations_newest_event_is_named(supply, enterprise, partner):
    """The tail of a chain leaves no gap behind it; the recorded head names it."""
    receipt = supply["receipt"]
    for table in ("trace_eventbatch", "trace_lineageedge", "trace_eventidentifier"):
        _bypass(f"DELETE FROM {table} WHERE event_id = %s", [receipt.pk])
    _bypass("DELETE FROM trace_event WHERE id = %s", [receipt.pk])
    output, _ = _refused()
    assert (
        f"[head] organization {partner.org.pk}: chain head (its newest events were deleted): "
        f"stored 'sequence {receipt.chain_seq} ({receipt.content_hash})'"
    ) in output
    # The chain goes on from the recorded head, so the hole stays visible after new events.
    batch_ship(batch=supply["yogurt"], to=enterprise.org, quantity=Decimal(1), actor=partner.user)
    kinds = {(f.kind, f.subject.split(" ")[0], f.column) for f in verify_record().findings}
    assert ("chain", "event", "chain_seq (events missing before it)") in kinds


def test_forged_custody_rows_are_named(supply, enterprise, partner, other_enterprise):
    yogurt = supply["yogurt"]
    _bypass(
        "UPDATE trace_custody SET quantity = %s WHERE organization_id = %s AND batch_id = %s",
        [Decimal(500), partner.org.pk, yogurt.pk],
    )
    # A row where no event moved the lot: custody has been enough to see a lot.
    Custody.objects.create(organization=other_enterprise.org, batch=yogurt, quantity=Decimal(0))
    output, summary = _refused()
    assert "2 finding(s)" in summary
    assert (
        f"(lot {yogurt.pk} at organization {partner.org.pk}): quantity: stored Decimal('500.000'), "
        "recomputed Decimal('50.000')" in output
    )
    assert (
        f"(lot {yogurt.pk} at organization {other_enterprise.org.pk}): row: stored 'present'"
        in output
    )


def test_a_deleted_custody_row_is_named(supply, partner):
    Custody.objects.filter(organization=partner.org, batch=supply["yogurt"]).delete()
    output, _ = _refused()
    assert (
        f"lot {supply['yogurt'].pk} at organization {partner.org.pk}: row: stored 'absent'"
        in output
    )


def test_forged_event_lot_links_and_lineage_are_named(supply, enterprise):
    shipment, milk, yogurt = supply["shipment"], supply["milk"], supply["yogurt"]
    other = Batch.objects.create(gtin=yogurt.gtin, lot="OTHER")
    EventBatch.objects.create(
        event=shipment, batch=other, role="subject", quantity=Decimal(5), uom=""
    )
    transform = Event.objects.get(batch_links__batch=yogurt, batch_links__role="output")
    LineageEdge.objects.create(parent=other, child=yogurt, event=transform, quantity=Decimal(1))
    LineageEdge.objects.filter(parent=milk, child=yogurt).update(quantity=Decimal(39))
    assert {("link", "event-lot"), ("lineage", "lineage")} <= _findings()
    output, summary = _refused()
    assert "2 finding(s)" in summary
    assert f"event {shipment.pk} ({shipment.event_id}): event-lot links" in output
    assert f"stored [\"({other.pk}, 'subject', Decimal('5.000'), '')\"], recomputed []" in output
    assert f"event {transform.pk}" in output and "lineage edges" in output


def test_a_kept_digest_verifies_and_names_a_consistent_rewrite(supply, enterprise, tmp_path):
    """A rewrite that recomputes the hashes and moves the head is caught only by a digest
    kept outside: the head it states is no longer the stored event."""
    digest, created = digest_make(day=timezone.localdate())
    assert created and digest_make(day=timezone.localdate()) == (digest, False)
    kept = tmp_path / "digest.json"
    kept.write_text(json.dumps(signed_file(digest)))
    assert "intact" in _verify("--digest", str(kept))

    # Rewrite the enterprise's newest event and its hash, and move the head with it.
    tail = Event.objects.filter(organization=enterprise.org).order_by("-chain_seq").first()
    document = {**tail.document, "example:note": "rewritten"}
    content = chain_hash(
        prev_hash=tail.prev_hash,
        organization_id=enterprise.org.pk,
        chain_seq=tail.chain_seq,
        event_id=tail.event_id,
        canonical=canonicalize(document),
    )
    _bypass(
        "UPDATE trace_event SET document = %s, content_hash = %s WHERE id = %s",
        [json.dumps(document), content, tail.pk],
    )
    _bypass(
        "UPDATE trace_chainhead SET content_hash = %s WHERE organization_id = %s",
        [content, enterprise.org.pk],
    )
    # The stored digest is checked too, so drop it as the rewriter would.
    _bypass("DELETE FROM trace_chaindigest", [])
    assert "intact" in _verify()
    output, _ = _refused("--digest", str(kept))
    assert (
        f"digest {kept}: organization {enterprise.org.pk} at sequence {tail.chain_seq}: content_hash: "
        f"stored '{content}', recomputed '{tail.content_hash}'"
    ) in output


def test_a_tampered_digest_file_fails_its_signature(supply, tmp_path):
    digest, _ = digest_make(day=timezone.localdate())
    signed = signed_file(digest)
    payload = json.loads(signed["payload"])
    payload["heads"][0]["content_hash"] = "0" * 64
    signed["payload"] = json.dumps(payload)
    kept = tmp_path / "digest.json"
    kept.write_text(json.dumps(signed))
    output, _ = _refused("--digest", str(kept))
    assert "signature" in output and "not valid for key" in output


def test_a_rewritten_stored_digest_is_named(supply):
    digest, _ = digest_make(day=timezone.localdate() - timedelta(days=1))
    digest_make(day=timezone.localdate())
    _bypass(
        "UPDATE trace_chaindigest SET payload = %s WHERE id = %s",
        [digest.payload.replace("2", "3"), digest.pk],
    )
    output, _ = _refused()
    assert f"digest of {digest.date}: sha256" in output


def test_chain_digest_command_writes_a_file_that_verifies(supply, tmp_path):
    yesterday = timezone.localdate() - timedelta(days=1)
    kept = tmp_path / "kept.json"
    call_command(
        "chain_digest",
        "--date",
        yesterday.isoformat(),
        "--output",
        str(kept),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    signed = json.loads(kept.read_text())
    assert json.loads(signed["payload"])["date"] == yesterday.isoformat()
    assert ChainDigest.objects.filter(date=yesterday).exists()
    assert "intact" in _verify("--digest", str(kept))
    with pytest.raises(CommandError):
        call_command("chain_digest", "--date", timezone.localdate().isoformat(), stdout=StringIO())


def test_digests_are_served_to_regulators_and_verify_with_the_published_key(
    supply, regulator, enterprise, anonymous
):
    digest, _ = digest_make(day=timezone.localdate())
    listed = regulator.client.get("/api/v1/chain/digests/")
    assert listed.status_code == 200
    assert listed.json()["results"][0]["sha256"] == digest.sha256
    one = regulator.client.get(f"/api/v1/chain/digests/{digest.date}/")
    assert one.status_code == 200
    assert regulator.client.get("/api/v1/chain/digests/2026-13-45/").status_code == 404
    assert enterprise.client.get("/api/v1/chain/digests/").status_code == 403
    assert anonymous.client.get("/api/v1/chain/digests/").status_code in (401, 403)
    published = anonymous.client.get("/.well-known/suyuan-chain-key").json()
    key = signing.load_public(published["public_key_pem"])
    assert signing.key_id(key) == published["key_id"] == one.json()["key_id"]
    assert signing.signature_valid(key, one.json()["payload"].encode(), one.json()["signature"])


@pytest.mark.postgres
def test_heads_and_digests_are_guarded_by_triggers(supply, enterprise):
    if connection.vendor != "postgresql":
        pytest.skip("the triggers are PostgreSQL's")

    digest_make(day=timezone.localdate())
    for sql in (
        "DELETE FROM trace_chainhead",
        "UPDATE trace_chainhead SET chain_seq = chain_seq - 1",
        "UPDATE trace_chainhead SET content_hash = repeat('0', 64)",
        "UPDATE trace_chaindigest SET signature = 'x'",
        "DELETE FROM trace_chaindigest",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_reading_in_small_chunks_finds_the_same(supply, enterprise, other_enterprise):
    """Verification streams the events; chunk boundaries change nothing."""
    shipment = supply["shipment"]
    _bypass(
        "UPDATE trace_event SET destination_org_id = %s WHERE id = %s",
        [other_enterprise.org.pk, shipment.pk],
    )
    Custody.objects.filter(organization=enterprise.org, batch=supply["milk"]).update(
        quantity=Decimal(1)
    )
    whole, by_one = verify_record(), verify_record(chunk_size=1)
    assert [str(f) for f in whole.findings] == [str(f) for f in by_one.findings]
    assert whole.total == 2


def test_one_organization_is_checked_without_custody(supply, enterprise, partner):
    receipt = supply["receipt"]
    _bypass("UPDATE trace_event SET biz_step = %s WHERE id = %s", ["shipping", receipt.pk])
    assert "intact" in _verify("--organization", str(enterprise.org.pk))
    output, summary = _refused("--organization", str(partner.org.pk))
    assert "custody not checked" in summary and f"event {receipt.pk}" in output
    with pytest.raises(CommandError):
        call_command("verify_event_chain", "--organization", "999999")


def test_beat_signs_yesterdays_digest_every_day(supply, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["trace-chain-digest"]
    assert entry["task"] == "trace.core.tasks.chain_digest_daily"
    sha256 = chain_digest_daily()
    digest = ChainDigest.objects.get()
    assert digest.date == timezone.localdate() - timedelta(days=1) and digest.sha256 == sha256
    # A second run the same day keeps the first digest.
    assert chain_digest_daily() == sha256 and ChainDigest.objects.count() == 1
