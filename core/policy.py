"""Who may read and change an organization's own settings (its alert channels).

``visible_to(user)`` is what a user may see; ``can(user, action, obj)`` / ``require(...)``
decide a change. An organization's alert channels are its administrators' business alone:
the robot addresses carry credentials (WeCom's key, DingTalk's token).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied

from .choices import Role
from .models import AlertChannel


def _admin_membership(user):
    if not user or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        return None
    return membership


def may_manage_alert_channels(user) -> bool:
    return _admin_membership(user) is not None


def visible_to(user):
    """The alert channels ``user`` may see: their own organization's, if they administer it."""
    membership = _admin_membership(user)
    if membership is None:
        return AlertChannel.objects.none()
    return AlertChannel.objects.filter(organization_id=membership.organization_id)


def can(user, action: str, obj: AlertChannel | None = None) -> bool:
    membership = _admin_membership(user)
    if membership is None:
        return False
    return obj is None or obj.organization_id == membership.organization_id


def require(user, action: str, obj: AlertChannel | None = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(
            _("Only an administrator of the organization manages its alert channels.")
        )
