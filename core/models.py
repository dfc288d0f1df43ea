from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OrganizationKind, RegulatorLevel, Role
from .validators import validate_credit_code, validate_region_code, validate_webhook_url

# How many leading digits of a region code a regulator of each level governs.
JURISDICTION_PREFIX_LENGTH = {
    RegulatorLevel.NATIONAL: 0,
    RegulatorLevel.PROVINCE: 2,
    RegulatorLevel.CITY: 4,
    RegulatorLevel.COUNTY: 6,
}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OrganizationQuerySet(models.QuerySet):
    """Organizations looked up by jurisdiction, the one rule ``Organization.governs`` states."""

    def governed_by(self, regulator: "Organization"):
        """The organizations registered in ``regulator``'s jurisdiction (every one for the
        national regulator; none for an organization that is no regulator)."""
        if not regulator.is_regulator:
            return self.none()
        prefix = regulator.jurisdiction_prefix
        return self.filter(region_code__startswith=prefix) if prefix else self.all()

    def governing(self, region_code: str):
        """The regulators whose jurisdiction holds the place ``region_code``, in id order
        (``Organization.governs`` asked of each)."""
        regulators = self.filter(kind=OrganizationKind.REGULATOR)
        return [r for r in regulators.order_by("id") if r.governs(region_code)]


