"""The rulebook (issue 21, "one rulebook, in force by date"): each figure, its citation, its dates.

Each test names the instrument and article (the RULEBOOK.md row) whose figure it checks, so a
corrected row points at the test to change.
"""

from datetime import UTC, date, datetime

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from config.env import env_json_object
from core import rulebook
from core.rulebook.data import INSTRUMENTS, RULES
from core.rulebook.model import Status, Unit, art, zh_number

OLD_TEXT_LAST_DAY = date(2026, 11, 30)  # CFDA Order 12, repealed by SAMR Order 122 Art. 42
NEW_TEXT_FIRST_DAY = date(2026, 12, 1)  # SAMR Order 122 Art. 42: in force 2026-12-01


def figure(key: str, on: date):
    r = rulebook.rule(key, on=on)
    return r.value, r.unit


# --- food recalls: 《食品召回管理办法》, the two texts ------------------------------------------


@pytest.mark.parametrize("grade, old, new", [(1, 24, 24), (2, 48, 36), (3, 72, 48)])
def test_food_recall_start_hours_cfda_order_12_art_13_then_samr_order_122_art_11(grade, old, new):
    """CFDA Order 12 Art. 13: 24/48/72 h until 2026-11-30; SAMR Order 122 Art. 11: 24/36/48 h
    from 2026-12-01 (RULEBOOK §6 "B grades", fact-check FC-1)."""
    key = f"food_recall.grade{grade}.start_hours"
    before = rulebook.rule(key, on=OLD_TEXT_LAST_DAY)
    after = rulebook.rule(key, on=NEW_TEXT_FIRST_DAY)
    assert (before.value, before.unit) == (old, Unit.HOURS)
    assert (after.value, after.unit) == (new, Unit.HOURS)
    assert before.citation("en") == "Food Recall Measures (former CFDA Order 12, 2015), Art. 13"
    assert after.citation("en") == "Food Recall Measures (SAMR Order 122, 2026), Art. 11"
    assert (
        after.citation("zh")
        == "《食品召回管理办法》（国家市场监督管理总局令第122号，2026年）第十一条"
    )
    assert (before.in_force_from, before.in_force_to) == (date(2015, 9, 1), OLD_TEXT_LAST_DAY)
    assert (after.in_force_from, after.in_force_to) == (NEW_TEXT_FIRST_DAY, None)
    assert before.status is Status.VERIFIED_2 and after.status is Status.VERIFIED


@pytest.mark.parametrize("grade, days", [(1, 10), (2, 20), (3, 30)])
def test_food_recall_completion_working_days_cfda_order_12_art_17_then_calendar_days_order_122_art_15(
    grade, days
):
    """CFDA Order 12 Art. 17: 10/20/30 WORKING days from the announcement; SAMR Order 122
    Art. 15: 10/20/30 CALENDAR days (日) from submitting the plan (FC-1)."""
    key = f"food_recall.grade{grade}.complete_days"
    assert figure(key, OLD_TEXT_LAST_DAY) == (days, Unit.WORKING_DAYS)
    assert figure(key, NEW_TEXT_FIRST_DAY) == (days, Unit.CALENDAR_DAYS)
    assert rulebook.rule(key, on=NEW_TEXT_FIRST_DAY).article.en == "Art. 15"
    assert "报送召回计划" in rulebook.rule(key, on=NEW_TEXT_FIRST_DAY).title.zh


def test_a_recall_is_judged_by_its_day_in_china_not_in_utc():
    """SAMR Order 122 Art. 42 (in force 2026-12-01): 16:30 UTC on 30 November is already
    00:30 on 1 December in Beijing, so the new 48 hours apply; a naive time is China time."""
    late_utc = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert rulebook.rule("food_recall.grade3.start_hours", on=late_utc).value == 48
    early_utc = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)
    assert rulebook.rule("food_recall.grade3.start_hours", on=early_utc).value == 72
    assert (
        rulebook.rule("food_recall.grade3.start_hours", on=datetime(2026, 11, 30, 23, 59)).value
        == 72
    )


