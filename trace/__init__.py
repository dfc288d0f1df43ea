"""The traceability app (Django label ``trace``), in packages by purpose.

gs1/       GS1 standards only (EPC URNs, Digital Link, the CBV event hash); no Django.
core/      the domain: capture, custody and lineage, selectors, services, the hash chain.
           ``trace/models.py`` holds the core's models where Django expects them.
epcis/     the EPCIS 2.0 binding: capture jobs, queries, subscriptions.
consumer/  what a scan reaches: resolver, consumer page and its caches, scan log, labels.
rest/      the REST API of the trace (/api/v1/ products, sites, batches, events).
demo/      the demo seed and the supply-chain data generator.
exports.py the trace as csv/xlsx.

Layers import downwards only: gs1 ← core ← epcis, consumer, rest, exports ← demo;
tests/test_architecture.py checks it.
"""
