"""The layers written in the README, enforced: imports only go down, no cycles, only the GUI imports aqt, and
private Anki APIs only in ``anki_compat.py``.

Layers, top to bottom: GUI glue (the package ``__init__.py`` and ``gui/``) -> server transport
(``connect_server.py``, ``protocol.py``) -> actions (``actions/``) -> domain (every other module) -> ``anki``.
The imports are read from the source with ``ast`` (module level and inside functions alike).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Not product code, or vendored third-party code with its own structure.
SKIP_DIRS = {
    "tests",
    "bench",
    "tools",
    ".venv",
    ".git",
    "dist",
    "user_files",
    "_vendor",
    "__pycache__",
    ".ci",
    ".node-tools",
}
LAYERS = {"gui": 3, "transport": 2, "actions": 1, "domain": 0}
TRANSPORT = {"connect_server", "protocol", "http_wire"}
# Being reworked by the engine's owner (issue 11 (2) and the engine internals); each entry must still be needed,
# so it is removed here when that work lands (see test_pending_exceptions_are_still_needed).
PENDING_CYCLES: set[frozenset[str]] = set()
PENDING_PRIVATE_API: set[str] = set()
PRIVATE_API = re.compile(r"\._backend\b|\bRustBackend\b|\.progress\._win\b|\bfrom anki\._backend\b")


def product_files() -> dict[str, Path]:
    """Module name (``""`` for the package root, ``gui.ops``…) -> file."""
    modules = {}
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO)
        if any(part in SKIP_DIRS for part in rel.parts):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def layer_of(module: str) -> str:
    top = module.split(".", 1)[0]
    if module == "" or top == "gui":
        return "gui"
    if module in TRANSPORT:
        return "transport"
    if top == "actions":
        return "actions"
    return "domain"


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom, modules: dict[str, Path]) -> list[str]:
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    target = ".".join(base + ([node.module] if node.module else []))
    found = []
    for alias in node.names:
        sub = f"{target}.{alias.name}" if target else alias.name
        found.append(sub if sub in modules else target)
    return found


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(internal edges module -> modules, external top-level packages each module imports)."""
    modules = product_files()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    external: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                edges[module].update(t for t in _resolve(module, is_package, node, modules) if t != module)
            elif isinstance(node, ast.ImportFrom) and node.module:
                external[module].add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                external[module].update(alias.name.split(".")[0] for alias in node.names)
    return edges, external


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _pending(component: list[str]) -> bool:
    tops = frozenset(m.split(".")[0] for m in component)
    return tops in PENDING_CYCLES


def test_the_graph_sees_the_known_imports():
    # Guards the parser itself: if these were not found, the other tests would pass vacuously.
    edges, external = import_graph()
    assert "actions.registry" in edges["actions.notes"] and "note_push" in edges["actions.notes"]
    assert "protocol" in edges["connect_server"] and "aqt" in external["gui.ops"]
    assert "media_files" in edges["note_push"]


def test_no_import_cycles():
    edges, _ = import_graph()
    cycles = [c for c in _cycles(edges) if not _pending(c)]
    assert cycles == [], f"import cycles: {cycles}"


def test_imports_only_go_down():
    edges, _ = import_graph()
    upward = [
        f"{m} ({layer_of(m)}) imports {t} ({layer_of(t)})"
        for m, targets in edges.items()
        for t in targets
        if LAYERS[layer_of(t)] > LAYERS[layer_of(m)]
    ]
    assert upward == []


def test_only_the_gui_imports_aqt():
    _, external = import_graph()
    offenders = sorted(m for m, names in external.items() if "aqt" in names and layer_of(m) != "gui")
    assert offenders == []


def test_private_anki_apis_only_in_the_compatibility_module():
    offenders = []
    for path in product_files().values():
        rel = path.relative_to(REPO).as_posix()
        if rel == "anki_compat.py" or rel in PENDING_PRIVATE_API:
            continue
        if PRIVATE_API.search(path.read_text(encoding="utf-8")):
            offenders.append(rel)
    assert offenders == []


def test_pending_exceptions_are_still_needed():
    edges, _ = import_graph()
    for pending in PENDING_CYCLES:
        assert any(frozenset(m.split(".")[0] for m in c) == pending for c in _cycles(edges)), (
            f"the cycle {sorted(pending)} is gone: remove it from PENDING_CYCLES"
        )
    for rel in PENDING_PRIVATE_API:
        assert PRIVATE_API.search((REPO / rel).read_text(encoding="utf-8")), (
            f"{rel} no longer uses private APIs: remove it from PENDING_PRIVATE_API"
        )


@pytest.mark.parametrize("module", ["protocol", "connect_server", "note_push", "media_files", "reschedule_ops"])
def test_a_violation_would_be_caught(module):
    # The rules are not vacuous: an upward import added to a lower module is reported.
    edges, _ = import_graph()
    edges = {m: set(t) for m, t in edges.items()}
    edges[module].add("gui.ops")
    assert any(LAYERS[layer_of(t)] > LAYERS[layer_of(m)] for m, ts in edges.items() for t in ts)


def test_readme_layout_names_every_module():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    layout = layout[: layout.index("\n## ", 1)]
    missing = [
        path.relative_to(REPO).as_posix()
        for path in product_files().values()
        if f"`{path.name}`" not in layout and f"`{path.relative_to(REPO).as_posix()}`" not in layout
    ]
    assert missing == []
