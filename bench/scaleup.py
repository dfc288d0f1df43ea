"""Grow a benchmark data set K× inside PostgreSQL, without the capture service.

``python -m bench.scaleup --from postgresql://…/suyuan_bench --to postgresql://…/suyuan_bench10 --factor 10``

copies the data set (``CREATE DATABASE … TEMPLATE``, so nothing may be connected to the
source while it runs) and then clones its supply chain ``factor − 1`` times inside the
copy, with set-based ``INSERT … SELECT`` (one transaction per clone): every enterprise of
the generated chain, with its site, user and membership; the products; the lots; the
events (``trace_eventkey`` follows through the event table's own trigger); the event–lot
links, lineage edges, identifier index rows, custody rows and chain heads. Without
``--to`` it grows ``--from`` in place.

Each clone is an independent chain, as another province's would be: its rows get ids
shifted past the source's (``id + k × max(id)``), and its identifiers are the source's with
the generator's namespace (the three digits after the ``69``/``67``/``68`` GS1 prefix and
after the two-letter lot prefix, ``seed % 1000``) replaced by another namespace whose GS1
weight (1, 3, 1 over its digits) is the same modulo 10: every GTIN and GLN of a clone keeps
a valid check digit, so the textual swap is exact (at most 99 clones). Unified social
credit codes get their check character recomputed. Names get ``#k`` appended. Event IDs
become ``urn:uuid:`` + md5(original ID, k).

Not rewritten (documented in docs/GROWTH.md): an event's ``document`` (the stored EPCIS
JSON) stays the original's — it names the original's lots, parties and event ID — so that
a clone's ``prev_hash``/``content_hash`` chain, copied as is, still verifies against it;
the trace, holders, sweep and list read columns and link tables, not the document.
Regulators, capture jobs, scans, recalls, incidents' links and digests are not cloned.
With ``--incidents`` the bench incidents (``bench.incidents``) are multiplied too and their
marker updated, so ``bench.incidents`` at ``factor ×`` the sizes reuses them.

The ``bench_dataset`` row then says ``events_requested = factor × the source's``: run the
benchmarks on the grown set with ``--size full --events <that>`` (``bench.growth`` does).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg2

from bench.common import ROOT, _admin_dsn, database_exists, read_dataset

# Tables cloned, in insertion order; what each column of a clone becomes ({k} = the clone's
# number, {M[table]} = the source's max id of a table, ns(x) = x with the namespace swapped).
_TABLES = [
    "auth_user",
    "api_organization",
    "api_membership",
    "trace_site",
    "trace_product",
    "trace_batch",
    "trace_event",
    "trace_eventbatch",
    "trace_lineageedge",
    "trace_custody",
    "trace_eventidentifier",
    "trace_chainhead",
]
# foreign-key column → the table it points at (its clone's id is shifted the same way)
_FKS = {
    "api_membership": {"user_id": "auth_user", "organization_id": "api_organization"},
    "trace_site": {"owner_id": "api_organization"},
    "trace_product": {"owner_id": "api_organization"},
    "trace_batch": {"product_id": "trace_product", "site_id": "trace_site"},
    "trace_event": {
        "organization_id": "api_organization",
        "source_org_id": "api_organization",
        "destination_org_id": "api_organization",
        "recorded_by_id": "auth_user",
    },
    "trace_eventbatch": {"event_id": "trace_event", "batch_id": "trace_batch"},
    "trace_lineageedge": {
        "event_id": "trace_event",
        "parent_id": "trace_batch",
        "child_id": "trace_batch",
    },
    "trace_custody": {"organization_id": "api_organization", "batch_id": "trace_batch"},
    "trace_eventidentifier": {"event_id": "trace_event"},
    "trace_chainhead": {"organization_id": "api_organization"},
}
# Columns holding GS1 keys or URIs made of them: the namespace is swapped in them.
_CODES = {
    "api_organization": {"gln": "ns_key"},
    "trace_site": {"gln": "ns_key"},
    "trace_product": {"gtin": "ns_key"},
    "trace_batch": {"gtin": "ns_key", "lot": "ns_key"},
    "trace_event": {"read_point": "ns_uri", "biz_location": "ns_uri"},
    "trace_eventidentifier": {"value": "ns_uri", "gtin": "ns_key"},
}
# Rows of the generated chain (not the regulators, nor what benchmarks captured since: their
# lots, products and events are newer than ``bench_dataset.generated_at``). {E}/{B}: the last
# generated event and lot; {ns}: the generator's namespace.
_ORGS = "(SELECT old FROM bench_scaleup_orgs)"
_SOURCE_ROWS = {
    "auth_user": "true",  # joined to the memberships of the cloned enterprises
    "api_organization": f"s.id IN {_ORGS}",
    "api_membership": f"s.organization_id IN {_ORGS}",
    "trace_site": f"s.owner_id IN {_ORGS} AND s.gln LIKE '67{{ns}}%%'",
    "trace_product": f"s.owner_id IN {_ORGS} AND s.gtin LIKE '069{{ns}}%%'",
    "trace_batch": "s.id <= {B}",
    "trace_event": "s.id <= {E}",
    "trace_eventbatch": "s.event_id <= {E}",
    "trace_lineageedge": "s.event_id <= {E}",
    "trace_eventidentifier": "s.event_id <= {E}",
    "trace_custody": "s.batch_id <= {B}",
}


class ScaleupError(Exception):
    pass


def gs1_weight(ns: str) -> int:
    """The namespace digits' share of a GS1 check sum (weights 1, 3, 1 at its positions)."""
    return (int(ns[0]) + 3 * int(ns[1]) + int(ns[2])) % 10


