"""Quality credit (seeds 002 Hangzhou Art. 23, 003 Xinjiang Art. 32, 001 Sichuan draft Art. 25)
and the Suzhou Industrial Park quality award (seed 004): the figures the credit record and the
award checks use.

The seeds set up credit records, classified supervision, disclosure and credit repair but give
no figure for them: the periods of the credit record are the province's local policy
(UNVERIFIED: a setting, ``RULEBOOK_OVERRIDES``). The award's figures are read in the award
measures as published (seed 004).
"""

from __future__ import annotations

from ..model import Text, Unit, art
from .instruments import (
    CD,
    LOCAL_CREDIT_POLICY,
    SIP_AWARD,
    SIP_AWARD_FROM,
    SIP_AWARD_TO,
    UNVERIFIED,
    VERIFIED_2,
    make_rule,
)

_LOCAL = Text(zh="质量信用修复（以本地规定为准）", en="credit repair (per the local rules)")

CREDIT = [
    make_rule(
        "credit.repair_wait_days",
        365,
        CD,
        LOCAL_CREDIT_POLICY,
        _LOCAL,
        UNVERIFIED,
        None,
        en="An enterprise may apply to repair its credit for a listed fact this many days "
        "after the fact's date",
        zh="企业可就某项失信记录申请信用修复的最短间隔日数（自该事实发生之日起）",
        note=Text(
            zh="杭州市质量促进办法第二十三条、新疆质量促进条例第三十二条设立信用修复机制，未规定期限。",
            en="Hangzhou Art. 23 and Xinjiang Art. 32 set up credit repair without a period.",
        ),
    ),
]

SIP_AWARDS = [
    make_rule(
        "award.sip.registered_years",
        3,
        Unit.YEARS,
        SIP_AWARD,
        art(11, item=1),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An applicant has been registered in the park and operating lawfully for at least "
        "this many years",
        zh="申报组织在园区内依法登记注册、从事合法生产经营的最短年数",
        phrase="在苏州工业园区内依法登记注册,从事合法生产经营3年以上",
    ),
    make_rule(
        "award.sip.spot_check_years",
        3,
        Unit.YEARS,
        SIP_AWARD,
        art(11, item=4),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An applicant passed every official spot check of the last this many years",
        zh="申报组织各级监督抽查合格的年数",
        phrase="近3年各级监督抽查合格",
    ),
    make_rule(
        "award.sip.no_loss_years",
        3,
        Unit.YEARS,
        SIP_AWARD,
        art(11, item=6),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An applicant made no loss in the last this many years",
        zh="申报组织未发生亏损的年数",
        phrase="最近3年未发生亏损",
    ),
    make_rule(
        "award.sip.no_serious_dishonesty_years",
        3,
        Unit.YEARS,
        SIP_AWARD,
        art(11, item=7),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An applicant has no record of serious dishonesty in this many years before applying",
        zh="申报前无严重失信行为记录的年数",
        phrase="申报前3年以内无严重失信行为记录",
    ),
    make_rule(
        "award.sip.incident_free_years",
        3,
        Unit.YEARS,
        SIP_AWARD,
        art(11, item=8),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An applicant had no grade III-or-higher (较大) incident in this many years before "
        "applying",
        zh="申报前无较大及以上质量安全等事故的年数",
        phrase="申报前3年以内无较大质量安全、环境污染、安全生产、公共卫生、食品安全等事故",
    ),
    make_rule(
        "award.sip.validity_years",
        3,
        Unit.YEARS,
        SIP_AWARD,
        art(4),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An award is valid for this many years",
        zh="质量奖的有效期年数",
        phrase="每年评定一次,有效期3年",
    ),
    make_rule(
        "award.sip.written_report_days",
        30,
        CD,
        SIP_AWARD,
        art(29),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An award holder reports any of the five listed events in writing to the award "
        "office within this many days of its confirmation",
        zh="获奖组织发生所列五种情形之一的，自确认之日起以书面形式向评定办报告的日数",
        phrase="应当在确认之日起30日内以书面形式向评定办报告",
    ),
    make_rule(
        "award.sip.revocation_failed_spot_checks",
        2,
        Unit.TIMES,
        SIP_AWARD,
        art(30, item=2),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An award is revoked when the holder fails this many official spot checks in a row",
        zh="获奖组织抽查连续不合格达到此次数的，撤销其称号",
        phrase="国家、行业、地区产品或者服务抽查连续两次不合格",
    ),
    make_rule(
        "award.sip.reapply_ban_years",
        5,
        Unit.YEARS,
        SIP_AWARD,
        art(30),
        VERIFIED_2,
        SIP_AWARD_FROM,
        SIP_AWARD_TO,
        en="An organization whose award was revoked may not apply again for this many years",
        zh="被撤销称号的组织不接受其申报的年数",
        phrase="5年内不接受其申报",
    ),
]