def test_samr_order_122_art_24_progress_and_final_reports_exist_only_under_the_new_text():
    """SAMR Order 122 Art. 24: final report within 5 days; 一级 daily, 二级 every 5 days, 三级
    every 10 days. The old text's figures were never read: none is in force before."""
    assert figure("food_recall.final_report_days", NEW_TEXT_FIRST_DAY) == (5, Unit.CALENDAR_DAYS)
    assert [
        rulebook.rule(f"food_recall.grade{g}.progress_report_days", on=NEW_TEXT_FIRST_DAY).value
        for g in (1, 2, 3)
    ] == [1, 5, 10]
    with pytest.raises(rulebook.NoRuleInForce) as refused:
        rulebook.rule("food_recall.final_report_days", on=OLD_TEXT_LAST_DAY)
    assert refused.value.key == "food_recall.final_report_days"
    assert refused.value.day == OLD_TEXT_LAST_DAY


def test_food_recall_records_cfda_order_12_art_26_unverified_then_order_122_art_23():
    """CFDA Order 12 Art. 26 (≥ 2 years, UNVERIFIED); SAMR Order 122 Art. 23 (≥ 2 years and ≥ 6
    months after the shelf life ends, VERIFIED)."""
    old = rulebook.rule("food_recall.records_years", on=OLD_TEXT_LAST_DAY)
    assert (old.value, old.verified) == (2, False)
    new = rulebook.rule("food_recall.records_years", on=NEW_TEXT_FIRST_DAY)
    assert (new.value, new.verified, new.article.en) == (2, True, "Art. 23")
    assert figure("food_recall.records_months_after_expiry", NEW_TEXT_FIRST_DAY) == (6, Unit.MONTHS)


def test_no_food_recall_rule_before_cfda_order_12_was_in_force():
    with pytest.raises(rulebook.NoRuleInForce):
        rulebook.rule("food_recall.grade1.start_hours", on=date(2015, 8, 31))


# --- incidents -----------------------------------------------------------------------------


def test_special_equipment_report_within_1_hour_samr_order_50_art_7_from_2022_03_01():
    """SAMR Order 50 Art. 7: the unit head reports within 1 hour (FC-5); Order 50 is in force
    from 2022-03-01, and the rulebook holds no text before it."""
    r = rulebook.rule("incident.special_equipment.report_hours", on=date(2026, 12, 1))
    assert (r.value, r.unit, r.status) == (1, Unit.HOURS, Status.VERIFIED)
    assert r.citation("zh").endswith("（国家市场监督管理总局令第50号）第七条")
    with pytest.raises(rulebook.NoRuleInForce):
        rulebook.rule("incident.special_equipment.report_hours", on=date(2022, 2, 28))


@pytest.mark.parametrize(
    "key, value, article",
    [
        ("incident.special_equipment.pass_up_hours", 2, "Art. 8"),
        ("incident.special_equipment.system_backfill_hours", 24, "Art. 9"),
        ("incident.special_equipment.casualty_change_report_hours", 24, "Art. 11"),
        ("incident.special_equipment.casualty_change_window_days", 30, "Art. 11"),
        ("incident.special_equipment.investigation_days", 60, "Art. 30"),
    ],
)
def test_special_equipment_reporting_figures_samr_order_50_arts_8_9_11_30(key, value, article):
    """SAMR Order 50 Art. 8 (each level ≤ 2 h), Art. 9 (system back-fill 24 h), Art. 11
    (casualty change within 30 days, reported within 24 h), Art. 30 (60 days from the team)."""
    r = rulebook.rule(key, on=date(2026, 6, 1))
    assert (r.value, r.article.en, r.instrument.key) == (value, article, "samr-order-50")


