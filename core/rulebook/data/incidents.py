"""Special-equipment accidents (SAMR Order 50, the Regulations), product-quality incidents
(local plans only) and quality-award holders' reports (seed 004)."""

from __future__ import annotations

from ..model import Text, Unit, art, arts
from .instruments import (
    CD,
    GRADE_NAME_ZH,
    LOCAL_PRODUCT_PLAN,
    LOCAL_PRODUCT_REPORTING,
    ORDER_50_FROM,
    ROMAN,
    SAMR_ORDER_50,
    SPECIAL_EQUIPMENT_LAW,
    SPECIAL_EQUIPMENT_LAW_FROM,
    SPECIAL_EQUIPMENT_REGULATION,
    SUZHOU_AWARD,
    SUZHOU_AWARD_FROM,
    UNVERIFIED,
    VERIFIED,
    VERIFIED_2,
    H,
    make_rule,
)

# --- special-equipment accidents: SAMR Order 50 (reporting), the Regulations (grades) -------

SPECIAL_EQUIPMENT = [
    make_rule(
        "incident.special_equipment.report_hours",
        1,
        H,
        SAMR_ORDER_50,
        art(7),
        VERIFIED,
        ORDER_50_FROM,
        en="The head of the accident unit reports within this many hours of being told, to the "
        "county-or-higher market regulator and other departments",
        zh="事故发生单位负责人接到报告后向县级以上市场监督管理部门和有关部门报告的时限",
        phrase="事故发生单位的负责人接到报告后，应当于1小时内向事故发生地的县级以上市场监督管理部门和有关部门报告",
    ),
    make_rule(
        "incident.special_equipment.pass_up_hours",
        2,
        H,
        SAMR_ORDER_50,
        art(8),
        VERIFIED,
        ORDER_50_FROM,
        en="Each regulator passes the report up to the next level (up to SAMR) within this many "
        "hours; it may skip levels",
        zh="市场监督管理部门逐级上报直至国家市场监督管理总局，每级上报的时限",
        phrase="逐级报告上级市场监督管理部门直至国家市场监督管理总局。每级上报的时间不得超过2小时",
    ),
    make_rule(
        "incident.special_equipment.system_backfill_hours",
        24,
        H,
        SAMR_ORDER_50,
        art(9),
        VERIFIED,
        ORDER_50_FROM,
        en="A report that could not go through the special-equipment accident system from the "
        "scene is entered there within this many hours of receiving it",
        zh="无法在现场通过特种设备事故管理系统报告的，接到事故报告后补报的时限",
        phrase="应当在接到事故报告后24小时内通过系统进行补报",
    ),
    make_rule(
        "incident.special_equipment.casualty_change_window_days",
        30,
        CD,
        SAMR_ORDER_50,
        art(11),
        VERIFIED,
        ORDER_50_FROM,
        en="For this many days after the accident, a change in casualties must be reported",
        zh="事故发生之日起须续报伤亡人数变化的期间",
        phrase="自事故发生之日起30日内，事故伤亡人数发生变化的，应当在发生变化的24小时内及时续报",
    ),
    make_rule(
        "incident.special_equipment.casualty_change_report_hours",
        24,
        H,
        SAMR_ORDER_50,
        art(11),
        VERIFIED,
        ORDER_50_FROM,
        en="A change in casualties is reported within this many hours of the change",
        zh="伤亡人数发生变化后续报的时限",
        phrase="自事故发生之日起30日内，事故伤亡人数发生变化的，应当在发生变化的24小时内及时续报",
    ),
    make_rule(
        "incident.special_equipment.investigation_days",
        60,
        CD,
        SAMR_ORDER_50,
        art(30),
        VERIFIED,
        ORDER_50_FROM,
        en="The investigation ends within this many days of the investigation team's formation "
        "(loss-assessment and technical-appraisal time excluded)",
        zh="事故调查自事故调查组成立之日起结束的日数（损失评估、技术鉴定时间不计入）",
        phrase="特种设备事故调查应当自事故调查组成立之日起60日内结束",
    ),
    make_rule(
        "incident.special_equipment.investigation_extension_days",
        60,
        CD,
        SAMR_ORDER_50,
        art(30),
        VERIFIED,
        ORDER_50_FROM,
        en="The investigation may be extended by at most this many days",
        zh="事故调查可延长的最长日数",
    ),
    make_rule(
        "incident.special_equipment.report_dispatch_days",
        15,
        CD,
        SAMR_ORDER_50,
        arts(32, 37),
        VERIFIED,
        ORDER_50_FROM,
        en="The investigation report and its reply are sent out within this many days of the reply",
        zh="事故调查报告及批复自批复之日起送达的日数",
    ),
    make_rule(
        "incident.special_equipment.report_filing_days",
        30,
        CD,
        SAMR_ORDER_50,
        arts(32, 37),
        VERIFIED,
        ORDER_50_FROM,
        en="The investigation report and its reply are sent up to SAMR within this many days "
        "of the reply",
        zh="事故调查报告及批复自批复之日起报送国家市场监督管理总局的日数",
    ),
]

