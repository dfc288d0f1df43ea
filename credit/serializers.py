"""Input of the credit endpoints, and the records as the API and the disclosure show them."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from . import selectors
from .choices import AwardTrigger, RequestKind, RevocationGround
from .models import CreditRequest


class RequestInput(serializers.Serializer):
    fact = serializers.CharField(max_length=64, help_text="The fact's key on the record")
    reason = serializers.CharField(max_length=4000)


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["upheld", "dismissed", "granted", "refused"])
    reason = serializers.CharField(max_length=4000)


class DeclarationInput(serializers.Serializer):
    condition = serializers.IntegerField(min_value=1, max_value=9)
    statement = serializers.CharField(max_length=4000)
    evidence = serializers.CharField(max_length=4000)


class VerifyInput(serializers.Serializer):
    verified = serializers.BooleanField()
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class AwardReportInput(serializers.Serializer):
    trigger = serializers.ChoiceField(choices=AwardTrigger.choices)
    text = serializers.CharField(max_length=8000)
    fact = serializers.CharField(max_length=64, required=False, allow_blank=True)
    confirmed_on = serializers.DateField(required=False)


class RevokeInput(serializers.Serializer):
    ground = serializers.ChoiceField(choices=RevocationGround.choices)
    reason = serializers.CharField(max_length=4000)


def _day(value) -> str | None:
    return value.isoformat() if value else None


def reasons_data(record: selectors.CreditRecord) -> list[dict]:
    reasons = [
        {
            "measure": r.measure,
            "text": r.text,
            "count": r.count,
            "threshold": r.minimum,
            "citation": r.citation,
        }
        for r in record.reasons
    ]
    if not reasons:
        reasons = [
            {
                "measure": "",
                "text": selectors.class_a_reason(),
                "count": 0,
                "threshold": 0,
                "citation": str(selectors.criteria.SCHEME),
            }
        ]
    return reasons


def request_data(r: CreditRequest, *, public: bool = False) -> dict:
    data = {
        "id": r.pk,
        "kind": r.kind,
        "fact": r.fact,
        "status": r.status,
        "status_label": r.get_status_display(),
        "filed_at": r.filed_at.isoformat(),
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
    }
    if not public:
        data |= {
            "reason": r.reason,
            "decision_reason": r.decision_reason,
            "decided_by": r.decided_by_organization_id,
        }
    return data


def public_data(record: selectors.CreditRecord) -> dict:
    """The disclosure (Hangzhou Art. 23 质量监管信用信息公开, Xinjiang Art. 32): class, the
    reasons with their articles, the period, and the objections and repairs with their status."""
    org = record.organization
    return {
        "organization": {"id": org.pk, "name": org.name, "credit_code": org.credit_code},
        "credit_class": record.credit_class,
        "reasons": reasons_data(record),
        "period": {
            "since": _day(timezone.localdate(record.since)),
            "until": _day(timezone.localdate(record.until)),
        },
        "basis": str(selectors.criteria.SCHEME),
        "objections": [
            request_data(r, public=True) for r in record.requests if r.kind == RequestKind.OBJECTION
        ],
        "repairs": [
            request_data(r, public=True) for r in record.requests if r.kind == RequestKind.REPAIR
        ],
    }


def fact_data(f: selectors.Fact) -> dict:
    return {
        "key": f.key,
        "kind": f.kind,
        "on": _day(f.on),
        "title": f.title,
        "measures": list(f.measures),
        "citation": f.citation,
        "counts": f.counts,
        "struck": f.struck,
        "pending": f.pending,
    }


def record_data(record, eligibility, duties, timeline) -> dict:
    today = timezone.localdate(record.until)
    return public_data(record) | {
        "measures": record.measures(),
        "facts": [fact_data(f) for f in record.facts],
        "objections": [request_data(r) for r in record.requests if r.kind == RequestKind.OBJECTION],
        "repairs": [request_data(r) for r in record.requests if r.kind == RequestKind.REPAIR],
        "award": {
            "eligible": eligibility.eligible,
            "barred_until": _day(eligibility.barred_until),
            "conditions": [
                {
                    "number": c.number,
                    "label": c.label,
                    "how": c.how,
                    "holds": c.holds,
                    "detail": c.detail,
                    "citation": c.citation,
                    "declaration": c.declaration.pk if c.declaration else None,
                }
                for c in eligibility.conditions
            ],
            "held": record.award_names,
            "written_reports": [
                {
                    "award": d.award.pk,
                    "trigger": d.trigger,
                    "trigger_label": d.trigger_label,
                    "fact": d.fact,
                    "title": d.title,
                    "confirmed_on": _day(d.confirmed_on),
                    "due_on": _day(d.due_on),
                    "status": d.status(today),
                    "report": d.report.pk if d.report else None,
                }
                for d in duties
            ],
        },
        "timeline": [
            {
                "at": t.at.isoformat(),
                "action": t.action,
                "organization": t.actor_organization_id,
                "reason": t.reason,
                "data": t.data,
            }
            for t in timeline
        ],
    }


def matrix_row(record: selectors.CreditRecord) -> dict:
    org = record.organization
    return {
        "organization": {"id": org.pk, "name": org.name, "credit_code": org.credit_code},
        "region_code": org.region_code,
        "credit_class": record.credit_class,
        "measures": record.measures(),
        "reasons": reasons_data(record),
        "pending_requests": sum(1 for f in record.facts if f.pending),
    }
