from django.contrib import admin

from .models import CalendarDay, Membership, Notification, Organization, WebhookEndpoint


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
