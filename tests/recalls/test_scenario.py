"""The "done when" of issue 13, through the API as a new user would: in the demo,
the ranch recalls a defective raw-milk lot; the scope reaches the yogurt lot and
both supermarkets; the yogurt's consumer page shows the banner at once; the
supermarkets acknowledge through their links and report returns; an unanswered
consignee is reminded and escalated by the sweep; progress and summary reports
are filed; the regulator closes; the whole history is on the timeline."""

from datetime import timedelta
from decimal import Decimal
from trace.core.identifiers import canonical_lot_uri
from trace.demo.seed import RAW_MILK_GTIN, YOGURT_GTIN, seed_demo
from trace.models import Batch, Event
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.deadlines import sweep_all
from core.models import Notification
from core.outbox import deliver
from core.workdays import CHINA_TZ
from recalls.demo import seed_recall_demo
from recalls.models import Recall, RecallNotice

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
pytestmark = pytest.mark.django_db


def as_user(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def demo():
    seed_demo()
    seed_recall_demo()
    raw = Batch.objects.filter(gtin=RAW_MILK_GTIN).order_by("id").first()
    yogurt = Batch.objects.filter(gtin=YOGURT_GTIN).order_by("id").first()
    return raw, yogurt


PLAN = {
    "recall_type": "voluntary",
    "recall_class": 1,
    "defect": "生鲜乳抗生素残留超标",
    "hazard": "可能引起过敏反应",
    "root_cause": "治疗期奶牛的乳汁误入收奶罐",
    "remedies": ["refund", "replacement"],
    "notice_title": "彭城原味酸奶召回公告",
    "notice_text": "请立即停止食用，凭购物小票到购买门店退款或更换。",
    "consumer_action": "请立即停止使用，凭购物凭证到购买门店办理退款。",
    "contact": "客服热线 400-000-0000",
    "planned_end": "2027-06-30",
    "notice_title_en": "Recall of Pengcheng plain yogurt",
    "notice_text_en": "Stop eating it; the shop refunds it.",
    "target_effectiveness": "A",
}


def _path(url: str) -> str:
    return urlparse(url).path


def test_ranch_recalls_a_raw_milk_lot_to_closure(demo, django_capture_on_commit_callbacks):
    """SAMR Order 19 Arts. 12-22: plan filed, recall run, consignees told, progress
    and summary reports, the regulator's verification; GPSR Art. 36 notice."""
    raw, yogurt = demo
    ranch = as_user("ranch")

    created = ranch.post("/api/v1/recalls/", {**PLAN, "batches": [raw.pk]}, format="json")
    assert created.status_code == 201, created.json()
    recall_id = created.json()["id"]
    assert created.json()["status"] == "draft"

    # The scope, from the trace graph: the raw-milk lot, the yogurt made from it, every holder.
    scope = ranch.get(f"/api/v1/recalls/{recall_id}/scope/").json()
    lots = {lot["lot"]: lot for lot in scope["lots"]}
    assert lots[raw.lot]["distance"] == 0 and lots[yogurt.lot]["distance"] == 1
    holders = {h["organization"]["name"]: h for h in scope["holders"]}
    assert {
        "云龙万家超市有限公司",
        "南京玄武惠民超市有限公司",
        "徐州淮海冷链物流有限公司",
        "徐州彭城乳业有限公司",
    } <= set(holders)
    xuzhou = holders["云龙万家超市有限公司"]
    assert Decimal(xuzhou["received"]) == 12000 and Decimal(xuzhou["sold_on"]) == 1500
    assert Decimal(xuzhou["held"]) == 10500
    dairy_yogurt = next(
        h
        for h in scope["holdings"]
        if h["lot"] == yogurt.lot and h["organization_name"] == "徐州彭城乳业有限公司"
    )
    assert Decimal(dairy_yogurt["produced"]) == 38000 and Decimal(dairy_yogurt["sold_on"]) == 30000

    # The producer confirms it, files the plan, the regulator acknowledges it.
    assert (
        ranch.post(
            f"/api/v1/recalls/{recall_id}/scope/", {"confirm": True}, format="json"
        ).status_code
        == 200
    )
    assert ranch.post(f"/api/v1/recalls/{recall_id}/submit/").json()["status"] == "submitted"
    assert (
        as_user("city-regulator")
        .post(f"/api/v1/recalls/{recall_id}/approve/", {}, format="json")
        .status_code
        == 200
    )

    # A consumer scans the yogurt before the recall starts: a calm page, now cached.
    phone = Client(HTTP_USER_AGENT=PHONE_UA)
    page = phone.get(yogurt.digital_link.replace("http://testserver", ""))
    assert 'data-status="active"' in page.content.decode()

    for user in get_user_model().objects.filter(membership__isnull=False):
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(
        execute=True
    ):  # as the commit would: deliver, invalidate
        activated = ranch.post(f"/api/v1/recalls/{recall_id}/activate/")
    assert activated.status_code == 200 and activated.json()["status"] == "active"

    # At once: the lots are recalled through recorded EPCIS events, and the next scan warns.
    yogurt.refresh_from_db()
    assert yogurt.status == "recalled"
    assert Event.objects.filter(disposition="recalled", batch_links__batch=yogurt).exists()
    html = phone.get(yogurt.digital_link.replace("http://testserver", "")).content.decode()
    assert 'data-status="recalled"' in html and "彭城原味酸奶召回公告" in html
    assert 'id="recall-remedy"' in html and "退货退款" in html  # the remedy, in Chinese by default
    status = (
        Client().get(f"/api/v1/public/batches/{yogurt.gtin}/{yogurt.lot}/recall-status/").json()
    )
    assert status["recalled"] and status["recall"]["number"] == created.json()["number"]
    redirect = phone.get(
        yogurt.digital_link.replace("http://testserver", ""), {"linkType": "gs1:recallStatus"}
    )
    assert redirect.status_code == 307 and redirect["Location"].endswith("/recall-status/")
    # The yogurt's recall is on its owner's chain (trace.core.rules: the owner decides its lots'
    # status), the raw milk's on the ranch's; each sees its own in /epcis/events.
    for username, lot in (("producer", yogurt), ("ranch", raw)):
        events = as_user(username).get(
            "/epcis/events",
            {
                "EQ_disposition": "recalled",
                "MATCH_anyEPCClass": canonical_lot_uri(lot.gtin, lot.lot),
            },
        )
        assert events.status_code == 200 and lot.lot in events.content.decode()

    # Each consignee got a notice with its link (outbox, delivered after commit).
    recall = Recall.objects.get(pk=recall_id)
    # A grade 1 food recall reports progress every day (SAMR Order 122 Art. 24), not every
    # 2 weeks (a setting this test used to encode; the law's own interval now applies).
    # The first one never falls due after the yogurt expires (by the end of the start day if
    # it already has).
    started = timezone.localtime(recall.activated_at, CHINA_TZ).date()
    due = timezone.localtime(recall.next_report_due_at, CHINA_TZ)
    expiry = min(
        link.batch.expiry_date
        for link in recall.scope_batches.filter(included=True, batch__expiry_date__isnull=False)
    )
    assert due.date() == min(started + timedelta(days=1), max(started, expiry))
    notices = {
        n.organization.name: n
        for n in RecallNotice.objects.filter(recall=recall).select_related("organization")
    }
    for notice in notices.values():
        assert Notification.objects.filter(
            organization=notice.organization, topic="recall.notice"
        ).exists()
    # Delivered after commit by the worker (inline without Redis; here as a worker would, with it);
    # each delivery is on the timeline.
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        deliver(pk)
    assert Notification.objects.filter(topic="recall.notice", status="sent").count() >= 4
    assert recall.timeline.filter(action="notification_sent").count() >= 4

    # The Xuzhou supermarket opens its link on a phone and reports its returns.
    # A consignee's timeline holds what concerns it, not the other holders' answers.
    seen = as_user("retailer").get(f"/api/v1/recalls/{recall_id}/timeline/").json()["results"]
    assert "activated" in [row["action"] for row in seen]
    assert "scope_proposed" not in [row["action"] for row in seen]
    own = as_user("retailer").get(f"/api/v1/recalls/{recall_id}/notices/").json()["results"]
    assert len(own) == 1 and own[0]["organization"]["name"] == "云龙万家超市有限公司"
    ack_path = _path(own[0]["ack_url"])
    form = phone.get(ack_path)
    assert form.status_code == 200 and 'name="viewport"' in form.content.decode()
    assert "10500" in form.content.decode()
    done = phone.post(
        ack_path, {"on_hand": "0", "returned": "10500", "destroyed": "0", "corrected": "0"}
    )
    assert done.status_code == 200 and 'id="ack-done"' in done.content.decode()

    # The Nanjing supermarket answers through the API form of the same link.
    own = as_user("retailer2").get(f"/api/v1/recalls/{recall_id}/notices/").json()["results"]
    token = _path(own[0]["ack_url"]).rstrip("/").rsplit("/", 1)[1]
    answer = Client().post(
        f"/api/v1/public/recall-ack/{token}/",
        {"returned": "8000", "destroyed": "500"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.json()

    # The distributor stays silent: reminded twice by the sweep, then escalated.
    now = timezone.now()
    for hours in (49, 98, 147):
        sweep_all(now + timedelta(hours=hours))
    distributor = RecallNotice.objects.get(pk=notices["徐州淮海冷链物流有限公司"].pk)
    assert distributor.reminders_sent == 2 and distributor.escalated_at is not None
    assert Notification.objects.filter(
        topic="recall.consignee_escalated", organization__kind="regulator"
    ).exists()
    sweep_all(now + timedelta(hours=300))  # nothing more for it: exactly once
    assert RecallNotice.objects.get(pk=distributor.pk).escalated_at == distributor.escalated_at

    # Late, the distributor and the dairy answer from their own links.
    for username in ("distributor", "producer"):
        own = as_user(username).get(f"/api/v1/recalls/{recall_id}/notices/").json()["results"]
        token = _path(own[0]["ack_url"]).rstrip("/").rsplit("/", 1)[1]
        held = Decimal(own[0]["held"])
        assert (
            Client()
            .post(
                f"/api/v1/public/recall-ack/{token}/",
                {"returned": str(held)},
                content_type="application/json",
            )
            .status_code
            == 201
        )

    progress = ranch.post(
        f"/api/v1/recalls/{recall_id}/progress-reports/",
        {"note": "四家收货方均已确认"},
        format="json",
    )
    assert progress.status_code == 201, progress.json()
    report = progress.json()
    assert report["consignees_answered"] == report["consignees_total"] == 4
    assert Decimal(report["units_recovered"]) > 0 and Decimal(report["units_destroyed"]) == 500
    assert report["recalled_over_sold"] is not None and report["recalled_over_planned"] is not None
    assert report["target_met"] is True

    assert (
        ranch.post(f"/api/v1/recalls/{recall_id}/complete/", {}, format="json").json()["status"]
        == "completed"
    )
    summary = ranch.post(
        f"/api/v1/recalls/{recall_id}/summary-report/",
        {"conclusion": "在库产品全部退回销毁"},
        format="json",
    )
    assert summary.status_code == 201
    closed = as_user("city-regulator").post(
        f"/api/v1/recalls/{recall_id}/close/", {}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    timeline = ranch.get(f"/api/v1/recalls/{recall_id}/timeline/", {"page_size": 500}).json()[
        "results"
    ]
    actions = [row["action"] for row in timeline]
    for expected in (
        "created",
        "scope_proposed",
        "scope_confirmed",
        "submitted",
        "approved",
        "activated",
        "consignee_acknowledged",
        "consignee_reminded",
        "consignee_escalated",
        "progress_report_filed",
        "completed",
        "summary_report_filed",
        "closed",
    ):
        assert expected in actions, expected
    assert actions.index("activated") < actions.index("consignee_escalated")
    assert actions.index("activated") < actions.index("closed")

    public = Client().get("/api/v1/public/recalls/").json()["results"]
    assert created.json()["number"] in [r["number"] for r in public]
    feed = Client().get("/api/v1/public/recalls/feed.atom")
    assert feed.status_code == 200 and created.json()["number"] in feed.content.decode()
    notice_page = phone.get(f"/recalls/{created.json()['number']}/")
    assert notice_page.status_code == 200 and "彭城原味酸奶召回公告" in notice_page.content.decode()


def test_the_demo_has_a_closed_and_an_active_recall(demo):
    statuses = sorted(Recall.objects.values_list("status", flat=True))
    assert statuses == ["active", "closed"]
    public = Client().get("/api/v1/public/recalls/", {"status": "closed"}).json()["results"]
    assert [r["status"] for r in public] == ["closed"]


def test_a_drill_changes_nothing_and_reports_its_times(demo):
    """A mock recall: the same scope computed, nobody notified, no lot changed."""
    raw, yogurt = demo
    before = (Notification.objects.count(), Event.objects.count(), Recall.objects.count())
    drill = as_user("ranch").post("/api/v1/recalls/drill/", {"batches": [raw.pk]}, format="json")
    assert drill.status_code == 201, drill.json()
    body = drill.json()
    assert body["lots"] == 2 and body["holders"] == 4
    assert body["total_seconds"] >= body["scope_seconds"] >= 0
    yogurt.refresh_from_db()
    assert yogurt.status == "active"
    assert (Notification.objects.count(), Event.objects.count(), Recall.objects.count()) == before
