"""The import graph keeps the layout the README's architecture section draws.

Read from the source with ``ast`` (nothing is imported), over the product code
of ``core/``, ``trace/``, ``api/``, ``incidents/``, ``complaints/``, ``inspections/``,
``recalls/``, ``credit/``, ``workbench/`` and ``config/``:

- the apps stand in layers, each importing only those below it:
  ``core`` ← ``api`` ← ``trace`` ← ``incidents`` ← ``complaints`` ← ``recalls`` ←
  ``credit`` ← ``workbench``, and only ``config`` (the root URLs) imports the workbench;
- ``inspections`` (official spot checks) stands beside ``incidents``: it imports only ``core``,
  ``api`` and ``trace``, and only ``credit``, ``workbench`` and ``config`` import it;
- ``core`` (the shared domain core: the rulebook) imports no other app of the project;

- no import cycle among modules, nor among the packages of ``trace/``;
- the core (``trace.core`` and the models Django expects in ``trace/models.py``)
  and the standards package ``trace.gs1`` import neither the EPCIS binding nor
  the web side (consumer pages, REST API, exports, demo);
- ``trace.gs1`` imports no Django: it is the GS1 standards, nothing else;
- no import of a project module inside a function, the usual way a cycle is
  hidden, except the few places Django itself prescribes (``ALLOWED_LOCAL``);
- no module over 800 lines and no function over 80 (migrations aside).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "core",
    "trace",
    "api",
    "incidents",
    "complaints",
    "inspections",
    "recalls",
    "credit",
    "workbench",
    "config",
)

# (module, function) -> why an import inside it is right. Keep it short.
ALLOWED_LOCAL = {
    ("trace.apps", "TraceConfig.import_models"): (
        "Django imports apps.py before any model; the EPCIS binding's tables join the app here"
    ),
}

CORE = {"trace.core", "trace.gs1"}
OUTER = {
    "trace.epcis",
    "trace.consumer",
    "trace.rest",
    "trace.demo",
    "trace.exports",
    "trace.admin",
    "trace.apps",
    "trace.management",
}


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)  # project modules, anywhere in the file
    external: set[str] = field(default_factory=set)  # top-level names of other packages
    local: list[tuple[str, str, int]] = field(default_factory=list)  # (function, target, line)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _walk(node: ast.AST, scope: tuple[str, ...]):
    """Yield (import node, enclosing function path or None)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            in_function = any(s.startswith("def:") for s in scope)
            name = ".".join(s.split(":", 1)[1] for s in scope)
            yield child, (name if in_function else None)
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk(child, (*scope, f"def:{child.name}"))
        elif isinstance(child, ast.ClassDef):
            yield from _walk(child, (*scope, f"class:{child.name}"))
        else:
            yield from _walk(child, scope)


def load_graph() -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            modules[_module_name(path)] = Module(_module_name(path), path)
    packages = {m.name for m in modules.values() if m.path.name == "__init__.py"}

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    for module in modules.values():
        package = module.name if module.name in packages else module.name.rpartition(".")[0]
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        for node, function in _walk(tree, ()):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
                targets = [f"{stem}.{alias.name}" for alias in node.names]
            else:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
            for target in targets:
                if target.split(".")[0] not in APPS:
                    module.external.add(target.split(".")[0])
                    continue
                resolved = resolve(target)
                if resolved is None or resolved == module.name:
                    continue
                module.imports.add(resolved)
                if function is not None:
                    module.local.append((function, resolved, node.lineno))
    return modules


def unit(name: str) -> str:
    """The package a module belongs to: trace's sub-packages, each other app as a whole."""
    parts = name.split(".")
    if parts[0] != "trace":
        return parts[0]
    if name == "trace.models":  # the core's models, where Django expects them
        return "trace.core"
    return ".".join(parts[:2])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, Module]:
    return load_graph()


def test_the_graph_is_read(graph):
    """A vacuous graph would pass every rule below: check it sees known edges."""
    assert "trace.core.capture" in graph["trace.epcis.services"].imports
    assert "trace.models" in graph["trace.core.capture"].imports
    assert graph["trace.apps"].local  # the receivers connected in ready()


