from trace.demo.seed import demo_yogurt_batch

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_trace_reaches_both_supermarkets(anonymous):
    call_command("seed_demo")
    call_command("seed_demo")
    from rest_framework.test import APIClient

    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "city-regulator", "password": "demo-pass-2026"}
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    yogurt = demo_yogurt_batch()
    raw = yogurt.parent_edges.first().parent
    graph = client.get(f"/api/v1/batches/{raw.pk}/trace/?direction=forward").json()
    names = {o["name"] for o in graph["organizations"]}
    assert {"云龙万家超市有限公司", "南京玄武惠民超市有限公司"} <= names
