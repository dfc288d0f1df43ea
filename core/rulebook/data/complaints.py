"""Complaints and reports: SAMR Order 20, the 2024 Consumer Rights Regulation, the penalty
procedure."""

from __future__ import annotations

from datetime import date

from ..model import Text, Unit, art
from .instruments import (
    CD,
    CONSUMER_RIGHTS_REGULATION,
    ORDER_20_FROM,
    PENALTY_PROCEDURE,
    REGULATION_778_FROM,
    SAMR_ORDER_20,
    VERIFIED,
    WD,
    make_rule,
)

# --- complaints and reports: SAMR Order 20, the 2024 Regulation, the penalty procedure -----

COMPLAINTS = [
    make_rule(
        "complaint.handling_level",
        "county",
        Unit.LEVEL,
        SAMR_ORDER_20,
        art(12),
        VERIFIED,
        ORDER_20_FROM,
        en="A complaint is handled by the market regulator of this level at the respondent's "
        "actual place of business or domicile",
        zh="投诉由被投诉人实际经营地或者住所地的此级市场监督管理部门处理",
        phrase="投诉由被投诉人实际经营地或者住所地县级市场监督管理部门处理",
    ),
    make_rule(
        "complaint.mediation_consenting_parties",
        2,
        Unit.PEOPLE,
        SAMR_ORDER_20,
        art(16),
        VERIFIED,
        ORDER_20_FROM,
        en="Mediation is used only when this many parties agree to it: the complainant and the "
        "respondent",
        zh="须经同意方可调解的当事人数：投诉人和被投诉人",
        phrase="经投诉人和被投诉人同意，采用调解的方式处理投诉",
        note=Text(
            zh="《消费者权益保护法实施条例》第四十六条第三款：消费者和经营者同意调解的，有关行政部门应当依据职责及时调解；"
            "第四十七条：双方无法协商一致鉴定、检测机构的，受理投诉的部门可以指定。",
            en="Consumer Rights Regulation Art. 46 ¶3: the department mediates when the consumer "
            "and the business agree; Art. 47: when they cannot agree on the testing or appraisal "
            "body, the department handling the complaint may designate one.",
        ),
    ),
    make_rule(
        "complaint.testing_time_excluded_days",
        0,
        CD,
        CONSUMER_RIGHTS_REGULATION,
        art(46, 3),
        VERIFIED,
        REGULATION_778_FROM,
        en="Days of testing or appraisal counted in the mediation period (none: the period is "
        "paused while testing runs and its deadline moves by the time paused)",
        zh="调解期限内计入的鉴定、检测日数（不计入：检测期间暂停计时，期限顺延）",
        phrase="调解过程中需要鉴定、检测的，鉴定、检测时间不计算在60日内",
        note=Text(
            zh="第20号令第二十条第三款同：检定、检验、检测、鉴定所需时间不计算在调解期限内。",
            en="Order 20 Art. 20 ¶3 says the same of its own period.",
        ),
    ),
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
    make_rule(
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
