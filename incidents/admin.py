from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyTimelineInline

from .models import Incident, IncidentAttachment, IncidentTimeline, QualityAward


class TimelineInline(ReadOnlyTimelineInline):
    model = IncidentTimeline


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "title",
        "category",
        "grade",
        "status",
        "level",
        "region_code",
        "is_overdue",
        "reported_at",
    ]
    list_filter = ["status", "grade", "level", "is_overdue", "kind", "category"]
    search_fields = ["title", "region_code"]
    inlines = [TimelineInline]


@admin.register(IncidentAttachment)
class IncidentAttachmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "original_name", "content_type", "size", "uploaded_at"]


@admin.register(QualityAward)
class QualityAwardAdmin(admin.ModelAdmin):
    list_display = ["organization", "name", "awarded_on", "valid_until"]
    autocomplete_fields = ["organization"]
