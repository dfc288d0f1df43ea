"""Every write to a complaint, a risk signal or a consumer warning: keyword-only
``<entity>_<action>`` services.

Each locks its row, checks ``choices.TRANSITIONS`` and who may act, saves with
``update_fields`` and writes its timeline row (never contact details) and its
notifications (outbox) in the same transaction. Handling follows SAMR Order 20
(Measures for Handling Complaints and Reports on Market Regulation): the county
regulator of the place decides whether to accept within 7 working days (Art. 14; a
setting); mediation ends within the rulebook's ``complaint.mediation_days`` in force on
the complaint's date: 60 days of acceptance under the 2024 Consumer Rights Protection
Law Implementing Regulation Art. 46 ¶3 from 2024-07-01, before that 45 working days
(Order 20 Art. 21 ¶1 (5)). Reports (举报) are in ``report_services``.
"""

from .common import (  # noqa: F401
    ART_9_FIELDS,
    IllegalComplaintTransition,
    IncompleteComplaint,
    NotYourComplaint,
    _check,
    _handling_region,
    _lock,
    _log,
    _need,
    _notify_regulators,
    _notify_respondent,
    _payload,
    _require_handler,
    _respondent_organization,
    is_handler,
    logger,
    missing_art_9,
    respondent_prefill,
)
from .handling import (  # noqa: F401
    complaint_accept,
    complaint_close,
    complaint_convert,
    complaint_decline,
    complaint_forward,
    complaint_merge,
    complaint_reply,
    mediation_deadline,
)
from .intake import (  # noqa: F401
    complaint_submit,
)
from .linking import complaint_link_respondent  # noqa: F401
from .mediation import (  # noqa: F401
    _end_pause,
    _require_respondent,
    _terminate,
    _termination_notice,
    complaint_agree_mediation,
    complaint_answer,
    complaint_notify_parties,
    complaint_pause,
    complaint_record_agreement,
    complaint_refuse_mediation,
    complaint_resume,
    complaint_terminate,
)
from .signals import (  # noqa: F401
    _lock_signal,
    _signal_log,
    _signal_step,
    signal_confirm,
    signal_dismiss,
    warning_publish,
)
from .sweep import (  # noqa: F401
    complaints_sweep,
    incident_injuries_sweep,
    scan_signals_sweep,
)
from .withdrawal import (  # noqa: F401
    complaint_withdraw,
    complaint_withdraw_by_complainant,
)
