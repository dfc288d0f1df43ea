"""The shared core in the admin, and the two read-only bases every app's admin uses: the admin
is a window on the evidence, not a door (changes go through the services)."""

from django.contrib import admin

from . import workdays
from .models import (
    CalendarDay,
    CalendarYear,
    Membership,
    Notification,
    Organization,
    WebhookEndpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence: readable here, changed only through the services, not even by staff."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTimelineInline(admin.TabularInline):
    """A workflow's timeline under its record; subclasses name the ``model``."""

    fields = ["at", "action", "actor", "actor_organization", "reason", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "region_code", "credit_code", "gln"]
    list_filter = ["kind", "level"]
    search_fields = ["name", "name_en", "credit_code", "region_code"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Administrators correct or extend the holiday calendar here (seeded from chinesecalendar)."""

    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Mark a year loaded once its State Council holiday notice is entered whole as calendar
    days: the provisional deadlines that fall in it are then recomputed."""

    list_display = ["year", "notice", "loaded_at"]
    readonly_fields = ["loaded_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            workdays.mark_year_loaded(obj.year, notice=obj.notice)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["organization", "url", "is_active"]
    list_filter = ["is_active"]
    autocomplete_fields = ["organization"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """A window on the outbox: what was sent to whom and how it went; nothing is edited here."""

    list_display = [
        "id",
        "topic",
        "channel",
        "organization",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "topic"]
    search_fields = ["subject", "email", "subject_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
