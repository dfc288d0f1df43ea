"""The shared domain core: the bottom layer of the project's apps.

What every app shares about the domain lives here: organizations, memberships and roles
(``models``, ``choices``, with ``Organization.governs`` deciding a regulator's jurisdiction), the
rulebook (``core.rulebook``: every grade threshold, deadline and citation, in force by date),
the Chinese working-day calendar (``workdays``), append-only timelines (``timeline``), the
transactional outbox and outbound HTTP safety (``outbox``, ``outbound``), bulk writes
(``bulk``), the deadline-sweeper registry (``deadlines``, ``manage.py sweep_deadlines``), the
replica-read scope (``replicas``) and the Redis/database degradation switch (``degrade``).

May import the standard library, Django and DRF only — no other app of the project; every app
registers with it (sweepers, outbox listeners) from its ``AppConfig.ready()``
(``tests/test_architecture.py``). Its models keep the Django label ``api`` (``apps.CoreConfig``).
"""
