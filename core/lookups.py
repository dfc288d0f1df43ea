"""``field__prefix``: codes that begin with a prefix, written as a range.

``region_code__prefix="3201"`` selects what ``__startswith`` does, as
``region_code >= '3201' AND region_code < '3202'``. On PostgreSQL the range uses the
pattern operators (``~>=~``, ``~<~``) of a ``varchar_pattern_ops`` index, so the whole
condition is checked inside the index: no ``LIKE`` is re-evaluated row by row, and a
count over a jurisdiction can be answered by an index-only scan. Pattern operators and
SQLite's default collation both compare bytes, so the range holds exactly the strings
that begin with the prefix.
"""

from __future__ import annotations

from django.db.models import Lookup
from django.db.models.lookups import StartsWith

_LAST = 0x10FFFF


class Prefix(Lookup):
    lookup_name = "prefix"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        prefix = str(self.rhs)
        if not prefix or ord(prefix[-1]) == _LAST:  # no next prefix: the LIKE form
            return StartsWith(self.lhs, prefix).as_sql(compiler, connection)
        lhs, params = self.process_lhs(compiler, connection)
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        if connection.vendor == "postgresql":
            sql = f"({lhs}::text ~>=~ %s AND {lhs}::text ~<~ %s)"
        else:
            sql = f"({lhs} >= %s AND {lhs} < %s)"
        return sql, [*params, prefix, *params, after]
