from __future__ import annotations

from trace.core.choices import Action, BatchRole, BatchStatus, EventType, ProductCategory
from trace.core.identifiers import digital_link_uri, validate_lot
from trace.core.rules import TRADE_STEPS

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Organization, TimeStampedModel, organization_of
from core.validators import validate_region_code

# --- who sees what ------------------------------------------------------------
#
# One rule for every read (REST, EPCIS query, events by ID, webhooks), after the
# food-law principle of one step up, one step down (EU 178/2002 Art. 18, FSMA 204):
#
# An enterprise sees
#   - the lots it made (of its own products) or recorded, and the lots shipped to it
#     (named as destination by the shipper): what it made or held;
#   - its own events, and the events naming it as source or destination: whom it
#     supplied and where its lots came from, one step each way;
#   - the lot-wide events the owner of a lot it may see recorded on that lot
#     (production, inspection, hold, release, recall, destruction), but not the
#     owner's trades: not its customers' other customers, nor a competitor's
#     quantities on a lot they share.
# Custody alone grants nothing: a lot is granted by the recorded facts above
# (and ``trace.rules`` refuses events by strangers to a lot).
# Business documents (``bizTransactionList``: purchase orders, despatch advices,
# report numbers) only to the parties of the event: its recorder, source and
# destination (``event_document_for``).
# A regulator sees the whole graph in its jurisdiction (region-code prefix):
# lots made or handled there and every event about them; the national one sees all.


def _regulator_region_q(org, field: str) -> Q:
    prefix = org.jurisdiction_prefix
    return Q() if not prefix else Q(**{f"{field}__startswith": prefix})


def _lots_handled_q(org) -> Q:
    """Lots ``org`` (a regulator: any organization of its jurisdiction) recorded an event on,
    or was named the destination of: two subqueries, each led by an index."""
    if org.is_regulator:
        by = {"event__organization__region_code__startswith": org.jurisdiction_prefix}
        to = {"event__destination_org__region_code__startswith": org.jurisdiction_prefix}
    else:
        by, to = {"event__organization": org}, {"event__destination_org": org}
    return Q(pk__in=EventBatch.objects.filter(**by).values("batch_id")) | Q(
        pk__in=EventBatch.objects.filter(**to).values("batch_id")
    )


def may_read_transactions(event, org) -> bool:
    """Whether ``org`` may read the business documents of an event it can see."""
    if org is None:
        return False
    if org.is_regulator:
        return True
    return org.pk in (event.organization_id, event.source_org_id, event.destination_org_id)


def event_document_for(event, org) -> dict:
    """The event's EPCIS document as ``org`` may read it (REST, EPCIS query, webhooks)."""
    if may_read_transactions(event, org):
        return event.document
    document = {k: v for k, v in event.document.items() if k != "bizTransactionList"}
    inspection = document.get("sy:inspection")
    if isinstance(inspection, dict) and "reportRef" in inspection:  # the report number, repeated
        document["sy:inspection"] = {k: v for k, v in inspection.items() if k != "reportRef"}
    return document


class ProductQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Its own products, and the products of the lots it may see."""
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator and not org.jurisdiction_prefix:
            return self
        lots = Batch.objects.visible_to(user).filter(product=OuterRef("pk"))
        own = _regulator_region_q(org, "owner__region_code") if org.is_regulator else Q(owner=org)
        return self.filter(own | Q(Exists(lots)))


class Product(TimeStampedModel):
    """A trade item an enterprise makes, identified by its GTIN."""

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="products", verbose_name=_("owner")
    )
    gtin = models.CharField(_("GTIN-14"), max_length=14, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=ProductCategory.choices)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    standard = models.CharField(_("product standard"), max_length=100, blank=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.gtin})"


class SiteQuerySet(models.QuerySet):
    def visible_to(self, user):
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator:
            return self.filter(_regulator_region_q(org, "region_code"))
        return self.filter(owner=org)


class Site(TimeStampedModel):
    """A physical place where an enterprise produces, stores or sells (a ranch, a plant, a shop)."""

    owner = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="sites", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=200)
    gln = models.CharField(_("GLN"), max_length=13, null=True, blank=True, unique=True)
    address = models.CharField(_("address"), max_length=300)
    region_code = models.CharField(
        _("region code"), max_length=6, validators=[validate_region_code]
    )

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    @property
    def location_uri(self) -> str:
        if self.gln:
            return f"https://id.gs1.org/414/{self.gln}"
        return f"urn:suyuan:site:{self.pk}"


class BatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Enterprise: lots it made, recorded or had shipped to it. Regulator: the same for
        any organization of its jurisdiction (see "who sees what" above)."""
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator:
            if not org.jurisdiction_prefix:
                return self
            return self.filter(
                Q(product__owner__region_code__startswith=org.jurisdiction_prefix)
                | _lots_handled_q(org)
            )
        return self.filter(Q(product__owner=org) | _lots_handled_q(org))


