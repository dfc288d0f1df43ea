"""Risk signals (issue 12 §5–§7): injury monitoring over complaints (seed 004), counterfeit and
diversion signals over scans, confirm/dismiss on the signal's timeline, public consumer warnings
(Xuzhou draft Art. 12) shown on the consumer page of the batches concerned."""

from datetime import timedelta
from decimal import Decimal
from trace.core.choices import BatchStatus
from trace.models import ScanLog

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from rest_framework.test import APIClient

from complaints.models import Complaint, RiskSignal
from complaints.risk import signal_raise
from complaints.services import complaint_submit
from core.models import Notification
from tests.factories import produce

pytestmark = pytest.mark.django_db


def injury(batch, text="腹泻", **kwargs):
    return complaint_submit(batch=batch, description=text, injured=True, **kwargs)


def test_three_injury_complaints_on_one_batch_raise_one_signal(batch, chain, dairy):
    """Seed 004 injury monitoring: ≥ 3 injury complaints on one batch within 7 days (a setting)."""
    injury(batch)
    injury(batch)
    assert RiskSignal.objects.count() == 0
    third = injury(batch)
    signal = RiskSignal.objects.get()
    assert signal.kind == "injury_cluster" and signal.evidence["injury_complaints"] == 3
    assert signal.evidence["threshold"] == 3 and set(signal.complaints.all()) == set(
        Complaint.objects.all()
    )
    county, producer = chain["county"].org, dairy.org
    notes = Notification.objects.filter(topic="risk.injury_cluster")
    assert {n.organization for n in notes} == {county, producer}
    assert all(f"/api/v1/complaints/{third.pk}/" in str(n.payload["complaints"]) for n in notes)
    # A fourth joins the same signal as evidence instead of raising another.
    injury(batch)
    assert RiskSignal.objects.count() == 1 and signal.complaints.count() == 4
    # The producer and the regulators of the place see it; others do not.
    assert dairy.client.get("/api/v1/signals/").json()["count"] == 1
    assert chain["city"].client.get("/api/v1/signals/").json()["count"] == 1
    assert chain["elsewhere"].client.get("/api/v1/signals/").json()["count"] == 0


def test_complaints_without_injury_or_outside_the_window_do_not_count(batch, chain, settings):
    old = timezone.now() - timedelta(days=10)
    injury(batch, now=old)
    injury(batch, now=old + timedelta(hours=1))
    complaint_submit(batch=batch, description="包装破损", injured=False)
    injury(batch)
    assert RiskSignal.objects.count() == 0


def test_a_multiple_of_the_trailing_average_raises_a_product_signal(batch, chain, dairy, settings):
    """The other rule: this week's injury complaints on a product ≥ 3 × its trailing weekly average."""
    settings.RISK_INJURY_MIN_COMPLAINTS = 100  # only the trend rule can fire
    settings.RISK_INJURY_TRAILING_WEEKS = 4
    now = timezone.now()
    injury(batch, now=now - timedelta(days=20))  # trailing average 0.25 a week
    other = produce(dairy.user, batch.product, lot="YG02")
    injury(batch, now=now - timedelta(hours=2))
    assert RiskSignal.objects.count() == 0  # one this week: below the minimum of 2
    injury(other, now=now - timedelta(hours=1))
    signal = RiskSignal.objects.get()
    assert signal.evidence["rule"] == "multiple_of_trailing_average"
    assert signal.evidence["this_week"] == 2 and signal.evidence["trailing_weekly_average"] == 0.25
    with translation.override("en"):
        assert (
            signal.get_title_display()
            == f"People hurt by {batch.product.name} at 8.0× their usual rate"
        )


def test_injury_groups_by_product_batch_region_week(batch, chain):
    injury(batch)
    injury(batch)
    client = chain["county"].client
    by_batch = client.get("/api/v1/complaints/injury-groups/?by=batch").json()
    assert [(g["group"], g["injury_complaints"], g["casualties"]) for g in by_batch] == [
        (batch.pk, 2, 2)
    ]
    assert client.get("/api/v1/complaints/injury-groups/?by=region").json()[0]["group"] == "320312"
    assert (
        client.get("/api/v1/complaints/injury-groups/?by=week").json()[0]["injury_complaints"] == 2
    )
    assert client.get("/api/v1/complaints/injury-groups/?by=colour").status_code == 400


