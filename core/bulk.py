"""Bulk writes from plain tuples (no model instances): the capture path, the outbox and the sweeps.

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (ids drawn from the
table's sequence first when the caller needs them to link rows to each other)
and updates with one ``UPDATE … FROM (VALUES …)``; elsewhere (SQLite) the
ORM's ``bulk_create`` and plain ``UPDATE`` statements do the same job.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection, models


def _field(value) -> str:
    """One value in COPY's text format: \\N for NULL, backslash and control characters escaped."""
    if value is None:
        return "\\N"
    if type(value) is int:  # ids, most of a row: nothing in them to escape
        return str(value)
    text = value if type(value) is str else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def array_literal(values: Iterable[int | str | None]) -> str:
    """``values`` (ids, texts, NULLs) as one PostgreSQL array literal (``{1,"a\\"b",NULL}``),
    the parameter of a ``%s::bigint[]`` or ``%s::text[]``. psycopg2 sends a list as
    ``ARRAY[…]``, one constant per item that the server parses and folds: for a thousand
    items, milliseconds more than one literal (1,334 ids: 3.5 ms against 0.5 ms)."""
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif type(value) is int:
            parts.append(str(value))
        elif type(value) is str:
            parts.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        else:
            raise TypeError(f"an array literal of ids and texts, not {type(value).__name__}")
    return "{" + ",".join(parts) + "}"


class Json:
    """A JSON column's value with its serialized text, written as is on PostgreSQL
    (the text was made once already, e.g. for the hash chain)."""

    __slots__ = ("value", "text")

    def __init__(self, value, text: str):
        self.value, self.text = value, text

    def __str__(self) -> str:  # what COPY gets
        return self.text


def reserve_ids(model: type[models.Model], n: int) -> list[int] | None:
    """``n`` primary keys of ``model`` drawn from its sequence, for rows ``insert_rows(ids=…)``
    will store, so that rows pointing at them can be written first. None where the database
    has no sequence to draw from (SQLite): the keys are known once the rows are stored."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        return _allocate_ids(cursor, model, n)


def _allocate_ids(cursor, model: type[models.Model], n: int) -> list[int]:
    # The sequence is looked up once (a materialized CTE): as an argument of nextval the
    # lookup ran once per id (1,000 ids: 2.8 ms against 0.9).
    cursor.execute(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
        "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, n],
    )
    return [row[0] for row in cursor.fetchall()]


class _Lines(io.TextIOBase):
    """A file over an iterator of text lines, for ``copy_expert``: each ``read`` renders only
    the rows COPY asks for, so PostgreSQL stores one chunk while Python renders the next
    (two cores busy instead of one waiting for the other)."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._rest = ""
        # What rendering a row raised: psycopg2 turns it into the server's "COPY canceled"
        # (QueryCanceled, an OperationalError, as if the database had gone), so ``insert_rows``
        # raises it again instead.
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        try:
            return self._read(size)
        except BaseException as exc:
            self.error = exc
            raise

    def _read(self, size: int) -> str:
        parts, length = [self._rest], len(self._rest)
        while size < 0 or length < size:
            line = next(self._lines, None)
            if line is None:
                break
            parts.append(line)
            length += len(line)
        data = "".join(parts)
        if size < 0 or len(data) <= size:
            self._rest = ""
            return data
        self._rest = data[size:]
        return data[:size]


def _calling(each: Callable[[int], None], pks: list[int], lines: Iterator[str]) -> Iterator[str]:
    for pk, line in zip(pks, lines, strict=True):
        yield line
        each(pk)


_COPY_CHUNK = 1 << 16


def insert_rows(
    model: type[models.Model],
    field_names: list[str],
    rows: Iterable[tuple],
    *,
    ids: int | list[int] = 0,
    each: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert plain tuples of ``field_names`` (attnames) values. ``rows`` may be a generator:
    on PostgreSQL it runs as COPY reads. ``ids=n``, the number of rows, draws their primary
    keys first and returns them in order (``ids=`` a list: the keys ``reserve_ids`` drew);
    ``each(pk)`` is then called with each row's key, in order, once the row is rendered: on
    PostgreSQL while COPY stores the rows before it, so work done there (the rows of another
    table that point at these) overlaps with storing.
    Defaults are not applied: give every NOT NULL column."""
    if connection.vendor != "postgresql":

        def plain(value):
            return value.value if isinstance(value, Json) else value

        objs = model.objects.bulk_create(
            [
                model(**{name: plain(v) for name, v in zip(field_names, row, strict=True)})
                for row in rows
            ]
        )
        if not ids:
            return []
        pks = [obj.pk for obj in objs]
        if each is not None:
            for pk in pks:
                each(pk)
        return pks
    if isinstance(rows, Sequence) and not rows:
        return []
    meta = model._meta
    columns = [meta.get_field(name).column for name in field_names]
    # Decimals, datetimes and Json go as str(), booleans as True/False: PostgreSQL reads them all.
    with connection.cursor() as cursor:
        if ids:
            new_ids = ids if isinstance(ids, list) else _allocate_ids(cursor, model, ids)
            columns.insert(0, meta.pk.column)
            lines = (
                f"{pk}\t" + "\t".join(map(_field, row)) + "\n"
                for pk, row in zip(new_ids, rows, strict=True)
            )
            if each is not None:
                lines = _calling(each, new_ids, lines)
        else:
            new_ids = []
            lines = ("\t".join(map(_field, row)) + "\n" for row in rows)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        # Django wraps the driver's errors only for execute/fetch: without this a unique
        # violation under COPY escapes as psycopg2's own error, not IntegrityError.
        source = _Lines(lines)
        try:
            with connection.wrap_database_errors:
                cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(meta.db_table)} ({quoted}) FROM STDIN",
                    source,
                    _COPY_CHUNK,  # positional: Django's debug cursor wrapper takes no keywords
                )
        except Exception as exc:
            if source.error is not None and source.error is not exc:
                raise source.error from exc
            raise
    return new_ids


def update_rows(model: type[models.Model], field_names: list[str], rows: Sequence[tuple]) -> None:
    """Set ``field_names`` of existing rows; each row is ``(pk, *values)``. One statement on PostgreSQL."""
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    if connection.vendor != "postgresql":
        assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",
                [
                    (
                        *(
                            f.get_db_prep_save(v, connection)
                            for f, v in zip(fields, row[1:], strict=True)
                        ),
                        row[0],
                    )
                    for row in rows
                ],
            )
        return
    # One array per column, unnested into rows: a statement of as many parameters as columns,
    # whatever the number of rows (a VALUES list of 1,000 rows × 20 columns is parsed, planned
    # and sent as 20,000 casts, a third of the sweep's update).
    casts = ["bigint", *(f.db_type(connection) for f in fields)]
    names = ", ".join(f"c{i}" for i in range(len(fields)))
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.c{i}" for i, f in enumerate(fields)
    )
    arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM unnest({arrays}) "
            f"AS v(id, {names}) WHERE {table}.{pk_column} = v.id",
            [list(column) for column in zip(*rows, strict=True)],
        )
