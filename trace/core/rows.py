"""Model instances from hand-written SQL, for the read paths where building
querysets costs more than running them (the trace graph, the consumer page).

``Statement`` is such a read statement, run on PostgreSQL as a prepared
statement: parsed and planned once per connection instead of on every trace.

``Columns(Model)`` names the columns a statement selects for a model and turns
the row values back into instances with the same database converters the ORM
applies (SQLite's text datetimes and decimals, JSON), so an instance is the
same as one the ORM would have loaded. JSON columns are decoded by orjson where it
gives what ``json.loads`` gives (``_json_from_db``), several times faster on the
thousands of event documents of a wide trace. Instances are built without running
``Model.__init__`` (a sixth of the cost); models with init signals, which that
would skip, go through ``Model.from_db``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

import orjson
from django.conf import settings
from django.db.models import JSONField, Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.sql import Query

# The statements prepared on each open PostgreSQL connection, by its driver connection (a
# reconnect starts a new, empty set); None where an error left them unknown.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Statement:
    """A read statement the hot paths run for every request, its SQL written once for both
    databases: ``sql(p)`` builds it with ``p.member(column, i)`` (``column`` is one of the
    values of the list parameter ``i``) and ``p.value(i)`` (the scalar parameter ``i``).

    On PostgreSQL it is prepared once per connection (``PREPARE`` with the parameter
    ``types``, lists as arrays, ``column = ANY($n)``) and then only executed: a trace's
    statements each cost a parse and a plan otherwise, half of their time. Prepared
    statements last as long as the connection, whatever its transactions do. Behind a
    pooler in transaction mode (PgBouncer), set ``DATABASE_PREPARED_STATEMENTS=0``. SQLite
    gets the same statement with the lists spelled out (``column IN (%s, …)``).
    """

    def __init__(self, name: str, types: Sequence[str], sql: Callable[[object], str]):
        self.name = name
        self.sql = sql
        self._prepare = f"PREPARE {name}({', '.join(types)}) AS {sql(_Spelling(numbered=True))}"
        self._execute = f"EXECUTE {name}({', '.join(['%s'] * len(types))})"
        arrays = _Spelling()
        self._arrays = sql(arrays), arrays.order

    @property
    def text(self) -> str:
        """The statement with ``%s`` placeholders in order (lists as arrays)."""
        return self._arrays[0]

    def fetch(self, cursor, params: Sequence) -> list[tuple]:
        connection = cursor.db
        params = [list(p) if isinstance(p, tuple | set) else p for p in params]
        if connection.vendor != "postgresql":
            inline = _Spelling(params)
            sql = self.sql(inline)
            cursor.execute(
                sql,
                [
                    v
                    for i in inline.order
                    for v in (params[i] if isinstance(params[i], list) else [params[i]])
                ],
            )
            return cursor.fetchall()
        raw = connection.connection
        prepared = (
            _PREPARED.setdefault(raw, set()) if settings.DATABASE_PREPARED_STATEMENTS else None
        )
        if prepared is None:
            sql, order = self._arrays
            cursor.execute(sql, [params[i] for i in order])
            return cursor.fetchall()
        first = self.name not in prepared
        try:
            # Prepared in the same round trip as its first execution.
            cursor.execute(f"{self._prepare}; {self._execute}" if first else self._execute, params)
        except Exception:
            _PREPARED[raw] = None  # its statements are unknown now: this connection goes without
            raise
        if first:
            prepared.add(self.name)
        return cursor.fetchall()


class _Spelling:
    """How a ``Statement`` names its parameters: ``$n`` for PREPARE (``numbered``), else
    ``%s`` in the order they appear (``order``), lists as arrays on PostgreSQL or, given
    the ``inline`` values, one placeholder a value."""

    def __init__(self, inline: Sequence | None = None, *, numbered: bool = False):
        self.inline, self.numbered, self.order = inline, numbered, []

    def value(self, i: int) -> str:
        self.order.append(i)
        return f"${i + 1}" if self.numbered else "%s"

    def member(self, column: str, i: int) -> str:
        if self.inline is None:
            return f"{column} = ANY({self.value(i)})"
        self.order.append(i)
        values = self.inline[i]
        return f"{column} IN ({', '.join(['%s'] * len(values))})" if values else "1 = 0"


class Columns:
    """The columns of ``model`` (all concrete fields, or ``names``) in a statement."""

    def __init__(self, model: type[Model], names: list[str] | None = None):
        meta = model._meta
        self.model = model
        self.fields = (
            list(meta.concrete_fields) if names is None else [meta.get_field(n) for n in names]
        )
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self.complete = names is None
        self._converters: dict[tuple[str, str], list] = {}
        self._sql: dict[str, str] = {}

    def sql(self, alias: str) -> str:
        found = self._sql.get(alias)
        if found is None:
            found = self._sql[alias] = ", ".join(f'{alias}."{f.column}"' for f in self.fields)
        return found

    def converters(self, connection) -> list[tuple[int, list, object]]:
        """(position, converters, expression) as ``SQLCompiler.get_converters`` gives them."""
        ops = connection.ops
        key = (connection.alias, connection.vendor)
        found = self._converters.get(key)
        if found is None:
            # Finding them costs more than a small trace; keep them, the backend's
            # own methods by name (they belong to one thread's connection).
            found = []
            for i, field in enumerate(self.fields):
                col = field.cached_col
                funcs = [
                    _fast(f, field) if getattr(f, "__self__", None) is not ops else f.__name__
                    for f in ops.get_db_converters(col) + col.get_db_converters(connection)
                ]
                if funcs:
                    found.append((i, funcs, col))
            self._converters[key] = found
        return [
            (i, [getattr(ops, f) if isinstance(f, str) else f for f in funcs], col)
            for i, funcs, col in found
        ]

    def load(self, rows, start: int, connection, *, nullable: bool = False) -> list:
        """Instances from ``row[start:start + width]`` of each row (None for an
        outer join that found nothing, when ``nullable``)."""
        end = start + self.width
        converters = self.converters(connection)
        db = connection.alias
        model, attnames = self.model, self.attnames
        plain = not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )
        out = []
        for row in rows:
            values = list(row[start:end])
            if nullable and values[0] is None:
                out.append(None)
                continue
            for i, funcs, col in converters:
                value = values[i]
                for func in funcs:
                    value = func(value, col, connection)
                values[i] = value
            if plain and self.complete:
                obj = model.__new__(model)
                obj.__dict__.update(zip(attnames, values, strict=True))
                state = obj._state = ModelState()
                state.adding = False
                state.db = db
            else:
                obj = model.from_db(db, attnames, values)
            out.append(obj)
        return out


# orjson reads integers beyond 64 bits as floats, json.loads as ints: a text with a run of
# 19 digits or more (anywhere, strings included) goes to json.loads, as does whatever orjson
# refuses (NaN, 1e400, lone surrogates), so the value is always the one json.loads gives.
# The run is found by C loops: digits mapped to 1, everything else to 0, then a substring.
_DIGITS = bytes(1 if 0x30 <= b <= 0x39 else 0 for b in range(256))
_LONG_RUN = b"\x01" * 19


def _fast(converter, field):
    """``converter``, or for a plain JSON field's ``from_db_value`` the same decoding by
    orjson (``_LONG_RUN``)."""
    if not (
        isinstance(field, JSONField)
        and field.decoder is None
        and getattr(converter, "__func__", None) is JSONField.from_db_value
    ):
        return converter

    def from_db_value(value, expression, connection):
        if isinstance(value, str):
            try:
                text = value.encode()
            except UnicodeEncodeError:
                return converter(value, expression, connection)
            if _LONG_RUN not in text.translate(_DIGITS):
                try:
                    return orjson.loads(text)
                except orjson.JSONDecodeError:
                    pass
        return converter(value, expression, connection)

    return from_db_value


def cache_related(obj: Model, name: str, value) -> None:
    """What ``select_related(name)`` leaves behind: ``obj.<name>`` without a query."""
    obj._state.fields_cache[name] = value


class _Prefetched(QuerySet):
    """A prefetched relation's queryset whose SQL query is built only if it is ever
    used (chained, filtered, written through): a wide trace's events have thousands
    of them, all only read."""

    @property
    def query(self):
        if self._query is None:
            self._query = Query(self.model)
        return QuerySet.query.fget(self)

    @query.setter
    def query(self, value):
        QuerySet.query.fset(self, value)


_PREFETCHED: dict[tuple[type, str], tuple[str, dict]] = {}


def cache_prefetched(obj: Model, name: str, related: list) -> None:
    """What ``prefetch_related(name)`` leaves behind: ``obj.<name>.all()`` is
    ``related`` without a query. The queryset is that of the relation (its
    filter is applied only if it is chained, filtered or written through), so
    anything but reading it still means this object's rows."""
    key = (type(obj), name)
    found = _PREFETCHED.get(key)
    if found is None:
        field = obj._meta.get_field(name)
        found = _PREFETCHED[key] = (
            field.field.name,
            {**_Prefetched(field.related_model).__dict__, "_query": None, "_prefetch_done": True},
        )
    filter_name, prototype = found
    qs = _Prefetched.__new__(_Prefetched)
    qs.__dict__.update(prototype)
    qs._hints = {}
    qs._known_related_objects = {}
    qs._db = obj._state.db
    # The filter names the object by its key, not the object itself: the object holds this
    # queryset, and a reference back would make every trace's instances a cycle that only the
    # garbage collector frees (refcounting frees them otherwise, when the trace is dropped).
    qs._deferred_filter = (False, (), {filter_name: obj.pk})
    qs._result_cache = related
    try:
        obj._prefetched_objects_cache[name] = qs
    except AttributeError:
        obj._prefetched_objects_cache = {name: qs}


def percent_spelling() -> _Spelling:
    """``%s`` placeholders in order, for a fragment used in a statement built as text."""
    return _Spelling()
