from django import template

from core.models import organization_of

from ..nav import nav_for

register = template.Library()


@register.inclusion_tag("workbench/_nav.html", takes_context=True)
def workbench_nav(context):
    request = context["request"]
    return {"items": nav_for(organization_of(request.user), request.path)}
