"""Defect recalls: the recall and its versioned plan, the scope from the trace
graph, activation (EPCIS ``recalled`` events, consignee notices, the consumer banner), the
consignees' acknowledgement links, progress and summary reports, effectiveness, closure and
the public notices (list, Atom feed, notice page).

``services`` are the only writes (a timeline row each, in the same transaction), ``selectors``
the scope and report figures, ``drill`` the mock recall that changes nothing, ``sweeps`` the
reminders and escalations of the deadline sweep.

May import ``api``, ``trace`` (through its services and selectors) and ``incidents`` (a
recall from an incident). Nothing below it imports it: the consumer page hears of recalls
through ``trace.consumer``'s notice hook registered in ``RecallsConfig.ready``.
"""
