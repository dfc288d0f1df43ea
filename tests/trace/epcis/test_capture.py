"""POST /epcis/capture: jobs, rollback vs proceed, idempotency, error declarations, lineage."""

import json
from decimal import Decimal
from trace.core.identifiers import canonical_lot_uri
from trace.core.selectors import batch_journey
from trace.models import Batch, Custody, Event, EventIdentifier, LineageEdge

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import document, object_event


def _lot_event(product, lot, quantity, **fields):
    event = object_event(
        epcList=None,
        quantityList=[
            {"epcClass": canonical_lot_uri(product.gtin, lot), "quantity": quantity, "uom": "EA"}
        ],
        **fields,
    )
    del event["epcList"]
    return event


def test_capture_answers_202_with_location_and_versions(enterprise, capture):
    response = capture(enterprise, document(object_event()))
    assert response.status_code == 202
    assert response["Location"].startswith("/epcis/capture/")
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    assert response["GS1-CBV-Version"] == "2.0.0"
    job = enterprise.client.get(response["Location"]).json()
    assert job["running"] is False and job["success"] is True
    assert job["captureErrorBehaviour"] == "rollback"
    assert job["capturedEventCount"] == 1 and job["finishedAt"]
    listing = enterprise.client.get("/epcis/capture").json()
    assert [j["captureID"] for j in listing] == [job["captureID"]]


def test_rollback_stores_nothing_when_one_event_fails(enterprise, product, job_of):
    from tests.factories import produce

    produce(enterprise.user, product, lot="R1", quantity=Decimal(10))
    before = Event.objects.count()
    doc = document(
        object_event(eventID="urn:uuid:00000000-0000-4000-8000-000000000001"),
        _lot_event(
            product,
            "R1",
            50,
            bizStep="retail_selling",
            disposition="retail_sold",
            eventID="urn:uuid:00000000-0000-4000-8000-000000000002",
        ),
    )
    job = job_of(enterprise, doc)
    assert job["running"] is False and job["success"] is False
    assert job["errors"][0]["type"] == "epcisException:ValidationException"
    fields = [e["field"] for e in job["errors"][0]["errors"]]
    assert fields == ["epcisBody.eventList[1].quantityList[0].quantity"]
    assert job["errors"][0]["errors"][0]["rule"] == "quantity_exceeds_held"
    assert Event.objects.count() == before
    assert Custody.objects.get(organization=enterprise.org).quantity == 10
    # The identifier index (no foreign-key constraint in the database) rolled back with them.
    assert not EventIdentifier.objects.exclude(event_id__in=Event.objects.values("pk")).exists()
    assert EventIdentifier.objects.filter(event__event_id__endswith="000000000002").count() == 0


def test_proceed_stores_the_valid_events(enterprise, product, job_of):
    from tests.factories import produce

    produce(enterprise.user, product, lot="P1", quantity=Decimal(10))
    doc = document(
        object_event(eventID="urn:uuid:00000000-0000-4000-8000-000000000011"),
        _lot_event(
            product,
            "P1",
            50,
            bizStep="retail_selling",
            eventID="urn:uuid:00000000-0000-4000-8000-000000000012",
        ),
        _lot_event(
            product,
            "P1",
            4,
            bizStep="retail_selling",
            eventID="urn:uuid:00000000-0000-4000-8000-000000000013",
        ),
    )
    job = job_of(enterprise, doc, behaviour="proceed")
    assert job["captureErrorBehaviour"] == "proceed"
    assert job["success"] is False and job["capturedEventCount"] == 2
    assert [e["errors"][0]["field"] for e in job["errors"]] == [
        "epcisBody.eventList[1].quantityList[0].quantity"
    ]
    stored = set(Event.objects.values_list("event_id", flat=True))
    assert "urn:uuid:00000000-0000-4000-8000-000000000011" in stored
    assert "urn:uuid:00000000-0000-4000-8000-000000000013" in stored
    assert "urn:uuid:00000000-0000-4000-8000-000000000012" not in stored
    assert Custody.objects.get(organization=enterprise.org).quantity == 6


def test_same_event_captured_twice_is_stored_once(enterprise, job_of):
    doc = document(object_event(eventID="urn:uuid:00000000-0000-4000-8000-000000000021"))
    job_of(enterprise, doc)
    again = job_of(enterprise, doc)
    assert (
        again["success"] is True
        and again["duplicateEventCount"] == 1
        and again["capturedEventCount"] == 0
    )
    assert (
        Event.objects.filter(event_id="urn:uuid:00000000-0000-4000-8000-000000000021").count() == 1
    )


