"""Quality-safety incidents: the report an enterprise must file, its grade, the
reporting chain up county → city → province → national, the workflow, the timeline, the
attachments and the deadlines the sweep acts on.

``policy`` is the rules written once (grades, levels, the transition table, pure functions
over settings); ``services`` are the only writes, each with its timeline row in the same
transaction; ``models`` hold the due times the sweep reads. Consumer complaints, reports and
risk signals are the top-level ``complaints`` app, which builds on this one.

May import ``api`` (organizations, outbox, timelines, working days) and ``trace`` (lots).
Imported by ``complaints``, ``recalls`` (a recall from an incident) and the workbench.
"""
