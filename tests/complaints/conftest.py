"""Complaints, reports and risk signals happen around the same dairy and regulators as the
incidents they may lead to: the personas are the incidents' own."""

from tests.incidents.conftest import (  # noqa: F401 - the fixtures, shared
    _inline_tasks_and_media,
    batch,
    chain,
    dairy,
    stranger,
    t0,
)
