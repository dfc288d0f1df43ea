"""The recall FilterSets on their own (``recalls.filters``: the members' list and the public
one): a queryset and the query's values in, the filtered queryset out; a value the filter
refuses makes the form invalid, naming the field."""

import pytest
from django.utils import timezone

from recalls import services
from recalls.filters import PublicRecallFilterSet, RecallFilterSet
from recalls.models import Recall
from tests.factories import ProductFactory, produce

pytestmark = pytest.mark.django_db

PLAN = {
    "recall_type": "voluntary",
    "defect": "包装破损",
    "hazard": "可能变质",
    "remedies": ["refund"],
    "notice_text": "请停止食用并退货。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
}


def _ids(filterset) -> set[int]:
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


@pytest.fixture
def recalls(enterprise, other_enterprise):
    """A class-2 food recall of the dairy, started; a class-1 draft of another enterprise."""
    milk = produce(enterprise.user, ProductFactory(owner=enterprise.org, category="food"), lot="M1")
    tea = produce(
        other_enterprise.user,
        ProductFactory(owner=other_enterprise.org, category="key_agricultural"),
        lot="T1",
    )
    started = services.recall_create(
        actor=enterprise.user,
        batch_ids=[milk.pk],
        recall_class=2,
        notice_title="酸奶召回",
        **PLAN,
    )
    services.recall_edit_scope(recall_id=started.pk, actor=enterprise.user, edits=[], confirm=True)
    services.recall_submit(recall_id=started.pk, actor=enterprise.user)
    started = services.recall_activate(recall_id=started.pk, actor=enterprise.user)
    draft = services.recall_create(
        actor=other_enterprise.user,
        batch_ids=[tea.pk],
        recall_class=1,
        notice_title="绿茶召回",
        **PLAN,
    )
    return {"started": started, "draft": draft}


def test_the_members_list_filters(recalls, enterprise):
    everything = Recall.objects.all()
    started, draft = recalls["started"], recalls["draft"]
    assert _ids(RecallFilterSet({"status": ["active"]}, everything)) == {started.pk}
    assert _ids(RecallFilterSet({"status": ["draft", "active"]}, everything)) == {
        started.pk,
        draft.pk,
    }
    assert _ids(RecallFilterSet({"recall_class": "1"}, everything)) == {draft.pk}
    assert _ids(RecallFilterSet({"producer_id": enterprise.org.pk}, everything)) == {started.pk}
    assert _ids(RecallFilterSet({"category": ["food"]}, everything)) == {started.pk}
    assert _ids(RecallFilterSet({"q": "绿茶"}, everything)) == {draft.pk}
    assert _ids(RecallFilterSet({"q": started.number}, everything)) == {started.pk}
    assert _ids(RecallFilterSet({"recall_type": "ordered"}, everything)) == set()
    assert _ids(RecallFilterSet({"region": "3203"}, everything)) == {started.pk}  # Xuzhou
    assert _ids(RecallFilterSet({"region": "33"}, everything)) == {draft.pk}  # Zhejiang


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"recall_class": "4"}, "recall_class"),
        ({"recall_class": "1e400"}, "recall_class"),
        ({"status": ["lost"]}, "status"),
        ({"recall_type": "mandatory"}, "recall_type"),
        ({"producer_id": "²"}, "producer_id"),
    ],
)
def test_the_members_list_refuses_what_is_no_value(data, field):
    filterset = RecallFilterSet(data, Recall.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]


def test_the_public_list_filters(recalls):
    everything = Recall.objects.all()
    started = recalls["started"]
    today = timezone.localdate(started.activated_at).isoformat()
    assert _ids(PublicRecallFilterSet({"status": ["active"]}, everything)) == {started.pk}
    assert _ids(PublicRecallFilterSet({"date_from": today}, everything)) == {started.pk}
    assert _ids(PublicRecallFilterSet({"date_to": "2000-01-01"}, everything)) == set()
    assert _ids(PublicRecallFilterSet({"category": ["food"], "recall_class": "2"}, everything)) == {
        started.pk
    }
    # a draft is never public: the public list's statuses do not include it
    refused = PublicRecallFilterSet({"status": ["draft"]}, everything)
    assert not refused.is_valid() and list(refused.errors) == ["status"]
    refused = PublicRecallFilterSet({"date_from": "2026-02-30"}, everything)
    assert not refused.is_valid() and list(refused.errors) == ["date_from"]
