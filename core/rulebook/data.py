"""The rules: every figure the workflows use, with the instrument and article it comes from.

Transcribed from the project's sourced digest of the regulations (RULEBOOK.md, whose
"Fact-check (second reader)" section prevails over its earlier rows). Status words are the
digest's: VERIFIED (read in a full text), VERIFIED-2 (read in a repost or news item),
UNVERIFIED (not read: a setting with this default). A figure that changed keeps one rule per
text, each with the dates that text is in force: a case is judged by the text of its date.

Thresholds are reached at the figure itself ("以上" includes the number: Regulation on
Work-Safety Accident Reporting Art. 3 ¶3; "以下" excludes it). Day periods start the day
after the triggering day (Civil Code Art. 201); hour periods at the stated moment.

Change a figure here, then run ``manage.py rules_doc`` (docs/RULES.md is generated from this
module and a test refuses a stale copy).
"""

from __future__ import annotations

from datetime import date

from .model import Instrument, Rule, Status, Text, Unit, art, arts

VERIFIED, VERIFIED_2, UNVERIFIED = Status.VERIFIED, Status.VERIFIED_2, Status.UNVERIFIED
H, WD, CD = Unit.HOURS, Unit.WORKING_DAYS, Unit.CALENDAR_DAYS

# --- the instruments -------------------------------------------------------------------

CFDA_ORDER_12 = Instrument(
    "cfda-order-12",
    Text(
        zh="《食品召回管理办法》（原国家食品药品监督管理总局令第12号，2015年）",
        en="Food Recall Measures (former CFDA Order 12, 2015)",
    ),
)
SAMR_ORDER_122 = Instrument(
    "samr-order-122",
    Text(
        zh="《食品召回管理办法》（国家市场监督管理总局令第122号，2026年）",
        en="Food Recall Measures (SAMR Order 122, 2026)",
    ),
)
NATIONAL_FOOD_PLAN = Instrument(
    "national-food-incident-plan-2011",
    Text(
        zh="《国家食品安全事故应急预案》（2011年修订）",
        en="National Food Safety Incident Emergency Plan (2011 revision)",
    ),
)
PROVINCIAL_FOOD_PLAN = Instrument(
    "provincial-food-incident-plan",
    Text(
        zh="省级食品安全事故应急预案（默认取常见的模板A，应按本省预案设置）",
        en="Provincial food-safety incident emergency plan (default: the common template A; "
        "set your province's plan)",
    ),
)
SAMR_ORDER_50 = Instrument(
    "samr-order-50",
    Text(
        zh="《特种设备事故报告和调查处理规定》（国家市场监督管理总局令第50号）",
        en="Provisions on Reporting, Investigating and Handling Special-Equipment Accidents "
        "(SAMR Order 50)",
    ),
)
SPECIAL_EQUIPMENT_REGULATION = Instrument(
    "state-council-order-373",
    Text(
        zh="《特种设备安全监察条例》（国务院令第373号，2009年修订）",
        en="Regulations on Safety Supervision of Special Equipment "
        "(State Council Order 373, revised 2009)",
    ),
)
LOCAL_PRODUCT_PLAN = Instrument(
    "local-product-incident-plan",
    Text(
        zh="地方产品质量安全突发事件应急预案（应按本地预案设置）",
        en="Local product-quality incident emergency plan (set your locality's plan)",
    ),
)
LOCAL_PRODUCT_REPORTING = Instrument(
    "county-product-incident-reporting",
    Text(
        zh="县级质量技术监督部门产品质量安全事件报告制度（模板）",
        en="County quality-supervision product-incident reporting system (template)",
    ),
)
SAMR_ORDER_19 = Instrument(
    "samr-order-19",
    Text(
        zh="《消费品召回管理暂行规定》（国家市场监督管理总局令第19号）",
        en="Interim Provisions on the Administration of Consumer Product Recalls (SAMR Order 19)",
    ),
)
SAMR_ORDER_20 = Instrument(
    "samr-order-20",
    Text(
        zh="《市场监督管理投诉举报处理暂行办法》（国家市场监督管理总局令第20号，2022年修正）",
        en="Interim Measures for Handling Complaints and Reports in Market Regulation "
        "(SAMR Order 20, as amended 2022)",
    ),
)
CONSUMER_RIGHTS_REGULATION = Instrument(
    "state-council-order-778",
    Text(
        zh="《中华人民共和国消费者权益保护法实施条例》（国务院令第778号）",
        en="Regulation for the Implementation of the Consumer Rights Protection Law "
        "(State Council Order 778)",
    ),
)
PENALTY_PROCEDURE = Instrument(
    "samr-order-2",
    Text(
        zh="《市场监督管理行政处罚程序规定》（国家市场监督管理总局令第2号，2022年修正）",
        en="Provisions on Administrative Penalty Procedures for Market Regulation "
        "(SAMR Order 2, as amended 2022)",
    ),
)
SUZHOU_AWARD = Instrument(
    "suzhou-mayors-quality-award-2016",
    Text(
        zh="《苏州市市长质量奖评定管理办法》（苏州市人民政府，2016年）",
        en="Suzhou Mayor's Quality Award Measures (Suzhou Municipal Government, 2016)",
    ),
)
FDA_RECALL_POLICY = Instrument(
    "21-cfr-7",
    Text(
        zh="美国《联邦法规》第21编第7部分C分部（FDA召回政策，指南性质）",
        en="21 CFR Part 7 Subpart C (FDA recall policy; guidance)",
    ),
)

