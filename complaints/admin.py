"""Read-only windows on complaints, reports and risk signals (evidence); contact details and the
reporter never shown here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ReadOnlyTimelineInline

from .models import (
    Complaint,
    ComplaintTimeline,
    ConsumerWarning,
    Report,
    ReportTimeline,
    RiskSignal,
    RiskSignalTimeline,
)


class ComplaintTimelineInline(ReadOnlyTimelineInline):
    model = ComplaintTimeline


class ReportTimelineInline(ReadOnlyTimelineInline):
    model = ReportTimeline


class RiskSignalTimelineInline(ReadOnlyTimelineInline):
    model = RiskSignalTimeline


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "batch", "injured", "region_code", "is_overdue", "submitted_at"]
    list_filter = ["status", "injured", "is_overdue"]
    exclude = ["contact_encrypted", "tracking_code"]
    inlines = [ComplaintTimelineInline]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "enterprise_name", "region_code", "is_overdue", "received_at"]
    list_filter = ["status", "source", "real_name", "is_overdue"]
    exclude = ["contact_encrypted", "tracking_code"]  # the reporter: SAMR Order 20 Art. 33
    inlines = [ReportTimelineInline]


@admin.register(RiskSignal)
class RiskSignalAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "status", "title_display", "region_code", "raised_at"]
    list_filter = ["kind", "status"]
    inlines = [RiskSignalTimelineInline]

    @admin.display(description=_("title"))
    def title_display(self, signal):
        return signal.get_title_display()  # the operator's language; "title" is as raised


@admin.register(ConsumerWarning)
class ConsumerWarningAdmin(ReadOnlyAdmin):
    list_display = ["id", "title_zh", "published_at"]
