"""The instruments the rules come from, the dates they are in force, and the helper that
writes a rule."""

from __future__ import annotations

from datetime import date

from ..model import Instrument, Rule, Status, Text, Unit

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
FOOD_SAFETY_LAW = Instrument(
    "food-safety-law",
    Text(
        zh="《中华人民共和国食品安全法》（2015年修订，2021年修正）",
        en="Food Safety Law of the PRC (revised 2015, amended 2021)",
    ),
)
JIANGSU_FOOD_MANUAL = Instrument(
    "jiangsu-food-incident-manual",
    Text(
        zh="江苏省食品安全事故应急处置操作手册（分级标准，省级预案模板B）",
        en="Jiangsu food-safety incident handling manual (grading; provincial template B)",
    ),
)
SPECIAL_EQUIPMENT_LAW = Instrument(
    "special-equipment-safety-law",
    Text(
        zh="《中华人民共和国特种设备安全法》（2013年）",
        en="Special Equipment Safety Law of the PRC (2013)",
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
SIP_AWARD = Instrument(
    "sip-quality-award-2023",
    Text(
        zh="《苏州工业园区质量奖评定管理办法》（苏州工业园区管理委员会，2023年）",
        en="Suzhou Industrial Park Quality Award Measures (SIP Administrative Committee, 2023)",
    ),
)
HANGZHOU_QUALITY = Instrument(
    "hangzhou-quality-promotion-2021",
    Text(
        zh="《杭州市质量促进办法》（杭州市人民政府令第327号，2021年）",
        en="Hangzhou Quality Promotion Measures (Hangzhou Government Order 327, 2021)",
    ),
)
XINJIANG_QUALITY = Instrument(
    "xinjiang-quality-promotion-2024",
    Text(
        zh="《新疆维吾尔自治区质量促进条例》（2024年）",
        en="Xinjiang Uygur Autonomous Region Quality Promotion Regulation (2024)",
    ),
)
SICHUAN_QUALITY_DRAFT = Instrument(
    "sichuan-quality-promotion-draft-2020",
    Text(
        zh="《四川省质量促进条例（征求意见稿）》（2020年）",
        en="Sichuan Quality Promotion Regulation (draft for comment, 2020)",
    ),
)
STATE_COUNCIL_ORDER_503 = Instrument(
    "state-council-order-503",
    Text(
        zh="《国务院关于加强食品等产品安全监督管理的特别规定》（2007年，国务院令第503号）",
        en="Special Provisions of the State Council on Strengthening the Supervision of the "
        "Safety of Food and Other Products (2007, State Council Order 503)",
    ),
)
LOCAL_CREDIT_POLICY = Instrument(
    "local-credit-policy",
    Text(
        zh="本省质量信用分类监管的地方规定（应按本地规定设置）",
        en="The province's local rules on classified quality-credit supervision "
        "(set your province's)",
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
    FOOD_SAFETY_LAW,
    JIANGSU_FOOD_MANUAL,
    SPECIAL_EQUIPMENT_LAW,
    SAMR_ORDER_50,
    SPECIAL_EQUIPMENT_REGULATION,
    LOCAL_PRODUCT_PLAN,
    LOCAL_PRODUCT_REPORTING,
    SAMR_ORDER_19,
    SAMR_ORDER_20,
    CONSUMER_RIGHTS_REGULATION,
    PENALTY_PROCEDURE,
    SUZHOU_AWARD,
    SIP_AWARD,
    HANGZHOU_QUALITY,
    XINJIANG_QUALITY,
    SICHUAN_QUALITY_DRAFT,
    STATE_COUNCIL_ORDER_503,
    LOCAL_CREDIT_POLICY,
    FDA_RECALL_POLICY,
)

# Dates in force (RULEBOOK.md; None where the digest gives none).
CFDA_12_FROM, CFDA_12_TO = date(2015, 9, 1), date(2026, 11, 30)
ORDER_122_FROM = date(2026, 12, 1)  # Order 122 Art. 42, which repeals CFDA Order 12
ORDER_50_FROM = date(2022, 3, 1)
FOOD_SAFETY_LAW_FROM = date(2015, 10, 1)  # the 2015 revision (Art. 154), numbering kept since
SPECIAL_EQUIPMENT_LAW_FROM = date(2014, 1, 1)
ORDER_19_FROM = date(2020, 1, 1)
ORDER_20_FROM = date(2020, 1, 1)  # Art. 40; the text read is the 2022 consolidation
REGULATION_778_FROM = date(2024, 7, 1)
SUZHOU_AWARD_FROM = date(2016, 12, 1)  # Art. 34
SIP_AWARD_FROM, SIP_AWARD_TO = date(2023, 11, 1), date(2028, 10, 31)  # Art. 36
HANGZHOU_QUALITY_FROM = date(2021, 9, 15)  # Order 327
XINJIANG_QUALITY_FROM = date(2024, 11, 1)


def make_rule(
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


GRADE_ZH = {1: "一", 2: "二", 3: "三"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
GRADE_NAME_ZH = {1: "Ⅰ级（特别重大）", 2: "Ⅱ级（重大）", 3: "Ⅲ级（较大）", 4: "Ⅳ级（一般）"}
