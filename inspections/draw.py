"""The random selection of a spot-check draw, written so anyone can re-draw it by hand.

No Django here: the algorithm is a pure function of the seed and the sorted candidate lists.

Algorithm ``hmac-sha256-fisher-yates-v1``
-----------------------------------------
Inputs: ``seed`` (32 bytes, published as 64 lower-case hex digits), the candidate enterprises
(their ids, sorted ascending), the candidate inspectors (user ids, sorted ascending), how many
enterprises to draw (``k``) and how many inspectors go to each check (``m``).

1. A stream of numbers under a label ``L`` (ASCII text): the ``c``-th block (``c`` = 0, 1, …) is
   ``HMAC-SHA256(key=seed, message=L + ":" + decimal(c))``; its first 8 bytes, read as an
   unsigned big-endian integer ``r``, are one 64-bit draw.
2. A number below ``n`` from the stream: take the next draw ``r``; if
   ``r >= 2**64 - (2**64 mod n)`` discard it and take the next one (rejection, so every number
   is equally likely); otherwise the answer is ``r mod n``.
3. Partial Fisher–Yates over a copy ``a`` of the sorted list, ``n`` = its length: for
   ``i`` = 0 … ``k``-1, ``j = i + below(n - i)``, swap ``a[i]`` and ``a[j]``. The selection is
   ``a[0:k]``, in that order.
4. Enterprises: step 3 on the enterprise list with label ``enterprises``. Inspectors of the
   ``p``-th drawn enterprise (``p`` from 0): step 3 on the inspector list with label
   ``inspectors:p`` and ``k = m`` (so one check's inspectors are distinct; an inspector may
   serve several checks).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

ALGORITHM = "hmac-sha256-fisher-yates-v1"
SEED_BYTES = 32
_SPACE = 2**64


def new_seed() -> str:
    """A seed from the operating system's cryptographic random source, as 64 hex digits."""
    return secrets.token_hex(SEED_BYTES)


class _Stream:
    def __init__(self, seed: bytes, label: str):
        self.seed, self.label, self.counter = seed, label, 0

    def next64(self) -> int:
        message = f"{self.label}:{self.counter}".encode("ascii")
        self.counter += 1
        return int.from_bytes(hmac.new(self.seed, message, hashlib.sha256).digest()[:8], "big")

    def below(self, n: int) -> int:
        limit = _SPACE - (_SPACE % n)
        while True:
            r = self.next64()
            if r < limit:
                return r % n


def choose(seed: bytes, label: str, candidates: Sequence[int], k: int) -> list[int]:
    """``k`` of the sorted ``candidates``, in drawn order (partial Fisher–Yates, step 3)."""
    a = sorted(candidates)
    if not 0 <= k <= len(a):
        raise ValueError(f"cannot draw {k} of {len(a)}")
    stream = _Stream(seed, label)
    for i in range(k):
        j = i + stream.below(len(a) - i)
        a[i], a[j] = a[j], a[i]
    return a[:k]


@dataclass(frozen=True)
class Assignment:
    enterprise: int
    inspectors: list[int]

    def as_dict(self) -> dict:
        return {"enterprise": self.enterprise, "inspectors": list(self.inspectors)}


def draw(
    *,
    seed_hex: str,
    enterprises: Sequence[int],
    inspectors: Sequence[int],
    enterprise_count: int,
    inspectors_per_check: int,
) -> list[Assignment]:
    """The whole draw (step 4): each drawn enterprise with its inspectors."""
    seed = bytes.fromhex(seed_hex)
    chosen = choose(seed, "enterprises", enterprises, enterprise_count)
    return [
        Assignment(e, choose(seed, f"inspectors:{p}", inspectors, inspectors_per_check))
        for p, e in enumerate(chosen)
    ]
