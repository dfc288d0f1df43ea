"""Template filters of the dashboard, quality records and annual report."""

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def display_name(organization) -> str:
    """The organization's English name on English pages where it has one, else its name."""
    if organization is None:
        return ""
    english = (translation.get_language() or "").startswith("en")
    return organization.name_en if english and organization.name_en else organization.name