@pytest.mark.parametrize(
    "key, value, article",
    [
        ("incident.special_equipment.grade1.deaths", 30, "Art. 61"),
        ("incident.special_equipment.grade2.serious_injuries", 50, "Art. 62"),
        ("incident.special_equipment.grade3.direct_loss_yuan", 10_000_000, "Art. 63"),
        ("incident.special_equipment.grade4.direct_loss_yuan", 10_000, "Art. 64"),
        ("incident.special_equipment.grade4.lift_stranded_hours", 2, "Art. 64"),
        ("incident.special_equipment.grade4.ropeway_stranded_hours", 3.5, "Art. 64"),
    ],
)
def test_special_equipment_grades_regulations_order_373_arts_61_to_64(key, value, article):
    """特种设备安全监察条例 Arts. 61–64 (VERIFIED, LRB): e.g. 一般 starts at ¥10,000 direct loss
    (unlike Order 493's grade IV, which has no lower bound); lift stranding ≥ 2 h."""
    r = rulebook.rule(key, on=date(2026, 6, 1))
    assert (r.value, r.article.en, r.verified) == (value, article, True)


def test_product_incident_grades_cite_the_local_plan_never_order_493():
    """RULEBOOK §2: no national rule grades general product incidents; local plans borrow the
    work-safety grades of State Council Order 493. The figures are UNVERIFIED settings citing
    the local plan; Order 493 appears only in the note saying where the default comes from."""
    for r in rulebook.rules_in_force(date(2026, 6, 1)):
        assert "493" not in r.instrument.name.en + r.instrument.name.zh + r.article.en, r.key
    grade1 = rulebook.rule("incident.product.grade1.deaths", on=date(2026, 6, 1))
    assert (grade1.value, grade1.verified) == (30, False)
    assert grade1.instrument.key == "local-product-incident-plan"
    assert "Order 493" in grade1.note.en


def test_food_incident_business_report_2_hours_national_plan_2011_s4_2_2():
    """National Food Safety Incident Emergency Plan (2011) §4.2.2 (1): a food business reports
    within 2 hours (VERIFIED-2); the Food Safety Law Art. 103 itself says only "in time"."""
    r = rulebook.rule("food_incident.business_report_hours", on=date(2026, 6, 1))
    assert (r.value, r.unit, r.status, r.article.en) == (
        2,
        Unit.HOURS,
        Status.VERIFIED_2,
        "§4.2.2 (1)",
    )


@pytest.mark.parametrize(
    "key, value",
    [
        ("food_incident.grade2.poisoned_people", 100),
        ("food_incident.grade2.deaths", 10),
        ("food_incident.grade3.poisoned_people", 100),
        ("food_incident.grade4.poisoned_people", 30),
    ],
)
def test_food_incident_grades_provincial_plan_template_a_are_unverified_settings(key, value):
    """RULEBOOK §1d (CONFLICT / GAP): grade criteria exist only in provincial plans and differ;
    template A's figures are defaults with verified: false, to be set per province."""
    r = rulebook.rule(key, on=date(2026, 6, 1))
    assert (r.value, r.verified, r.instrument.key) == (
        value,
        False,
        "provincial-food-incident-plan",
    )


# --- consumer-product recalls: SAMR Order 19 -----------------------------------------------


@pytest.mark.parametrize(
    "key, value, unit, article",
    [
        ("recall.defect_report_working_days", 2, Unit.WORKING_DAYS, "Art. 8 ¶1"),
        ("recall.defect_report_level", "province", Unit.LEVEL, "Art. 8 ¶1"),
        ("recall.investigation_notice_working_days", 3, Unit.WORKING_DAYS, "Art. 9 ¶2"),
        ("recall.objection_working_days", 10, Unit.WORKING_DAYS, "Art. 13"),
        ("recall.plan_working_days", 10, Unit.WORKING_DAYS, "Art. 17"),
        ("recall.public_notice_working_days", 3, Unit.WORKING_DAYS, "Art. 19 ¶2"),
        ("recall.progress_report_months", 3, Unit.MONTHS, "Art. 21 ¶1"),
        ("recall.summary_working_days", 15, Unit.WORKING_DAYS, "Art. 21 ¶1"),
        ("recall.records_years", 5, Unit.YEARS, "Art. 21 ¶2"),
    ],
)
def test_consumer_recall_figures_samr_order_19_arts_8_9_13_17_19_21(key, value, unit, article):
    """SAMR Order 19 (fact-check FC-4 corrects §5): report in 2 working days (Art. 8), object
    within 10 working days, not the vehicle rule's 15 (Art. 13), plan in 10 (Art. 17), notice in
    3 (Art. 19 ¶2), stage summaries every 3 months, summary in 15, records ≥ 5 years (Art. 21)."""
    r = rulebook.rule(key, on=date(2026, 12, 1))
    assert (r.value, r.unit, r.article.en, r.status) == (value, unit, article, Status.VERIFIED)
    assert r.instrument.key == "samr-order-19" and r.in_force_from == date(2020, 1, 1)


