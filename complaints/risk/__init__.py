"""Risk signals (not Django signals): injury monitoring over complaints and incidents, and
counterfeit/diversion signals over scans.

A signal has a ``key`` naming its kind, subject and window, so detecting the same thing
twice (a sweep run twice, concurrently, late) raises it once; a new injury complaint on a
batch with an open signal joins that signal as evidence. ``signal_raise`` is the one
service that creates a signal: it writes its timeline row and notifies the regulators of
the place and the producer (outbox) with the numbers that triggered it and links. The numbers
(``evidence``) hold every figure the signal's title names, so the title is rendered in the
reader's language when it is read (``titles.signal_title``).

- ``raising``: ``signal_raise``, the one way a signal comes to be;
- ``injuries``: injury monitoring of a batch and a product, and the injury figures by group;
- ``injury_queue``: the incidents' side of injury monitoring, run by the sweep from a queue;
- ``scans``: never-issued codes, scans after the end of a lot, over-scanned and diverted lots.

The names other modules use are offered here.
"""

from .injuries import check_batch_injuries, check_injuries, injury_groups, injury_incidents
from .injury_queue import (
    incident_injury_signals,
    queue_injury_check,
    sliding_casualties,
    window_casualties,
)
from .raising import signal_raise
from .scans import count_unknown_scan, scan_signals

__all__ = [
    "check_batch_injuries",
    "check_injuries",
    "count_unknown_scan",
    "incident_injury_signals",
    "injury_groups",
    "injury_incidents",
    "queue_injury_check",
    "scan_signals",
    "signal_raise",
    "sliding_casualties",
    "window_casualties",
]