INSTRUMENTS = (
    CFDA_ORDER_12,
    SAMR_ORDER_122,
    NATIONAL_FOOD_PLAN,
    PROVINCIAL_FOOD_PLAN,
    SAMR_ORDER_50,
    SPECIAL_EQUIPMENT_REGULATION,
    LOCAL_PRODUCT_PLAN,
    LOCAL_PRODUCT_REPORTING,
    SAMR_ORDER_19,
    SAMR_ORDER_20,
    CONSUMER_RIGHTS_REGULATION,
    PENALTY_PROCEDURE,
    SUZHOU_AWARD,
    FDA_RECALL_POLICY,
)

# Dates in force (RULEBOOK.md; None where the digest gives none).
CFDA_12_FROM, CFDA_12_TO = date(2015, 9, 1), date(2026, 11, 30)
ORDER_122_FROM = date(2026, 12, 1)  # Order 122 Art. 42, which repeals CFDA Order 12
ORDER_50_FROM = date(2022, 3, 1)
ORDER_19_FROM = date(2020, 1, 1)
ORDER_20_FROM = date(2020, 1, 1)  # Art. 40; the text read is the 2022 consolidation
REGULATION_778_FROM = date(2024, 7, 1)
SUZHOU_AWARD_FROM = date(2016, 12, 1)  # Art. 34


def _rule(
    key: str,
    value,
    unit: Unit,
    instrument: Instrument,
    article: Text,
    status: Status,
    since: date | None,
    until: date | None = None,
    *,
    en: str,
    zh: str,
    phrase: str = "",
    note: Text | None = None,
) -> Rule:
    return Rule(
        key=key,
        value=value,
        unit=unit,
        title=Text(zh=zh, en=en),
        instrument=instrument,
        article=article,
        status=status,
        in_force_from=since,
        in_force_to=until,
        phrase=phrase,
        note=note,
    )


_GRADE_ZH = {1: "一", 2: "二", 3: "三"}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_GRADE_NAME_ZH = {1: "Ⅰ级（特别重大）", 2: "Ⅱ级（重大）", 3: "Ⅲ级（较大）", 4: "Ⅳ级（一般）"}


# --- food recalls: 《食品召回管理办法》, two texts ------------------------------------------

