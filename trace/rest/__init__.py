"""The REST API of the trace under /api/v1/: products, sites, batches, events, their
filters and serializers, the trace/QR/export files of a batch.

May import ``trace.core``, ``trace.gs1``, ``trace.consumer`` (labels, QR), ``trace.exports``
and ``api``. Nothing below imports it.
"""
