"""Deadlines counted across a year whose State Council holiday notice is not loaded are shown
as provisional and counted again when the year is loaded (the admin or ``seed_calendar``),
with the recomputation on the recall's timeline."""

from datetime import date, datetime
from decimal import Decimal
from trace.core import services as trace_services

import pytest
from django.utils import timezone

from core.models import CalendarDay, CalendarYear
from core.rulebook import rule
from core.workdays import CHINA_TZ, add_working_days
from recalls import services
from recalls.models import Recall
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_type": "voluntary",
    "recall_class": 3,
    "defect": "标签未标注过敏原",
    "hazard": "过敏者食用可能引起过敏反应",
    "remedies": ["refund"],
    "notice_title": "饼干召回",
    "notice_text": "过敏者请勿食用。",
    "consumer_action": "过敏者请立即停止食用。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}
# Under CFDA Order 12 (risks discovered up to 2026-11-30) a grade 3 food recall completes
# within 30 working days of its start (Art. 17): started in December 2026, that is in 2027.
DISCOVERED = datetime(2026, 11, 20, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def started(enterprise, partner):
    CalendarYear.objects.filter(year__gte=2027).delete()
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    product = ProductFactory(owner=enterprise.org, category="food", name="饼干")
    lot = trace_services.batch_produce(
        product=product, lot="B1", quantity=Decimal(40), unit="EA", actor=enterprise.user
    )
    trace_services.batch_ship(
        batch=lot, to=partner.org, quantity=Decimal(10), actor=enterprise.user
    )
    trace_services.batch_receive(batch=lot, actor=partner.user)
    recall = services.recall_create(
        actor=enterprise.user, batch_ids=[lot.pk], risk_discovered_at=DISCOVERED, **PLAN
    )
    services.recall_edit_scope(recall_id=recall.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=recall.pk, actor=enterprise.user)
    return services.recall_activate(recall_id=recall.pk, actor=enterprise.user)


def _complete(body: dict) -> dict:
    return next(d for d in body["deadlines"] if d["name"] == "complete")


def test_a_2027_deadline_is_provisional_then_recomputed_when_2027_is_loaded_cfda12_art17(
    enterprise, started, admin_client
):
    """CFDA Order 12 Art. 17: 30 working days from the start. The count crosses into 2027,
    whose State Council holiday notice is not loaded: the API flags the deadline provisional
    with the reason, and the page shows it. Loading 2027 in the admin (its days entered, the
    year marked loaded) counts it again with the holidays, and the timeline says so."""
    limit = rule("food_recall.grade3.complete_days", on=DISCOVERED)
    assert limit.unit == "working_days" and limit.value == 30
    before = started.complete_due_at
    year = timezone.localtime(before, CHINA_TZ).year
    if timezone.localdate().year == 2026:
        assert year == 2027
    url = f"/api/v1/recalls/{started.pk}/"
    body = enterprise.client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    complete = _complete(body)
    assert body["due_provisional"] is True and body["complete_calendar_covered"] is False
    assert complete["provisional"] is True and year in complete["provisional_years"]
    assert str(year) in complete["provisional_reason"]
    enterprise.client.force_login(enterprise.user)
    page = enterprise.client.get(f"/workbench/recalls/{started.pk}/").content.decode()
    assert 'data-provisional="complete"' in page

    # The year's notice entered (New Year's Day, 元旦, a statutory holiday) and marked loaded.
    CalendarDay.objects.create(date=date(year, 1, 1), is_workday=False, name="元旦")
    response = admin_client.post(
        "/admin/api/calendaryear/add/",
        {"year": year, "notice": f"国务院办公厅关于{year}年部分节假日安排的通知"},
    )
    assert response.status_code == 302, response.content
    assert CalendarYear.objects.filter(year=year).exists()

    recall = Recall.objects.get(pk=started.pk)
    expected = add_working_days(recall.activated_at, limit.value)
    assert expected.calendar_covered
    assert recall.complete_due_at == expected.due_at and recall.complete_calendar_covered
    start_day = timezone.localtime(recall.activated_at, CHINA_TZ).date()
    if start_day < date(year, 1, 1) <= timezone.localtime(before, CHINA_TZ).date():
        assert recall.complete_due_at > before  # a holiday on the way moves it on
    entry = recall.timeline.get(action="deadlines_recomputed")
    assert entry.data["year"] == year
    changed = entry.data["deadlines"]["complete"]
    assert datetime.fromisoformat(changed["before"]) == before
    assert datetime.fromisoformat(changed["after"]) == recall.complete_due_at
    body = enterprise.client.get(url).json()
    assert body["due_provisional"] is False and _complete(body)["provisional"] is False