def test_no_cycle_among_modules(graph):
    assert cycles({m.name: m.imports for m in graph.values()}) == []


def test_no_cycle_among_packages(graph):
    packages: dict[str, set[str]] = defaultdict(set)
    for m in graph.values():
        packages[unit(m.name)] |= {unit(t) for t in m.imports} - {unit(m.name)}
    assert cycles(packages) == []


def test_core_and_gs1_import_no_outer_layer(graph):
    wrong = sorted(
        (m.name, t)
        for m in graph.values()
        if unit(m.name) in CORE
        for t in m.imports
        if unit(t) in OUTER
    )
    assert wrong == []


def test_gs1_imports_no_django_and_no_project_code_beyond_itself(graph):
    gs1 = [m for m in graph.values() if unit(m.name) == "trace.gs1"]
    assert gs1, "trace.gs1 exists"
    assert (
        sorted(
            (m.name, e)
            for m in gs1
            for e in m.external
            if e in {"django", "rest_framework", "celery"}
        )
        == []
    )
    assert sorted((m.name, t) for m in gs1 for t in m.imports if unit(t) != "trace.gs1") == []


def _in_app_ready(module: str, function: str) -> bool:
    """``AppConfig.ready()`` of any app: Django's documented place to register receivers and
    sweepers once every model is loaded."""
    return module.endswith(".apps") and function.endswith("Config.ready")


def test_no_function_level_import_of_project_code(graph):
    local = sorted(
        (m.name, function, target, line)
        for m in graph.values()
        for function, target, line in m.local
        if (m.name, function) not in ALLOWED_LOCAL and not _in_app_ready(m.name, function)
    )
    assert local == []


# The apps from the bottom up; ``config`` (settings, root URLs, Celery) sits above them all.
LAYERS = (
    "core",
    "api",
    "trace",
    "incidents",
    "complaints",
    "recalls",
    "credit",
    "workbench",
    "config",
)
# Apps that stand beside a layer (same height), and so import only what is below it.
BESIDE = {"inspections": "incidents"}


def _app(name: str) -> str:
    return name.split(".")[0]


def _height(app: str) -> int:
    return LAYERS.index(BESIDE.get(app, app))


def test_apps_import_only_the_layers_below_them(graph):
    upward = sorted(
        (m.name, t)
        for m in graph.values()
        for t in m.imports
        if _height(_app(t)) > _height(_app(m.name))
    )
    assert upward == []


def test_inspections_stand_beside_incidents(graph):
    """Spot checks use ``core``, ``api`` and ``trace`` only; only ``credit`` (the credit record
    counts failed official checks), the workbench (its pages) and ``config`` (the root URLs)
    use them."""
    inspections = [m for m in graph.values() if _app(m.name) == "inspections"]
    assert any(m.name == "inspections.services" for m in inspections), "inspections is read"
    assert (
        sorted(
            (m.name, t)
            for m in inspections
            for t in m.imports
            if _app(t) not in {"core", "api", "trace", "inspections"}
        )
        == []
    )
    importers = sorted(
        m.name
        for m in graph.values()
        if _app(m.name) != "inspections"
        for t in m.imports
        if _app(t) == "inspections"
    )
    assert {_app(name) for name in importers} <= {"credit", "workbench", "config"}


def test_core_imports_no_other_app_of_the_project(graph):
    """The bottom layer: every app may use the rulebook; the rulebook uses none of them."""
    core = [m for m in graph.values() if _app(m.name) == "core"]
    assert any(m.name == "core.rulebook.book" for m in core), "core is read"
    assert "core.rulebook" in graph["api.views"].imports  # the rules endpoint uses it
    assert sorted((m.name, t) for m in core for t in m.imports if _app(t) != "core") == []


def test_only_the_root_urls_import_the_workbench(graph):
    importers = sorted(
        m.name
        for m in graph.values()
        if _app(m.name) != "workbench"
        for t in m.imports
        if _app(t) == "workbench"
    )
    assert set(importers) <= {"config.urls"}