class Organization(TimeStampedModel):
    """An enterprise that makes or handles products, or a regulator with a jurisdiction.

    Enterprises carry a unified social credit code and the region they are
    registered in; regulators carry a level and the region they govern.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_credit_code],
    )
    region_code = models.CharField(
        _("region code"), max_length=6, validators=[validate_region_code], db_index=True
    )
    level = models.CharField(
        _("regulator level"), max_length=16, choices=RegulatorLevel.choices, blank=True
    )
    gln = models.CharField(_("GLN"), max_length=13, null=True, blank=True, unique=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                name="organization_enterprise_has_credit_code",
                condition=~Q(kind=OrganizationKind.ENTERPRISE) | Q(credit_code__isnull=False),
            ),
            models.CheckConstraint(
                name="organization_regulator_has_level",
                condition=~Q(kind=OrganizationKind.REGULATOR) | ~Q(level=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.kind == OrganizationKind.ENTERPRISE and not self.credit_code:
            raise ValidationError(
                {"credit_code": _("An enterprise needs its unified social credit code.")}
            )
        if self.kind == OrganizationKind.REGULATOR and not self.level:
            raise ValidationError({"level": _("A regulator needs a level.")})

    @property
    def is_regulator(self) -> bool:
        return self.kind == OrganizationKind.REGULATOR

    @property
    def is_enterprise(self) -> bool:
        return self.kind == OrganizationKind.ENTERPRISE

    @property
    def jurisdiction_prefix(self) -> str:
        """Region-code prefix this regulator governs ('' for national)."""
        return self.region_code[: JURISDICTION_PREFIX_LENGTH[self.level]]

    def governs(self, region_code: str | None) -> bool:
        """Whether this is a regulator whose jurisdiction holds the place ``region_code``: the
        one jurisdiction rule (region-code prefix by level; the national regulator, every
        place). An enterprise governs nothing; an empty code lies in no jurisdiction."""
        return bool(
            self.is_regulator and region_code and region_code.startswith(self.jurisdiction_prefix)
        )

    @property
    def party_uri(self) -> str:
        """How EPCIS source/destination lists name this organization."""
        # The GS1 Digital Link form needs no company-prefix length, unlike the
        # EPC pgln URN, so it is the unambiguous choice.
        if self.gln:
            return f"https://id.gs1.org/417/{self.gln}"
        return f"urn:suyuan:org:{self.credit_code or self.pk}"


class Membership(TimeStampedModel):
    """A person's place in one organization, with the role they hold there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OPERATOR)

    class Meta:
        ordering = ["id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in (Role.ADMIN, Role.OPERATOR)


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday rule: a public holiday or a swapped working weekend (调休).

    Seeded from the ``chinesecalendar`` library; administrators may add or correct days.
    A year counts as covered only once its ``CalendarYear`` marker says its State Council
    holiday notice is loaded whole (deadlines in another year fall back to Monday–Friday).
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=64, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'} {self.name}"


class CalendarYear(models.Model):
    """A year whose State Council holiday notice (国务院办公厅关于…部分节假日安排的通知) is
    loaded whole into ``CalendarDay``: only then do working-day deadlines in it count as final.
    Marking a year loaded recomputes the provisional deadlines that fall in it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("State Council notice"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year loaded")
        verbose_name_plural = _("calendar years loaded")

    def __str__(self) -> str:
        return str(self.year)


class WebhookEndpoint(TimeStampedModel):
    """Where an organization wants its notifications POSTed, signed with its secret."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("organization"),
    )
    url = models.URLField(_("URL"), max_length=500, validators=[validate_webhook_url])
    secret = models.CharField(_("signing secret"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.organization} → {self.url}"

    def clean(self):
        validate_webhook_url(self.url)


class AlertPlatform(models.TextChoices):
    """Where an organization's group-chat robots and text messages are."""

    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group bot")
    SMS = "sms", _("SMS")


class MessageFormat(models.TextChoices):
    TEXT = "text", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")


class AlertChannel(TimeStampedModel):
    """A group-chat robot (WeCom, DingTalk, Feishu) or a list of mobile numbers (SMS) an
    organization wants its notifications on, beside e-mail and signed webhooks.

    A robot is its platform's webhook address (WeCom's carries its key in the URL) and, for
    DingTalk and Feishu, the signing secret of the robot's security settings. ``recent_sends``
    holds the times (epoch seconds) of the latest attempts, the window the platform's rate limit
    is counted over (``core.alerts``)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="alert_channels",
        verbose_name=_("organization"),
    )
    platform = models.CharField(_("platform"), max_length=16, choices=AlertPlatform.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.CharField(_("robot webhook URL"), max_length=500, blank=True)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    phone_numbers = models.CharField(_("mobile numbers"), max_length=1000, blank=True)
    message_format = models.CharField(
        _("message format"),
        max_length=16,
        choices=MessageFormat.choices,
        default=MessageFormat.MARKDOWN,
    )
    is_active = models.BooleanField(_("active"), default=True)
    recent_sends = models.JSONField(_("recent sends"), default=list, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("alert channel")
        verbose_name_plural = _("alert channels")

    def __str__(self) -> str:
        return f"{self.organization} → {self.get_platform_display()} {self.name}"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group bot")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one recipient over one channel, written in the transaction of the change
    it reports (a transactional outbox) and delivered after commit, retried until sent or failed."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    email = models.CharField(_("email addresses"), max_length=2000, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    webhook = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.SET_NULL,
        related_name="notifications",
        null=True,
        blank=True,
        verbose_name=_("webhook endpoint"),
        db_index=False,  # notification_webhook_idx: e-mail rows have none
    )
    alert_channel = models.ForeignKey(
        AlertChannel,
        on_delete=models.SET_NULL,
        related_name="notifications",
        null=True,
        blank=True,
        verbose_name=_("alert channel"),
        db_index=False,  # notification_alert_channel_idx: most rows have none
    )
    subject = models.CharField(_("subject line"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    topic = models.CharField(_("topic"), max_length=64)
    subject_type = models.CharField(_("about (type)"), max_length=64, blank=True)
    subject_id = models.BigIntegerField(_("about (id)"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["subject_type", "subject_id"], name="notification_about_idx"),
            models.Index(
                fields=["webhook"],
                name="notification_webhook_idx",
                condition=Q(webhook__isnull=False),
            ),
            models.Index(
                fields=["alert_channel"],
                name="notification_alert_channel_idx",
                condition=Q(alert_channel__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.topic} → {self.organization or self.email} ({self.status})"


def organization_of(user):
    """The organization a signed-in user acts for, or None."""
    if not user or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.organization if membership else None
