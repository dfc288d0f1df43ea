"""Demo complaints and a risk signal on the demo dairy chain.

Called by ``manage.py seed_demo`` after the incidents; a second run adds nothing. One complaint
mediated to an agreement (a refund), one converted to an incident, two more injury complaints on the same lot
that raise an injury risk signal (3 in 7 days), one fresh complaint awaiting a decision; and one
real-name report (举报, SAMR Order 20 Art. 3) awaiting the county's decision whether to open a case.
"""

from datetime import timedelta
from trace.demo.seed import demo_yogurt_batch
from trace.models import Batch

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import report_services, services
from .models import Complaint, Report


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def _mediated(yogurt: Batch, county, now) -> None:
    """Accepted, replied, mediated to an agreement (a refund) when the maker has a member who
    may agree; closed otherwise."""
    answered = services.complaint_submit(
        batch=yogurt,
        description="酸奶开盖后有酸臭味，已停止食用。",
        injured=False,
        contact_name="李女士",
        contact_phone="13900001111",
        contact_address="江苏省徐州市铜山区北京南路8号",
        claim="refund",
        respondent={
            "purchase_place": "铜山区万家福超市",
            "purchase_date": (now - timedelta(days=8)).date(),
            "purchase_price": "12.80",
        },
        now=now - timedelta(days=6),
    )
    services.complaint_accept(
        complaint_id=answered.pk,
        actor=county,
        reason="属于本局管辖，予以受理",
        now=now - timedelta(days=5),
    )
    services.complaint_reply(
        complaint_id=answered.pk,
        actor=county,
        now=now - timedelta(days=2),
        reply="经核查，该批次冷链运输中断约2小时；企业已为您办理退款并整改冷链。",
    )
    producer = answered.respondent_organization
    maker = (
        get_user_model()
        .objects.filter(
            membership__organization=producer, membership__role__in=("admin", "operator")
        )
        .order_by("id")
        .first()
        if producer
        else None
    )
    if maker is None:
        services.complaint_close(
            complaint_id=answered.pk, actor=county, now=now - timedelta(days=1)
        )
        return
    services.complaint_agree_mediation(
        complaint_id=answered.pk,
        actor=maker,
        answer="同意调解，愿意退款。",
        now=now - timedelta(days=2),
    )
    services.complaint_record_agreement(
        complaint_id=answered.pk,
        actor=county,
        agreement="企业退还货款12.80元并赔偿一箱同款酸奶。",
        now=now - timedelta(days=1),
    )


def _injuries(second: Batch, county, now) -> None:
    """Three injury complaints on one lot (a risk signal); the first turned into an incident."""
    converted = services.complaint_submit(
        batch=second,
        description="孩子喝后呕吐腹泻，去医院就诊。",
        injured=True,
        contact_name="王先生",
        contact_phone="13700002222",
        contact_address="江苏省徐州市泉山区中山路2号",
        claim="compensation",
        now=now - timedelta(days=2),
    )
    services.complaint_submit(
        batch=second,
        description="喝完肚子疼，腹泻两次。",
        injured=True,
        contact_name="赵先生",
        contact_phone="13600003333",
        contact_address="江苏省徐州市云龙区和平路3号",
        claim="compensation",
        now=now - timedelta(days=1, hours=6),
    )
    services.complaint_submit(
        batch=second,
        description="同一批次，家人两人腹泻。",
        injured=True,
        contact_phone="0516-83001234",
        now=now - timedelta(hours=20),
    )
    services.complaint_accept(
        complaint_id=converted.pk, actor=county, now=now - timedelta(hours=18)
    )
    services.complaint_convert(
        complaint_id=converted.pk,
        actor=county,
        title="酸奶疑致多人腹泻（消费者投诉）",
        reason="多起伤害投诉，立案调查",
        now=now - timedelta(hours=17),
    )


def _undecided(yogurt: Batch, now) -> None:
    """A fresh one awaiting a decision, and one the county left undecided past its decision
    deadline (Order 20 Art. 14): the sweep escalates it to Xuzhou city, whose regulator can
    take it over or urge the county."""
    services.complaint_submit(
        batch=yogurt,
        description="包装上的生产日期模糊看不清。",
        injured=False,
        now=now - timedelta(hours=2),
    )
    services.complaint_submit(
        batch=yogurt,
        description="酸奶胀袋，超市拒绝退货。",
        injured=False,
        contact_name="陈女士",
        contact_phone="13800004444",
        contact_address="江苏省徐州市鼓楼区中山北路9号",
        claim="refund",
        respondent={
            "purchase_place": "鼓楼区惠民超市",
            "purchase_date": (now - timedelta(days=22)).date(),
            "purchase_price": "9.90",
        },
        now=now - timedelta(days=20),
    )


@transaction.atomic
def seed_complaints() -> int:
    """Create the demo complaints once; returns how many were created."""
    county, yogurt = _user("county-regulator"), demo_yogurt_batch()
    if county is None or yogurt is None or Complaint.objects.exists():
        return 0
    second = (
        Batch.objects.filter(gtin=yogurt.gtin).exclude(pk=yogurt.pk).order_by("id").first()
        or yogurt
    )
    now = timezone.now()
    _mediated(yogurt, county, now)
    _injuries(second, county, now)
    _undecided(yogurt, now)
    services.complaints_sweep(now)
    return 6


def seed_reports() -> int:
    """One real-name report on the demo dairy's yogurt lot, submitted through
    ``report_services.report_submit`` a day ago, to the Tongshan county regulator (Order 20
    Art. 25); returns how many were created."""
    yogurt = demo_yogurt_batch()
    if yogurt is None or Report.objects.exists():
        return 0
    report_services.report_submit(
        subject="冷库温度记录涉嫌造假",
        enterprise_name="徐州彭城乳业有限公司",
        region_code="320312",
        address="江苏省徐州市铜山区银山路8号",
        facts="该厂冷库夜间多次停机，温度记录表却每天填写为4℃；涉及批次见标签。",
        gtin=yogurt.gtin,
        lot=yogurt.lot,
        contact_name="周先生",
        contact_phone="13500005555",
        now=timezone.now() - timedelta(days=1),
    )
    return 1