# Grades I-IV: the Regulations Arts. 61 (I), 62 (II), 63 (III), 64 (IV).
_SE_GRADES: list[tuple[int, str, object, Unit, str, str, str]] = [
    (1, "deaths", 30, Unit.PEOPLE, "at least this many deaths", "死亡人数达到此数", ""),
    (1, "serious_injuries", 100, Unit.PEOPLE, "at least this many seriously injured (incl. acute industrial poisoning)", "重伤（包括急性工业中毒）人数达到此数", ""),
    (1, "direct_loss_yuan", 100_000_000, Unit.YUAN, "direct economic loss of at least this much", "直接经济损失达到此数", ""),
    (1, "evacuated_people", 150_000, Unit.PEOPLE, "a leak of toxic media forces at least this many people to move", "有毒介质泄漏造成转移的人数达到此数", ""),
    (1, "boiler_explosion_mw", 600, Unit.MEGAWATTS, "explosion of a boiler of at least this capacity", "锅炉爆炸，其容量达到此数", ""),
    (1, "stranded_people", 100, Unit.PEOPLE, "a passenger ropeway or large amusement ride strands at least this many people aloft (for grade1.stranded_hours)", "客运索道、大型游乐设施高空滞留人数达到此数（时间达到grade1.stranded_hours）", ""),
    (1, "stranded_hours", 48, Unit.HOURS, "... for at least this many hours", "……且滞留时间达到此数", ""),
    (2, "deaths", 10, Unit.PEOPLE, "at least this many deaths", "死亡人数达到此数", ""),
    (2, "serious_injuries", 50, Unit.PEOPLE, "at least this many seriously injured (incl. acute industrial poisoning)", "重伤（包括急性工业中毒）人数达到此数", ""),
    (2, "direct_loss_yuan", 50_000_000, Unit.YUAN, "direct economic loss of at least this much", "直接经济损失达到此数", ""),
    (2, "evacuated_people", 50_000, Unit.PEOPLE, "a leak of toxic media forces at least this many people to move", "有毒介质泄漏造成转移的人数达到此数", ""),
    (2, "boiler_outage_mw", 600, Unit.MEGAWATTS, "a boiler of at least this capacity stops on a safety fault (for grade2.boiler_outage_hours)", "锅炉因安全故障中断运行，其容量达到此数（时间达到grade2.boiler_outage_hours）", ""),
    (2, "boiler_outage_hours", 240, Unit.HOURS, "... for at least this many hours", "……且中断运行时间达到此数", ""),
    (2, "stranded_people", 100, Unit.PEOPLE, "a passenger ropeway or large amusement ride strands at least this many people aloft (for grade2.stranded_hours)", "客运索道、大型游乐设施高空滞留人数达到此数（时间达到grade2.stranded_hours）", ""),
    (2, "stranded_hours", 24, Unit.HOURS, "... for at least this many hours", "……且滞留时间达到此数", ""),
    (3, "deaths", 3, Unit.PEOPLE, "at least this many deaths", "死亡人数达到此数", ""),
    (3, "serious_injuries", 10, Unit.PEOPLE, "at least this many seriously injured (incl. acute industrial poisoning)", "重伤（包括急性工业中毒）人数达到此数", ""),
    (3, "direct_loss_yuan", 10_000_000, Unit.YUAN, "direct economic loss of at least this much", "直接经济损失达到此数", ""),
    (3, "evacuated_people", 10_000, Unit.PEOPLE, "a leak of toxic media forces at least this many people to move", "有毒介质泄漏造成转移的人数达到此数", ""),
    (3, "stranded_hours", 12, Unit.HOURS, "a passenger ropeway or large amusement ride strands people aloft for at least this many hours (also: any boiler, pressure-vessel or pipeline explosion; a crane overturning)", "客运索道、大型游乐设施高空滞留时间达到此数（另：锅炉、压力容器、压力管道爆炸；起重机械整体倾覆）", ""),
    (4, "direct_loss_yuan", 10_000, Unit.YUAN, "direct economic loss of at least this much (any death or serious injury below grade III also counts)", "直接经济损失达到此数（未达Ⅲ级的死亡、重伤亦属一般事故）", "或者1万元以上1000万元以下直接经济损失的"),
    (4, "evacuated_people", 500, Unit.PEOPLE, "a leak of toxic media forces at least this many people to move", "有毒介质泄漏造成转移的人数达到此数", ""),
    (4, "lift_stranded_hours", 2, Unit.HOURS, "a lift car strands people for at least this many hours", "电梯轿厢滞留人员时间达到此数", "电梯轿厢滞留人员2小时以上的"),
    (4, "ropeway_stranded_hours", 3.5, Unit.HOURS, "a passenger ropeway strands people aloft for at least this many hours", "客运索道高空滞留人员时间达到此数", ""),
    (4, "ride_stranded_hours", 1, Unit.HOURS, "a large amusement ride strands people aloft for at least this many hours", "大型游乐设施高空滞留人员时间达到此数", ""),
]  # fmt: skip