_TEXT_A_CLOCK = Text(
    zh="旧办法自知悉食品安全风险起计算启动时限，自召回公告发布之日起按工作日计算完成时限。",
    en="The old text counts the launch from learning of the risk (知悉) and completion in "
    "working days from the recall announcement.",
)
_TEXT_B_CLOCK = Text(
    zh="新办法自发现食品安全风险起计算，须在时限内完成第十条的全部启动步骤；完成时限自报送召回计划之日起按日（自然日）计算。",
    en="The new text counts from discovering the risk (发现); launching means finishing every "
    "Art. 10 step (grade, plan, notices, announcement, plan reported); completion counts "
    "calendar days from submitting the plan.",
)

FOOD_RECALLS = [
    # Text A: CFDA Order 12, recalls started up to 2026-11-30.
    *(
        _rule(
            f"food_recall.grade{g}.start_hours",
            hours,
            H,
            CFDA_ORDER_12,
            art(13),
            VERIFIED_2,
            CFDA_12_FROM,
            CFDA_12_TO,
            en=f"Grade {g} food recall: launch within this many hours of learning of the risk "
            "and report the plan to the county-or-higher regulator",
            zh=f"{_GRADE_ZH[g]}级食品召回：知悉食品安全风险后启动召回并向县级以上市场监督管理部门报告召回计划的时限",
            phrase="应当在知悉食品安全风险后24小时内启动召回，并向县级以上地方市场监督管理部门报告召回计划"
            if g == 1
            else "",
            note=_TEXT_A_CLOCK,
        )
        for g, hours in ((1, 24), (2, 48), (3, 72))
    ),
    *(
        _rule(
            f"food_recall.grade{g}.complete_days",
            days,
            WD,
            CFDA_ORDER_12,
            art(17),
            VERIFIED_2,
            CFDA_12_FROM,
            CFDA_12_TO,
            en=f"Grade {g} food recall: complete within this many working days of the recall "
            "announcement (extendable with the regulator's consent)",
            zh=f"{_GRADE_ZH[g]}级食品召回：自召回公告发布之日起完成召回的工作日时限（经同意可延长）",
            phrase="自公告发布之日起10个工作日内完成召回工作" if g == 1 else "",
            note=_TEXT_A_CLOCK,
        )
        for g, days in ((1, 10), (2, 20), (3, 30))
    ),
    _rule(
        "food_recall.records_years",
        2,
        Unit.YEARS,
        CFDA_ORDER_12,
        art(26),
        UNVERIFIED,
        CFDA_12_FROM,
        CFDA_12_TO,
        en="Keep the records of stopping, recalling and disposing of the food at least this long",
        zh="停止生产经营、召回和处置记录的最短保存期限",
        note=Text(zh="条文序号和原文均未核实。", en="Article number and wording not verified."),
    ),
    # Text B: SAMR Order 122, recalls started from 2026-12-01.
    *(
        _rule(
            f"food_recall.grade{g}.start_hours",
            hours,
            H,
            SAMR_ORDER_122,
            art(11),
            VERIFIED,
            ORDER_122_FROM,
            en=f"Grade {g} food recall: finish launching it (grade, plan, notices, announcement, "
            "plan reported) within this many hours of discovering the risk",
            zh=f"{_GRADE_ZH[g]}级食品召回：发现食品安全风险后完成召回启动（定级、计划、通知、公告、报告计划）的时限",
            phrase=phrase,
            note=_TEXT_B_CLOCK,
        )
        for g, hours, phrase in (
            (1, 24, "属于一级召回的…应当在发现食品安全风险后24小时内完成召回启动"),
            (2, 36, "属于二级召回的…36小时内"),
            (3, 48, "属于三级召回的…48小时内完成召回启动"),
        )
    ),
    *(
        _rule(
            f"food_recall.grade{g}.complete_days",
            days,
            CD,
            SAMR_ORDER_122,
            art(15),
            VERIFIED,
            ORDER_122_FROM,
            en=f"Grade {g} food recall: complete within this many calendar days of submitting "
            "the recall plan (extendable with the regulator's consent)",
            zh=f"{_GRADE_ZH[g]}级食品召回：自报送召回计划之日起完成召回的日数（自然日，经同意可延长）",
            phrase=phrase,
            note=_TEXT_B_CLOCK,
        )
        for g, days, phrase in (
            (1, 10, "实施一级召回的，应当自报送召回计划之日起10日内完成召回"),
            (2, 20, "…二级召回的…20日内…"),
            (3, 30, "…三级召回的…30日内完成召回"),
        )
    ),
    *(
        _rule(
            f"food_recall.grade{g}.progress_report_days",
            days,
            CD,
            SAMR_ORDER_122,
            art(24),
            VERIFIED,
            ORDER_122_FROM,
            en=f"Grade {g} food recall: report progress to the county regulator every this many "
            "days during the recall"
            + (" (a voluntary grade 2 or 3 recall is exempt)" if g > 1 else ""),
            zh=f"{_GRADE_ZH[g]}级食品召回：召回期间向县级市场监督管理部门报告进展的间隔日数"
            + ("（主动实施的二级、三级召回可免予过程报告）" if g > 1 else ""),
            phrase=phrase,
        )
        for g, days, phrase in (
            (1, 1, "属于一级召回的，还应当每日报告"),
            (2, 5, "二级召回的，还应当每5日报告一次"),
            (3, 10, "三级召回的，还应当每10日报告一次"),
        )
    ),
    _rule(
        "food_recall.final_report_days",
        5,
        CD,
        SAMR_ORDER_122,
        art(24),
        VERIFIED,
        ORDER_122_FROM,
        en="Report to the county regulator within this many days after the recall and disposal end",
        zh="食品召回和处理结束后向所在地县级市场监督管理部门报告的日数",
        phrase="应当在食品召回和处理结束后5日内向所在地县级市场监督管理部门报告",
    ),
    _rule(
        "food_recall.records_years",
        2,
        Unit.YEARS,
        SAMR_ORDER_122,
        art(23),
        VERIFIED,
        ORDER_122_FROM,
        en="Keep the recall records (notices, announcements, returns, disposal) at least this "
        "long, and at least food_recall.records_months_after_expiry after the shelf life ends",
        zh="召回记录（通知、公告、退货、处置等）的最短保存年数，且不少于保质期到期日后规定月数",
        phrase="记录保存期限不得少于食品保质期到期日后6个月，且不得少于2年",
    ),
    _rule(
        "food_recall.records_months_after_expiry",
        6,
        Unit.MONTHS,
        SAMR_ORDER_122,
        art(23),
        VERIFIED,
        ORDER_122_FROM,
        en="Keep the recall records at least this many months after the food's shelf life ends",
        zh="召回记录在食品保质期到期日后的最短保存月数",
        phrase="记录保存期限不得少于食品保质期到期日后6个月，且不得少于2年",
    ),
]