def test_confirm_dismiss_and_publish_a_bilingual_warning_shown_on_the_consumer_page(
    batch, chain, dairy
):
    for _ in range(3):
        injury(batch)
    signal = RiskSignal.objects.get()
    url = f"/api/v1/signals/{signal.pk}/"
    county = chain["county"].client
    # The producer may read, not decide; publishing needs a confirmed signal.
    assert dairy.client.post(url + "confirm/", {}, format="json").status_code == 403
    warning = {
        "title_zh": "请勿食用该批次酸奶",
        "title_en": "Do not eat this yogurt lot",
        "text_zh": "多名消费者食用后腹泻。",
        "text_en": "Several consumers fell ill after eating it.",
    }
    assert county.post(url + "publish/", warning, format="json").status_code == 409
    assert (
        county.post(url + "confirm/", {"reason": "核实属实"}, format="json").json()["status"]
        == "confirmed"
    )
    published = county.post(url + "publish/", warning, format="json")
    assert published.status_code == 201, published.content
    actions = [r["action"] for r in county.get(url + "timeline/").json()["results"]]
    assert actions == ["raised", "confirmed", "published"]
    public = APIClient().get("/api/v1/public/warnings/").json()
    assert public["count"] == 1 and public["results"][0]["title_en"] == "Do not eat this yogurt lot"
    assert public["results"][0]["batches"][0]["lot"] == batch.lot
    page = APIClient().get(f"/01/{batch.gtin}/10/{batch.lot}", HTTP_ACCEPT="text/html")
    assert "请勿食用该批次酸奶" in page.content.decode()
    english = APIClient().get(
        f"/01/{batch.gtin}/10/{batch.lot}?lang=en",
        HTTP_ACCEPT="text/html",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Do not eat this yogurt lot" in english.content.decode()


def test_dismiss_needs_a_reason(batch, chain):
    for _ in range(3):
        injury(batch)
    signal = RiskSignal.objects.get()
    county = chain["county"].client
    assert (
        county.post(
            f"/api/v1/signals/{signal.pk}/dismiss/", {"reason": ""}, format="json"
        ).status_code
        == 400
    )
    dismissed = county.post(
        f"/api/v1/signals/{signal.pk}/dismiss/", {"reason": "重复投诉，已核实无问题"}, format="json"
    )
    assert dismissed.json()["status"] == "dismissed"


def test_a_never_issued_code_scanned_repeatedly_is_flagged(batch, chain, dairy, settings):
    """Issue 12 §6: a GTIN/lot pair nobody registered, scanned again and again (counterfeit)."""
    client = APIClient()
    for _ in range(settings.RISK_UNKNOWN_CODE_SCANS):
        assert client.get(f"/01/{batch.gtin}/10/FAKE99", HTTP_ACCEPT="text/html").status_code == 404
    call_command("sweep_deadlines", "--now", timezone.now().isoformat())
    call_command("sweep_deadlines", "--now", timezone.now().isoformat())
    signal = RiskSignal.objects.get(kind="unknown_code")
    assert (signal.gtin, signal.lot, signal.evidence["scans"]) == (batch.gtin, "FAKE99", 5)
    assert signal.producer == dairy.org and signal.evidence["gtin_registered"] is True


def test_scans_after_recall_and_over_the_units_made_are_flagged(batch, chain, dairy, settings):
    now = timezone.now()
    batch.status, batch.status_changed_at = BatchStatus.RECALLED, now - timedelta(days=1)
    batch.save(update_fields=["status", "status_changed_at"])
    ScanLog.objects.bulk_create(
        [ScanLog(batch=batch, scanned_at=now - timedelta(hours=i)) for i in range(3)]
    )
    small = produce(dairy.user, batch.product, lot="YG09", quantity=Decimal(2))
    ScanLog.objects.bulk_create(
        [ScanLog(batch=small, scanned_at=now - timedelta(minutes=i)) for i in range(7)]
    )
    call_command("sweep_deadlines", "--now", now.isoformat())
    kinds = dict(RiskSignal.objects.values_list("kind", "lot"))
    assert kinds == {"scanned_after_end": batch.lot, "over_scanned": "YG09"}
    after = RiskSignal.objects.get(kind="scanned_after_end")
    assert after.evidence["scans"] == 3 and after.evidence["why"] == "recalled"
    assert Notification.objects.filter(topic="risk.over_scanned", organization=dairy.org).exists()


def test_scans_in_a_city_the_lot_never_reached_are_flagged(batch, chain, dairy, settings, tmp_path):
    """Issue 12 §6: where the operator's IP-to-region table places a scan, scans in regions the
    lot was never shipped to (diversion); only the region is kept."""
    table = tmp_path / "networks.csv"
    table.write_text("203.0.113.0/24,440106\n198.51.100.0/24,320311\n# comment\nnonsense,1\n")
    settings.SCAN_REGION_NETWORKS_FILE = str(table)
    client = APIClient()
    for i in range(settings.RISK_SCANS_OUTSIDE_REGION):
        client.get(
            f"/01/{batch.gtin}/10/{batch.lot}",
            HTTP_ACCEPT="text/html",
            REMOTE_ADDR=f"203.0.113.{i + 1}",
        )
        client.get(
            f"/01/{batch.gtin}/10/{batch.lot}",
            HTTP_ACCEPT="text/html",
            REMOTE_ADDR=f"198.51.100.{i + 1}",
        )
    call_command("sweep_deadlines", "--now", timezone.now().isoformat())
    signal = RiskSignal.objects.get(kind="outside_region")
    assert signal.evidence["region"] == "440100" and signal.evidence["scans"] == 5
    assert signal.evidence["shipped_to"] == ["320312"]
    with translation.override("en"):
        english = f"Lot {batch.lot} scanned 5 times in region 440100, where it was never shipped"
        assert signal.get_title_display() == english
    # Xuzhou (3203), where the producer is, raises nothing; no address is stored anywhere.
    assert RiskSignal.objects.count() == 1
    logged = list(ScanLog.objects.filter(batch=batch).values())
    assert sorted({row["region_code"] for row in logged}) == ["320311", "440106"]
    assert "203.0.113" not in str(logged) and "198.51.100" not in str(logged)


def test_a_signal_raised_in_chinese_reads_in_the_askers_language(batch, chain, dairy):
    """The title is rendered from the kind and the figures when read: a signal the submission
    raised under Chinese reads in English with ``Accept-Language: en``, in Chinese by default."""
    with translation.override("zh-hans"):
        for _ in range(3):
            injury(batch)
    signal = RiskSignal.objects.get()
    assert signal.title == f"批次 {batch.lot} 在 7 天内致 3 人受伤害"  # stored as raised
    for client in (dairy.client, chain["county"].client):
        english = client.get(f"/api/v1/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
        assert english["title"] == f"3 people hurt by lot {batch.lot} within 7 days"
        listed = client.get("/api/v1/signals/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
        assert [row["title"] for row in listed] == [english["title"]]
        assert client.get(f"/api/v1/signals/{signal.pk}/").json()["title"] == signal.title
    signal.refresh_from_db()
    assert signal.title == f"批次 {batch.lot} 在 7 天内致 3 人受伤害"  # reading changes nothing


def test_the_words_in_a_scan_signals_title_are_translated_when_read(batch, chain, dairy):
    """Why a lot's scans count (recalled, destroyed, expired) is kept as a code and read in the
    asker's language, as are the units made (as people write them, not 2.000 or 2E+0)."""
    now = timezone.now()
    batch.status, batch.status_changed_at = BatchStatus.RECALLED, now - timedelta(days=1)
    batch.save(update_fields=["status", "status_changed_at"])
    ScanLog.objects.bulk_create(
        [ScanLog(batch=batch, scanned_at=now - timedelta(hours=i)) for i in range(3)]
    )
    small = produce(dairy.user, batch.product, lot="YG09", quantity=Decimal(2))
    ScanLog.objects.bulk_create(
        [ScanLog(batch=small, scanned_at=now - timedelta(minutes=i)) for i in range(7)]
    )
    with translation.override("zh-hans"):
        call_command("sweep_deadlines", "--now", now.isoformat())
    titles = {
        row["kind"]: row["title"]
        for row in dairy.client.get("/api/v1/signals/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    }
    assert titles == {
        "scanned_after_end": f"Lot {batch.lot} scanned 3 times after it was recalled",
        "over_scanned": "Lot YG09 scanned 7 times, more than 3× the 2 units made",
    }
    chinese = {
        row["kind"]: row["title"] for row in dairy.client.get("/api/v1/signals/").json()["results"]
    }
    assert chinese["scanned_after_end"] == f"批次 {batch.lot} 在召回后被扫描 3 次"
    assert chinese == dict(RiskSignal.objects.values_list("kind", "title"))


def test_a_signal_whose_evidence_lacks_the_figures_reads_its_stored_title(batch, chain, dairy):
    signal = signal_raise(
        key="old",
        kind="injury_cluster",
        title="批次 YG01 在 7 天内致 3 人受伤害",
        evidence={"casualties": 3},  # raised before the figures were kept
        region_code="320312",
        producer=dairy.org,
        batches=[batch],
    )
    english = dairy.client.get(f"/api/v1/signals/{signal.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["title"] == "批次 YG01 在 7 天内致 3 人受伤害"
