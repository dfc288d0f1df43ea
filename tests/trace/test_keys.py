"""The keys of the rows capture writes by the thousand, checked once per statement (trace 0015).

On PostgreSQL the events' organizations and recorder, the lot links, the lineage edges and the
custody rows are not foreign key constraints but triggers that keep the same rule: a row naming
a missing lot, organization, user or event is refused; a referenced row cannot be deleted; the
rows a statement names are locked against a concurrent delete until the transaction ends.
"""

from decimal import Decimal
from trace.core.services import batch_ship, batch_transform
from trace.models import Batch, Custody, EventBatch, EventKey, LineageEdge

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from psycopg2 import errors

from core.models import Organization
from tests.factories import EnterpriseFactory, ProductFactory, UserFactory, produce

pytestmark = pytest.mark.postgres

MISSING = 2_000_000_000  # an id no test creates

# (table, column, what it names): every key the migration turned into triggers.
KEYS = [
    ("trace_event", "organization_id", "organization"),
    ("trace_event", "source_org_id", "organization"),
    ("trace_event", "destination_org_id", "organization"),
    ("trace_event", "recorded_by_id", "user"),
    ("trace_eventbatch", "batch_id", "lot"),
    ("trace_eventbatch", "event_id", "event"),
    ("trace_lineageedge", "parent_id", "lot"),
    ("trace_lineageedge", "child_id", "lot"),
    ("trace_lineageedge", "event_id", "event"),
    ("trace_custody", "organization_id", "organization"),
    ("trace_custody", "batch_id", "lot"),
]


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its foreign keys: the triggers are PostgreSQL's")


@pytest.fixture
def traded(enterprise, partner, product):
    """A lot produced, shipped to the partner and made into another lot: a row in every table."""
    milk = produce(enterprise.user, product, lot="K1", quantity=Decimal(50))
    batch_ship(batch=milk, to=partner.org, quantity=Decimal(5), actor=enterprise.user)
    yogurt = batch_transform(
        inputs=[(milk, Decimal(10))],
        product=ProductFactory(owner=enterprise.org),
        lot="K2",
        quantity=Decimal(10),
        unit="EA",
        actor=enterprise.user,
    )
    return milk, yogurt