# --- food-safety incidents: national plan (business reports), provincial plans (grades) ----

_TEMPLATE_A = Text(
    zh="事故分级标准（省级预案模板A）", en="grading criteria (provincial plan template A)"
)
_PROVINCE_NOTE = Text(
    zh="国家预案不设数值分级，标准见各省预案且各地不同：请按事故发生地所在省的预案设置。",
    en="The national plan sets no numeric grades; they come from each province's plan and "
    "differ: set the plan of the incident's province.",
)

FOOD_INCIDENTS = [
    _rule(
        "food_incident.business_report_hours",
        2,
        H,
        NATIONAL_FOOD_PLAN,
        Text(zh="4.2.2（1）", en="§4.2.2 (1)"),
        VERIFIED_2,
        None,
        en="A food business that finds its food caused or may cause harm reports within this "
        "many hours to the county health department and its supervising department",
        zh="食品生产经营者发现其食品造成或可能造成健康损害的，向县级卫生行政部门和监管部门报告的时限",
        phrase="应当在2小时内向所在地县级卫生行政部门和负责本单位食品安全监管工作的有关部门报告",
        note=Text(
            zh="《食品安全法》第一百零三条只要求“及时”报告，未设小时数。",
            en="The Food Safety Law (Art. 103) says only 'in time'; the hours are the plan's.",
        ),
    ),
    _rule(
        "food_incident.group_illness_report_hours",
        2,
        H,
        NATIONAL_FOOD_PLAN,
        Text(zh="4.2.2（2）", en="§4.2.2 (2)"),
        VERIFIED_2,
        None,
        en="A unit where acute group illness possibly linked to food occurs reports within "
        "this many hours",
        zh="发生可能与食品有关的急性群体性健康损害的单位报告的时限",
        phrase="发生可能与食品有关的急性群体性健康损害的单位，应当在2小时内…报告",
    ),
    _rule(
        "food_incident.regulator_initial_report_hours",
        1,
        H,
        PROVINCIAL_FOOD_PLAN,
        Text(zh="信息报告（地方预案）", en="information reporting (local plan)"),
        UNVERIFIED,
        None,
        en="A regulator makes its initial report of a grade III-or-higher food incident within "
        "this many hours of learning of it",
        zh="监管部门知悉较大及以上食品安全事故后作出初次报告的时限",
        note=Text(
            zh="仅见于个别地方预案的示例（国家预案未设政府层级时限）。",
            en="Seen only as an example in a local plan (the national plan sets no hours for "
            "government tiers).",
        ),
    ),
    _rule(
        "food_incident.grade2.poisoned_people",
        100,
        Unit.PEOPLE,
        PROVINCIAL_FOOD_PLAN,
        _TEMPLATE_A,
        UNVERIFIED,
        None,
        en="Grade II (重大): one poisoning of at least this many people with a death",
        zh="Ⅱ级（重大）：1起食物中毒事件中毒人数达到此数并出现死亡病例",
        phrase="1起食物中毒事件中毒人数在100人以上并出现死亡病例",
        note=_PROVINCE_NOTE,
    ),
    _rule(
        "food_incident.grade2.deaths",
        10,
        Unit.PEOPLE,
        PROVINCIAL_FOOD_PLAN,
        _TEMPLATE_A,
        UNVERIFIED,
        None,
        en="Grade II (重大): at least this many deaths",
        zh="Ⅱ级（重大）：死亡人数达到此数",
        phrase="或出现10人以上死亡",
        note=_PROVINCE_NOTE,
    ),
    _rule(
        "food_incident.grade3.poisoned_people",
        100,
        Unit.PEOPLE,
        PROVINCIAL_FOOD_PLAN,
        _TEMPLATE_A,
        UNVERIFIED,
        None,
        en="Grade III (较大): one poisoning of at least this many people (or any death)",
        zh="Ⅲ级（较大）：1起食物中毒事件中毒人数达到此数（或出现死亡病例）",
        note=_PROVINCE_NOTE,
    ),
    _rule(
        "food_incident.grade3.deaths",
        1,
        Unit.PEOPLE,
        PROVINCIAL_FOOD_PLAN,
        _TEMPLATE_A,
        UNVERIFIED,
        None,
        en="Grade III (较大): at least this many deaths",
        zh="Ⅲ级（较大）：死亡人数达到此数",
        note=_PROVINCE_NOTE,
    ),
    _rule(
        "food_incident.grade4.poisoned_people",
        30,
        Unit.PEOPLE,
        PROVINCIAL_FOOD_PLAN,
        _TEMPLATE_A,
        UNVERIFIED,
        None,
        en="Grade IV (一般): one poisoning of at least this many people, no death",
        zh="Ⅳ级（一般）：1起食物中毒事件中毒人数达到此数且无死亡病例",
        note=_PROVINCE_NOTE,
    ),
]


