"""``bench.scaleup`` grows a generated data set K× in place: every table of the chain K×,
every key still unique and well formed, and a cloned lot traces as its original does."""

from trace.core.selectors import lineage_batch_ids
from trace.demo.datagen import generate
from trace.gs1.digital_link import check_digit
from trace.models import Batch, Custody, Event, EventBatch, EventIdentifier, LineageEdge, Product

import pytest
from django.conf import settings
from django.db import connection

from bench.common import read_dataset
from bench.scaleup import grow
from core.models import Organization
from core.validators import credit_code_check_character

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the scale-up is PostgreSQL SQL (DATABASE_URL)",
    ),
]

FACTOR = 3


def _url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _counts() -> dict:
    return {
        "events": Event.objects.count(),
        "lots": Batch.objects.count(),
        "edges": LineageEdge.objects.count(),
        "links": EventBatch.objects.count(),
        "custody": Custody.objects.count(),
        "identifiers": EventIdentifier.objects.count(),
        "products": Product.objects.count(),
        "enterprises": Organization.objects.filter(kind="enterprise").count(),
    }


@pytest.mark.django_db(transaction=True)
def test_scaleup_clones_the_chain_with_unique_valid_keys_and_the_same_traces():
    world = generate(size=600, seed=11)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_dataset (events_requested integer, seed integer, events integer, "
            "lots integer, organizations integer, seconds double precision, "
            "generated_at timestamptz, hub_lot_id bigint)"
        )
        cursor.execute(
            "INSERT INTO bench_dataset VALUES (600, 11, %s, 0, 0, 1, now(), %s)",
            [world.events, world.whey_lots[0].pk],
        )
    try:
        before = _counts()
        last_lot = Batch.objects.order_by("-pk").values_list("pk", flat=True).first()
        last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
        lot = world.finished_lot_ids[0]
        original = lineage_batch_ids(lot, direction="both", depth=20)

        figures = grow(_url(), FACTOR, log=lambda _m: None)

        after = _counts()
        assert after == {k: v * FACTOR for k, v in before.items()}
        assert figures["events"] == after["events"]
        assert read_dataset(_url())["events_requested"] == 600 * FACTOR
        # Unique and well formed: event IDs, GTINs (GS1 check digit), GLNs, credit codes.
        assert Event.objects.values("event_id").distinct().count() == after["events"]
        for gtin in Product.objects.values_list("gtin", flat=True):
            assert check_digit(gtin[:-1]) == gtin[-1]
        for org in Organization.objects.filter(kind="enterprise"):
            assert check_digit(org.gln[:-1]) == org.gln[-1]
            assert credit_code_check_character(org.credit_code[:17]) == org.credit_code[17]
        # A clone of a lot traces to the clones of the lots its original traces to.
        for k in range(1, FACTOR):
            clone = Batch.objects.get(pk=lot + k * last_lot)
            assert clone.lot[:2] == Batch.objects.get(pk=lot).lot[:2] and clone.gtin != (
                Batch.objects.get(pk=lot).gtin
            )
            traced = lineage_batch_ids(clone.pk, direction="both", depth=20)
            assert sorted(traced) == sorted(pk + k * last_lot for pk in original)
        # Nothing of a clone names an original's lot.
        assert not EventIdentifier.objects.filter(
            event_id__gt=last_event, value__contains=Batch.objects.get(pk=lot).lot
        ).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_dataset")
