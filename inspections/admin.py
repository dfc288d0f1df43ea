"""Spot checks in the admin: a window on the evidence, not a door (changes go through services)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyTimelineInline

from .models import SpotCheck, SpotCheckDraw, SpotCheckTimelineEntry


class TimelineInline(ReadOnlyTimelineInline):
    model = SpotCheckTimelineEntry


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(ReadOnlyAdmin):
    list_display = ["id", "regulator", "drawn_at", "scope_prefix", "enterprise_count", "seed"]
    list_select_related = ["regulator"]
    search_fields = ["title", "seed"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["id", "enterprise", "regulator", "status", "result", "checked_on"]
    list_filter = ["status", "result"]
    list_select_related = ["enterprise", "regulator"]
    inlines = [TimelineInline]