class Batch(TimeStampedModel):
    """A production lot of one product (GTIN + AI 10 lot).

    ``product`` is empty for a lot we only know from someone else's EPCIS
    events (a supplier not registered here): it is still a node in the trace.
    """

    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="batches",
        null=True,
        blank=True,
        verbose_name=_("product"),
    )
    gtin = models.CharField(_("GTIN-14"), max_length=14)
    lot = models.CharField(_("lot"), max_length=20, validators=[validate_lot])
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=18,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="batches",
        null=True,
        blank=True,
        verbose_name=_("site"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.ACTIVE
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(fields=["gtin", "lot"], name="batch_unique_gtin_lot"),
            models.CheckConstraint(
                name="batch_expiry_after_production",
                condition=Q(expiry_date__isnull=True)
                | Q(production_date__isnull=True)
                | Q(expiry_date__gte=models.F("production_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gtin}/{self.lot}"

    @property
    def digital_link(self) -> str:
        return digital_link_uri(self.gtin, self.lot)


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Enterprise: its own events, those naming it as source or destination, and the
        lot-wide events of a lot's owner on the lots it may see (not the owner's trades).
        Regulator: events recorded in, or about lots visible in, its jurisdiction."""
        org = organization_of(user)
        if org is None:
            return self.none()
        if org.is_regulator and not org.jurisdiction_prefix:
            return self
        visible_batches = Batch.objects.visible_to(user).values("pk")
        if org.is_regulator:
            about_visible = EventBatch.objects.filter(
                event=OuterRef("pk"), batch__in=visible_batches
            )
            return self.filter(
                Q(organization__region_code__startswith=org.jurisdiction_prefix)
                | Q(Exists(about_visible))
            )
        owners_lot_wide = EventBatch.objects.filter(
            event=OuterRef("pk"),
            batch__in=visible_batches,
            batch__product__owner=OuterRef("organization"),
        )
        return self.filter(
            Q(organization=org)
            | Q(source_org=org)
            | Q(destination_org=org)
            | (~Q(biz_step__in=TRADE_STEPS) & Q(Exists(owners_lot_wide)))
        )

    # --- by id or event ID, one month read -------------------------------------------
    # On PostgreSQL ``trace_event`` is partitioned by ``record_time`` and has no index on
    # ``id`` or ``event_id`` alone that spans the months: a lookup by them probes every
    # month. The key table (``EventKey``, never partitioned) knows each event's record time,
    # so these look it up there first and add the record-time predicate that prunes the
    # query to the months the events were recorded in (one, for one event).
    def keyed(self, keys: models.QuerySet) -> EventQuerySet:
        """The events of these ``EventKey`` rows, with their record times' window."""
        rows = list(keys.values_list("pk", "record_time"))
        if not rows:
            return self.none()
        times = [time for _pk, time in rows]
        return self.filter(
            pk__in=[pk for pk, _time in rows], record_time__range=(min(times), max(times))
        )

    def by_pks(self, pks) -> EventQuerySet:
        """The events of these primary keys (ints; anything else, or past a bigint, matches
        nothing)."""
        try:
            pks = {int(pk) for pk in pks}
        except (TypeError, ValueError):
            return self.none()
        pks = {pk for pk in pks if 0 < pk < 2**63}
        return self.keyed(EventKey.objects.filter(pk__in=pks))

    def by_event_id(self, event_id: str, *, declaration: bool | None = None) -> EventQuerySet:
        """The event of this EPCIS eventID and its error declaration (or only one of them)."""
        keys = EventKey.objects.filter(event_id=event_id)
        if declaration is not None:
            keys = keys.filter(declaration=declaration)
        return self.keyed(keys)

    def update(self, **kwargs):
        raise EventImmutableError(_("Events are append-only; declare an error instead."))

    def delete(self):
        raise EventImmutableError(_("Events are append-only; declare an error instead."))


class EventImmutableError(Exception):
    pass


class Event(models.Model):
    """One EPCIS 2.0 event: what happened, when, where, why, to which batches.

    Append-only. A mistake is corrected by capturing an error declaration
    (a row with the same ``event_id`` and ``error_declaration`` set) that
    names its corrective events. Each organization's rows form a hash chain:
    ``content_hash`` = sha256(prev_hash + canonical JSON of ``document``).
    """

    event_id = models.CharField(_("event ID"), max_length=255)
    event_type = models.CharField(_("event type"), max_length=24, choices=EventType.choices)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, blank=True)
    event_time = models.DateTimeField(_("event time"))
    event_time_zone_offset = models.CharField(_("event time zone offset"), max_length=6)
    record_time = models.DateTimeField(_("record time"), default=timezone.now)
    biz_step = models.CharField(_("business step"), max_length=255, blank=True)
    disposition = models.CharField(_("disposition"), max_length=255, blank=True)
    read_point = models.CharField(_("read point"), max_length=255, blank=True)
    biz_location = models.CharField(_("business location"), max_length=255, blank=True)
    source_org = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="events_as_source",
        db_constraint=False,  # checked per statement on PostgreSQL (trace 0015), as below
        null=True,
        blank=True,
        verbose_name=_("source organization"),
    )
    destination_org = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="events_as_destination",
        db_constraint=False,
        null=True,
        blank=True,
        verbose_name=_("destination organization"),
    )
    error_declaration = models.JSONField(_("error declaration"), null=True, blank=True)
    # The whole event as EPCIS 2.0 JSON-LD, so nothing a sender gave us is lost.
    document = models.JSONField(_("EPCIS document"))
    # No index of its own: the chain's unique (organization, chain_seq) index leads with it.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        db_constraint=False,
        verbose_name=_("recording organization"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    chain_seq = models.PositiveBigIntegerField(_("chain sequence"))
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    content_hash = models.CharField(_("content hash"), max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # What the partitioned table has (``trace.0012``, ``trace.0013``): a partitioned
        # table's unique indexes must contain ``record_time``, so the event ID's and the
        # chain position's uniqueness is ``EventKey``'s. On SQLite (one plain table) the
        # event ID indexes are still unique and the chain's constraint still the pair.
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "chain_seq", "record_time"],
                name="event_unique_chain_seq",
            ),
        ]
        indexes = [
            models.Index(fields=["event_time"], name="event_time_idx"),
            models.Index(fields=["record_time"], name="event_record_time_idx"),
            models.Index(
                fields=["event_id"],
                condition=Q(error_declaration__isnull=True),
                name="event_unique_id",
            ),
            models.Index(
                fields=["event_id"],
                condition=Q(error_declaration__isnull=False),
                name="event_unique_error_declaration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.biz_step} {self.event_time:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise EventImmutableError(_("Events are append-only; declare an error instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EventImmutableError(_("Events are append-only; declare an error instead."))


class EventKey(models.Model):
    """What makes an event unique, one row per stored event, in a table that is never partitioned.

    On PostgreSQL ``trace_event`` is partitioned by ``record_time`` (``trace.core.partitions``),
    and a partitioned table's unique indexes must contain the partition key, so the event ID's
    and the hash chain's uniqueness live here; so does the target of the foreign keys of the
    event–lot links and lineage edges. A trigger on ``trace_event`` writes these rows in the
    statement that inserts the events (COPY and the ORM alike), so no writer can skip them; a
    retention run that detaches a partition leaves them, and an event ID once used stays used.
    """

    id = models.BigIntegerField(_("event"), primary_key=True)
    event_id = models.CharField(_("event ID"), max_length=255)
    declaration = models.BooleanField(_("error declaration"))
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # the event row's own foreign key already holds it
        verbose_name=_("recording organization"),
    )
    chain_seq = models.PositiveBigIntegerField(_("chain sequence"))
    record_time = models.DateTimeField(_("record time"))

    class Meta:
        verbose_name = _("event key")
        verbose_name_plural = _("event keys")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "declaration"], name="eventkey_unique_id"),
            models.UniqueConstraint(
                fields=["organization", "chain_seq"], name="eventkey_unique_chain_seq"
            ),
        ]

    def __str__(self) -> str:
        return self.event_id


