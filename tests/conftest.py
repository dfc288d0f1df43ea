"""Personas (in the healthchecks way) and shared fixtures.

The suite runs on SQLite by default; with DATABASE_URL / REDIS_URL set it runs
against the real PostgreSQL and Redis.
"""

import os
import re

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from core.choices import RegulatorLevel, Role
from tests.browser import launch_browser
from tests.factories import EnterpriseFactory, ProductFactory, RegulatorFactory, UserFactory


def _redis_db_for_this_worker(settings):
    """Under xdist each worker gets its own Redis database, so one worker's
    cache.clear() (FLUSHDB) never wipes another's throttle counts or pages."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    default = settings.CACHES["default"]
    if not worker or not default["BACKEND"].endswith("RedisCache"):
        return
    match = re.match(r"^(redis://[^/]+)(?:/(\d+))?$", default["LOCATION"])
    if match:
        db = int(match.group(2) or 0) + int(worker.removeprefix("gw")) + 1
        if db > 15:
            pytest.fail(
                f"xdist worker {worker} would need Redis database {db}; use a lower REDIS_URL database"
            )
        settings.CACHES = {"default": {**default, "LOCATION": f"{match.group(1)}/{db}"}}


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium through Playwright (tests/browser.py); skipped where missing."""
    yield from launch_browser(monkeypatch)


@pytest.fixture
def screenshot(tmp_path):
    """Take a full-page screenshot of a browser page into this test's ``tmp_path`` (pytest keeps
    the last runs' directories for a person to look at); returns the file's path."""

    def take(page, name: str):
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    _redis_db_for_this_worker(settings)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    cache.clear()
    # Every test starts in the default language: a request with ?lang=en activates English
    # in this thread, and objects a later test creates would otherwise be worded in it.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
    cache.clear()


class Persona:
    def __init__(self, user):
        self.user = user
        self.client = APIClient()
        if user is not None:
            self.client.force_authenticate(user)

    @property
    def org(self):
        return self.user.membership.organization


@pytest.fixture
def enterprise(db):
    """An enterprise (a dairy in Tongshan, Xuzhou) with an operator."""
    return Persona(UserFactory(organization=EnterpriseFactory(region_code="320312")))


@pytest.fixture
def enterprise_viewer(enterprise):
    return Persona(UserFactory(organization=enterprise.org, organization__role=Role.VIEWER))


@pytest.fixture
def partner(db):
    """A second enterprise in Xuzhou (the distributor the first ships to)."""
    return Persona(UserFactory(organization=EnterpriseFactory(region_code="320311")))


@pytest.fixture
def other_enterprise(db):
    """An unrelated enterprise elsewhere (Hangzhou) that must see nothing of the others."""
    return Persona(UserFactory(organization=EnterpriseFactory(region_code="330106")))


@pytest.fixture
def regulator(db):
    """The Xuzhou city regulator (320300): its jurisdiction covers enterprise and partner."""
    return Persona(
        UserFactory(organization=RegulatorFactory(level=RegulatorLevel.CITY, region_code="320300"))
    )


@pytest.fixture
def regulator_elsewhere(db):
    """The Hangzhou city regulator (330100): outside the jurisdiction."""
    return Persona(
        UserFactory(organization=RegulatorFactory(level=RegulatorLevel.CITY, region_code="330100"))
    )


@pytest.fixture
def anonymous(db):
    return Persona(None)


@pytest.fixture
def product(enterprise):
    return ProductFactory(owner=enterprise.org)