# --- special-equipment accidents: SAMR Order 50 (reporting), the Regulations (grades) -------

SPECIAL_EQUIPMENT = [
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
        f"incident.special_equipment.grade{g}.{name}",
        value,
        unit,
        SPECIAL_EQUIPMENT_REGULATION,
        art(60 + g),
        VERIFIED,
        None,
        en=f"Grade {_ROMAN[g]} special-equipment accident: {en}",
        zh=f"特种设备{_GRADE_NAME_ZH[g]}事故：{zh}",
        phrase=phrase,
    )
    for g, name, value, unit, en, zh, phrase in _SE_GRADES
]


# --- product-quality incidents, general products: local plans only -------------------------

_LOCAL_GRADING = Text(zh="事故分级（以本地预案为准）", en="grading (per the local plan)")
_ORDER_493_MODEL = Text(
    zh="无国家法律法规为一般产品质量安全事故分级；默认值取多数地方预案参照的生产安全事故分级（国务院令第493号第三条），该条例本身不适用于产品质量事故。",
    en="No national law grades general product-quality incidents; the default is the "
    "work-safety grading most local plans borrow (State Council Order 493 Art. 3), which does "
    "not itself govern product incidents.",
)
_ORDER_493_CLOCK = Text(
    zh="默认值取地方预案常参照的生产安全事故报告时限（国务院令第493号），该条例本身不适用于产品质量事故。",
    en="The default is the work-safety figure local plans often borrow (State Council "
    "Order 493), which does not itself govern product incidents.",
)
_TEMPLATE_NOTE = Text(
    zh="来源为县级报告制度模板，权威性低。",
    en="From a county reporting-system template; low authority.",
)

