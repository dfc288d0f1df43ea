"""Recalls in the admin: a window on the record, not a door (changes go through the services)."""

from django.contrib import admin

from .models import Recall, RecallDrill, RecallNotice, RecallTimelineEntry


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimelineInline(admin.TabularInline):
    model = RecallTimelineEntry
    fields = ["at", "action", "actor", "actor_organization", "reason", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Recall)
class RecallAdmin(_ReadOnly):
    list_display = ["number", "producer", "recall_type", "recall_class", "status", "activated_at"]
    list_filter = ["status", "recall_type", "recall_class"]
    search_fields = ["number", "notice_title"]
    inlines = [TimelineInline]


@admin.register(RecallNotice)
class RecallNoticeAdmin(_ReadOnly):
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
class RecallDrillAdmin(_ReadOnly):
    list_display = ["organization", "at", "lots", "holders", "total_seconds"]