class EventBatch(models.Model):
    """A batch named in an event, with its role and quantity (derived at capture)."""

    # On PostgreSQL the database's foreign key points at the event's key row (``EventKey``,
    # ``trace_eventkey``): the partitioned ``trace_event`` cannot be referenced by ``id`` alone.
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="batch_links",
        db_constraint=False,
        verbose_name=_("event"),
    )
    # Indexed by (batch, role, event) below, which leads with it.
    batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        related_name="event_links",
        db_index=False,
        db_constraint=False,
        verbose_name=_("batch"),
    )
    role = models.CharField(max_length=8, choices=BatchRole.choices, verbose_name=_("role"))
    quantity = models.DecimalField(
        max_digits=18, decimal_places=3, null=True, blank=True, verbose_name=_("quantity")
    )
    uom = models.CharField(max_length=16, blank=True, verbose_name=_("unit"))
    # The event's own facts that who-held-what reads per link (``recalls.selectors``), copied
    # at capture: a recall's scope adds up the links of 20,000 lots without reading an event
    # (one index probe per partition of ``trace_event`` and link, 1.3 s of 1.5 at 1 M events).
    # Events are never changed (trace 0002), so the copies cannot go stale.
    event_organization = models.ForeignKey(
        Organization,
        # The event's own organization key protects it; a delete need not look here too.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,  # the event's own key holds it (trace 0015)
        null=True,  # filled for every link by trace 0016
        verbose_name=_("recording organization"),
    )
    event_action = models.CharField(max_length=8, blank=True, verbose_name=_("action"))
    event_biz_step = models.CharField(max_length=255, blank=True, verbose_name=_("business step"))

    class Meta:
        verbose_name = _("event lot link")
        verbose_name_plural = _("event lot links")
        ordering = ["id"]
        # A trace reads a lot's events by role: an ingredient lot that went into 10,000 other
        # lots has 10,000 input links, which the trace of one of them must not read and discard.
        indexes = [
            models.Index(fields=["batch", "role", "event"], name="eventbatch_batch_role_idx")
        ]


