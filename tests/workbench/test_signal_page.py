"""A risk signal's page shows the evidence as it stands: another injury complaint on the lot
joins the open signal and the page's figures count it."""

import re

import pytest

from complaints import services as complaint_services
from complaints.models import RiskSignal
from tests.workbench.test_records import seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _figure(html: str, key: str) -> int:
    return int(re.search(rf'id="{key}">(\d+)<', html).group(1))


def test_the_signal_page_counts_what_joins_it(client, seeded):  # noqa: F811
    signal = RiskSignal.objects.filter(status="open", kind="injury_cluster").first()
    if signal is None:
        pytest.skip("the demo raised no open injury signal")
    client.force_login(seeded["county-regulator"])
    url = f"/workbench/signals/{signal.pk}/?lang=en"
    before = client.get(url).content.decode()
    assert _figure(before, "linked-complaints") == signal.complaints.count()
    batch = signal.batches.first()
    complaint_services.complaint_submit(batch=batch, description="喝后腹痛就医", injured=True)
    after = client.get(url).content.decode()
    joined = signal.complaints.count()
    assert _figure(after, "linked-complaints") == joined
    assert (
        _figure(after, "linked-injury-complaints") == signal.complaints.filter(injured=True).count()
    )
    assert "Evidence when raised" in after and "min_per_batch" not in after
