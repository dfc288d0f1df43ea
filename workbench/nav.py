"""The workbench's navigation: which pages each kind of organization gets, in order.

A page module adds its entry here; an entry whose URL name does not resolve is left out,
so the bar only ever links to pages that exist.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    for_regulators: bool = True
    for_enterprises: bool = True


NAV = (
    NavItem("workbench:inbox", _("Inbox")),
    NavItem("workbench:incidents", _("Incidents")),
    NavItem("workbench:complaints", _("Complaints")),
    NavItem("workbench:reports", _("Reports (tip-offs)"), for_enterprises=False),
    NavItem("workbench:recalls", _("Recalls")),
    NavItem("workbench:lots", _("Products and lots"), for_regulators=False),
    NavItem("workbench:enterprise-notices", _("Recall notices"), for_regulators=False),
    NavItem("workbench:scan", _("Scan a lot"), for_regulators=False),
    NavItem("workbench:dashboard", _("Dashboard"), for_enterprises=False),
    NavItem("workbench:quality", _("Quality records")),
    NavItem("workbench:spot-checks", _("Spot checks"), for_enterprises=False),
    NavItem("workbench:annual-report-current", _("Annual report"), for_enterprises=False),
)


def nav_for(organization, current_path: str) -> list[dict]:
    items = []
    for item in NAV:
        if organization is not None and organization.is_regulator and not item.for_regulators:
            continue
        if organization is not None and not organization.is_regulator and not item.for_enterprises:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url or (
            url != reverse("workbench:inbox") and current_path.startswith(url)
        )
        items.append({"url": url, "label": item.label, "active": active})
    return items
