"""The official spot-check pages of the workbench (双随机、一公开, Sichuan draft Art. 27): a draw
made from the form through ``inspections.services.draw_make``, its page with seed, lists and
result, the re-draw from the seed that says it matches, a result recorded and published."""

import pytest
from django.utils import timezone

from inspections.models import SpotCheck, SpotCheckDraw
from tests.workbench.test_records import _messages, _text, seeded  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _draw(client, user, **data):
    client.force_login(user)
    form = {"enterprise_count": "1", "inspectors_per_check": "1", **data}
    return client.post("/workbench/spot-checks/draw/", form, follow=True)


def test_a_draw_from_the_form_shows_seed_lists_and_result(client, seeded):  # noqa: F811
    county = seeded["county-regulator"]
    page = client.get("/workbench/spot-checks/draw/")
    client.force_login(county)
    page = client.get("/workbench/spot-checks/draw/")
    assert page.status_code == 200 and f'value="{county.pk}"' in page.content.decode()
    response = _draw(client, county, inspectors=[str(county.pk)], title="第一批")
    record = SpotCheckDraw.objects.get(regulator=county.membership.organization)
    assert response.redirect_chain[-1][0] == f"/workbench/spot-checks/draws/{record.pk}/"
    html = response.content.decode()
    assert record.seed in html and record.inspector_candidates == [county.pk]
    check = record.checks.get()
    assert f'id="check-{check.pk}"' in html
    assert f"/workbench/spot-checks/checks/{check.pk}/record/" in html
    verify = client.get(f"/workbench/spot-checks/draws/{record.pk}/verify/")
    assert 'data-matches="true"' in verify.content.decode()
    assert "一致" in _text(verify)


def test_a_refused_draw_stays_on_the_form_saying_why(client, seeded):  # noqa: F811
    before = SpotCheckDraw.objects.count()  # the demo's own draw
    response = _draw(client, seeded["county-regulator"], enterprise_count="999")
    assert response.status_code == 400 and SpotCheckDraw.objects.count() == before
    assert _messages(response)
    response = _draw(client, seeded["county-regulator"], region_code="330106")
    assert response.status_code == 400 and SpotCheckDraw.objects.count() == before
    assert _messages(response)


def test_recording_a_result_publishes_it(client, seeded):  # noqa: F811
    county = seeded["county-regulator"]
    _draw(client, county)
    check = SpotCheck.objects.get(draw__regulator=county.membership.organization)
    url = f"/workbench/spot-checks/checks/{check.pk}/record/"
    today = timezone.localdate().isoformat()
    response = client.post(url, {"result": "fail", "checked_on": today}, follow=True)
    check.refresh_from_db()
    assert check.status == "planned" and _messages(response)  # a failure states its findings
    client.post(url, {"result": "fail", "checked_on": today, "findings": "标签不合格"})
    check.refresh_from_db()
    assert (check.status, check.result) == ("done", "fail")
    listing = client.get("/workbench/spot-checks/").content.decode()
    assert f'href="/workbench/spot-checks/draws/{check.draw_id}/"' in listing
    assert check.enterprise.name in listing


def test_enterprises_get_no_spot_check_page(client, seeded):  # noqa: F811
    client.force_login(seeded["producer"])
    assert client.get("/workbench/spot-checks/").status_code == 403
    assert client.get("/workbench/spot-checks/draw/").status_code == 403
    assert 'href="/workbench/spot-checks/"' not in client.get("/workbench/").content.decode()
