"""The small two-county world of the quality-record tests, and official spot checks done in it."""

from datetime import date

import pytest

from inspections import services as inspection_services
from tests.workbench.analytics_world import build_world


@pytest.fixture
def world():
    return build_world()


def spot_check(world, who: str, *, on: date, result: str = "fail"):
    """The county of ``who``'s place draws it (alone in its county) and records the result."""
    county = world.users["tongshan" if who == "a" else "hangzhou"]
    enterprise = world.users[who].membership.organization
    drawn = inspection_services.draw_make(
        actor=county,
        enterprise_count=1,
        inspectors_per_check=1,
        region_code=enterprise.region_code,
        title="抽查",
    )
    check = drawn.checks.get()
    return inspection_services.spot_check_record(
        check_id=check.pk,
        actor=county,
        result=result,
        checked_on=on,
        findings="不合格：菌落总数超标" if result == "fail" else "",
    )