def namespaces(ns: str, n: int, used: set[str]) -> list[str]:
    """``n`` namespaces other than ``used`` with ``ns``'s GS1 weight, nearest after it first."""
    found = []
    for step in range(1, 1000):
        cand = f"{(int(ns) + step) % 1000:03d}"
        if cand not in used and gs1_weight(cand) == gs1_weight(ns):
            found.append(cand)
            if len(found) == n:
                return found
    raise ScaleupError(f"only {len(found)} free namespaces keep the check digits; asked {n}")


def credit_code(code: str, ns: str) -> str:
    """The generator's credit code (``91`` region ``B`` ns index check) in namespace ``ns``."""
    from core.validators import credit_code_check_character

    body = code[:9] + ns + code[12:17]
    return body + credit_code_check_character(body)


def _swap_sql(old_ns: str, lot_prefixes: list[str]) -> list[str]:
    """SQL functions swapping the namespace ``old_ns`` for ``ns``, with plain string operations
    (a regular expression per value costs several times the insert): ``bench_ns_key(v, ns)``
    for a bare GTIN-14 (``069``), GLN (``67``/``68``) or lot (two capitals) — the digits after
    its prefix; ``bench_ns_uri(v, ns)`` for a URI naming them — each after a ``/``, ``:`` or
    ``-``, never inside another number."""
    tokens = [f"/069{old_ns}", f"/67{old_ns}", f"/68{old_ns}", f":67{old_ns}", f":68{old_ns}"]
    tokens += [f"{sep}{p}{old_ns}" for p in lot_prefixes for sep in "/-"]
    uri = "v"
    for token in tokens:
        uri = f"replace({uri}, '{token}', '{token[:-3]}' || ns)"
    key = (
        "CASE WHEN left(v, 3) = '069' AND substr(v, 4, 3) = '{o}' THEN overlay(v placing ns from 4) "
        "WHEN left(v, 2) IN ('67', '68') AND substr(v, 3, 3) = '{o}' THEN overlay(v placing ns from 3) "
        "WHEN left(v, 2) IN ({lots}) AND substr(v, 3, 3) = '{o}' THEN overlay(v placing ns from 3) "
        "ELSE v END"
    ).format(o=old_ns, lots=", ".join(f"'{p}'" for p in lot_prefixes) or "''")
    return [
        "CREATE OR REPLACE FUNCTION bench_ns_key(v text, ns text) RETURNS text LANGUAGE sql "
        f"IMMUTABLE AS $$ SELECT {key} $$",
        "CREATE OR REPLACE FUNCTION bench_ns_uri(v text, ns text) RETURNS text LANGUAGE sql "
        f"IMMUTABLE AS $$ SELECT {uri} $$",
    ]


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [r[0] for r in cursor.fetchall()]


