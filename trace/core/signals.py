"""What the core announces; the consumer side and the EPCIS binding listen.

The core imports neither of them: receivers are connected in
``TraceConfig.ready()`` (trace/apps.py).
"""

from django.dispatch import Signal

# Sent after a capture commits. Keyword: ``event_pks`` (the new events' primary keys).
events_captured = Signal()

# Sent when anything about these lots changed (an event, a status change, a recall), after
# the change committed. Keywords: ``batch_ids``; ``lots`` ({batch id: (GTIN, lot)}) when the
# sender has them already, else None.
batches_changed = Signal()
