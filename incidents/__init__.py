"""Quality-safety incidents (issue 11): the report an enterprise must file, its grade, the
reporting chain up county → city → province → national, the workflow, the timeline, the
attachments and the deadlines the sweep acts on.

``policy`` is the rules written once (grades, levels, the transition table, pure functions
over settings); ``services`` are the only writes, each with its timeline row in the same
transaction; ``models`` hold the due times the sweep reads. ``complaints/`` is a Django app of
its own for consumer complaints, risk signals and warnings.

May import ``api`` (organizations, outbox, timelines, working days) and ``trace`` (lots).
Imported by ``incidents.complaints``, ``recalls`` (a recall from an incident) and the workbench.
"""
