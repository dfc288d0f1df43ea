"""Who may open a workbench page: signed in (else the sign-in page, coming back here),
and for some pages a regulator or an enterprise (else a 403 page saying why)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.models import organization_of


def refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    """The page a person sees when the workbench refuses: why, and the way back."""
    return render(request, "workbench/refused.html", {"reason": reason}, status=status)


def _member_page(check: Callable | None, reason: Callable[[], str]):
    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            org = organization_of(request.user)
            if org is None:
                return refused(request, _("Your account belongs to no organization."))
            if check is not None and not check(org):
                return refused(request, reason())
            request.organization = org
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


member_page = _member_page(None, lambda: "")
"""Any signed-in member of an organization; ``request.organization`` is set."""

regulator_page = _member_page(
    lambda org: org.is_regulator, lambda: _("This page is for regulators.")
)
enterprise_page = _member_page(
    lambda org: not org.is_regulator, lambda: _("This page is for enterprises.")
)
