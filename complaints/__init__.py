"""Consumer complaints, the risk signals found in them and in scans, and the
public consumer warnings a regulator publishes from a confirmed signal.

A Django app of its own (label ``complaints``) inside ``incidents/`` so its migrations never
collide with the incidents app's. May import ``incidents`` (a complaint converts into an
incident), ``trace`` and ``api``; nothing in ``trace`` imports it: the consumer page reaches it
through ``trace.consumer.extensions`` (a provider registered in ``apps.ComplaintsConfig.ready``).
``risk`` is the risk-signal detection (not Django signals).
"""
