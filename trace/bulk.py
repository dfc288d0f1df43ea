"""Bulk writes for the capture path.

On PostgreSQL rows go in with ``COPY … FROM STDIN`` (ids drawn from the
table's sequence first, so the caller can link rows to each other) and
updates with one ``UPDATE … FROM (VALUES …)``; elsewhere (SQLite) the ORM's
``bulk_create``/``bulk_update`` do the same job. Callers pass model instances
either way.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _allocate_ids(cursor, model: type[models.Model], n: int) -> list[int]:
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, n],
    )
    return [row[0] for row in cursor.fetchall()]


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).translate(_ESCAPES)


def insert_rows(model: type[models.Model], field_names: list[str], rows: Sequence[tuple]) -> None:
    """Insert plain tuples of ``field_names`` values (no model instances, no ids back)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(field_names, row, strict=True))) for row in rows])
        return
    meta = model._meta
    columns = [meta.pk.column, *(meta.get_field(name).column for name in field_names)]
    with connection.cursor() as cursor:
        ids = _allocate_ids(cursor, model, len(rows))
        buffer = io.StringIO()
        buffer.writelines(
            f"{pk}\t" + "\t".join(map(_text, row)) + "\n" for pk, row in zip(ids, rows, strict=True)
        )
        buffer.seek(0)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.copy_expert(f"COPY {connection.ops.quote_name(meta.db_table)} ({quoted}) FROM STDIN", buffer)


def _converter(field: models.Field):
    """A function turning this field's Python value into COPY text (chosen once per field)."""
    if isinstance(field, models.JSONField):
        def convert(value, obj):
            if value is None:
                return "\\N"
            cached = getattr(obj, "_json", None)
            if cached and field.attname in cached:
                return cached[field.attname].translate(_ESCAPES)
            return json.dumps(value, ensure_ascii=False, cls=field.encoder).translate(_ESCAPES)
        return convert
    if isinstance(field, models.BooleanField):
        return lambda value, obj: "\\N" if value is None else ("t" if value else "f")
    if isinstance(field, models.DateTimeField | models.DateField):
        return lambda value, obj: "\\N" if value is None else value.isoformat()
    return lambda value, obj: _text(value)


def copy_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (pk set on return). COPY on PostgreSQL, bulk_create elsewhere."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    table = model._meta.db_table
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    with connection.cursor() as cursor:
        for obj, new_id in zip(objs, _allocate_ids(cursor, model, len(objs)), strict=True):
            obj.pk = new_id
        auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        converters = [(f.attname, _converter(f)) for f in fields]
        buffer = io.StringIO()
        for obj in objs:
            for f in auto:
                f.pre_save(obj, add=True)
            values = obj.__dict__
            buffer.write(str(obj.pk))
            for attname, convert in converters:
                buffer.write("\t")
                buffer.write(convert(values.get(attname), obj))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(c) for c in [pk.column, *(f.column for f in fields)])
        cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN", buffer)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def update_columns(model: type[models.Model], objs: Sequence[models.Model], field_names: list[str]) -> None:
    """Write ``field_names`` of existing rows in one statement."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objs, field_names)
        return
    fields = [model._meta.get_field(name) for name in field_names]
    for obj in objs:
        for f in fields:
            if getattr(f, "auto_now", False):
                f.pre_save(obj, add=False)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    casts = [f.db_type(connection) for f in fields]
    row = "(" + ", ".join(["%s::bigint", *(f"%s::{cast}" for cast in casts)]) + ")"
    values = ", ".join([row] * len(objs))
    params = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields)
    names = ", ".join(f"c{i}" for i in range(len(fields)))
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.c{i}" for i, f in enumerate(fields)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v(id, {names}) "
            f"WHERE {table}.{pk_column} = v.id",
            params,
        )