SPECIAL_EQUIPMENT += [
    make_rule(
        f"incident.special_equipment.grade{g}.{name}",
        value,
        unit,
        SPECIAL_EQUIPMENT_REGULATION,
        art(60 + g),
        VERIFIED,
        None,
        en=f"Grade {ROMAN[g]} special-equipment accident: {en}",
        zh=f"特种设备{GRADE_NAME_ZH[g]}事故：{zh}",
        phrase=phrase,
    )
    for g, name, value, unit, en, zh, phrase in _SE_GRADES
]


SPECIAL_EQUIPMENT += [
    make_rule(
        "incident.special_equipment.report_up_to",
        "national",
        Unit.LEVEL,
        SAMR_ORDER_50,
        art(8),
        VERIFIED,
        ORDER_50_FROM,
        en="Every special-equipment accident is reported up level by level to this level (SAMR)",
        zh="特种设备事故逐级上报直至的层级（国家市场监督管理总局）",
        phrase="逐级报告上级市场监督管理部门直至国家市场监督管理总局",
    ),
    *(
        make_rule(
            f"incident.special_equipment.grade{g}.investigator_level",
            level,
            Unit.LEVEL,
            SPECIAL_EQUIPMENT_LAW,
            art(72),
            VERIFIED,
            SPECIAL_EQUIPMENT_LAW_FROM,
            en=f"A grade {ROMAN[g]} special-equipment accident is investigated at this level"
            + (" (the State Council or whom it authorises)" if g == 1 else ""),
            zh=f"特种设备{GRADE_NAME_ZH[g]}事故的调查层级",
            phrase="发生一般事故，由设区的市级人民政府负责特种设备安全监督管理的部门…调查"
            if g == 4
            else "",
        )
        for g, level in ((1, "national"), (2, "national"), (3, "province"), (4, "city"))
    ),
]


# --- product-quality incidents, general products: local plans only -------------------------

