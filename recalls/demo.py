"""The recalls of the demo: one closed and one still active, on yogurt lots of
their own, so the raw-milk lots and the first yogurt lot stay free for trying a
recall yourself (the ranch recalling a raw-milk lot). Run by ``seed_demo``."""

from datetime import timedelta
from decimal import Decimal
from trace.core import services as trace_services
from trace.demo.seed import YOGURT_GTIN
from trace.models import Batch, Product

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.models import Organization

from . import services
from .choices import RecallType
from .models import Recall

_PLAN = dict(
    recall_type=RecallType.VOLUNTARY,
    depth="consumer",
    target_effectiveness="A",
    remedies=["refund", "replacement"],
    notice_title="彭城原味酸奶 200g 部分批次召回",
    notice_title_en="Recall of some lots of Pengcheng plain yogurt 200 g",
    consumer_action="请立即停止食用所列批次，凭购物凭证到购买门店办理退款或更换。",
    contact="彭城乳业客服热线（工作日 9:00–17:00）",
)


def _users() -> dict:
    User = get_user_model()
    names = ["producer", "distributor", "retailer", "retailer2", "city-regulator"]
    return {
        u.username: u
        for u in User.objects.filter(username__in=names).select_related("membership__organization")
    }


def _yogurt_lot(users, *, suffix: str, to: str, when) -> Batch:
    """A yogurt lot made at the plant, shipped through the distributor to one supermarket."""
    yogurt = Product.objects.get(gtin=YOGURT_GTIN)
    org = {k: users[k].membership.organization for k in ("distributor", "retailer", "retailer2")}
    lot = trace_services.batch_produce(
        product=yogurt,
        lot=f"YG{when:%Y%m%d}{suffix}",
        quantity=Decimal(6000),
        unit="EA",
        production_date=when.date(),
        expiry_date=(when + timedelta(days=21)).date(),
        when=when,
        actor=users["producer"],
    )
    trace_services.batch_ship(
        batch=lot,
        to=org["distributor"],
        quantity=Decimal(5000),
        when=when + timedelta(hours=3),
        actor=users["producer"],
    )
    trace_services.batch_receive(
        batch=lot, when=when + timedelta(hours=6), actor=users["distributor"]
    )
    trace_services.batch_ship(
        batch=lot,
        to=org[to],
        quantity=Decimal(4000),
        when=when + timedelta(hours=20),
        actor=users["distributor"],
    )
    trace_services.batch_receive(batch=lot, when=when + timedelta(hours=26), actor=users[to])
    trace_services.batch_sell(
        batch=lot, quantity=Decimal(900), when=when + timedelta(hours=40), actor=users[to]
    )
    return lot


@transaction.atomic
def seed_recall_demo() -> list[Recall]:
    """Once: a closed recall (answered, reported, closed by the city regulator)
    and an active one still waiting for its consignees."""
    if Recall.objects.exists():
        return []
    users = _users()
    if len(users) < 5:
        return []
    start = timezone.localtime().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(
        days=30
    )
    closed_lot = _yogurt_lot(users, suffix="91", to="retailer2", when=start)
    active_lot = _yogurt_lot(users, suffix="92", to="retailer", when=start + timedelta(days=20))
    producer = users["producer"]

    closed = services.recall_create(
        actor=producer,
        batch_ids=[closed_lot.pk],
        recall_class=2,
        defect="部分产品酸度超出企业标准上限。",
        hazard="可能引起肠胃不适。",
        root_cause="发酵罐温控传感器漂移。",
        notice_text="请停止食用所列批次，凭购物凭证到购买门店办理退款或更换。",
        notice_text_en="Stop eating the lots listed; return them to the shop for a refund or a replacement.",
        planned_end=timezone.localdate(start) + timedelta(days=30),
        **_PLAN,
    )
    services.recall_edit_scope(recall_id=closed.pk, actor=producer, edits=[], confirm=True)
    services.recall_submit(recall_id=closed.pk, actor=producer)
    services.recall_approve(
        recall_id=closed.pk, actor=users["city-regulator"], note="备案材料齐全。"
    )
    services.recall_activate(recall_id=closed.pk, actor=producer)
    for notice in closed.notices.filter(included=True):
        token = services.issue_token(notice)
        services.recall_acknowledge(token=token, data={"returned": notice.held, "on_hand": 0})
    services.recall_file_progress_report(
        recall_id=closed.pk, actor=producer, note="所有收货方已确认并退回。"
    )
    services.recall_complete(recall_id=closed.pk, actor=producer)
    services.recall_file_summary_report(
        recall_id=closed.pk, actor=producer, conclusion="全部在库产品已退回并销毁，召回有效。"
    )
    services.recall_close(recall_id=closed.pk, actor=users["city-regulator"], reason="核查属实。")

    active = services.recall_create(
        actor=producer,
        batch_ids=[active_lot.pk],
        recall_class=1,
        defect="个别包装封口不严，可能导致产品变质。",
        hazard="食用变质产品可能引起食物中毒。",
        root_cause="封口机加热片老化。",
        notice_text="请立即停止食用所列批次，可到购买门店退款或更换。",
        notice_text_en="Stop eating the lots listed at once; the shop refunds or replaces them.",
        planned_end=timezone.localdate() + timedelta(days=30),
        **_PLAN,
    )
    services.recall_edit_scope(recall_id=active.pk, actor=producer, edits=[], confirm=True)
    services.recall_submit(recall_id=active.pk, actor=producer)
    services.recall_activate(recall_id=active.pk, actor=producer)
    return [closed, active]


def demo_recall_summary() -> list[str]:
    return [
        f"{r.number} {r.get_status_display()} {r.notice_title}"
        for r in Recall.objects.filter(
            producer__in=Organization.objects.filter(recalls__isnull=False)
        )
        .distinct()
        .order_by("id")
    ]
