"""The admin shows the record; it never writes it.

Lots and events are read-only here: a lot's status, quantity and GTIN change
only through recorded events (``trace.services`` → ``trace.capture`` →
``trace.rules``). Operators who must hold or release a lot do it with the
actions below, which call the same services with a reason, as the
organization they belong to.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.models import organization_of

from .core import services
from .models import Batch, ChainDigest, ChainHead, Custody, Event, Product, ScanLog, Site


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "gtin", "category", "owner"]
    list_filter = ["category"]
    search_fields = ["name", "gtin"]
    raw_id_fields = ["owner"]

    def get_readonly_fields(self, request, obj=None):
        # The GTIN and its owner decide who may produce its lots (``trace.rules``).
        return ["gtin", "owner"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "region_code", "gln"]
    search_fields = ["name", "gln"]
    raw_id_fields = ["owner"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


def _status_action(release: bool):
    def run(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "admin/trace/batch/reason.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": gettext("Release from hold") if release else gettext("Put on hold"),
                    "form": form,
                    "batches": queryset,
                    "action": request.POST.get("action"),
                    "opts": modeladmin.model._meta,
                },
            )
        if organization_of(request.user) is None:
            modeladmin.message_user(
                request, gettext("Your account belongs to no organization."), messages.ERROR
            )
            return None
        for batch in queryset:
            try:
                services.batch_hold(
                    batch=batch,
                    reason=form.cleaned_data["reason"],
                    release=release,
                    actor=request.user,
                )
            except ValidationError as exc:
                modeladmin.message_user(
                    request, f"{batch}: {'; '.join(exc.messages)}", messages.ERROR
                )
            else:
                modeladmin.message_user(
                    request, f"{batch}: {batch.get_status_display()}", messages.SUCCESS
                )
        return None

    run.__name__ = "release_lots" if release else "hold_lots"
    run.short_description = (
        _("Release the selected lots from hold") if release else _("Put the selected lots on hold")
    )
    return run


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = [
        "gtin",
        "lot",
        "product",
        "status",
        "status_changed_at",
        "production_date",
        "expiry_date",
    ]
    list_filter = ["status"]
    search_fields = ["lot", "gtin"]
    actions = [_status_action(release=False), _status_action(release=True)]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "event_time",
        "event_type",
        "biz_step",
        "disposition",
        "organization",
        "chain_seq",
    ]
    list_filter = ["event_type", "biz_step"]
    search_fields = ["event_id"]
    date_hierarchy = "event_time"


@admin.register(Custody)
class CustodyAdmin(ReadOnlyAdmin):
    list_display = ["organization", "batch", "quantity", "in_transit"]


@admin.register(ScanLog)
class ScanLogAdmin(ReadOnlyAdmin):
    list_display = ["scanned_at", "batch", "client", "language", "signed_in", "region_code"]
    list_filter = ["client", "signed_in"]


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["organization", "chain_seq", "content_hash", "updated_at"]


@admin.register(ChainDigest)
class ChainDigestAdmin(ReadOnlyAdmin):
    list_display = ["date", "sha256", "key_id", "created_at"]
