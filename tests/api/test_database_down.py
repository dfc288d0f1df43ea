"""PostgreSQL down is a 503 with Retry-After, not "Server Error (500)" (issue 19, item 4).

The test brings its own PostgreSQL: ``initdb`` into a temporary directory, its own free port
(never the shared cluster), and the real web server of the image (gunicorn with
``config/gunicorn.py``) pointed at it. It stops the cluster (``pg_ctl stop -m immediate``, a
crash), checks that writes on the API and EPCIS paths answer problem+json 503 with
``Retry-After`` and that people get an apology page in their language, starts the cluster again
and checks the same server serves again without a restart. Skipped, visibly, where the
PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[2]
_BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
pytestmark = pytest.mark.skipif(
    not _BINARIES, reason="needs the PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"
)
RETRY_AFTER = 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnPostgres:
    """A throw-away PostgreSQL cluster on a port of its own (run as ``postgres`` under root,
    which initdb refuses)."""

    def __init__(self, base: Path):
        self.bin = Path(_BINARIES[-1]).parent
        self.base = base
        self.data = base / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root without a postgres user to run PostgreSQL as")
            os.chown(base, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> None:
        kwargs = {"user": self.user.pw_uid, "group": self.user.pw_gid} if self.user else {}
        subprocess.run(args, check=True, capture_output=True, timeout=60, **kwargs)

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--no-locale",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.base / "postgres.log"), "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


class Http:
    """Requests to the server under test, with the cookies it sets."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None, form=None):
        headers = dict(headers or {})
        if form is not None:
            body = "&".join(f"{k}={v}" for k, v in form.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response, text


@pytest.fixture
def server(tmp_path):
    """gunicorn (the image's config) on its own port, over a cluster of the test's own."""
    base = Path(tempfile.mkdtemp(prefix="suyuan-pg-"))
    cluster = OwnPostgres(base)
    web = None
    try:
        cluster.init()
        cluster.start()
        admin = psycopg2.connect(cluster.url("postgres"))
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE suyuan")
        admin.close()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "REDIS_URL"))},
            "DATABASE_URL": cluster.url("suyuan"),
            "SECRET_KEY": "database-down-test-" + "k" * 40,
            "DEBUG": "0",
            "SUYUAN_DEV": "0",
            "SUYUAN_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_RETRY_AFTER_SECONDS": str(RETRY_AFTER),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        env.pop("REDIS_URL", None)
        # The tables the exercised paths need (sign-in, tokens, sessions, lockout): the whole
        # schema takes twenty seconds to migrate, these four.
        setup = (
            "import django; django.setup(); from django.core.management import call_command; "
            "[call_command('migrate', app, verbosity=0) for app in ('auth', 'sessions', 'axes', 'knox')]; "
            "from django.contrib.auth.models import User; "
            "User.objects.create_user('operator', password='a-long-test-password')"
        )
        done = subprocess.run(
            [sys.executable, "-c", setup], cwd=ROOT, env=env, timeout=120, capture_output=True,
            text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        port = _free_port()
        log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py",
             "config.wsgi:application"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
                 "GUNICORN_THREADS": "2", "GUNICORN_ACCESS_LOG": ""},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = Http(port)
        for _ in range(300):
            try:
                if client.request("GET", "/healthz")[0].status == 200:
                    break
            except OSError:
                pass
            if web.poll() is not None:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text())
            time.sleep(0.05)
        client.cluster = cluster
        client.log = tmp_path / "gunicorn.log"
        yield client
    finally:
        if web is not None:
            web.terminate()
            web.wait(10)
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            cluster.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)


def _token(client, password="a-long-test-password"):
    return client.request(
        "POST", "/api/v1/auth/token/", body={"username": "operator", "password": password}
    )


def _sign_in(client):
    page = client.request("GET", "/accounts/login/")[1]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return client.request(
        "POST",
        "/accounts/login/",
        form={
            "username": "operator",
            "password": "a-long-test-password",
            "csrfmiddlewaretoken": csrf,
        },
    )[0]


def _assert_problem_503(response, text, type_prefix):
    assert response.status == 503, text
    assert response.getheader("Content-Type").startswith("application/problem+json"), text
    assert response.getheader("Retry-After") == str(RETRY_AFTER)
    body = json.loads(text)
    assert body["status"] == 503 and body["type"].startswith(type_prefix), body
    return body


def test_writes_answer_503_while_postgresql_is_down_and_serve_again_when_it_is_back(server):
    response, text = _token(server)
    assert response.status == 200, text
    token = json.loads(text)["token"]
    assert _sign_in(server).status == 302
    people = Http(server.port)

    server.cluster.stop("immediate")

    # The API: sign-in for a token, a consumer's complaint; EPCIS capture with a valid token.
    _assert_problem_503(*_token(server), "https://suyuan.cn/problems/database-unavailable")
    body = _assert_problem_503(
        *server.request(
            "POST",
            "/api/v1/public/complaints/",
            body={"gtin": "06901234000016", "lot": "L1", "description": "变质"},
            headers={"Accept-Language": "en"},
        ),
        "https://suyuan.cn/problems/",
    )
    assert "database" in body["detail"] and f"{RETRY_AFTER} seconds" in body["detail"]
    _assert_problem_503(
        *server.request(
            "POST",
            "/epcis/capture",
            body={"type": "EPCISDocument"},
            headers={"Authorization": f"Token {token}", "Content-Type": "application/ld+json"},
        ),
        "epcisException:",
    )
    # People: the consumer page, the phone sign-in and the workbench, in their language.
    for path, language, words in [
        ("/01/06901234000016/10/L1", "en", "Sorry"),
        ("/01/06901234000016/10/L1", "zh-CN,zh;q=0.9", "抱歉"),
    ]:
        response, text = people.request("GET", path, headers={"Accept-Language": language})
        assert response.status == 503 and response.getheader("Retry-After") == str(RETRY_AFTER)
        assert response.getheader("Content-Type").startswith("text/html") and words in text
        assert "Server Error" not in text
    response, text = server.request("GET", "/workbench/", headers={"Accept-Language": "en"})
    assert response.status == 503 and "Sorry" in text, text  # the session is in the database
    assert response.getheader("Retry-After") == str(RETRY_AFTER)
    response, _ = server.request("GET", "/healthz")
    assert response.status == 503  # the container healthcheck sees the outage

    server.cluster.start()  # returns once PostgreSQL accepts connections
    started = time.monotonic()
    statuses = []
    while not statuses or statuses[-1] != 200:
        assert time.monotonic() - started < 10, f"no recovery without a restart: {statuses}"
        statuses.append(server.request("GET", "/healthz")[0].status)
    print(f"served again {time.monotonic() - started:.3f} s after PostgreSQL was back: {statuses}")
    response, text = _token(server)
    assert response.status == 200 and json.loads(text)["token"]
    assert _sign_in(Http(server.port)).status == 302
    assert server.request("GET", "/healthz")[0].status == 200
    log = server.log.read_text()
    # One line for the outage, one when it is over; not a traceback per refused request.
    assert log.count("Database unreachable") == 1, log
    assert "Service Unavailable" not in log and "Traceback" not in log, log
    assert "Database is back" in log