def test_every_package_says_what_it_holds():
    packages = [p for p in (ROOT / "trace").iterdir() if (p / "__init__.py").exists()]
    packages += [p for p in (ROOT / "core").iterdir() if (p / "__init__.py").exists()]
    packages += [ROOT / app for app in APPS if app != "config"]
    bare = [
        p.name
        for p in packages
        if p.name not in {"migrations", "management"}
        and not ast.get_docstring(ast.parse((p / "__init__.py").read_text(encoding="utf-8")))
    ]
    assert bare == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_upper_apps_reach_the_consumer_page_only_through_its_extensions(graph):
    """Issue 10: one consumer-page hook. Recalls (the recall banner) and complaints (warnings,
    "report a problem") register notice providers in ``trace.consumer.extensions``; nothing in
    ``trace`` imports them (the demo seed command excepted: it seeds every app), and no other
    module of the consumer side offers a registry for them."""
    upward = sorted(
        (m.name, t)
        for m in graph.values()
        if m.name.startswith("trace.") and not m.name.startswith("trace.management.")
        for t in m.imports
        if t.split(".")[0] in ("incidents", "recalls")
    )
    assert upward == []
    registries = sorted(
        (m.name, node.name)
        for m in graph.values()
        if m.name.startswith("trace.consumer")
        for node in ast.walk(ast.parse(m.path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("register_")
    )
    assert registries == [("trace.consumer.extensions", "register_notice_provider")]
    for app in ("recalls.apps", "complaints.apps"):
        assert "trace.consumer.extensions" in graph[app].imports, app


def test_api_is_the_http_layer_and_core_the_domain(graph):
    """``api`` holds the HTTP layer and no models; the domain's models, outbox, calendar and
    timelines are ``core``'s (which keeps the Django label ``api`` for its tables)."""
    assert not (ROOT / "api" / "models.py").exists()
    assert not (ROOT / "api" / "migrations").exists()
    for module in ("core.models", "core.outbox", "core.workdays", "core.timeline", "core.bulk"):
        assert module in graph, module
    http = {"rest_framework.views", "rest_framework.viewsets", "rest_framework.generics"}
    core_views = sorted(
        m.name
        for m in graph.values()
        if _app(m.name) == "core"
        for node in ast.walk(ast.parse(m.path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module in http
    )
    assert core_views == []


def test_one_state_machine_check():
    """Incidents, complaints, reports, risk signals and recalls refuse a transition through
    ``core.errors.check_transition`` (one 409 shape: current state, allowed actions); no app
    words its own illegal-transition error."""
    own = sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path != ROOT / "core" / "errors.py"
        and 'code="illegal_transition"' in path.read_text(encoding="utf-8")
    )
    assert own == []
    users = [
        module
        for module in (
            "incidents/services/common.py",
            "complaints/services/common.py",
            "complaints/report_services.py",
            "recalls/services/common.py",
        )
        if "check_transition(" in (ROOT / module).read_text(encoding="utf-8")
    ]
    assert len(users) == 4, users


# Who may do what is decided in the policy modules (``<app>/policy.py``, ``trace/core/rules.py``,
# ``api/permissions.py``, ``workbench/access.py``); views, pages, template tags and the
# navigation ask them. Reading an organization's kind or write role in a view is allowed only
# where it picks WHICH form of a page or request to serve, never whether to serve it — each
# such place is named here with its reason, and a new one fails the test until it is.
ACCESS_ATTRIBUTES = {"governs", "is_regulator", "is_enterprise", "can_write", "jurisdiction_prefix"}
POLICY_MODULES = {"policy", "rules", "permissions", "access"}
VIEW_DECISIONS_ALLOWED = {
    ("complaints/views.py", "is_regulator"): "the regulator's report form vs the consumer's",
    ("credit/pages.py", "is_enterprise"): "a credit page exists only for enterprises (404)",
    ("credit/views.py", "is_enterprise"): "a credit record exists only for enterprises (404)",
    ("incidents/views.py", "is_regulator"): "a regulator opens a case, an enterprise reports",
    ("workbench/nav.py", "is_regulator"): "which menu: the regulator's or the enterprise's",
    ("workbench/views/enterprise/common.py", "can_write"): "a viewer sees forms disabled",
    ("workbench/views/inbox.py", "jurisdiction_prefix"): "the inbox's counts by region",
    (
        "workbench/views/inbox.py",
        "is_regulator",
    ): "which inbox: the regulator's or the enterprise's",
    (
        "workbench/views/lot_trace.py",
        "is_regulator",
    ): "link back to the lot page for its own makers",
    (
        "workbench/views/quality.py",
        "is_regulator",
    ): "which list: the governed enterprises or one's own",
    ("workbench/views/records/common.py", "can_write"): "a viewer sees no action buttons",
    (
        "workbench/views/records/complaints.py",
        "is_regulator",
    ): "the regulator's list vs the respondent's",
    ("workbench/views/records/incidents.py", "is_regulator"): "which due times and wording to show",
    ("workbench/views/scan/__init__.py", "can_write"): "a viewer's scan page records nothing",
}


def _view_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or _is_policy_module(path):
                continue
            if (
                "views" in rel.parts
                or path.stem.endswith("views")
                or path.stem in {"pages", "nav", "api"}
                or "templatetags" in rel.parts
            ):
                yield rel


def _is_policy_module(path: Path) -> bool:
    return path.stem in POLICY_MODULES or path.stem.endswith("_policy")


def _access_reads(rel: Path) -> set[tuple[str, str]]:
    """(module, attribute) for each read of an access attribute, except a policy module's own
    helper of that name (``policy.governs(org, incident)`` asks the policy)."""
    tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
    return {
        (rel.as_posix(), node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ACCESS_ATTRIBUTES
        and not (isinstance(node.value, ast.Name) and node.value.id.endswith("policy"))
    }


def test_views_do_not_decide_access_themselves():
    found = set().union(*(_access_reads(rel) for rel in _view_modules()))
    assert sorted(found - set(VIEW_DECISIONS_ALLOWED)) == []
    assert sorted(set(VIEW_DECISIONS_ALLOWED) - found) == []  # the list stays true


# Size limits: a module over ``MAX_MODULE_LINES`` lines or a function over ``MAX_FUNCTION_LINES``
# (its ``def`` to its last line, nested functions and methods included) is split by what it holds.
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80


def _product_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_no_module_or_function_is_oversized():
    oversized = []
    for rel, text in _product_sources():
        if len(text.splitlines()) > MAX_MODULE_LINES:
            oversized.append(rel)
        for node in ast.walk(ast.parse(text, rel)):
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
            ):
                oversized.append(f"{rel}:{node.name}")
    assert oversized == []


# The domain side: services, selectors, tasks, escalation, exports… ask the policy modules too.
# Models are left out: their querysets' ``visible_to`` is the read side of the policy, and
# ``Organization.governs`` the jurisdiction rule itself. A read of an organization's kind that
# picks a duty of the law rather than who may act is named here with its reason.
DOMAIN_DECISIONS_ALLOWED = {
    (
        "incidents/services/intake.py",
        "is_enterprise",
    ): "an enterprise's own report owes the late-report mark, supplement window and award report",
    (
        "incidents/services/intake.py",
        "is_regulator",
    ): "a regulator's own filing sets the handling level and names the enterprise it governs",
    (
        "trace/core/services.py",
        "is_enterprise",
    ): "goods ship to enterprises only: a rule of the input (400), not of who may ship",
    (
        "trace/consumer/public.py",
        "is_regulator",
    ): "a regulator's inspection names it on the public journey (who is named, not who acts)",
}


def _domain_modules():
    views = set(_view_modules())
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or _is_policy_module(path) or rel in views:
                continue
            if path.stem == "models":
                continue
            yield rel


def test_domain_code_does_not_decide_access_itself():
    """Services, selectors, tasks and the other domain modules ask ``<app>/policy.py`` (or
    ``trace/core/rules.py``) who may do what; grep finds no other access decision in them but
    the ones named above."""
    modules = list(_domain_modules())
    assert Path("incidents/services/intake.py") in modules  # the walk sees services packages
    assert Path("credit/selectors.py") in modules
    found = set().union(*(_access_reads(rel) for rel in modules))
    assert sorted(found - set(DOMAIN_DECISIONS_ALLOWED)) == []
    assert sorted(set(DOMAIN_DECISIONS_ALLOWED) - found) == []  # the list stays true
