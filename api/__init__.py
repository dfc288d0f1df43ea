"""What every app shares, and the bottom layer of the apps: organizations, memberships and
roles, token auth, permissions, the problem+json error format, pagination, throttling, the
OpenAPI schema, outbound HTTP safety, the transactional outbox, append-only timelines, the
Chinese working-day calendar and the deadline-sweeper registry (``manage.py sweep_deadlines``).

Imports no other app of the project: apps above it register with it (sweepers, outbox
listeners) from their ``AppConfig.ready()``.
"""