# --- complaints and reports ----------------------------------------------------------------


def test_complaint_acceptance_7_working_days_samr_order_20_art_14():
    """SAMR Order 20 Art. 14: accept or refuse within 7 working days of receipt (FC-3)."""
    r = rulebook.rule("complaint.accept_working_days", on=date(2026, 12, 1))
    assert (r.value, r.unit, r.article.en) == (7, Unit.WORKING_DAYS, "Art. 14")
    assert r.citation("zh").endswith("（国家市场监督管理总局令第20号，2022年修正）第十四条")


def test_mediation_45_working_days_order_20_art_21_until_the_2024_regulation_art_46_gives_60_days():
    """Order 20 Art. 21 ¶1 (5): 45 working days; from 2024-07-01 the higher-ranking Consumer
    Rights Regulation (State Council Order 778) Art. 46 ¶3: 60 calendar days (CONFLICT 1)."""
    before = rulebook.rule("complaint.mediation_days", on=date(2024, 6, 30))
    after = rulebook.rule("complaint.mediation_days", on=date(2024, 7, 1))
    assert (before.value, before.unit, before.article.en) == (
        45,
        Unit.WORKING_DAYS,
        "Art. 21 ¶1 (5)",
    )
    assert (after.value, after.unit, after.article.en) == (60, Unit.CALENDAR_DAYS, "Art. 46 ¶3")
    assert after.article.zh == "第四十六条第三款"
    assert after.instrument.key == "state-council-order-778"
    # Order 20's own figure stays as the second check.
    assert figure("complaint.mediation_working_days", date(2026, 12, 1)) == (45, Unit.WORKING_DAYS)


@pytest.mark.parametrize(
    "key, value, instrument, article",
    [
        ("complaint.mediation_termination_notice_working_days", 7, "samr-order-20", "Art. 21 ¶2"),
        ("complaint.limitation_years", 3, "samr-order-20", "Art. 15 (4)"),
        ("complaint.clue_check_working_days", 15, "samr-order-20", "Art. 23"),
        ("report.reporter_notice_working_days", 5, "samr-order-20", "Art. 31 ¶2"),
        ("report.case_decision_working_days", 15, "samr-order-2", "Art. 18"),
        ("report.case_decision_extension_working_days", 15, "samr-order-2", "Art. 18"),
        ("complaint.handling_level", "county", "samr-order-20", "Art. 12"),
        ("complaint.mediation_consenting_parties", 2, "samr-order-20", "Art. 16"),
        ("complaint.testing_time_excluded_days", 0, "state-council-order-778", "Art. 46 ¶3"),
    ],
)
def test_complaint_and_report_clocks_order_20_arts_12_15_16_21_23_31_regulation_46_and_penalty_art_18(
    key, value, instrument, article
):
    """Order 20 Art. 21 ¶2 (tell both parties within 7 working days), Art. 15 (4) (> 3 years not
    accepted), Art. 23 (clues in mediation: 15 working days), Art. 31 ¶2 (real-name reporter told
    within 5 working days of the case decision); 处罚程序规定 Art. 18 (15 + 15 working days);
    Order 20 Art. 12 (the county handles), Art. 16 (mediation with both parties' consent);
    Consumer Rights Regulation Art. 46 ¶3 (no testing time counted)."""
    r = rulebook.rule(key, on=date(2026, 12, 1))
    assert (r.value, r.instrument.key, r.article.en, r.verified) == (
        value,
        instrument,
        article,
        True,
    )


