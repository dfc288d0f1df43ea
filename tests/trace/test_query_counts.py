"""Hot read paths issue a fixed number of queries, however large the trace."""

from decimal import Decimal
from trace.core.selectors import downstream_holders, trace_graph
from trace.core.services import batch_ship, batch_transform

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProductFactory, produce


def _chain(enterprise, partner, product, lots: int):
    """``lots`` raw lots merged into one output lot, shipped to the partner."""
    inputs = [
        (produce(enterprise.user, product, lot=f"Q{lots}R{i}", quantity=Decimal(10)), Decimal(10))
        for i in range(lots)
    ]
    output_product = ProductFactory(owner=enterprise.org)
    output = batch_transform(
        inputs=inputs,
        product=output_product,
        lot=f"Q{lots}OUT",
        quantity=Decimal(50),
        unit="EA",
        actor=enterprise.user,
    )
    batch_ship(batch=output, to=partner.org, quantity=Decimal(20), actor=enterprise.user)
    return inputs[0][0], output


def _queries(func, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        func(*args, **kwargs)
    return len(captured.captured_queries)


def test_trace_graph_and_recall_scope_do_not_grow_with_the_trace(enterprise, partner, product):
    small_root, small_out = _chain(enterprise, partner, product, 1)
    large_root, large_out = _chain(enterprise, partner, product, 6)
    assert _queries(trace_graph, small_out) == _queries(trace_graph, large_out)
    assert _queries(downstream_holders, small_root) == _queries(downstream_holders, large_root) == 1


def test_trace_endpoints_do_not_grow_with_the_trace(enterprise, partner, product):
    _, small_out = _chain(enterprise, partner, product, 1)
    _, large_out = _chain(enterprise, partner, product, 6)
    for suffix in ("trace/", "trace.csv", "trace.xlsx"):
        counts = []
        for lot in (small_out, large_out):
            with CaptureQueriesContext(connection) as captured:
                response = enterprise.client.get(f"/api/v1/batches/{lot.pk}/{suffix}")
            assert response.status_code == 200
            counts.append(len(captured.captured_queries))
        assert counts[0] == counts[1], (suffix, counts)


def test_a_trace_leaves_out_what_an_ingredient_went_into_elsewhere(enterprise, partner, product):
    """A lot consumed by many other lots does not drag their transformations into one lot's trace."""
    whey = produce(enterprise.user, product, lot="WHEY1", quantity=Decimal(100))
    outputs = []
    for i in range(3):
        milk = produce(enterprise.user, product, lot=f"MILK{i}", quantity=Decimal(10))
        outputs.append(
            batch_transform(
                inputs=[(milk, Decimal(10)), (whey, Decimal(1))],
                product=ProductFactory(owner=enterprise.org),
                lot=f"OUT{i}",
                quantity=Decimal(5),
                unit="EA",
                actor=enterprise.user,
            )
        )
    graph = trace_graph(outputs[0], direction="both")

    def transformations(events):
        return [e for e in events if e.event_type == "TransformationEvent"]

    assert len(transformations(graph.events)) == 1  # its own, not its siblings'
    assert {b.lot for b in graph.batches} == {"OUT0", "MILK0", "WHEY1"}
    recall = trace_graph(whey, direction="forward")
    assert len(transformations(recall.events)) == 3


def test_downstream_holders_name_everyone_holding_or_receiving_what_a_lot_went_into(
    enterprise, partner, product
):
    root, output = _chain(enterprise, partner, product, 2)
    rows = {
        (r["organization_id"], r["batch__lot"]): (r["quantity"], r["in_transit"])
        for r in downstream_holders(root)
    }
    assert rows == {
        (enterprise.org.pk, output.lot): (Decimal(30), Decimal(0)),
        (partner.org.pk, output.lot): (Decimal(0), Decimal(20)),
    }
