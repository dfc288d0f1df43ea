"""The database roles of docs/DATABASE_ROLES.md make the evidence triggers hold (issue 9, item 4).

The documented grants are run for a role of the test's own; connected as that role,
rewriting events and switching the triggers off are refused, appending still works.
"""

import re
import uuid
from pathlib import Path
from trace.core.partitions import detach_expired, month_start, partition_name

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone
from psycopg2 import errors, sql

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "DATABASE_ROLES.md"


def _documented_grants() -> str:
    block = re.search(r"```sql\n(-- grants: suyuan_app\n.*?)```", DOC.read_text(), re.S)
    assert block, "docs/DATABASE_ROLES.md lost its grants block"
    return block.group(1)


@pytest.fixture
def app_role(transactional_db):
    """A login role with exactly the documented application grants, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("roles and triggers are PostgreSQL's")
    params = connection.get_connection_params()
    name = f"suyuan_app_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER").format(sql.Identifier(name)))
        cursor.execute(_documented_grants().replace("suyuan_app", name))
    app = psycopg2.connect(**{**params, "user": name, "password": ""})
    app.autocommit = True
    try:
        yield app
    finally:
        app.close()
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
        admin.close()


def _refused(app, statement: str, error) -> str:
    with app.cursor() as cursor, pytest.raises(error) as exc:
        cursor.execute(statement)
    return str(exc.value)


def test_the_application_role_cannot_rewrite_events_or_switch_the_triggers_off(app_role):
    with app_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM trace_event")  # it reads
    _refused(
        app_role, "UPDATE trace_event SET biz_step = 'receiving'", errors.InsufficientPrivilege
    )
    _refused(app_role, "DELETE FROM trace_event", errors.InsufficientPrivilege)
    _refused(app_role, "UPDATE trace_eventbatch SET quantity = 0", errors.InsufficientPrivilege)
    _refused(app_role, "DELETE FROM trace_chainhead", errors.InsufficientPrivilege)
    _refused(app_role, "TRUNCATE trace_chaindigest", errors.InsufficientPrivilege)
    assert "owner" in _refused(
        app_role,
        "DROP TRIGGER trace_event_append_only ON trace_event",
        errors.InsufficientPrivilege,
    )
    assert "owner" in _refused(
        app_role, "ALTER TABLE trace_event DISABLE TRIGGER ALL", errors.InsufficientPrivilege
    )
    _refused(app_role, "SET session_replication_role = replica", errors.InsufficientPrivilege)


def test_a_chain_head_the_application_may_write_still_cannot_lie(app_role):
    """UPDATE is granted on the head (capture moves it); the trigger keeps it honest."""
    message = _refused(
        app_role,
        "INSERT INTO trace_chainhead (organization_id, chain_seq, content_hash, updated_at) "
        "VALUES (-1, 1, repeat('0', 64), now())",
        errors.RaiseException,
    )
    assert "stored event" in message


def test_the_application_creates_a_month_partition_it_cannot_rewrite(app_role):
    """The beat task runs as the application: it may add a month (through the owner's
    SECURITY DEFINER function), and the new partition carries the parent's grants only."""
    with app_role.cursor() as cursor:
        cursor.execute("SELECT trace_event_add_partition('2099-01-15')")
        assert cursor.fetchone()[0] == "trace_event_y2099m01"
    try:
        _refused(
            app_role,
            "UPDATE trace_event_y2099m01 SET biz_step = 'receiving'",
            errors.InsufficientPrivilege,
        )
        _refused(app_role, "DELETE FROM trace_event_y2099m01", errors.InsufficientPrivilege)
        _refused(app_role, "DELETE FROM trace_eventkey", errors.InsufficientPrivilege)
        assert "owner" in _refused(
            app_role,
            "ALTER TABLE trace_event DETACH PARTITION trace_event_y2099m01",
            errors.InsufficientPrivilege,
        )
        with app_role.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM trace_event_y2099m01")  # it reads
        # The months that existed when the grants were given: the block revoked them too.
        for existing in ("trace_event_default", partition_name(month_start(timezone.now()))):
            _refused(
                app_role, f"UPDATE {existing} SET biz_step = 'x'", errors.InsufficientPrivilege
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE trace_event_y2099m01")


def test_a_detached_month_is_only_read_and_only_the_application_adds_months(app_role):
    """Retention (run as the owner) leaves the application ``SELECT`` on a detached month,
    for the verifier, and nothing else; the partition function is not PUBLIC's."""
    with app_role.cursor() as cursor:
        cursor.execute("SELECT trace_event_add_partition('2001-01-15')")
        assert cursor.fetchone()[0] == "trace_event_y2001m01"
    try:
        detached = [p.name for p in detach_expired(timezone.now())]
        assert detached == ["trace_event_y2001m01"]
        for statement in (
            "INSERT INTO trace_event_y2001m01 SELECT * FROM trace_event_y2001m01",
            "UPDATE trace_event_y2001m01 SET biz_step = 'x'",
            "DELETE FROM trace_event_y2001m01",
        ):
            _refused(app_role, statement, errors.InsufficientPrivilege)
        with app_role.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM trace_event_y2001m01")  # the verifier reads it
            cursor.execute(
                "SELECT a.grantee FROM pg_proc p, aclexplode(p.proacl) a "
                "WHERE p.proname = 'trace_event_add_partition' AND a.privilege_type = 'EXECUTE'"
            )
            assert 0 not in {grantee for (grantee,) in cursor.fetchall()}  # 0: PUBLIC
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE trace_event_y2001m01")