PRODUCT_INCIDENTS = [
    *(
        _rule(
            f"incident.product.grade{g}.{name}",
            value,
            unit,
            LOCAL_PRODUCT_PLAN,
            _LOCAL_GRADING,
            UNVERIFIED,
            None,
            en=f"Grade {_ROMAN[g]} product-quality incident: {en}",
            zh=f"产品质量安全{_GRADE_NAME_ZH[g]}事件：{zh}",
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
        _rule(
            f"incident.product.grade{g}.top_level",
            level,
            Unit.LEVEL,
            LOCAL_PRODUCT_PLAN,
            Text(zh="信息报告（以本地预案为准）", en="reporting (per the local plan)"),
            UNVERIFIED,
            None,
            en=f"A grade {_ROMAN[g]} product-quality incident is reported up to this level",
            zh=f"产品质量安全{_GRADE_NAME_ZH[g]}事件逐级上报至的层级",
            note=_ORDER_493_CLOCK,
        )
        for g, level in ((1, "national"), (2, "national"), (3, "province"), (4, "city"))
    ),
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
        "incident.product.supplement_days",
        30,
        CD,
        LOCAL_PRODUCT_PLAN,
        Text(zh="续报（以本地预案为准）", en="follow-up reports (per the local plan)"),
        UNVERIFIED,
        None,
        en="For this many days after the incident, a change in casualties is reported",
        zh="事件发生之日起须补报伤亡人数变化的期间",
        note=_ORDER_493_CLOCK,
    ),
    _rule(
        "incident.product.investigation_days",
        60,
        CD,
        LOCAL_PRODUCT_PLAN,
        Text(zh="调查处理（以本地预案为准）", en="investigation (per the local plan)"),
        UNVERIFIED,
        None,
        en="The investigation report is due within this many days of the incident",
        zh="自事件发生之日起提交调查报告的日数",
        note=_ORDER_493_CLOCK,
    ),
    _rule(
        "incident.product.investigation_extension_days",
        60,
        CD,
        LOCAL_PRODUCT_PLAN,
        Text(zh="调查处理（以本地预案为准）", en="investigation (per the local plan)"),
        UNVERIFIED,
        None,
        en="The investigation may be extended by at most this many days",
        zh="调查可延长的最长日数",
        note=_ORDER_493_CLOCK,
    ),
]


