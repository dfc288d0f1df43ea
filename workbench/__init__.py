"""The workbench: server-rendered pages where regulators and enterprises do their daily work.

``/workbench/`` is the inbox; beside it the incident, complaint and recall pages, the
enterprise's own pages, the dashboard with its plots, the quality record and the annual
report. Pages hold no workflow of their own: every button posts to a view that calls the
same service the REST API calls (``incidents.services``, ``recalls.services``,
``trace.core.services``), and every list is read through the same ``visible_to`` rule.

May import: ``api``, ``trace`` (core, consumer, rest selectors), ``incidents``, ``recalls``.
Nothing imports the workbench but ``config.urls``.
"""
