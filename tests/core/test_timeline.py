"""Append-only timelines (issue 11 §3: on PostgreSQL a trigger refuses UPDATE and DELETE, as on events)."""

from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from core.timeline import append_only_sql

pytestmark = pytest.mark.django_db


def _apply(table):
    operation = append_only_sql(table)
    with connection.schema_editor() as editor:
        operation.database_forwards("api", editor, None, None)


def test_the_trigger_refuses_update_and_delete_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): the trigger is PostgreSQL-only")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE tl_probe (id serial primary key, note text)")
        cursor.execute("INSERT INTO tl_probe (note) VALUES ('first')")
    _apply("tl_probe")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO tl_probe (note) VALUES ('second')")  # appending still works
        for statement in ("UPDATE tl_probe SET note = 'x'", "DELETE FROM tl_probe"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(statement)
        cursor.execute("SELECT count(*) FROM tl_probe")
        assert cursor.fetchone()[0] == 2


def test_the_helper_is_a_no_op_elsewhere():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE tl_probe (id integer primary key, note text)")
    executed = []
    editor = SimpleNamespace(connection=connection, execute=lambda *a, **k: executed.append(a))
    append_only_sql("tl_probe").database_forwards("api", editor, None, None)
    assert executed == []
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO tl_probe (note) VALUES ('a')")
        cursor.execute("UPDATE tl_probe SET note = 'b'")