def clone_sql(table: str, columns: list[str], maxima: dict[str, int], cut: dict) -> str:
    """``INSERT … SELECT`` of one clone of ``table`` (parameters: k and the new namespace);
    ``maxima``: each cloned table's max id in the source; ``cut``: E, B and ns (above)."""

    def _max(t: str) -> str:
        return str(maxima[t])

    if table == "trace_chainhead":  # the head of each cloned chain: its newest cloned event
        return (
            "INSERT INTO trace_chainhead (organization_id, chain_seq, content_hash, updated_at) "
            f"SELECT e.organization_id + %(k)s * {_max('api_organization')}, e.chain_seq, "
            "e.content_hash, now() FROM (SELECT DISTINCT ON (organization_id) organization_id, "
            f"chain_seq, content_hash FROM trace_event WHERE id <= {cut['E']} AND "
            f"organization_id IN {_ORGS} ORDER BY organization_id, chain_seq DESC) e"
        )

    fks = _FKS.get(table, {})
    codes = _CODES.get(table, [])
    exprs = []
    for c in columns:
        if c == "id":
            exprs.append(f"s.id + %(k)s * {_max(table)}")
        elif c in fks:
            exprs.append(f"s.{c} + %(k)s * {_max(fks[c])}")
        elif c in codes:
            exprs.append(f"bench_{codes[c]}(s.{c}, %(ns)s)")
        elif table == "api_organization" and c in ("name", "credit_code"):
            exprs.append(f"m.{c}")
        elif table == "auth_user" and c == "username":
            exprs.append("'gen' || %(ns)s || '-' || m.credit_code")
        elif table == "trace_site" and c == "name":
            exprs.append("s.name || ' #' || %(k)s")
        elif table == "trace_event" and c == "event_id":
            exprs.append("'urn:uuid:' || md5(s.event_id || '#' || %(k)s)::uuid")
        else:
            exprs.append(f"s.{c}")
    where = _SOURCE_ROWS[table].format(**cut)
    source = f"{table} s"
    if table == "api_organization":
        source += " JOIN bench_scaleup_names m ON m.old = s.id AND m.k = %(k)s"
    elif table == "auth_user":
        source += (
            " JOIN api_membership ms ON ms.user_id = s.id"
            " JOIN bench_scaleup_names m ON m.old = ms.organization_id AND m.k = %(k)s"
        )
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} "  # noqa: S608
        f"FROM {source} WHERE {where}"
    )


def prepare(cursor, ns: str, factor: int) -> tuple[list[str], dict, dict, dict]:
    """The clones' namespaces, the source's row counts, max ids and cut (``_SOURCE_ROWS``);
    makes the tables and functions the clone statements read (``bench_scaleup_*``,
    ``bench_ns_*``)."""
    cursor.execute(
        "SELECT id, credit_code, name FROM api_organization WHERE kind = 'enterprise' "
        "AND gln LIKE %s ORDER BY id",
        [f"68{ns}%"],
    )
    orgs = cursor.fetchall()
    if not orgs:
        raise ScaleupError(f"no enterprise of the generated chain (GLN 68{ns}…) in this database")
    bad = [c for _i, c, _n in orgs if not c or c[9:12] != ns]
    if bad:
        raise ScaleupError(f"credit codes not in the generator's form: {bad[:3]}")
    cursor.execute("SELECT DISTINCT substr(gln, 3, 3) FROM api_organization WHERE gln ~ '^68'")
    # 999: the capture benchmark's outside supplier (bench.documents) uses GTINs 069999…
    used = {r[0] for r in cursor.fetchall()} | {"999"}
    new = namespaces(ns, factor - 1, used)
    cleanup(cursor)
    cursor.execute("CREATE TABLE bench_scaleup_orgs (old bigint PRIMARY KEY)")
    cursor.execute(
        "INSERT INTO bench_scaleup_orgs SELECT unnest(%s::bigint[])", [[i for i, _c, _n in orgs]]
    )
    cursor.execute(
        "CREATE TABLE bench_scaleup_names (old bigint, k int, credit_code text, name text)"
    )
    rows = [
        (i, k, credit_code(c, new[k - 1]), f"{n} #{k}")
        for k in range(1, factor)
        for i, c, n in orgs
    ]
    cursor.executemany("INSERT INTO bench_scaleup_names VALUES (%s, %s, %s, %s)", rows)
    counts, maxima = {}, {}
    for table in _TABLES:
        key = "organization_id" if table == "trace_chainhead" else "id"
        cursor.execute(f"SELECT coalesce(max({key}), 0), count(*) FROM {table}")  # noqa: S608
        m, n = cursor.fetchone()
        maxima[table], counts[table] = m, n
    cursor.execute("SELECT generated_at FROM bench_dataset")
    generated_at = cursor.fetchone()[0]
    cursor.execute(
        "SELECT max(id), count(*) FROM trace_eventkey WHERE record_time <= %s", [generated_at]
    )
    cut = {"ns": ns}
    cut["E"], counts["trace_event"] = cursor.fetchone()
    cursor.execute(
        "SELECT max(id), count(*) FROM trace_batch WHERE created_at <= %s", [generated_at]
    )
    cut["B"], counts["trace_batch"] = cursor.fetchone()
    cursor.execute(
        "SELECT DISTINCT left(lot, 2) FROM trace_batch WHERE id <= %s AND lot ~ '^[A-Z]{2}[0-9]'",
        [cut["B"]],
    )
    for sql in _swap_sql(ns, sorted(r[0] for r in cursor.fetchall())):
        cursor.execute(sql)
    return new, counts, maxima, cut


