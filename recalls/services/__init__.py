"""Writes for recalls: one keyword-only service per action, split by stage.

Each locks the recall row, checks the transition table (``common.TRANSITIONS``), asks the
recall policy who may act (``recalls.policy``), saves, and appends its timeline row in the same
transaction. Notices go to the outbox (``core.outbox.notify``) inside the transaction and are
delivered after commit. The stages: ``creation`` (draft and scope proposed), ``scope``,
``plan`` (filing), ``objection`` (to a notice to recall), ``activation``, ``notices`` (to
consignees and their answers), ``progress``, ``completion`` (complete, summary, close, end).
This package re-exports every public name, so ``recalls.services.X`` names them all.
"""

from ..selectors import scope_holdings
from .activation import (
    ScopeChanged,
    recall_activate,
    recall_refresh_scope,
)
from .common import (
    PLAN_FIELDS,
    TRANSITIONS,
    Gone,
    competent_regulators,
    covers,
    log_entry,
    notify_regulators,
    plan_of,
    recall_require_actor,
    refused_phrases,
    require_writer,
    validate_plan,
    visible_incidents,
)
from .completion import (
    recall_cancel,
    recall_close,
    recall_complete,
    recall_file_summary_report,
    recall_terminate,
)
from .creation import recall_create, recall_create_from_incident
from .notices import (
    ack_figure_errors,
    ack_token,
    ack_url,
    current_ack_url,
    find_token,
    issue_token,
    recall_acknowledge,
    send_notice,
    token_hash,
)
from .objection import recall_decide_objection, recall_object, recall_order
from .plan import recall_approve, recall_submit, recall_update_plan
from .progress import recall_file_progress_report, stated_figure_errors
from .scope import SCOPE_CHANGES_LISTED, affected_batches, recall_edit_scope

__all__ = [
    "PLAN_FIELDS",
    "SCOPE_CHANGES_LISTED",
    "TRANSITIONS",
    "Gone",
    "ScopeChanged",
    "ack_figure_errors",
    "ack_token",
    "ack_url",
    "affected_batches",
    "competent_regulators",
    "covers",
    "current_ack_url",
    "find_token",
    "issue_token",
    "log_entry",
    "notify_regulators",
    "plan_of",
    "recall_acknowledge",
    "recall_activate",
    "recall_approve",
    "recall_cancel",
    "recall_close",
    "recall_complete",
    "recall_create",
    "recall_create_from_incident",
    "recall_decide_objection",
    "recall_edit_scope",
    "recall_file_progress_report",
    "recall_file_summary_report",
    "recall_object",
    "recall_order",
    "recall_refresh_scope",
    "recall_require_actor",
    "recall_submit",
    "recall_terminate",
    "recall_update_plan",
    "refused_phrases",
    "require_writer",
    "scope_holdings",
    "send_notice",
    "stated_figure_errors",
    "token_hash",
    "validate_plan",
    "visible_incidents",
]