# --- consumer-product defects and recalls: SAMR Order 19 -----------------------------------

CONSUMER_RECALLS = [
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
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


# --- complaints and reports: SAMR Order 20, the 2024 Regulation, the penalty procedure -----

COMPLAINTS = [
    _rule(
        "complaint.accept_working_days",
        7,
        WD,
        SAMR_ORDER_20,
        art(14),
        VERIFIED,
        ORDER_20_FROM,
        en="Decide whether to accept a complaint, and tell the complainant, within this many "
        "working days of receiving it",
        zh="自收到投诉之日起作出受理或者不予受理决定并告知投诉人的工作日时限",
        phrase="应当自收到投诉之日起七个工作日内作出受理或者不予受理的决定，并告知投诉人",
        note=Text(
            zh="自2024年7月1日起，《消费者权益保护法实施条例》第四十六条第二款亦规定7个工作日内处理并告知消费者。",
            en="From 2024-07-01 the Consumer Rights Regulation (Art. 46 ¶2) also requires "
            "handling and telling the consumer within 7 working days.",
        ),
    ),
    _rule(
        "complaint.mediation_days",
        45,
        WD,
        SAMR_ORDER_20,
        art(21, 1, 5),
        VERIFIED,
        ORDER_20_FROM,
        date(2024, 6, 30),
        en="Mediation ends if no agreement is reached within this many working days of "
        "acceptance (testing and appraisal time excluded)",
        zh="自投诉受理之日起未能达成调解协议即终止调解的工作日时限（检测鉴定时间不计入）",
        phrase="自投诉受理之日起四十五个工作日内…未能达成调解协议的",
    ),
    _rule(
        "complaint.mediation_days",
        60,
        CD,
        CONSUMER_RIGHTS_REGULATION,
        art(46, 3),
        VERIFIED,
        REGULATION_778_FROM,
        en="Mediation is finished within this many days of acceptance, or terminated (testing "
        "and appraisal time excluded)",
        zh="自受理之日起调解完毕的日数，调解不成的终止调解（鉴定、检测时间不计入）",
        phrase="并在受理之日起60日内调解完毕；调解不成的应当终止调解",
        note=Text(
            zh="与第20号令第二十一条（45个工作日）冲突：行政法规效力高于部门规章，适用60日；45个工作日仅作第二道检查（complaint.mediation_working_days）。",
            en="Conflicts with Order 20 Art. 21 (45 working days): the State Council regulation "
            "outranks the SAMR rule, so 60 days apply; the 45 working days remain a second check "
            "only (complaint.mediation_working_days).",
        ),
    ),
    _rule(
        "complaint.mediation_working_days",
        45,
        WD,
        SAMR_ORDER_20,
        art(21, 1, 5),
        VERIFIED,
        ORDER_20_FROM,
        en="Order 20's own mediation limit in working days from acceptance (since 2024-07-01 a "
        "second check behind complaint.mediation_days)",
        zh="第20号令规定的调解期限（自受理之日起的工作日；2024年7月1日起仅作第二道检查）",
        phrase="自投诉受理之日起四十五个工作日内…未能达成调解协议的",
    ),
    _rule(
        "complaint.mediation_termination_notice_working_days",
        7,
        WD,
        SAMR_ORDER_20,
        art(21, 2),
        VERIFIED,
        ORDER_20_FROM,
        en="Both parties are told of the decision to end mediation within this many working days",
        zh="自作出终止调解决定之日起告知投诉人和被投诉人的工作日时限",
        phrase="应当自作出终止调解决定之日起七个工作日内告知投诉人和被投诉人",
    ),
    _rule(
        "complaint.limitation_years",
        3,
        Unit.YEARS,
        SAMR_ORDER_20,
        art(15, item=4),
        VERIFIED,
        ORDER_20_FROM,
        en="A complaint is not accepted more than this many years after the complainant knew or "
        "should have known of the infringement (unless a law provides otherwise)",
        zh="投诉人知道或者应当知道权益受到侵害之日起超过此年数的投诉不予受理（法律另有规定的除外）",
        phrase="投诉人知道或者应当知道自己的权益受到被投诉人侵害之日起超过三年的",
    ),
    _rule(
        "complaint.clue_check_working_days",
        15,
        WD,
        SAMR_ORDER_20,
        art(23),
        VERIFIED,
        ORDER_20_FROM,
        en="A violation clue found during mediation is checked within this many working days "
        "of its discovery",
        zh="调解中发现违法线索的，自发现之日起核查的工作日时限",
        phrase="应当自发现之日起十五个工作日内予以核查",
    ),
    _rule(
        "complaint.clue_check_extension_working_days",
        15,
        WD,
        SAMR_ORDER_20,
        art(23),
        VERIFIED,
        ORDER_20_FROM,
        en="In special cases that check may be extended by this many working days",
        zh="特殊情况下核查时限可延长的工作日数",
        phrase="特殊情况下，核查时限可以延长十五个工作日",
    ),
]

REPORTS = [
    _rule(
        "report.case_decision_working_days",
        15,
        WD,
        PENALTY_PROCEDURE,
        art(18),
        VERIFIED,
        None,
        en="A report (举报) is checked and the decision whether to open a case taken within "
        "this many working days of receiving it (testing and appraisal time excluded)",
        zh="自收到举报材料之日起核查并决定是否立案的工作日时限（检测鉴定时间不计入）",
        phrase="应当自发现线索或者收到材料之日起十五个工作日内予以核查，由市场监督管理部门负责人决定是否立案",
        note=Text(
            zh="举报按行政处罚程序处理（第20号令第三十一条）。",
            en="Reports are handled under the penalty procedure (Order 20 Art. 31).",
        ),
    ),
    _rule(
        "report.case_decision_extension_working_days",
        15,
        WD,
        PENALTY_PROCEDURE,
        art(18),
        VERIFIED,
        None,
        en="In special cases that period may be extended by this many working days, with approval",
        zh="特殊情况下经批准可延长的工作日数",
        phrase="特殊情况下…可以延长十五个工作日",
    ),
    _rule(
        "report.reporter_notice_working_days",
        5,
        WD,
        SAMR_ORDER_20,
        art(31, 2),
        VERIFIED,
        ORDER_20_FROM,
        en="A real-name reporter is told within this many working days of the decision whether "
        "to open a case",
        zh="实名举报的，自作出是否立案决定之日起告知举报人的工作日时限",
        phrase="举报人实名举报的，有处理权限的市场监督管理部门还应当自作出是否立案决定之日起五个工作日内告知举报人",
    ),
    _rule(
        "report.jurisdiction_dispute_working_days",
        7,
        WD,
        SAMR_ORDER_20,
        art(30),
        VERIFIED,
        ORDER_20_FROM,
        en="Regulators disputing jurisdiction over a report settle it within this many working "
        "days, else their common superior designates one",
        zh="市场监督管理部门之间管辖争议自发生之日起协商解决的工作日时限",
        phrase="应当自发生争议之日起七个工作日内协商解决",
    ),
]


# --- quality-award holders (seed 004) ------------------------------------------------------

AWARDS = [
    _rule(
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
    _rule(
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


# --- FDA cross-check: effectiveness-check levels, 21 CFR 7.42(b)(3) -------------------------

_CFR_742 = Text(zh="§7.42(b)(3)", en="§7.42(b)(3)")

FDA = [
    _rule(
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

RULES: tuple[Rule, ...] = (
    *FOOD_RECALLS,
    *FOOD_INCIDENTS,
    *SPECIAL_EQUIPMENT,
    *PRODUCT_INCIDENTS,
    *CONSUMER_RECALLS,
    *COMPLAINTS,
    *REPORTS,
    *AWARDS,
    *FDA,
)