_LOCAL_GRADING = Text(zh="事故分级（以本地预案为准）", en="grading (per the local plan)")
_ORDER_493_MODEL = Text(
    zh="无国家法律法规为一般产品质量安全事故分级；默认值取许多地方预案参照的生产安全事故分级（国务院令第493号第三条），该条例本身不适用于产品质量事故。",
    en="No national law grades general product-quality incidents; the default is the "
    "work-safety grading many local plans borrow (State Council Order 493 Art. 3), which does "
    "not itself govern product incidents.",
)


def _order_493_clock(article: int) -> Text:
    """The note of a default taken from an article of the work-safety regulation. The local
    plans in RULEBOOK.md borrow its grading (Art. 3) only; its clocks are not shown borrowed."""
    numeral = {10: "十", 13: "十三", 29: "二十九"}[article]
    return Text(
        zh=f"默认值取自《生产安全事故报告和调查处理条例》（国务院令第493号第{numeral}条）；"
        "地方预案的分级参照该条例，该条例本身不适用于产品质量事故，未见地方预案沿用此时限或层级，请按本地预案设置。",
        en=f"The default is taken from the work-safety regulation (State Council Order 493 "
        f"Art. {article}), whose grading local plans borrow; it does not itself govern product "
        "incidents and no local plan was seen borrowing this figure: set the local plan's.",
    )


_TEMPLATE_NOTE = Text(
    zh="来源为县级报告制度模板，权威性低。",
    en="From a county reporting-system template; low authority.",
)

