from django.contrib import admin

from .models import Incident, IncidentAttachment, IncidentTimeline, QualityAward


class _ReadOnly(admin.ModelAdmin):
    """Evidence: readable here, changed only through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimelineInline(admin.TabularInline):
    model = IncidentTimeline
    fields = ["at", "action", "actor", "actor_organization", "reason", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(_ReadOnly):
    list_display = [
        "id",
        "title",
        "grade",
        "status",
        "level",
        "region_code",
        "is_overdue",
        "reported_at",
    ]
    list_filter = ["status", "grade", "level", "is_overdue", "kind"]
    search_fields = ["title", "region_code"]
    inlines = [TimelineInline]


@admin.register(IncidentAttachment)
class IncidentAttachmentAdmin(_ReadOnly):
    list_display = ["id", "incident", "original_name", "content_type", "size", "uploaded_at"]


@admin.register(QualityAward)
class QualityAwardAdmin(admin.ModelAdmin):
    list_display = ["organization", "name", "awarded_on", "valid_until"]
    autocomplete_fields = ["organization"]
