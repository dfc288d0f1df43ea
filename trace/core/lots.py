"""The lots and parties a capture's events name, found or created in bulk: the
parties' organizations (``PartyResolver``), the lots' rows (``resolve_batches``:
lots known only from events are still nodes of the trace) and what the rules
need to know of each lot (``lot_facts``: status and owner, locked when the
events may change a status).
"""

from __future__ import annotations

from trace.models import Batch, Product

from django.db import connection
from django.db.models import Q

from core.bulk import array_literal
from core.models import Organization

from . import rules
from .prepare import LotRow, PreparedEvent


class PartyResolver:
    """Maps party URIs (GLN Digital Link, pgln URN, our org URN) to organizations."""

    def __init__(self):
        self.cache: dict[str, Organization | None] = {}

    def __call__(self, uri: str | None) -> Organization | None:
        if not uri:
            return None
        if uri not in self.cache:
            self.cache[uri] = self._lookup(uri)
        return self.cache[uri]

    @staticmethod
    def _lookup(uri: str) -> Organization | None:
        if uri.startswith("urn:suyuan:org:"):
            key = uri.rsplit(":", 1)[1]
            q = Q(credit_code=key) | (Q(pk=int(key)) if key.isdigit() else Q(pk__in=[]))
            return Organization.objects.filter(q).first()
        if "/417/" in uri:
            gln = uri.split("/417/", 1)[1][:13]
            return Organization.objects.filter(gln=gln).first()
        if uri.startswith("urn:epc:id:pgln:"):
            cp, ref = uri[len("urn:epc:id:pgln:") :].split(".", 1)
            return Organization.objects.filter(gln__startswith=cp + ref).first()
        return None


def sql_in(column: str, values) -> tuple[str, list]:
    values = list(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _lots(keys: set[tuple[str, str]]) -> dict[tuple[str, str], LotRow]:
    gtins, gtin_params = sql_in("gtin", {k[0] for k in keys})
    lots, lot_params = sql_in("lot", {k[1] for k in keys})
    with connection.cursor() as cursor:
        # gtin IN … AND lot IN …: both are conditions on the (gtin, lot) unique index.
        cursor.execute(
            f"SELECT id, gtin, lot, product_id FROM {Batch._meta.db_table} WHERE {gtins} AND {lots}",
            gtin_params + lot_params,
        )
        return {
            (g, lot): LotRow(pk, lot, product)
            for pk, g, lot, product in cursor.fetchall()
            if (g, lot) in keys
        }


def _insert_lots(cursor, ordered, products, fields, defaults) -> dict[tuple[str, str], LotRow]:
    """PostgreSQL: the new lots in one statement of one array per varying column (GTIN, lot,
    product), inserted in ``ordered``'s order; the other columns take their defaults. A
    ``VALUES`` list of every column would be thousands of parameters to send and parse."""
    varying = {"gtin": 0, "lot": 1, "product_id": 2}
    exprs, params = [], []
    for field, default in zip(fields, defaults, strict=True):
        if field.attname in varying:
            exprs.append(f"v.c{varying[field.attname]}")
        else:
            exprs.append(f"%s::{field.db_type(connection)}")
            params.append(default)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    params += [
        array_literal(gtin for gtin, _lot in ordered),
        array_literal(lot for _gtin, lot in ordered),
        array_literal(products.get(gtin) for gtin, _lot in ordered),
    ]
    cursor.execute(
        f"INSERT INTO {Batch._meta.db_table} ({columns}) SELECT {', '.join(exprs)} "
        "FROM unnest(%s::text[], %s::text[], %s::bigint[]) WITH ORDINALITY AS v(c0, c1, c2, n) "
        "ORDER BY v.n ON CONFLICT (gtin, lot) DO NOTHING RETURNING id, gtin, lot, product_id",
        params,
    )
    return {
        (g, lot): LotRow(pk, lot, product, new=True) for pk, g, lot, product in cursor.fetchall()
    }


def resolve_batches(prepared: list[PreparedEvent]) -> None:
    """Find or create the lots the events name. A lot we only know from events is still a
    node of the trace. One statement when the lots are new (an EPCIS upload), two when they
    exist (INSERT … ON CONFLICT DO NOTHING returns only the rows it inserted)."""
    keys = {(r.gtin, r.lot) for p in prepared for r in p.refs}
    if not keys:
        return
    template = Batch(gtin="", lot="")  # the model's defaults for the other columns
    fields = [f for f in Batch._meta.concrete_fields if not f.primary_key]
    defaults = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    at_gtin, at_lot, at_product = (
        next(i for i, f in enumerate(fields) if f.attname == name)
        for name in ("gtin", "lot", "product_id")
    )
    # A lot of a GTIN registered here is a lot of that product, however it was first named.
    products = dict(Product.objects.filter(gtin__in={k[0] for k in keys}).values_list("gtin", "pk"))
    returning = connection.features.can_return_rows_from_bulk_insert
    ordered = sorted(keys)  # one order for every capture, so concurrent ones do not deadlock
    found: dict[tuple[str, str], LotRow] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            found.update(_insert_lots(cursor, ordered, products, fields, defaults))
            ordered = []
        for start in range(0, len(ordered), 1000):  # SQLite takes at most 32,766 parameters
            chunk = ordered[start : start + 1000]
            params = []
            for gtin, lot in chunk:
                values = list(defaults)
                values[at_gtin], values[at_lot] = gtin, lot
                values[at_product] = products.get(gtin)
                params.extend(values)
            cursor.execute(
                f"INSERT INTO {Batch._meta.db_table} ({columns}) VALUES {', '.join([row] * len(chunk))} "
                "ON CONFLICT (gtin, lot) DO NOTHING"
                + (" RETURNING id, gtin, lot, product_id" if returning else ""),
                params,
            )
            if returning:
                found.update(
                    ((g, lot), LotRow(pk, lot, product, new=True))
                    for pk, g, lot, product in cursor.fetchall()
                )
    missing = keys - found.keys()
    if missing:
        found.update(_lots(missing))
    # Lots first named before their GTIN was registered get their product now.
    for (gtin, _lot), lot_row in found.items():
        if lot_row.product_id is None and gtin in products:
            lot_row.product_id = products[gtin]
            Batch.objects.filter(pk=lot_row.pk, product__isnull=True).update(
                product_id=lot_row.product_id
            )
    for p in prepared:
        for r in p.refs:
            r.batch = found[(r.gtin, r.lot)]


def lot_facts(prepared: list[PreparedEvent]) -> dict[int, rules.LotFacts]:
    """Status and owner (by GTIN) of every lot the events name; the lots whose status the
    events may change are locked first, in one order, so two holds cannot cross."""
    ids = sorted({r.batch.pk for p in prepared for r in p.refs})
    if not ids:
        return {}
    lock = connection.features.has_select_for_update_of and any(
        rules.status_effect(p.event_type, p.biz_step, p.disposition)
        or rules.is_destruction(p.action, p.biz_step)
        for p in prepared
    )
    facts: dict[int, rules.LotFacts] = {}
    batch, product = Batch._meta.db_table, Product._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 1000):
            condition, params = sql_in("b.id", ids[start : start + 1000])
            cursor.execute(
                f"SELECT b.id, b.lot, b.status, p.owner_id FROM {batch} b LEFT JOIN {product} p ON p.gtin = b.gtin "
                f"WHERE {condition} ORDER BY b.id" + (" FOR UPDATE OF b" if lock else ""),
                params,
            )
            for pk, lot, status, owner in cursor.fetchall():
                facts[pk] = rules.LotFacts(pk, lot, status, owner)
    return facts
