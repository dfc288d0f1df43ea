"""Per-client rate limits on anonymous submissions and status lookups; a flood is
refused with 429 and stores nothing; the limits hold with Redis down (local fallback) and do
not depend on DRF's default throttles (which the test settings switch off)."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from api import throttling
from complaints.models import Complaint

pytestmark = pytest.mark.django_db
SUBMIT = "/api/v1/public/complaints/"


def _post(client, batch, address="203.0.113.7"):
    return client.post(
        SUBMIT,
        {"gtin": batch.gtin, "lot": batch.lot, "description": "变质"},
        format="json",
        REMOTE_ADDR=address,
    )


def test_a_flood_of_anonymous_complaints_is_throttled_and_stores_nothing(batch, chain, settings):
    settings.COMPLAINT_SUBMIT_RATE = "3/hour"
    client = APIClient()
    assert [_post(client, batch).status_code for _ in range(3)] == [201, 201, 201]
    refused = _post(client, batch)
    assert refused.status_code == 429 and refused["Content-Type"].startswith(
        "application/problem+json"
    )
    assert Complaint.objects.count() == 3
    # Another client is not affected; the address itself is never a cache key.
    assert _post(client, batch, address="198.51.100.9").status_code == 201
    if hasattr(cache, "_cache") and hasattr(cache._cache, "keys"):
        assert not any("203.0.113.7" in str(k) for k in cache._cache)


def test_status_lookups_are_throttled(batch, chain, settings):
    settings.COMPLAINT_LOOKUP_RATE = "5/minute"
    client = APIClient()
    codes = [client.get(f"/api/v1/public/complaints/ABCDE-FGH{c}K/").status_code for c in "JKMNP"]
    assert codes == [404] * 5
    assert client.get("/api/v1/public/complaints/ABCDE-FGHJK/").status_code == 429


class _Down:
    def get(self, *args, **kwargs):
        raise ConnectionError("redis is down")

    set = get


def test_limits_hold_with_the_shared_cache_down(batch, chain, settings, monkeypatch, tmp_path):
    settings.COMPLAINT_SUBMIT_RATE = "2/hour"
    settings.THROTTLE_FALLBACK_FILE = str(tmp_path / "throttle.sqlite3")
    monkeypatch.setattr(throttling, "shared_cache", _Down())
    client = APIClient()
    statuses = [_post(client, batch, address="192.0.2.44").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_the_phone_form_is_throttled_too(batch, chain, settings):
    settings.COMPLAINT_SUBMIT_RATE = "1/hour"
    client = Client()
    url = f"/report/01/{batch.gtin}/10/{batch.lot}/"
    form = {
        "description": "有异物",
        "claim": "refund",
        "respondent_kind": "maker",
        "respondent_name": "某乳业",
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "contact_address": "徐州市铜山区北京路1号",
    }
    first = client.post(url, form, REMOTE_ADDR="192.0.2.50")
    assert first.status_code == 302
    assert client.post(url, form, REMOTE_ADDR="192.0.2.50").status_code == 429
    assert Complaint.objects.count() == 1
