"""core.bulk: rows written by COPY (PostgreSQL) or bulk_create (SQLite) read back as given,
whatever characters their text holds, and ``each`` sees every new key in order; an array
literal of ids or texts reads back on PostgreSQL as the list it was made of."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.bulk import Json, array_literal, insert_rows, reserve_ids
from core.models import Notification

FIELDS = [
    *("channel", "email", "subject", "body", "payload", "topic", "subject_id", "last_error"),
    *("subject_type", "status", "attempts", "next_attempt_at", "created_at"),
]

TEXTS = [
    "plain",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",  # the text of NULL in COPY, as a value of its own
    "\\.",  # COPY's end-of-data marker, as a value of its own
    "两个字 and trailing space ",
    "",
]


def _rows(texts):
    now = timezone.now()
    return [
        (
            "email",
            text,
            f"subject {i}",
            text,
            Json({"text": text}, json.dumps({"text": text}, ensure_ascii=False)),
            "topic",
            None if i % 2 else i,
            text,
            "incident",
            "pending",
            0,
            now,
            now,
        )
        for i, text in enumerate(texts)
    ]


@pytest.mark.django_db
def test_every_text_reads_back_as_written_and_each_sees_every_key_in_order():
    rows = _rows(TEXTS)
    seen: list[int] = []
    pks = insert_rows(Notification, FIELDS, rows, ids=len(rows), each=seen.append)

    assert seen == pks and len(pks) == len(TEXTS)
    stored = {n.pk: n for n in Notification.objects.filter(pk__in=pks)}
    for i, (pk, text) in enumerate(zip(pks, TEXTS, strict=True)):
        n = stored[pk]
        assert (n.email, n.body, n.last_error) == (text, text, text)
        assert n.payload == {"text": text}
        assert n.subject_id == (None if i % 2 else i)


@pytest.mark.django_db
def test_keys_drawn_beforehand_are_the_keys_the_rows_get():
    """On PostgreSQL ``reserve_ids`` draws keys from the table's sequence, distinct and new,
    and ``insert_rows(ids=those)`` stores the rows under them (capture stores the rows that
    point at events before the events); SQLite has no sequence and says so (None)."""
    rows = _rows(["first", "second", "third"])
    drawn = reserve_ids(Notification, len(rows))
    if connection.vendor != "postgresql":
        assert drawn is None
        return
    assert len(set(drawn)) == 3 and not Notification.objects.filter(pk__in=drawn).exists()
    seen: list[int] = []
    assert insert_rows(Notification, FIELDS, rows, ids=drawn, each=seen.append) == drawn
    assert seen == drawn
    stored = dict(Notification.objects.filter(pk__in=drawn).values_list("pk", "body"))
    assert [stored[pk] for pk in drawn] == ["first", "second", "third"]
    # The sequence has moved past them: the next rows get other keys.
    assert set(insert_rows(Notification, FIELDS, _rows(["fourth"]), ids=1)).isdisjoint(drawn)


@pytest.mark.django_db
def test_rows_without_keys_go_in_from_a_generator():
    rows = _rows(["one", "two\tthree"])
    result = insert_rows(Notification, FIELDS, (row for row in rows))

    assert result == []
    assert sorted(Notification.objects.values_list("body", flat=True)) == ["one", "two\tthree"]


ARRAY_TEXTS = [
    *TEXTS,
    'quote"d',
    "{brace}",
    "a,b",
    "NULL",
    " spaced ",
    "urn:epc:id:sgtin:0614141.1.2",
]


@pytest.mark.django_db
def test_an_array_literal_reads_back_as_the_values_it_was_made_of():
    assert array_literal([1, None, 30]) == "{1,NULL,30}"
    assert array_literal([]) == "{}"
    with pytest.raises(TypeError):
        array_literal([1.5])
    if connection.vendor != "postgresql":
        pytest.skip("arrays are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::text[])", [array_literal(ARRAY_TEXTS)])
        assert [row[0] for row in cursor.fetchall()] == ARRAY_TEXTS
        cursor.execute("SELECT unnest(%s::bigint[])", [array_literal([7, None, 2**40])])
        assert [row[0] for row in cursor.fetchall()] == [7, None, 2**40]


@pytest.mark.django_db
def test_an_error_while_rows_are_rendered_comes_out_as_itself():
    """Not as the "COPY canceled" PostgreSQL answers when the stream stops (which would read as
    a database gone away and be tried again)."""

    def rows():
        yield from _rows(["one"])
        raise ValueError("row two cannot be rendered")

    with pytest.raises(ValueError, match="row two"), transaction.atomic():
        insert_rows(Notification, FIELDS, rows(), ids=2)
    assert not Notification.objects.filter(body="one").exists()
