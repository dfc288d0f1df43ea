"""Is requirements.lock made from pyproject.toml's current dependency ranges?

    python .ci/lockfile.py stamp   # after `uv pip compile`: record what the lock was made from
    python .ci/lockfile.py check   # before installing: fail loudly if the ranges changed since

The stamp is a SHA-256 over requires-python, [project] dependencies and optional-dependencies
(not the rest of pyproject.toml, so editing the ruff or pytest sections needs no re-lock).
"""

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
MARK = "# dependencies-sha256: "


def inputs_digest() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    inputs = {
        "requires-python": project.get("requires-python"),
        "dependencies": project.get("dependencies", []),
        "optional-dependencies": project.get("optional-dependencies", {}),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def stamped() -> str | None:
    if not LOCK.exists():
        return None
    for line in LOCK.read_text().splitlines():
        if line.startswith(MARK):
            return line[len(MARK) :].strip()
    return None


def main(command: str) -> int:
    if command == "stamp":
        lines = [ln for ln in LOCK.read_text().splitlines() if not ln.startswith(MARK)]
        lines.insert(0, MARK + inputs_digest())
        LOCK.write_text("\n".join(lines) + "\n")
        return 0
    if command == "check":
        if stamped() != inputs_digest():
            print(
                "requirements.lock is stale: the dependency ranges in pyproject.toml changed "
                "since it was made.\nRun `make lock` and commit requirements.lock.",
                file=sys.stderr,
            )
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