def _copy_with(table: str, column: str, value) -> None:
    """Insert a copy of one of ``table``'s rows (a new id) with ``column`` set to ``value``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [table],
        )
        columns = [name for (name,) in cursor.fetchall() if name != "id"]
        values = {name: f'"{name}"' for name in columns}
        values[column] = "%s"
        if table == "trace_event":  # a new event: its own ID and chain position
            values["event_id"] = "event_id || '#copy'"
            values["chain_seq"] = "chain_seq + 1000000"
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT "
            f"{', '.join(values[name] for name in columns)} FROM {table} "
            f"WHERE {column} IS NOT NULL ORDER BY id LIMIT 1",
            [value],
        )
        assert cursor.rowcount == 1


def _another(kind: str, product) -> int:
    """The id of an existing organization, user, lot or event no row of the fixture pairs
    with the others (so a copy naming it breaks no unique constraint)."""
    if kind == "organization":
        return EnterpriseFactory().pk
    if kind == "user":
        return UserFactory().pk
    if kind == "lot":
        return Batch.objects.create(product=product, gtin=product.gtin, lot="KX", unit="EA").pk
    return EventKey.objects.order_by("id").values_list("id", flat=True)[0]  # the first event


@pytest.mark.parametrize("table,column,kind", KEYS)
def test_a_row_naming_what_does_not_exist_is_refused(traded, product, table, column, kind):
    _postgres()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        _copy_with(table, column, MISSING)
    assert f'"{table}_{column.removesuffix("_id")}_key"' in str(refused.value)
    detail = refused.value.__cause__.diag.message_detail
    assert f"({column})=({MISSING}) is not present" in detail
    # The same copy naming one that exists is stored.
    _copy_with(table, column, _another(kind, product))


def test_changing_a_key_to_what_does_not_exist_is_refused_and_other_updates_pass(traded):
    _postgres()
    custody = Custody.objects.order_by("id").first()
    with pytest.raises(IntegrityError, match="trace_custody_batch_key"), transaction.atomic():
        Custody.objects.filter(pk=custody.pk).update(batch_id=MISSING)
    Custody.objects.filter(pk=custody.pk).update(quantity=custody.quantity + 1)
    custody.refresh_from_db()
    assert custody.quantity > 0


@pytest.mark.django_db(transaction=True)
def test_what_a_row_names_cannot_be_deleted(enterprise, partner, product):
    _postgres()
    milk = produce(enterprise.user, product, lot="K3", quantity=Decimal(50))
    batch_ship(batch=milk, to=partner.org, quantity=Decimal(5), actor=enterprise.user)
    # (table, id, the rows of other tables that name it first deleted, the rule that refuses)
    refused = [
        ("trace_batch", milk.pk, [], "trace_"),  # links and custody name it
        (
            "api_organization",
            partner.org.pk,
            ["DELETE FROM api_membership WHERE organization_id = %s"],
            "trace_",  # custody and the shipment event name it
        ),
        (
            "auth_user",
            enterprise.user.pk,
            ["DELETE FROM api_membership WHERE user_id = %s"],
            "trace_event_recorded_by_key",
        ),
    ]
    for table, pk, first, rule in refused:
        with (
            pytest.raises(IntegrityError, match=rule),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # Checked when the transaction commits, as the deferred foreign keys are.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in first:
                cursor.execute(statement, [pk])
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert Batch.objects.filter(pk=milk.pk).exists()
    assert Organization.objects.filter(pk=partner.org.pk).exists()
    # A lot nothing names yet is deleted as before.
    bare = Batch.objects.create(product=product, gtin=product.gtin, lot="K4", unit="EA")
    bare.delete()
    assert not Batch.objects.filter(pk=bare.pk).exists()
    lone = UserFactory()
    get_user_model().objects.filter(pk=lone.pk).delete()


@pytest.mark.django_db(transaction=True)
def test_a_delete_waits_for_the_transaction_that_names_the_row_then_is_refused(enterprise, product):
    """The keys a statement names are locked FOR KEY SHARE, as a foreign key locks them."""
    _postgres()
    bare = Batch.objects.create(product=product, gtin=product.gtin, lot="K5", unit="EA")
    params = connection.get_connection_params()
    naming, deleting = psycopg2.connect(**params), psycopg2.connect(**params)
    try:
        with naming.cursor() as cursor:  # an open transaction names the lot
            cursor.execute(
                "INSERT INTO trace_custody (organization_id, batch_id, quantity, in_transit, "
                "updated_at) VALUES (%s, %s, 1, 0, now())",
                [enterprise.org.pk, bare.pk],
            )
        with deleting.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(errors.LockNotAvailable):
                cursor.execute("DELETE FROM trace_batch WHERE id = %s", [bare.pk])
            deleting.rollback()
            naming.commit()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with pytest.raises(errors.ForeignKeyViolation, match="trace_custody_batch_key"):
                cursor.execute("DELETE FROM trace_batch WHERE id = %s", [bare.pk])
            deleting.rollback()
    finally:
        naming.close()
        deleting.close()
    assert Custody.objects.filter(batch=bare).count() == 1


def test_capture_writes_no_foreign_key_of_its_own_per_row(traded):
    """What the migration leaves: no foreign key constraint on the four tables' keys, one
    statement trigger per table."""
    _postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            "WHERE c.contype = 'f' AND c.coninhcount = 0"
        )
        constrained = set(cursor.fetchall())
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%\\_keys' "
            "AND tgparentid = 0"
        )
        triggered = {table for (table,) in cursor.fetchall()}
    assert not constrained & {(table, column) for table, column, _kind in KEYS}
    assert triggered == {table for table, _column, _kind in KEYS}
    assert EventBatch.objects.exists() and LineageEdge.objects.exists()
