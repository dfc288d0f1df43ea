"""Consumer-product defects and recalls (SAMR Order 19) and the FDA cross-check (21 CFR 7)."""

from __future__ import annotations

from ..model import Text, Unit, art
from .instruments import (
    FDA_RECALL_POLICY,
    ORDER_19_FROM,
    SAMR_ORDER_19,
    UNVERIFIED,
    VERIFIED,
    VERIFIED_2,
    WD,
    make_rule,
)

# --- consumer-product defects and recalls: SAMR Order 19 -----------------------------------

CONSUMER_RECALLS = [
    make_rule(
        "recall.defect_report_working_days",
        2,
        WD,
        SAMR_ORDER_19,
        art(8, 1),
        VERIFIED,
        ORDER_19_FROM,
        en="A producer or operator whose goods caused or may cause death, serious injury or "
        "major property loss, or were recalled abroad, reports within this many working days "
        "of discovering it",
        zh="消费品已经或可能造成死亡、严重人身伤害、重大财产损失，或在境外实施召回的，自发现之日起报告的工作日时限",
        phrase="应当自发现之日起二个工作日内向所在地省级市场监督管理部门报告",
    ),
    make_rule(
        "recall.defect_report_level",
        "province",
        Unit.LEVEL,
        SAMR_ORDER_19,
        art(8, 1),
        VERIFIED,
        ORDER_19_FROM,
        en="That report goes to the market regulator of this level where the reporter is",
        zh="该报告的接收部门层级（所在地省级市场监督管理部门）",
        phrase="向所在地省级市场监督管理部门报告",
    ),
    make_rule(
        "recall.defect_forward_working_days",
        2,
        WD,
        SAMR_ORDER_19,
        art(8, 2),
        VERIFIED,
        ORDER_19_FROM,
        en="The provincial regulator that received the report tells the producer's provincial "
        "regulator within this many working days",
        zh="接到报告的省级市场监督管理部门通报生产者所在地省级市场监督管理部门的工作日时限",
    ),
    make_rule(
        "recall.investigation_notice_working_days",
        3,
        WD,
        SAMR_ORDER_19,
        art(9, 2),
        VERIFIED,
        ORDER_19_FROM,
        en="The provincial regulator tells the producer to investigate within this many working "
        "days of discovering a possible defect",
        zh="省级市场监督管理部门自发现之日起通知生产者开展调查分析的工作日时限",
        phrase="应当自发现之日起三个工作日内通知生产者开展调查分析",
    ),
    make_rule(
        "recall.objection_working_days",
        10,
        WD,
        SAMR_ORDER_19,
        art(13),
        VERIFIED,
        ORDER_19_FROM,
        en="A producer notified to recall may object within this many working days of receiving "
        "the notice",
        zh="生产者自收到召回通知之日起提出异议的工作日时限",
        phrase="可以自收到通知之日起十个工作日内向通知其召回的市场监督管理部门提出异议",
        note=Text(
            zh="缺陷汽车产品适用另一条例（15个工作日），不适用于此。",
            en="The 15 working days of the vehicle-recall regulation belong to another "
            "instrument and do not apply here.",
        ),
    ),
    make_rule(
        "recall.plan_working_days",
        10,
        WD,
        SAMR_ORDER_19,
        art(17),
        VERIFIED,
        ORDER_19_FROM,
        en="The recall plan is reported within this many working days: of the producer's own "
        "finding (to the provincial regulator), of the notice (to the notifying regulator), or "
        "of the order (to SAMR)",
        zh="召回计划的报告时限：自认为存在缺陷之日起报省级部门、自接到通知之日起报通知部门、自被责令召回之日起报国家市场监督管理总局",
        phrase="应当自调查分析认为消费品存在缺陷之日起十个工作日内向所在地省级市场监督管理部门报告召回计划",
    ),
    make_rule(
        "recall.order_level",
        "national",
        Unit.LEVEL,
        SAMR_ORDER_19,
        art(14),
        VERIFIED,
        ORDER_19_FROM,
        en="A producer that neither recalls nor objects in time, or whose goods are confirmed "
        "defective after its objection, is ordered to recall by the regulator of this level "
        "(SAMR itself)",
        zh="生产者既不实施召回又未在规定期限内提出异议，或经论证确认存在缺陷的，责令召回的部门层级（国家市场监督管理总局）",
        phrase="由国家市场监督管理总局责令其实施召回",
    ),
    make_rule(
        "recall.plan_contents",
        4,
        Unit.ITEMS,
        SAMR_ORDER_19,
        art(18),
        VERIFIED,
        ORDER_19_FROM,
        en="The recall plan contains: the scope, the defect and the emergency handling; the "
        "specific remedy; the body responsible, its contact and the schedule; other matters",
        zh="召回计划的内容：召回范围、缺陷情况及应急处置；具体召回措施；召回负责机构、联系方式、进度安排；其他",
        note=Text(
            zh="消费者须知的公告内容按此计划内容检查：缺陷、危害、消费者现在应做什么、补救措施、联系方式、期限与批次。",
            en="The public notice is checked against these contents: the defect, the hazard, what "
            "consumers should do now, the remedy, a contact, the period and the lots.",
        ),
    ),
    make_rule(
        "recall.public_notice_working_days",
        3,
        WD,
        SAMR_ORDER_19,
        art(19, 2),
        VERIFIED,
        ORDER_19_FROM,
        en="The producer publishes the recall information within this many working days of "
        "reporting the plan",
        zh="生产者自召回计划报告之日起发布召回信息的工作日时限",
        phrase="生产者应当自召回计划报告之日起三个工作日内以便于公众知晓的方式发布召回信息，并接受公众咨询",
    ),
    make_rule(
        "recall.progress_report_months",
        3,
        Unit.MONTHS,
        SAMR_ORDER_19,
        art(21, 1),
        VERIFIED,
        ORDER_19_FROM,
        en="A stage summary goes to the regulator that received the plan every this many months "
        "from the start of the recall",
        zh="自召回实施之日起提交召回阶段性总结的间隔月数",
        phrase="应当自召回实施之日起每三个月向报告召回计划的市场监督管理部门提交召回阶段性总结",
    ),
    make_rule(
        "recall.summary_working_days",
        15,
        WD,
        SAMR_ORDER_19,
        art(21, 1),
        VERIFIED,
        ORDER_19_FROM,
        en="The recall summary is submitted within this many working days of completing the plan",
        zh="完成召回计划后提交召回总结的工作日时限",
        phrase="并在完成召回计划后十五个工作日内提交召回总结",
    ),
    make_rule(
        "recall.records_years",
        5,
        Unit.YEARS,
        SAMR_ORDER_19,
        art(21, 2),
        VERIFIED,
        ORDER_19_FROM,
        en="The producer keeps the recall records at least this many years",
        zh="生产者召回记录的最短保存年数",
        phrase="召回记录的保存期不得少于五年",
    ),
]


# --- FDA cross-check: effectiveness-check levels, 21 CFR 7.42(b)(3) -------------------------

_CFR_742 = Text(zh="§7.42(b)(3)", en="§7.42(b)(3)")

FDA = [
    make_rule(
        f"fda_recall.effectiveness.level_{level.lower()}_percent",
        percent,
        Unit.PERCENT,
        FDA_RECALL_POLICY,
        _CFR_742,
        status,
        None,
        en=f"Effectiveness-check level {level}: share of the consignees to be contacted",
        zh=f"召回有效性检查{level}级：须联系的收货人比例",
        note=None
        if status is VERIFIED_2
        else Text(
            zh="未在一手资料中读到（仅A、B两级见于FDA手册）。",
            en="Not read in a primary source (only levels A and B were, in FDA's manual).",
        ),
    )
    for level, percent, status in (
        ("A", 100, VERIFIED_2),
        ("C", 10, UNVERIFIED),
        ("D", 2, UNVERIFIED),
        ("E", 0, UNVERIFIED),
    )
]
