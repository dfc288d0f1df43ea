"""Template tags for the punctuation of the current language (see ``core.punctuation``):
``{% colon %}``, ``{% comma %}``, ``{% list_comma %}``, ``{% open_paren %}``,
``{% close_paren %}``."""

from django import template

from core import punctuation

register = template.Library()

for _name in ("colon", "comma", "list_comma", "open_paren", "close_paren"):
    register.simple_tag(getattr(punctuation, _name), name=_name)
