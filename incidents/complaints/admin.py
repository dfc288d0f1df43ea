"""Read-only windows on complaints, reports and risk signals (evidence); contact details and the
reporter never shown here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Complaint,
    ComplaintTimeline,
    ConsumerWarning,
    Report,
    ReportTimeline,
    RiskSignal,
    RiskSignalTimeline,
)


class _ReadOnly(admin.ModelAdmin):
    """Evidence: readable here, changed only through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _TimelineInline(admin.TabularInline):
    fields = ["at", "action", "actor", "actor_organization", "reason", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ComplaintTimelineInline(_TimelineInline):
    model = ComplaintTimeline


class ReportTimelineInline(_TimelineInline):
    model = ReportTimeline


class RiskSignalTimelineInline(_TimelineInline):
    model = RiskSignalTimeline


@admin.register(Complaint)
class ComplaintAdmin(_ReadOnly):
    list_display = ["id", "status", "batch", "injured", "region_code", "is_overdue", "submitted_at"]
    list_filter = ["status", "injured", "is_overdue"]
    exclude = ["contact_encrypted", "tracking_code"]
    inlines = [ComplaintTimelineInline]


@admin.register(Report)
class ReportAdmin(_ReadOnly):
    list_display = ["id", "status", "enterprise_name", "region_code", "is_overdue", "received_at"]
    list_filter = ["status", "source", "real_name", "is_overdue"]
    exclude = ["contact_encrypted", "tracking_code"]  # the reporter: SAMR Order 20 Art. 33
    inlines = [ReportTimelineInline]


@admin.register(RiskSignal)
class RiskSignalAdmin(_ReadOnly):
    list_display = ["id", "kind", "status", "title_display", "region_code", "raised_at"]
    list_filter = ["kind", "status"]
    inlines = [RiskSignalTimelineInline]

    @admin.display(description=_("title"))
    def title_display(self, signal):
        return signal.get_title_display()  # the operator's language; "title" is as raised


@admin.register(ConsumerWarning)
class ConsumerWarningAdmin(_ReadOnly):
    list_display = ["id", "title_zh", "published_at"]