def test_award_written_report_30_days_suzhou_mayors_award_measures_art_28():
    """Seed 004: 苏州市市长质量奖评定管理办法 Art. 28 — an award holder reports a major incident
    in writing within 30 days of its confirmation (in force 2016-12-01)."""
    r = rulebook.rule("award.major_incident_report_days", on=date(2026, 12, 1))
    assert (r.value, r.unit, r.article.zh, r.in_force_from) == (
        30,
        Unit.CALENDAR_DAYS,
        "第二十八条",
        date(2016, 12, 1),
    )


# --- the keys the workflows need, and the rulebook's own invariants -------------------------

REQUIRED_KEYS = [
    "food_recall.grade1.start_hours",
    "food_recall.grade2.start_hours",
    "food_recall.grade3.start_hours",
    "food_recall.grade1.complete_days",
    "food_recall.grade2.complete_days",
    "food_recall.grade3.complete_days",
    "incident.special_equipment.report_hours",
    "complaint.accept_working_days",
    "complaint.mediation_days",
    "recall.objection_working_days",
]


@pytest.mark.parametrize("on", [OLD_TEXT_LAST_DAY, NEW_TEXT_FIRST_DAY])
def test_the_keys_the_workflows_use_are_in_force_on_both_sides_of_the_switch(on):
    keys = {r.key for r in rulebook.rules_in_force(on)}
    assert set(REQUIRED_KEYS) <= keys
    assert all(r.in_force_on(on) for r in rulebook.rules_in_force(on))


def test_every_rule_cites_a_known_instrument_and_an_article_in_both_languages():
    for r in RULES:
        assert r.instrument in INSTRUMENTS, r.key
        assert r.article.zh and r.article.en, r.key
        assert r.title.zh and r.title.en, r.key
        assert r.key == r.key.lower() and " " not in r.key, r.key
        if isinstance(r.value, str):
            assert r.unit is Unit.LEVEL, r.key
        else:
            assert r.value >= 0, r.key
        if r.phrase:
            assert any("\u4e00" <= c <= "\u9fff" for c in r.phrase), r.key


def test_unknown_keys_are_refused_as_a_typo():
    with pytest.raises(rulebook.UnknownRule):
        rulebook.rule("food_recall.grade4.start_hours", on=NEW_TEXT_FIRST_DAY)


def test_article_numbers_read_as_chinese_law_writes_them():
    assert [zh_number(n) for n in (1, 10, 11, 20, 21, 100, 101, 110, 154)] == [
        "一",
        "十",
        "十一",
        "二十",
        "二十一",
        "一百",
        "一百零一",
        "一百一十",
        "一百五十四",
    ]
    assert art(21, 1, 5).zh == "第二十一条第一款第（五）项"
    assert art(21, 1, 5).en == "Art. 21 ¶1 (5)"


# --- settings: a province's own figures -----------------------------------------------------


def test_a_province_plan_overrides_a_template_figure_and_the_citation_says_so(settings):
    """RULEBOOK §1d: set the incident province's own plan; the rule then says overridden and
    cites that plan, dated from the override's own day."""
    settings.RULEBOOK_OVERRIDES = {
        "food_incident.grade4.poisoned_people": {
            "value": 20,
            "instrument_zh": "《某省食品安全事故应急预案》",
            "instrument_en": "Province X food-safety incident plan",
            "article_en": "§1.3",
            "article_zh": "1.3",
            "status": "VERIFIED-2",
            "in_force_from": "2020-01-23",
        }
    }
    r = rulebook.rule("food_incident.grade4.poisoned_people", on=date(2026, 12, 1))
    assert (r.value, r.overridden, r.verified) == (20, True, True)
    assert r.citation("en") == "Province X food-safety incident plan, §1.3"
    assert r.citation("zh") == "《某省食品安全事故应急预案》1.3"
    assert r.in_force_from == date(2020, 1, 23)
    assert r.replaces.value == 30 and not r.replaces.overridden
    # Before the province's plan the template's default holds again.
    before = rulebook.rule("food_incident.grade4.poisoned_people", on=date(2020, 1, 22))
    assert (before.value, before.overridden) == (30, False)


