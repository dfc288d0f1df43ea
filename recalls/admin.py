"""Recalls in the admin: a window on the record, not a door (changes go through the services)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyTimelineInline

from .models import Recall, RecallDrill, RecallNotice, RecallTimelineEntry


class TimelineInline(ReadOnlyTimelineInline):
    model = RecallTimelineEntry


@admin.register(Recall)
class RecallAdmin(ReadOnlyAdmin):
    list_display = ["number", "producer", "recall_type", "recall_class", "status", "activated_at"]
    list_filter = ["status", "recall_type", "recall_class"]
    search_fields = ["number", "notice_title"]
    inlines = [TimelineInline]


@admin.register(RecallNotice)
class RecallNoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "recall",
        "organization",
        "held",
        "notified_at",
        "acknowledged_at",
        "escalated_at",
    ]
    list_select_related = ["recall", "organization"]


@admin.register(RecallDrill)
class RecallDrillAdmin(ReadOnlyAdmin):
    list_display = ["organization", "at", "lots", "holders", "total_seconds"]
