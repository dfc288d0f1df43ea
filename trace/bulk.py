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
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(field: models.Field, value) -> str:
    if value is None:
        return "\\N"
    if isinstance(field, models.JSONField):
        text = json.dumps(value, ensure_ascii=False, cls=field.encoder)
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    return text.translate(_ESCAPES)


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
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objs)],
        )
        for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = new_id
        buffer = io.StringIO()
        for obj in objs:
            for f in fields:
                if getattr(f, "auto_now", False) or (getattr(f, "auto_now_add", False) and obj._state.adding):
                    f.pre_save(obj, add=True)
            buffer.write(str(obj.pk))
            for f in fields:
                buffer.write("\t")
                buffer.write(_copy_value(f, getattr(obj, f.attname)))
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
