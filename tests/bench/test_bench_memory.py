"""The memory benchmark reports the child process's own peak, not its parent's.

On Linux ``ru_maxrss`` survives ``exec``: a child spawned by a large process reported the
parent's peak (both sides of the 2 December full run read exactly the bench process's
431 MB). No services needed."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.memory_worker import peak_rss_mb

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_child_of_a_large_process_reports_its_own_peak():
    ballast = b"x" * (400 * 2**20)  # 400 MB resident in this (the parent) process
    assert peak_rss_mb() >= 400
    child = subprocess.run(
        [sys.executable, "-c", "from bench.memory_worker import peak_rss_mb; print(peak_rss_mb())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(child.stdout) < 200, child.stdout  # a bare interpreter, far below the parent
    del ballast
