from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.models import organization_of  # noqa: F401 - the HTTP layer's callers use it here too


class IsMember(BasePermission):
    """Signed in and belonging to an organization; viewers may only read."""

    message = _("You must belong to an organization, and viewers may only read.")

    def has_permission(self, request, view):
        membership = (
            getattr(request.user, "membership", None) if request.user.is_authenticated else None
        )
        if membership is None:
            return False
        return request.method in SAFE_METHODS or membership.can_write


class IsEnterpriseMember(IsMember):
    """Writes that only an enterprise may make (registering products, recording events)."""

    message = _("Only enterprise staff with the operator or admin role may do this.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.membership.organization.is_enterprise


class IsRegulator(IsMember):
    """Signed in for a regulator (reads: chain digests, the dashboard's figures); each view
    names what is for regulators in ``message``."""

    message = _("Only regulators may do this.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.user.membership.organization.is_regulator