def test_a_bare_value_override_cites_the_local_setting_and_is_unverified(settings):
    """SAMR Order 122 Art. 11 gives 48 h for grade 3; a setting may still replace it, and then
    the rule cites the setting, not the order, and is not verified."""
    settings.RULEBOOK_OVERRIDES = {"food_recall.grade3.start_hours": 40}
    r = rulebook.rule("food_recall.grade3.start_hours", on=NEW_TEXT_FIRST_DAY)
    assert (r.value, r.overridden, r.verified) == (40, True, False)
    assert r.instrument.name.en == "Local setting (RULEBOOK_OVERRIDES)"
    assert r.citation("zh").startswith("本地设置（RULEBOOK_OVERRIDES）")
    assert r.phrase == ""  # the order's words no longer describe the figure
    # The override changes the figure of each text in force, within that text's dates.
    old = rulebook.rule("food_recall.grade3.start_hours", on=OLD_TEXT_LAST_DAY)
    assert (old.value, old.in_force_to) == (40, OLD_TEXT_LAST_DAY)


def test_every_unverified_figure_is_a_setting(settings):
    """RULEBOOK "How to use": every UNVERIFIED figure is a setting with a default, never a
    constant — each one takes an override by the same mechanism."""
    day = date(2026, 12, 1)
    unverified = [r for r in rulebook.rules_in_force(day) if not r.verified]
    assert len(unverified) >= 20
    settings.RULEBOOK_OVERRIDES = {
        r.key: ("county" if isinstance(r.value, str) else 1) for r in unverified
    }
    for r in unverified:
        assert rulebook.rule(r.key, on=day).overridden, r.key


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"food_recall.grade3.start_hour": 40}, "did you mean 'food_recall.grade3.start_hours'"),
        ({"food_recall.grade3.start_hours": "soon"}, "must be a number"),
        ({"food_recall.grade3.start_hours": -1}, "must be a number, at least 0"),
        ({"food_recall.grade3.start_hours": True}, "must be a number"),
        ({"incident.product.grade1.top_level": "village"}, "must be one of county, city"),
        ({"food_recall.grade3.start_hours": {"valu": 40}}, "unknown field(s) valu"),
        (
            {"food_recall.grade3.start_hours": {"value": 40, "in_force_from": "1.12.2026"}},
            "not a date",
        ),
        ({"food_recall.grade3.start_hours": {"value": 40, "unit": "weeks"}}, "'weeks'"),
        (
            {
                "food_recall.grade3.start_hours": [
                    {"value": 1},
                    {"value": 2, "in_force_from": "2027-01-01"},
                ]
            },
            "two overrides are in force on the same day",
        ),
    ],
)
def test_a_malformed_override_refuses_to_start(settings, overrides, message):
    settings.RULEBOOK_OVERRIDES = overrides
    with pytest.raises(ImproperlyConfigured, match="RULEBOOK_OVERRIDES") as refused:
        rulebook.rule("food_recall.grade1.start_hours", on=NEW_TEXT_FIRST_DAY)
    assert message in str(refused.value)
    with pytest.raises(ImproperlyConfigured, match="RULEBOOK_OVERRIDES"):
        apps.get_app_config("api").ready()  # what every start runs (the core app: label "api")


def test_the_override_setting_is_read_from_json_in_the_environment(monkeypatch):
    monkeypatch.setenv("RULEBOOK_OVERRIDES", '{"complaint.accept_working_days": 5}')
    assert env_json_object("RULEBOOK_OVERRIDES", {}) == {"complaint.accept_working_days": 5}
    monkeypatch.setenv("RULEBOOK_OVERRIDES", "[1, 2]")
    with pytest.raises(ImproperlyConfigured, match="JSON object"):
        env_json_object("RULEBOOK_OVERRIDES", {})
    monkeypatch.setenv("RULEBOOK_OVERRIDES", "{not json")
    with pytest.raises(ImproperlyConfigured, match="JSON object"):
        env_json_object("RULEBOOK_OVERRIDES", {})
    monkeypatch.delenv("RULEBOOK_OVERRIDES")
    assert env_json_object("RULEBOOK_OVERRIDES", {}) == {}
