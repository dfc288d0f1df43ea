"""The HTTP API layer: token and session authentication, the DRF permission classes, the
problem+json error format (``exceptions``, ``outage``), content negotiation and parsing with
limits, pagination, throttling by client address, the OpenAPI schema, and the routes of
``/api/v1/`` for organizations, accounts and the rules.

Stands on ``core`` (the domain) and below the apps whose views use it (``trace``,
``incidents``, ``complaints``, ``recalls``); it holds no models.
"""