PRODUCT_INCIDENTS = [
    *(
        make_rule(
            f"incident.product.grade{g}.{name}",
            value,
            unit,
            LOCAL_PRODUCT_PLAN,
            _LOCAL_GRADING,
            UNVERIFIED,
            None,
            en=f"Grade {ROMAN[g]} product-quality incident: {en}",
            zh=f"产品质量安全{GRADE_NAME_ZH[g]}事件：{zh}",
            note=_ORDER_493_MODEL,
        )
        for g, (deaths, injuries, loss) in (
            (1, (30, 100, 100_000_000)),
            (2, (10, 50, 50_000_000)),
            (3, (3, 10, 10_000_000)),
        )
        for name, value, unit, en, zh in (
            ("deaths", deaths, Unit.PEOPLE, "at least this many deaths", "死亡人数达到此数"),
            (
                "serious_injuries",
                injuries,
                Unit.PEOPLE,
                "at least this many seriously injured",
                "重伤人数达到此数",
            ),
            (
                "direct_loss_yuan",
                loss,
                Unit.YUAN,
                "direct economic loss of at least this much",
                "直接经济损失达到此数",
            ),
        )
    ),
    *(
        make_rule(
            f"incident.product.grade{g}.top_level",
            level,
            Unit.LEVEL,
            LOCAL_PRODUCT_PLAN,
            Text(zh="信息报告（以本地预案为准）", en="reporting (per the local plan)"),
            UNVERIFIED,
            None,
            en=f"A grade {ROMAN[g]} product-quality incident is reported up to this level",
            zh=f"产品质量安全{GRADE_NAME_ZH[g]}事件逐级上报至的层级",
            note=_order_493_clock(10),
        )
        for g, level in ((1, "national"), (2, "national"), (3, "province"), (4, "city"))
    ),
    *(
        make_rule(
            f"incident.product.grade{g}.investigator_level",
            level,
            Unit.LEVEL,
            LOCAL_PRODUCT_PLAN,
            Text(zh="调查处理（以本地预案为准）", en="investigation (per the local plan)"),
            UNVERIFIED,
            None,
            en=f"A grade {ROMAN[g]} product-quality incident is investigated at this level",
            zh=f"产品质量安全{GRADE_NAME_ZH[g]}事件的调查层级",
            note=Text(
                zh="默认值按分级由相应层级负责（特别重大：国家；重大：省；较大：设区的市；一般：县）；请按本地预案设置。",
                en="The default gives each grade to its level (I national, II province, III city, "
                "IV county); set the local plan's.",
            ),
        )
        for g, level in ((1, "national"), (2, "province"), (3, "city"), (4, "county"))
    ),
    make_rule(
        "incident.product.report_hours",
        1,
        H,
        LOCAL_PRODUCT_REPORTING,
        Text(zh="初次报告", en="initial report"),
        UNVERIFIED,
        None,
        en="Initial report within this many hours of learning of a major product-quality incident",
        zh="知悉重大产品质量安全事件后作出初次报告的时限",
        phrase="在知悉重大产品质量安全事件后1小时内作出初次报告",
        note=_TEMPLATE_NOTE,
    ),
    make_rule(
        "incident.product.pass_up_hours",
        2,
        H,
        LOCAL_PRODUCT_REPORTING,
        Text(zh="逐级上报", en="reporting up"),
        UNVERIFIED,
        None,
        en="The local regulator passes the report up within this many hours",
        zh="地方监管部门向上级报告的时限",
        phrase="在2小时内报告至省级质监部门",
        note=_TEMPLATE_NOTE,
    ),
    make_rule(
        "incident.product.summary_days",
        10,
        CD,
        LOCAL_PRODUCT_REPORTING,
        Text(zh="总结报告", en="summary report"),
        UNVERIFIED,
        None,
        en="Summary report within this many days after the incident's handling ends",
        zh="事件处理结束后作出总结报告的日数",
        phrase="在事件处理结束后10日内作出总结报告",
        note=_TEMPLATE_NOTE,
    ),
    make_rule(
        "incident.product.supplement_days",
        30,
        CD,
        LOCAL_PRODUCT_PLAN,
        Text(zh="续报（以本地预案为准）", en="follow-up reports (per the local plan)"),
        UNVERIFIED,
        None,
        en="For this many days after the incident, a change in casualties is reported",
        zh="事件发生之日起须补报伤亡人数变化的期间",
        note=_order_493_clock(13),
    ),
    make_rule(
        "incident.product.investigation_days",
        60,
        CD,
        LOCAL_PRODUCT_PLAN,
        Text(zh="调查处理（以本地预案为准）", en="investigation (per the local plan)"),
        UNVERIFIED,
        None,
        en="The investigation report is due within this many days of the incident",
        zh="自事件发生之日起提交调查报告的日数",
        note=_order_493_clock(29),
    ),
    make_rule(
        "incident.product.investigation_extension_days",
        60,
        CD,
        LOCAL_PRODUCT_PLAN,
        Text(zh="调查处理（以本地预案为准）", en="investigation (per the local plan)"),
        UNVERIFIED,
        None,
        en="The investigation may be extended by at most this many days",
        zh="调查可延长的最长日数",
        note=_order_493_clock(29),
    ),
]


# --- quality-award holders (seed 004) ------------------------------------------------------

AWARDS = [
    make_rule(
        "award.major_incident_report_days",
        30,
        CD,
        SUZHOU_AWARD,
        art(28),
        VERIFIED_2,
        SUZHOU_AWARD_FROM,
        en="An award holder reports a major quality-safety (or food-safety, work-safety ...) "
        "incident in writing within this many days of its confirmation",
        zh="获奖组织发生重大质量安全等事故的，自确认之日起以书面形式报告的日数",
        phrase="应在确认之日起30日内以书面形式向评定办报告",
        note=Text(
            zh="苏州工业园区质量奖评定管理办法第二十九条（2023年11月1日至2028年10月31日）规定相同的30日。",
            en="The Suzhou Industrial Park award measures (Art. 29, 2023-11-01 to 2028-10-31) "
            "set the same 30 days.",
        ),
    ),
    make_rule(
        "award.incident_free_years",
        3,
        Unit.YEARS,
        SUZHOU_AWARD,
        art(11, item=8),
        VERIFIED_2,
        SUZHOU_AWARD_FROM,
        en="An applicant must have had no grade III-or-higher (较大) incident in this many "
        "years before applying",
        zh="申报前无较大及以上质量安全等事故的年数",
        phrase="申报前3年以内无较大质量安全、环境污染、安全生产、公共卫生、食品安全等事故",
    ),
]