def cleanup(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS bench_scaleup_orgs, bench_scaleup_names")
    cursor.execute("DROP FUNCTION IF EXISTS bench_ns_key(text, text), bench_ns_uri(text, text)")


def _check_sources(cursor, cut: dict) -> None:
    """Every row cloned points only at rows cloned too (ids shift by arithmetic)."""
    e, b = cut["E"], cut["B"]
    checks = [
        f"SELECT 1 FROM trace_event WHERE id <= {e} AND (organization_id NOT IN {_ORGS} "
        f"OR source_org_id NOT IN {_ORGS} OR destination_org_id NOT IN {_ORGS}) LIMIT 1",
        f"SELECT 1 FROM trace_custody WHERE batch_id <= {b} AND organization_id NOT IN {_ORGS} "
        "LIMIT 1",
        f"SELECT 1 FROM trace_event e WHERE id <= {e} AND recorded_by_id IS NOT NULL AND NOT "
        f"EXISTS (SELECT 1 FROM api_membership m WHERE m.organization_id IN {_ORGS} "
        "AND m.user_id = e.recorded_by_id) LIMIT 1",
        f"SELECT 1 FROM trace_eventbatch WHERE event_id <= {e} AND batch_id > {b} LIMIT 1",
        f"SELECT 1 FROM trace_lineageedge WHERE event_id <= {e} AND greatest(parent_id, child_id) "
        f"> {b} LIMIT 1",
        f"SELECT 1 FROM trace_batch WHERE id <= {b} AND (product_id NOT IN (SELECT id FROM "
        f"trace_product WHERE gtin LIKE '069{cut['ns']}%') OR site_id NOT IN (SELECT id FROM "
        f"trace_site WHERE gln LIKE '67{cut['ns']}%')) LIMIT 1",
    ]
    for sql in checks:
        cursor.execute(sql)  # noqa: S608 -- numbers and the namespace only
        if cursor.fetchone():
            raise ScaleupError(f"a row points outside the generated chain: {sql}")


# Tables whose plain indexes (not primary keys or unique constraints) are dropped while the
# clones go in and built again after: one sort per index instead of millions of random inserts.
_REINDEXED = [
    "trace_batch",
    "trace_event",
    "trace_eventbatch",
    "trace_lineageedge",
    "trace_custody",
    "trace_eventidentifier",
]
_SAVED_INDEXES = "bench_scaleup_indexes"  # kept in the database, so a failed run can restore them


# Unique constraints dropped and added back the same way: the event ID's (random UUIDs, one
# random leaf per insert). Adding it back checks every clone's event ID is unique.
_RECONSTRAINED = {"trace_eventkey": ["eventkey_unique_id"]}


def drop_indexes(cursor) -> int:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {_SAVED_INDEXES} (name text PRIMARY KEY, ddl text, drop text)"
    )
    cursor.execute(
        f"INSERT INTO {_SAVED_INDEXES} SELECT i.indexrelid::regclass::text, "
        "replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON '), "
        "'DROP INDEX ' || i.indexrelid::regclass::text FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ON CONFLICT DO NOTHING",
        [_REINDEXED],
    )
    for table, names in _RECONSTRAINED.items():
        cursor.execute(
            f"INSERT INTO {_SAVED_INDEXES} SELECT conname, "
            f"'ALTER TABLE {table} ADD CONSTRAINT ' || conname || ' ' || pg_get_constraintdef(oid), "
            f"'ALTER TABLE {table} DROP CONSTRAINT ' || conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND conname = ANY(%s) ON CONFLICT DO NOTHING",
            [table, names],
        )
    cursor.execute(f"SELECT name, drop FROM {_SAVED_INDEXES}")
    rows = cursor.fetchall()
    for name, drop in rows:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is not None:
            cursor.execute(drop)
    return len(rows)


