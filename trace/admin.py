from django.contrib import admin

from .models import Batch, ChainDigest, ChainHead, Custody, Event, Product, ScanLog, Site


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "gtin", "category", "owner"]
    list_filter = ["category"]
    search_fields = ["name", "gtin"]
    raw_id_fields = ["owner"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "region_code", "gln"]
    search_fields = ["name", "gln"]
    raw_id_fields = ["owner"]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["gtin", "lot", "product", "status", "production_date", "expiry_date"]
    list_filter = ["status"]
    search_fields = ["lot", "gtin"]
    raw_id_fields = ["product", "site"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Events and derived rows are never edited by hand, not even by staff."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["event_time", "event_type", "biz_step", "disposition", "organization", "chain_seq"]
    list_filter = ["event_type", "biz_step"]
    search_fields = ["event_id"]
    date_hierarchy = "event_time"


@admin.register(Custody)
class CustodyAdmin(ReadOnlyAdmin):
    list_display = ["organization", "batch", "quantity", "in_transit"]


@admin.register(ScanLog)
class ScanLogAdmin(ReadOnlyAdmin):
    list_display = ["scanned_at", "batch", "client", "language", "signed_in"]
    list_filter = ["client", "signed_in"]


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["organization", "chain_seq", "content_hash", "updated_at"]


@admin.register(ChainDigest)
class ChainDigestAdmin(ReadOnlyAdmin):
    list_display = ["date", "sha256", "key_id", "created_at"]
