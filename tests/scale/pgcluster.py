"""A PostgreSQL primary and its streaming replica, started by a test on free ports of this
machine (never the shared cluster on 5432): ``initdb``, ``pg_basebackup -R``, ``pg_ctl``.

Run as the ``postgres`` user when the tests run as root (``initdb`` refuses root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian's layout), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_reason() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if pg_bin() is None:
        return "needs the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "runs as root without a postgres user to run initdb as"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], *, owner: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        _as_owner(cmd) if owner else cmd, capture_output=True, text=True, timeout=60, **kwargs
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


class Cluster:
    """One server: a data directory under ``root`` and a port."""

    def __init__(self, root: Path, name: str):
        self.dir = root / name
        self.port = free_port()
        self.root = root

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _settings(self) -> str:
        return (
            f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\n"
        )

    def init_primary(self) -> None:
        bin_ = pg_bin()
        _run([str(bin_ / "initdb"), "-D", str(self.dir), "-U", "postgres", "--auth=trust",
              "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
        with open(self.dir / "postgresql.conf", "a") as conf:
            conf.write(
                self._settings() + "wal_level = replica\nmax_wal_senders = 4\n"
                "hot_standby = on\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nshared_buffers = 32MB\n"
            )
        with open(self.dir / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def init_replica_of(self, primary: Cluster) -> None:
        _run([str(pg_bin() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
              "-U", "postgres", "-D", str(self.dir), "-R", "-X", "stream", "-c", "fast"])  # fmt: skip
        with open(self.dir / "postgresql.conf", "a") as conf:
            conf.write(self._settings())

    def start(self) -> None:
        _run([str(pg_bin() / "pg_ctl"), "-D", str(self.dir), "-l", str(self.dir / "log"),
              "-w", "-t", "30", "start"])  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            _as_owner([str(pg_bin() / "pg_ctl"), "-D", str(self.dir), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=30,
            check=False,
        )

    def sql(self, statement: str, database: str = "postgres") -> str:
        return _run(
            [str(pg_bin() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-tAc", statement],
            owner=False,
        ).stdout.strip()  # fmt: skip


def copy_database(source_url: dict, target: Cluster, database: str) -> None:
    """The migrated test database (schema and rows) into ``target``: ``pg_dump | pg_restore``
    takes seconds where running every migration again takes most of a minute."""
    target.sql(f'CREATE DATABASE "{database}"')
    dump = subprocess.Popen(
        [str(pg_bin() / "pg_dump"), "-Fc", "-h", source_url["HOST"] or "127.0.0.1",
         "-p", str(source_url["PORT"] or 5432), "-U", source_url["USER"] or "postgres",
         source_url["NAME"]],
        stdout=subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": source_url.get("PASSWORD") or ""},
    )  # fmt: skip
    _run(
        [str(pg_bin() / "pg_restore"), "--no-owner", "--no-privileges", "-h", "127.0.0.1",
         "-p", str(target.port), "-U", "postgres", "-d", database],
        owner=False,
        stdin=dump.stdout,
    )  # fmt: skip
    dump.stdout.close()
    if dump.wait(60) != 0:
        raise RuntimeError("pg_dump of the test database failed")


class ReplicatedPair:
    """A primary with one streaming replica, in a temporary directory of its own."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="suyuan-replica-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.primary = Cluster(self.root, "primary")
        self.replica = Cluster(self.root, "replica")

    def wait_replayed(self, timeout: float = 20) -> None:
        """Until the replica has replayed everything the primary has written so far.

        The target is where the primary has *inserted* WAL to: with ``synchronous_commit =
        off`` (as this primary runs) a commit's record can still sit in the WAL buffers, past
        ``pg_current_wal_lsn()`` (what has been written out), and a replica that replayed up
        to that position has not seen the commit yet."""
        target = self.primary.sql("SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if done == "t":
                return
            time.sleep(0.05)
        raise TimeoutError("the replica did not catch up")

    def stop(self) -> None:
        self.replica.stop()
        self.primary.stop()
        shutil.rmtree(self.root, ignore_errors=True)