def restore_indexes(cursor) -> int:
    """Build the dropped indexes again (autocommit: each is its own statement)."""
    cursor.execute(f"SELECT to_regclass('{_SAVED_INDEXES}')")
    if cursor.fetchone()[0] is None:
        return 0
    cursor.execute("SET maintenance_work_mem = '512MB'")
    cursor.execute(f"SELECT name, ddl FROM {_SAVED_INDEXES} ORDER BY name")
    rows = cursor.fetchall()
    for name, ddl in rows:
        cursor.execute("SELECT to_regclass(%s)", [name])
        if cursor.fetchone()[0] is None:
            cursor.execute(ddl)
    cursor.execute(f"DROP TABLE {_SAVED_INDEXES}")
    return len(rows)


def copy_database(source_url: str, target_url: str, *, replace: bool) -> float:
    admin, source = _admin_dsn(source_url)
    _admin, target = _admin_dsn(target_url)
    if database_exists(target_url) and not replace:
        raise ScaleupError(f"database {target} exists: pass --replace to drop it first")
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    start = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    conn.close()
    return time.perf_counter() - start


def grow(
    database_url: str, factor: int, *, incidents: bool = False, jobs: int = 2, log=None
) -> dict:
    """Clone the data set in ``database_url`` ``factor − 1`` times in place; returns figures."""
    log = log or (lambda message: print(message, flush=True))
    dataset = read_dataset(database_url)
    if dataset is None:
        raise ScaleupError("no bench_dataset row: not a benchmark data set")
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    cursor = conn.cursor()
    restore_indexes(cursor)  # a run that failed before building them again
    conn.autocommit = False
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = "
        "'bench_dataset' AND column_name = 'grown_factor'"
    )
    if cursor.fetchone():
        cursor.execute("SELECT grown_factor FROM bench_dataset")
        if (cursor.fetchone() or [None])[0]:
            raise ScaleupError("this data set was grown already: grow the generated one")
    ns = f"{dataset['seed'] % 1000:03d}"
    new, before, maxima, cut = prepare(cursor, ns, factor)
    _check_sources(cursor, cut)
    statements = {t: clone_sql(t, _columns(cursor, t), maxima, cut) for t in _TABLES}
    dropped = drop_indexes(cursor)
    conn.commit()
    log(f"Dropped {dropped} plain indexes, built again at the end.")
    log(
        f"Source: {before['trace_event']:,} events, {before['trace_batch']:,} lots; "
        f"namespace {ns} → {', '.join(new)}; {jobs} connection(s) at once"
    )
    per_table = {t: 0.0 for t in _TABLES}
    rows = [0]
    lock = threading.Lock()
    started = time.perf_counter()

    def clone(ks: list[int]) -> None:
        worker = psycopg2.connect(database_url)
        try:
            with worker.cursor() as c:
                c.execute("SET synchronous_commit = off")
                for k in ks:
                    t0 = time.perf_counter()
                    for table in _TABLES:
                        t = time.perf_counter()
                        c.execute(statements[table], {"k": k, "ns": new[k - 1]})
                        with lock:
                            rows[0] += c.rowcount
                            per_table[table] += time.perf_counter() - t
                    worker.commit()
                    log(f"  clone {k}/{factor - 1}: {time.perf_counter() - t0:.1f} s")
        finally:
            worker.close()

    ks = list(range(1, factor))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for done in [pool.submit(clone, ks[i::jobs]) for i in range(min(jobs, len(ks)))]:
            done.result()
    rows = rows[0]
    clone_seconds = time.perf_counter() - started
    if incidents:
        grow_incidents(cursor, factor)
        conn.commit()
    _reset_sequences(cursor)
    _record(cursor, dataset, factor)
    cleanup(cursor)
    conn.commit()
    conn.autocommit = True
    # The visibility map (index-only scans) and statistics, as autovacuum keeps them on a live
    # server: VACUUM while the plain indexes are still out (fewer to clean up), ANALYZE after.
    t = time.perf_counter()
    cursor.execute("VACUUM")
    vacuum_seconds = time.perf_counter() - t
    log(f"VACUUM in {vacuum_seconds:.1f} s.")
    t = time.perf_counter()
    restore_indexes(cursor)
    index_seconds = time.perf_counter() - t
    log(f"Indexes built in {index_seconds:.1f} s.")
    t = time.perf_counter()
    cursor.execute("ANALYZE")
    vacuum_seconds += time.perf_counter() - t
    cursor.execute("SELECT count(*) FROM trace_eventkey")
    events = cursor.fetchone()[0]
    cursor.execute("SELECT pg_database_size(current_database())")
    size = cursor.fetchone()[0]
    conn.close()
    return {
        "factor": factor,
        "events": events,
        "rows_inserted": rows,
        "clone_seconds": round(clone_seconds, 1),
        "rows_per_second": round(rows / clone_seconds) if clone_seconds else None,
        "index_seconds": round(index_seconds, 1),
        "vacuum_analyze_seconds": round(vacuum_seconds, 1),
        "seconds_per_table": {k: round(v, 1) for k, v in per_table.items()},
        "database_bytes": size,
        "namespaces": new,
    }


