"""Food recalls (《食品召回管理办法》, two texts) and food-safety incidents (the national plan,
provincial plans)."""

from __future__ import annotations

from ..model import Text, Unit, art
from .instruments import (
    CD,
    CFDA_12_FROM,
    CFDA_12_TO,
    CFDA_ORDER_12,
    FOOD_SAFETY_LAW,
    FOOD_SAFETY_LAW_FROM,
    GRADE_NAME_ZH,
    GRADE_ZH,
    JIANGSU_FOOD_MANUAL,
    NATIONAL_FOOD_PLAN,
    ORDER_122_FROM,
    PROVINCIAL_FOOD_PLAN,
    ROMAN,
    SAMR_ORDER_122,
    UNVERIFIED,
    VERIFIED,
    VERIFIED_2,
    WD,
    H,
    make_rule,
)

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
    make_rule(
        "food_recall.plan_contents",
        8,
        Unit.ITEMS,
        CFDA_ORDER_12,
        art(14),
        VERIFIED_2,
        CFDA_12_FROM,
        CFDA_12_TO,
        en="The food recall plan contains: the producer and its contact; the food, its batches "
        "and quantity and the recall area; the reason and the harm; the grade, process and time "
        "limits; the notice or announcement and its channel; the duties of related businesses; "
        "the disposal and its costs; the expected effect",
        zh="食品召回计划的内容：生产者及联系方式；食品名称、批次、数量及召回区域；召回原因及危害后果；召回等级、流程及时限；召回通知或公告的内容及发布方式；相关食品生产经营者的义务和责任；召回食品的处置措施、费用承担情况；召回的预期效果",
        phrase="召回等级、流程及时限 / 召回的预期效果",
    ),
    make_rule(
        "food_recall.plan_contents",
        8,
        Unit.ITEMS,
        SAMR_ORDER_122,
        art(12),
        VERIFIED,
        ORDER_122_FROM,
        en="The food recall plan contains: the business and its licence or filing number; the "
        "food, incl. its shelf-life expiry date; production, sales and the quantity to recall; "
        "the reason and the harm; the grade, time limit, area and measures; the notice and "
        "announcement and their channels; the disposal and who pays; other matters",
        zh="食品召回计划的内容：生产经营者基本信息；食品信息（含保质期到期日）；生产销售情况及拟召回数量；召回原因及危害；召回等级、时限、区域范围及措施；召回通知、公告的内容及发布方式；处置措施及费用承担；其他",
        phrase="召回等级、时限、区域范围及措施",
    ),
    # Text A: CFDA Order 12, recalls started up to 2026-11-30.
    *(
        make_rule(
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
            zh=f"{GRADE_ZH[g]}级食品召回：知悉食品安全风险后启动召回并向县级以上市场监督管理部门报告召回计划的时限",
            phrase="应当在知悉食品安全风险后24小时内启动召回，并向县级以上地方市场监督管理部门报告召回计划"
            if g == 1
            else "",
            note=_TEXT_A_CLOCK,
        )
        for g, hours in ((1, 24), (2, 48), (3, 72))
    ),
    *(
        make_rule(
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
            zh=f"{GRADE_ZH[g]}级食品召回：自召回公告发布之日起完成召回的工作日时限（经同意可延长）",
            phrase="自公告发布之日起10个工作日内完成召回工作" if g == 1 else "",
            note=_TEXT_A_CLOCK,
        )
        for g, days in ((1, 10), (2, 20), (3, 30))
    ),
    make_rule(
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
    # Who may order a food recall (责令召回): any county-or-higher regulator under the law
    # alone; from 2026-12-01 the notice to recall is a districted city's or higher.
    make_rule(
        "food_recall.order_level",
        "county",
        Unit.LEVEL,
        FOOD_SAFETY_LAW,
        art(63),
        VERIFIED_2,
        FOOD_SAFETY_LAW_FROM,
        CFDA_12_TO,
        en="The lowest level of regulator that may order a food business that has not recalled "
        "or stopped to do so",
        zh="可以责令未依法召回或者停止经营的食品生产经营者召回的最低监管层级",
        phrase="县级以上人民政府食品安全监督管理部门可以责令其召回或者停止经营",
        note=Text(
            zh="条文内容见法律第六十三条第四款；原文措辞经二次来源核对。",
            en="Art. 63 ¶4 of the law; its wording checked against secondary sources.",
        ),
    ),
    make_rule(
        "food_recall.order_level",
        "city",
        Unit.LEVEL,
        SAMR_ORDER_122,
        art(20),
        VERIFIED,
        ORDER_122_FROM,
        en="The lowest level of regulator that may issue a notice ordering a food recall "
        "(责令召回通知书): a districted city or higher",
        zh="可以发出责令召回通知书的最低监管层级：设区的市级以上地方市场监督管理部门",
        phrase="设区的市级以上地方市场监督管理部门可以发出责令召回通知书",
    ),
    # Who receives the food recall plan (and so approves it on the workbench): under text A any
    # county-or-higher regulator; under text B the Art. 5 ¶3 regulator, chosen by the level that
    # licensed or filed the business. The project records no licensing level: a business counts
    # as licensed or filed at county level, so its plan goes to the districted city (the
    # provincial regulator, which licenses the rest, may receive it too).
    make_rule(
        "food_recall.plan_receiver_level",
        "county",
        Unit.LEVEL,
        CFDA_ORDER_12,
        art(13),
        VERIFIED_2,
        CFDA_12_FROM,
        CFDA_12_TO,
        en="The lowest level of regulator a food recall plan is reported to: the county or higher",
        zh="食品召回计划报告的最低监管层级：县级以上地方市场监督管理部门",
        phrase="向县级以上地方市场监督管理部门报告召回计划",
    ),
    make_rule(
        "food_recall.plan_receiver_level",
        "city",
        Unit.LEVEL,
        SAMR_ORDER_122,
        art(5, 3),
        VERIFIED,
        ORDER_122_FROM,
        en="The level of regulator a food recall plan is reported to: the districted city for a "
        "business licensed or filed at county level (the province for one the province or a "
        "districted city licensed)",
        zh="食品召回计划报告的监管层级：县级许可、备案的食品生产经营者报设区的市级市场监督管理部门（省级、设区的市级许可的报省级）",
        phrase="设区的市级市场监督管理部门负责对县级市场监督管理部门许可、备案的食品生产经营者",
        note=Text(
            zh="本系统不记录许可层级：默认企业由县级许可或备案，召回计划报设区的市级市场监督管理部门；省级市场监督管理部门亦可接收。",
            en="The project records no licensing level: a business counts as licensed or filed "
            "at county level, so the plan goes to the districted city; the provincial regulator "
            "may receive it too.",
        ),
    ),
    # Text B: SAMR Order 122, recalls started from 2026-12-01.
    *(
        make_rule(
            f"food_recall.grade{g}.start_hours",
            hours,
            H,
            SAMR_ORDER_122,
            art(11),
            VERIFIED,
            ORDER_122_FROM,
            en=f"Grade {g} food recall: finish launching it (grade, plan, notices, announcement, "
            "plan reported) within this many hours of discovering the risk",
            zh=f"{GRADE_ZH[g]}级食品召回：发现食品安全风险后完成召回启动（定级、计划、通知、公告、报告计划）的时限",
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
        make_rule(
            f"food_recall.grade{g}.complete_days",
            days,
            CD,
            SAMR_ORDER_122,
            art(15),
            VERIFIED,
            ORDER_122_FROM,
            en=f"Grade {g} food recall: complete within this many calendar days of submitting "
            "the recall plan (extendable with the regulator's consent)",
            zh=f"{GRADE_ZH[g]}级食品召回：自报送召回计划之日起完成召回的日数（自然日，经同意可延长）",
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
        make_rule(
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
            zh=f"{GRADE_ZH[g]}级食品召回：召回期间向县级市场监督管理部门报告进展的间隔日数"
            + ("（主动实施的二级、三级召回可免予过程报告）" if g > 1 else ""),
            phrase=phrase,
        )
        for g, days, phrase in (
            (1, 1, "属于一级召回的，还应当每日报告"),
            (2, 5, "二级召回的，还应当每5日报告一次"),
            (3, 10, "三级召回的，还应当每10日报告一次"),
        )
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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


# Who reports to whom, who responds and who investigates: the Food Safety Law fixes the tiers,
# the national plan the response by grade; neither sets hours for government tiers.
FOOD_INCIDENTS += [
    make_rule(
        "food_incident.report_up_min_level",
        "city",
        Unit.LEVEL,
        FOOD_SAFETY_LAW,
        art(103, 3),
        VERIFIED,
        FOOD_SAFETY_LAW_FROM,
        en="The county regulator reports every food-safety incident to its government and to "
        "the regulator of the level above: the lowest level the report reaches",
        zh="县级食品安全监督管理部门向本级人民政府和上级人民政府食品安全监督管理部门报告：报告至少到达的层级",
        phrase="按照应急预案的规定向本级人民政府和上级人民政府食品安全监督管理部门报告",
    ),
    make_rule(
        "food_incident.investigator_min_level",
        "city",
        Unit.LEVEL,
        FOOD_SAFETY_LAW,
        art(106),
        VERIFIED,
        FOOD_SAFETY_LAW_FROM,
        en="The liability investigation of a food-safety incident is run by the regulator of "
        "a districted city or higher (a grade II incident across provinces: the State Council's)",
        zh="食品安全事故责任调查由设区的市级以上人民政府食品安全监督管理部门组织（涉及两个以上省份的重大事故由国务院食品安全监督管理部门组织）",
        phrase="涉及两个以上省、自治区、直辖市的重大食品安全事故由国务院食品安全监督管理部门…组织事故责任调查",
    ),
    *(
        make_rule(
            f"food_incident.grade{g}.response_level",
            level,
            Unit.LEVEL,
            NATIONAL_FOOD_PLAN,
            Text(zh="分级响应", en="graded response"),
            VERIFIED_2,
            None,
            en=f"A grade {ROMAN[g]} food-safety incident is responded to (command set up) at "
            "this level",
            zh=f"{GRADE_NAME_ZH[g]}食品安全事故的应急响应层级",
            phrase="分别由事故所在地省、市、县级人民政府组织成立相应应急处置指挥机构"
            if g > 1
            else "",
        )
        for g, level in ((1, "national"), (2, "province"), (3, "city"), (4, "county"))
    ),
]

# Jiangsu's grading (template B, the province profile by default): the figures a report carries.
_JIANGSU = Text(zh="事故分级（模板B）", en="grading (template B)")
_JIANGSU_NOTE = Text(
    zh="江苏2020年修订的省级预案未读到；此为此前操作手册的标准。",
    en="Jiangsu's 2020 revision of its provincial plan was not read; these are the earlier "
    "manual's criteria.",
)
FOOD_INCIDENTS += [
    make_rule(
        f"food_incident.jiangsu.grade{g}.{name}",
        value,
        Unit.PEOPLE,
        JIANGSU_FOOD_MANUAL,
        _JIANGSU,
        VERIFIED_2,
        None,
        en=f"Grade {ROMAN[g]} food-safety incident (Jiangsu): {en}",
        zh=f"{GRADE_NAME_ZH[g]}食品安全事故（江苏）：{zh}",
        note=_JIANGSU_NOTE,
    )
    for g, name, value, en, zh in (
        (2, "harmed_people", 100, "at least this many people harmed, and a death", "受害人数达到此数并出现死亡"),
        (2, "deaths", 10, "at least this many deaths", "死亡人数达到此数"),
        (3, "harmed_people", 100, "at least this many people harmed (or any death)", "受害人数达到此数（或出现死亡）"),
        (3, "deaths", 1, "at least this many deaths", "死亡人数达到此数"),
        (4, "harmed_people", 30, "at least this many people harmed, no death", "受害人数达到此数且无死亡"),
    )
]  # fmt: skip
