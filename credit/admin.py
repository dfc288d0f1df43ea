from django.contrib import admin

from .models import AwardDeclaration, AwardReport, AwardRevocation, CreditRequest


class ReadOnly(admin.ModelAdmin):
    """The record changes only through the services (each writes its timeline row)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditRequest)
class CreditRequestAdmin(ReadOnly):
    list_display = ["enterprise", "kind", "fact", "status", "filed_at", "decided_at"]


@admin.register(AwardDeclaration)
class AwardDeclarationAdmin(ReadOnly):
    list_display = ["enterprise", "condition", "status", "declared_at"]


@admin.register(AwardReport)
class AwardReportAdmin(ReadOnly):
    list_display = ["award", "trigger", "fact", "confirmed_on", "filed_at"]


@admin.register(AwardRevocation)
class AwardRevocationAdmin(ReadOnly):
    list_display = ["award", "ground", "decided_at"]
