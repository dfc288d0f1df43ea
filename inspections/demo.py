"""A demo spot-check draw (双随机): the Xuzhou city regulator draws two of the chain's
enterprises and an inspector for each, through ``services.draw_make``, so the draw's page (its
seed, lists, result, "re-draw from the seed") and its checks are there to open.

Called by ``manage.py seed_demo`` after the other apps' seeders; a second run adds nothing.
"""

from django.contrib.auth import get_user_model

from . import services
from .models import SpotCheckDraw


def seed_spot_check_draw() -> int:
    """Draw once as ``city-regulator``; returns how many draws were made."""
    city = get_user_model().objects.filter(username="city-regulator").first()
    if city is None or SpotCheckDraw.objects.exists():
        return 0
    services.draw_make(
        actor=city,
        enterprise_count=2,
        inspectors_per_check=1,
        title="乳制品生产经营者双随机抽查（演示）",
    )
    return 1