def grow_incidents(cursor, factor: int) -> None:
    """Multiply the bench incidents (``bench.incidents``) and their marker's sizes."""
    cursor.execute("SELECT to_regclass('bench_incidents')")
    if cursor.fetchone()[0] is None:
        return
    columns = _columns(cursor, "incidents_incident")
    cursor.execute("SELECT coalesce(max(id), 0) FROM incidents_incident")
    m = cursor.fetchone()[0]
    exprs = [f"id + k * {m}" if c == "id" else c for c in columns]
    # Only the benchmark's own incidents (``bench.incidents._generate`` titles them so), not
    # those other benchmarks reported, which would make the count miss the marker.
    cursor.execute(
        f"INSERT INTO incidents_incident ({', '.join(columns)}) SELECT {', '.join(exprs)} "  # noqa: S608
        f"FROM incidents_incident, generate_series(1, {factor - 1}) k WHERE id <= {m} "
        "AND title LIKE 'bench incident %'"
    )
    cursor.execute(
        "UPDATE bench_incidents SET list_items = list_items * %s, open_items = open_items * %s",
        [factor, factor],
    )


def _reset_sequences(cursor) -> None:
    for table in [*_TABLES, "trace_eventkey", "incidents_incident"]:
        if table == "trace_chainhead" or table == "trace_eventkey":
            continue
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


def _record(cursor, dataset: dict, factor: int) -> None:
    """The grown set's ``bench_dataset`` row: ``events_requested`` × factor marks it."""
    cursor.execute(
        "ALTER TABLE bench_dataset ADD COLUMN IF NOT EXISTS grown_factor integer, "
        "ADD COLUMN IF NOT EXISTS grown_from_events integer"
    )
    cursor.execute(
        "UPDATE bench_dataset SET events_requested = events_requested * %s, "
        "grown_factor = %s, grown_from_events = events, "
        "events = (SELECT count(*) FROM trace_eventkey), "
        "lots = (SELECT count(*) FROM trace_batch), "
        "organizations = (SELECT count(*) FROM api_organization WHERE kind = 'enterprise')",
        [factor, factor],
    )


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SUYUAN_DEV", "1")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scaleup", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--from", dest="source", required=True, help="the generated data set")
    parser.add_argument(
        "--to", dest="target", help="a new database (default: grow --from in place)"
    )
    parser.add_argument(
        "--factor", type=int, required=True, help="K: the grown set is K× the source"
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="clones inserted at once, one connection each"
    )
    parser.add_argument("--replace", action="store_true", help="drop --to first if it exists")
    parser.add_argument("--incidents", action="store_true", help="multiply the bench incidents too")
    args = parser.parse_args(argv)
    if not 2 <= args.factor <= 100:
        parser.error("--factor must be 2 … 100")
    target = args.target or args.source
    try:
        if args.target and args.target != args.source:
            print(f"Copying {_admin_dsn(args.source)[1]} → {_admin_dsn(target)[1]} …", flush=True)
            seconds = copy_database(args.source, target, replace=args.replace)
            print(f"  copied in {seconds:.0f} s", flush=True)
        _setup_django(target)
        figures = grow(target, args.factor, incidents=args.incidents, jobs=args.jobs)
    except (ScaleupError, psycopg2.Error) as exc:
        print(f"bench.scaleup: {exc}", file=sys.stderr)
        return 2
    print(
        f"Grown ×{figures['factor']}: {figures['events']:,} events; "
        f"{figures['rows_inserted']:,} rows in {figures['clone_seconds']} s "
        f"({figures['rows_per_second']:,} rows/s), indexes {figures['index_seconds']} s, VACUUM ANALYZE {figures['vacuum_analyze_seconds']} s; "
        f"database {figures['database_bytes'] / 2**30:.2f} GiB.\n"
        f"Per table (s): {figures['seconds_per_table']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
