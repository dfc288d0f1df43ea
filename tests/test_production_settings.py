"""Production settings (issue 9, item 11): no default secret, HTTPS behind the proxy, a CSP.

Attack: a missing ``SECRET_KEY`` silently used the committed one (anyone could forge
sessions, password-reset links and signed page tokens); no HSTS, secure cookies or proxy
SSL header though a TLS proxy is documented; no Content-Security-Policy on HTML pages.
Each settings run is a fresh interpreter, as a server would start.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DATABASE_URL": "sqlite:////tmp/suyuan-check-deploy.sqlite3",
    "SECRET_KEY": "k" * 10 + "-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "suyuan.example.cn",
    "DEBUG": "0",
    "SECURE_PROXY": "1",
    "TRUSTED_PROXIES": "127.0.0.1",
}


def run(code: str, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "SUYUAN_DEV",
            "DATABASE_URL",
            "REDIS_URL",
            "SECURE_PROXY",
            "HTTPS",
            "PYTEST_XDIST_WORKER",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        timeout=120,
    )


SETUP = "import django; django.setup(); from django.conf import settings as s; "


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": PRODUCTION["DATABASE_URL"]},  # a deployment: no SECRET_KEY
        {"SUYUAN_DEV": "0"},  # the embedded database with development mode switched off
    ],
)
def test_refuses_to_start_without_a_secret_key(env):
    result = run(SETUP + "print('started')", **env)
    assert result.returncode != 0 and "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is not set" in result.stderr


def test_development_generates_its_own_key_in_var(tmp_path):
    code = SETUP + "print(s.SECRET_KEY)"
    first = run(code, SUYUAN_DEV="1", SUYUAN_VAR_DIR=str(tmp_path))
    second = run(code, SUYUAN_DEV="1", SUYUAN_VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text().strip()
    assert first.stdout.strip() == second.stdout.strip() == key and len(key) >= 50
    assert "dev-only-insecure" not in key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_behind_the_proxy_https_is_enforced():
    result = run(
        SETUP + "print(__import__('json').dumps([s.SECURE_PROXY_SSL_HEADER, "
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT]))",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    header, hsts, session_secure, csrf_secure, redirect = json.loads(result.stdout)
    assert header == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert hsts >= 31_536_000 and session_secure and csrf_secure and redirect


def test_check_deploy_is_clean_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if k not in {"SUYUAN_DEV", "REDIS_URL"}},
            **PRODUCTION,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("path", ["/api/docs/", "/admin/login/", "/accounts/login/"])
def test_html_pages_carry_a_content_security_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_consumer_page_carries_it_and_json_does_not(client, enterprise, product):
    from tests.factories import produce

    lot = produce(enterprise.user, product, lot="CSP1")
    page = client.get(f"/01/{lot.gtin}/10/{lot.lot}")
    assert page.status_code == 200 and "script-src 'self'" in page["Content-Security-Policy"]
    api = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert "Content-Security-Policy" not in api


def test_healthz_answers_without_redirect(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"
