"""Shared fixtures of the workbench tests: the demo world, a browser, signing in."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(db):
    """The seeded demo as `make run` seeds it (organizations, accounts, lots, incidents,
    complaints, recalls); the usernames map to their users."""
    call_command("seed_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def sign_in(
    browser, live_server, username, *, locale="zh-CN", viewport=DESKTOP, next_path="/workbench/"
):
    """A new browser context signed in through the real sign-in form; returns its page."""
    context = browser.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page