def test_error_declaration_links_corrective_event_and_leaves_original(enterprise, product, job_of):
    from tests.factories import produce

    produce(enterprise.user, product, lot="E1", quantity=Decimal(10))
    wrong = _lot_event(
        product,
        "E1",
        3,
        bizStep="retail_selling",
        eventID="urn:uuid:00000000-0000-4000-8000-00000000a001",
    )
    job_of(enterprise, document(wrong))
    original = Event.objects.get(event_id=wrong["eventID"], error_declaration__isnull=True)
    assert Custody.objects.get(organization=enterprise.org).quantity == 7

    corrective = _lot_event(
        product,
        "E1",
        2,
        bizStep="retail_selling",
        eventID="urn:uuid:00000000-0000-4000-8000-00000000a002",
    )
    declared = dict(
        wrong,
        errorDeclaration={
            "declarationTime": "2026-11-21T10:00:00.000+08:00",
            "reason": "incorrect_data",
            "correctiveEventIDs": [corrective["eventID"]],
        },
    )
    job = job_of(enterprise, document(declared, corrective))
    assert job["success"] is True, job["errors"]
    assert (
        Custody.objects.get(organization=enterprise.org).quantity == 8
    )  # 10 − 2: the 3 was undone
    original.refresh_from_db()
    assert "errorDeclaration" not in original.document

    both = enterprise.client.get(f"/epcis/events/{wrong['eventID']}").json()
    events = both["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 2
    assert events[1]["errorDeclaration"]["correctiveEventIDs"] == [corrective["eventID"]]
    declared_only = enterprise.client.get(
        "/epcis/events", {"EXISTS_errorDeclaration": "true"}
    ).json()
    assert [
        e["eventID"] for e in declared_only["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    ] == [wrong["eventID"]]


def test_lgtin_urn_and_digital_link_are_one_batch(enterprise, job_of):
    urn = object_event(
        epcList=None,
        quantityList=[{"epcClass": "urn:epc:class:lgtin:6901234.012345.LOT-7", "quantity": 5}],
    )
    link = object_event(
        epcList=None,
        bizStep="shipping",
        quantityList=[
            {
                "epcClass": "https://example.com/01/06901234123456/10/LOT-7?linkType=all",
                "quantity": 5,
            }
        ],
    )
    del urn["epcList"], link["epcList"]
    job_of(enterprise, document(urn, link))
    batch = Batch.objects.get()
    assert (batch.gtin, batch.lot, batch.product) == (
        "06901234123456",
        "LOT-7",
        None,
    )  # kept as a trace node
    assert batch.event_links.count() == 2
    values = set(EventIdentifier.objects.filter(kind="epcClass").values_list("value", flat=True))
    assert values == {"https://id.gs1.org/01/06901234123456/10/LOT-7"}


def test_transformation_event_becomes_lineage_on_trace_and_consumer_journey(
    enterprise, product, job_of
):
    from tests.factories import ProductFactory, produce

    milk = produce(enterprise.user, product, lot="MILK1", quantity=Decimal(100))
    yogurt = ProductFactory(owner=enterprise.org)
    event = {
        "type": "TransformationEvent",
        "eventTime": "2026-11-20T10:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "eventID": "urn:uuid:00000000-0000-4000-8000-00000000b001",
        "bizStep": "commissioning",
        "inputQuantityList": [
            {
                "epcClass": f"urn:epc:class:lgtin:{product.gtin[1:8]}.{product.gtin[0]}"
                f"{product.gtin[8:13]}.MILK1",
                "quantity": 40,
                "uom": "KGM",
            }
        ],
        "outputQuantityList": [
            {"epcClass": canonical_lot_uri(yogurt.gtin, "YOG1"), "quantity": 80}
        ],
    }
    job = job_of(enterprise, document(event))
    assert job["success"] is True, job["errors"]
    output = Batch.objects.get(gtin=yogurt.gtin, lot="YOG1")
    assert LineageEdge.objects.filter(parent=milk, child=output).exists()
    assert Custody.objects.get(organization=enterprise.org, batch=milk).quantity == 60

    trace = enterprise.client.get(
        f"/api/v1/batches/{milk.pk}/trace/", {"direction": "forward"}
    ).json()
    assert output.pk in {b["id"] for b in trace["batches"]}
    journey = batch_journey(output)
    assert event["eventID"] in [e.event_id for e in journey]
    assert any(e.biz_step == "commissioning" for e in journey)  # back to the milk's production


def test_cbv_full_uri_and_custom_uri_accepted(enterprise, job_of):
    job = job_of(
        enterprise,
        document(
            object_event(
                bizStep="https://ref.gs1.org/cbv/BizStep-shipping",
                disposition="https://example.com/disp/x",
            )
        ),
    )
    assert job["success"] is True
    assert Event.objects.get().biz_step == "shipping"


def test_job_reports_running_until_the_task_has_run(enterprise):
    import json

    response = enterprise.client.generic(
        "POST",
        "/epcis/capture",
        json.dumps(document(object_event())),
        content_type="application/json",
    )  # no on-commit callbacks run here: the task has not started
    assert response.status_code == 202
    job = enterprise.client.get(response["Location"]).json()
    assert job["running"] is True and job["success"] is True and "finishedAt" not in job
    assert Event.objects.count() == 0


def test_text_that_copy_escapes_comes_back_as_sent(enterprise, job_of):
    """Tabs, newlines, backslashes, quotes and a literal \\N survive the bulk write,
    and the organization's hash chain still verifies over what was stored."""
    from trace.core.chain import verify_chain

    awkward = 'tab\there\nnew "line" \\ back\\slash \\N 牛奶\r'
    event = object_event(**{"example:note": awkward, "example:null": "\\N"})
    job = job_of(
        enterprise,
        document(
            event,
            context=[
                "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                {"example": "https://example.com/"},
            ],
        ),
    )
    assert job["success"] is True, job
    stored = Event.objects.get()
    assert stored.document["example:note"] == awkward
    assert stored.document["example:null"] == "\\N"
    checked, broken = verify_chain(enterprise.org.pk)
    assert checked == 1 and broken is None


def test_capture_job_keeps_the_bytes_received(enterprise, capture):
    """The job stores the body as sent (a UTF-8 BOM is dropped) and captures from it."""
    from trace.epcis.models import CaptureJob

    body = json.dumps(document(object_event()), ensure_ascii=False).encode("utf-8")
    response = capture(enterprise, None, raw=b"\xef\xbb\xbf" + body)
    assert response.status_code == 202
    job = CaptureJob.objects.get()
    assert bytes(job.body) == body
    assert job.status == CaptureJob.Status.SUCCESS and job.captured_count == 1


def test_a_document_naming_thousands_of_new_lots_creates_each_once(enterprise, product, job_of):
    """Lots never registered here become trace nodes, in chunks (SQLite caps statement parameters)."""
    events = [_lot_event(product, f"N{i:05d}", 1) for i in range(1_200)]
    events.append(_lot_event(product, "N00000", 2))  # the same lot again
    job = job_of(enterprise, document(*events))
    assert job["success"] is True and job["capturedEventCount"] == 1_201
    assert Batch.objects.filter(lot__startswith="N").count() == 1_200
    assert Event.objects.filter(batch_links__batch__lot="N00000").count() == 2


def _custody_reads(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "trace_custody" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_lots_a_document_creates_get_custody_without_a_lookup_and_known_lots_move_theirs(
    enterprise, product, job_of
):
    """Nobody can hold a lot the capture itself inserted, so its custody rows are not looked
    up (a probe per lot of a large table); a later document on those lots reads and moves them."""
    lots = [f"F{i}" for i in range(3)]
    made = [_lot_event(product, lot, 10, action="ADD", bizStep="commissioning") for lot in lots]
    with CaptureQueriesContext(connection) as first:
        assert job_of(enterprise, document(*made))["success"] is True
    assert _custody_reads(first) == []
    held = Custody.objects.filter(organization=enterprise.org, batch__lot__in=lots)
    assert sorted(held.values_list("quantity", flat=True)) == [10, 10, 10]

    shipped = [_lot_event(product, lot, 4, action="OBSERVE", bizStep="shipping") for lot in lots]
    with CaptureQueriesContext(connection) as second:
        assert job_of(enterprise, document(*shipped))["success"] is True
    assert _custody_reads(second)
    assert sorted(held.values_list("quantity", flat=True)) == [6, 6, 6]
    too_many = [_lot_event(product, "F0", 7, action="OBSERVE", bizStep="shipping")]
    refused = job_of(enterprise, document(*too_many))
    assert refused["success"] is False and held.get(batch__lot="F0").quantity == 6


def test_chain_holds_for_numbers_the_database_respells(enterprise, capture):
    """jsonb gives 1.5e2 back as 150 and -0.0 as 0: the hash is over numbers in that form."""
    raw = (
        '{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",'
        ' {"example": "https://example.com/"}], "type": "EPCISDocument", "schemaVersion": "2.0",'
        ' "creationDate": "2026-11-20T08:00:00.000+08:00", "epcisBody": {"eventList": [{"type": "ObjectEvent",'
        ' "action": "OBSERVE", "eventTime": "2026-11-20T09:30:00.000+08:00", "eventTimeZoneOffset": "+08:00",'
        ' "epcList": ["urn:epc:id:sgtin:6901234.012345.1001"], "example:a": 1.5e2, "example:b": -0.0,'
        ' "example:c": 2.50, "example:d": 1e16, "example:e": 12345678901234567890, "example:f": [1.0, 0.1]}]}}'
    )
    assert capture(enterprise, None, raw=raw).status_code == 202
    from trace.core.chain import verify_chain

    assert verify_chain(enterprise.org.pk) == (1, None)
