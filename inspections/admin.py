"""Spot checks in the admin: a window on the evidence, not a door (changes go through services)."""

from django.contrib import admin

from .models import SpotCheck, SpotCheckDraw, SpotCheckTimelineEntry


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimelineInline(admin.TabularInline):
    model = SpotCheckTimelineEntry
    fields = ["at", "action", "actor", "actor_organization", "reason", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(_ReadOnly):
    list_display = ["id", "regulator", "drawn_at", "scope_prefix", "enterprise_count", "seed"]
    list_select_related = ["regulator"]
    search_fields = ["title", "seed"]


@admin.register(SpotCheck)
class SpotCheckAdmin(_ReadOnly):
    list_display = ["id", "enterprise", "regulator", "status", "result", "checked_on"]
    list_filter = ["status", "result"]
    list_select_related = ["enterprise", "regulator"]
    inlines = [TimelineInline]
