"""What other apps add to the demo: each registers a seeder from its ``AppConfig.ready()``.

``manage.py seed_demo`` seeds the supply chain (``trace.demo.seed``) and then every
registered seeder in its order, so the traceability app never imports the apps built on it.
A seeder is idempotent: called again, it adds nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoSeeder:
    order: int
    name: str
    seed: Callable[[], object]


_SEEDERS: dict[str, DemoSeeder] = {}


def register_demo_seeder(name: str, seed: Callable[[], object], *, order: int) -> None:
    _SEEDERS[name] = DemoSeeder(order, name, seed)


def demo_seeders() -> list[DemoSeeder]:
    return sorted(_SEEDERS.values(), key=lambda s: (s.order, s.name))