class LineageEdge(models.Model):
    """``parent`` went into ``child`` (a transformation or aggregation), derived at capture."""

    parent = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        related_name="child_edges",
        db_constraint=False,
        verbose_name=_("input lot"),
    )
    child = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        related_name="parent_edges",
        db_constraint=False,
        verbose_name=_("output lot"),
    )
    # Constrained to the event's key row on PostgreSQL, as ``EventBatch.event`` is.
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="lineage_edges",
        db_constraint=False,
        verbose_name=_("event"),
    )
    quantity = models.DecimalField(
        max_digits=18, decimal_places=3, null=True, blank=True, verbose_name=_("quantity")
    )

    class Meta:
        verbose_name = _("lineage edge")
        verbose_name_plural = _("lineage edges")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "child", "event"], name="lineage_unique_edge"
            ),
        ]
        indexes = [
            models.Index(fields=["parent", "child"], name="lineage_parent_child_idx"),
            models.Index(fields=["child", "parent"], name="lineage_child_parent_idx"),
        ]


class Custody(models.Model):
    """How much of a batch an organization holds now (derived from events at capture)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="custody",
        db_constraint=False,
        verbose_name=_("holder"),
    )
    batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        related_name="custody",
        db_constraint=False,
        verbose_name=_("batch"),
    )
    quantity = models.DecimalField(
        max_digits=18, decimal_places=3, default=0, verbose_name=_("quantity held")
    )
    in_transit = models.DecimalField(
        _("shipped to this organization, not yet received"),
        max_digits=18,
        decimal_places=3,
        default=0,
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("custody")
        verbose_name_plural = _("custody")
        ordering = ["id"]
        verbose_name_plural = _("custody")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "batch"], name="custody_unique_org_batch"
            ),
        ]
        indexes = [models.Index(fields=["batch", "organization"], name="custody_batch_org_idx")]


class ScanLog(models.Model):
    """One scan of a package's code: when, which batch, coarse client facts and at most the
    region; never an IP."""

    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="scans", verbose_name=_("batch")
    )
    scanned_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("scanned at")
    )
    client = models.CharField(
        max_length=16,
        blank=True,
        verbose_name=_("client app"),
    )  # wechat / alipay / ios / android / desktop / bot
    language = models.CharField(max_length=8, blank=True, verbose_name=_("language"))
    signed_in = models.BooleanField(default=False, verbose_name=_("signed in"))
    # Where the operator's IP-to-region table (trace.consumer.regions) placed the scan; blank
    # when it did not. The only thing kept about where the scanner was.
    region_code = models.CharField(max_length=6, blank=True, verbose_name=_("region code"))

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scan log")
        ordering = ["id"]


class EventIdentifier(models.Model):
    """One identifier an event names, in canonical form, for the EPCIS ``MATCH_*``/``EQ_*`` queries.

    EPCs and classes (every list and ``parentID``), read point and business
    location, business transactions, sources and destinations. Written by the
    capture service in the same transaction as the event.
    """

    class Kind(models.TextChoices):
        EPC = "epc", "epcList"
        PARENT = "parentID", "parentID"
        CHILD = "childEPC", "childEPCs"
        INPUT = "inputEPC", "inputEPCList"
        OUTPUT = "outputEPC", "outputEPCList"
        CLASS = "epcClass", "quantityList"
        CHILD_CLASS = "childClass", "childQuantityList"
        INPUT_CLASS = "inputClass", "inputQuantityList"
        OUTPUT_CLASS = "outputClass", "outputQuantityList"
        READ_POINT = "readPoint", "readPoint"
        BIZ_LOCATION = "bizLocation", "bizLocation"
        BIZ_TRANSACTION = "bizTx", "bizTransactionList"
        SOURCE = "source", "sourceList"
        DESTINATION = "destination", "destinationList"

    # A derived search index, so no foreign-key constraint in the database: PostgreSQL would
    # check each of the ~4 rows per event at commit (a third of a capture's commit time).
    # Only capture writes these rows, in the transaction that inserts their event, and events
    # are never deleted (append-only trigger); a test checks that no row points nowhere.
    # No index of its own either: the (event, kind) index leads with it.
    event = models.ForeignKey(
        "trace.Event",
        on_delete=models.CASCADE,
        related_name="identifiers",
        db_index=False,
        db_constraint=False,
        verbose_name=_("event"),
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    # CBV short name (``po``, ``owning_party``) or the URI of a custom type.
    type = models.CharField(max_length=255, blank=True, verbose_name=_("identifier type"))
    value = models.CharField(max_length=512, verbose_name=_("value"))
    # For trade items: the GTIN-14, so EPC patterns (``urn:epc:idpat:sgtin:…*``) match.
    gtin = models.CharField(max_length=14, blank=True, verbose_name=_("GTIN"))

    class Meta:
        verbose_name = _("event identifier")
        verbose_name_plural = _("event identifiers")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["value", "kind"], name="eventident_value_kind_idx"),
            models.Index(fields=["gtin", "kind"], name="eventident_gtin_kind_idx"),
            models.Index(fields=["event", "kind"], name="eventident_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class ChainHead(models.Model):
    """The newest link of an organization's event chain, as capture last wrote it.

    Written by capture in the same transaction as the events (one UPSERT per capture),
    and on PostgreSQL guarded by a trigger: a head only moves forward, always names a
    stored event, and is never deleted. Deleting an organization's newest events then
    leaves the head pointing past the chain's tail, which ``verify_event_chain`` names.
    """

    organization = models.OneToOneField(
        Organization,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    chain_seq = models.PositiveBigIntegerField(_("chain sequence"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["organization"]
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")


class ChainDigest(models.Model):
    """A signed daily statement of every chain's head, for an outside party to keep.

    ``payload`` is the exact signed text (canonical JSON); ``signature`` is its Ed25519
    signature (base64); ``sha256`` is the payload's hash, which the next day's payload
    names as ``previous``. Append-only (a trigger on PostgreSQL).
    """

    date = models.DateField(_("date"), unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    payload = models.TextField(_("signed payload"))
    signature = models.CharField(_("signature"), max_length=128)
    key_id = models.CharField(_("key ID"), max_length=64)
    sha256 = models.CharField(_("payload hash"), max_length=64)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("chain digest")
        verbose_name_plural = _("chain digests")

    def __str__(self) -> str:
        return f"{self.date} {self.sha256[:12]}"
