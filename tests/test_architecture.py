"""The folders show the data's one-way path (docs/ARCHITECTURE.md): schemas → transforms → reports
→ flows. Read from the source with `ast`, every import counts, also one made inside a function:
no module imports a floor above its own, Prefect stays in flows/, there is no import circle, and
no product file outgrows what one reader can hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ("schemas", "transforms", "reports", "flows")  # lowest first: a module imports its floor or lower
PREFECT_FREE = ("schemas", "transforms", "reports")
MAX_LINES = 600
# Product files still over MAX_LINES, each being split. An entry is dropped when its file is split
# (the test fails while a listed file is back under the limit or gone), never added.
OVER_LIMIT: dict[str, str] = {}


def product_modules() -> dict[str, Path]:
    """Dotted module name → file, for every .py file of the four product folders."""
    found = {}
    for floor in FLOORS:
        for path in sorted((ROOT / floor).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules `source` imports anywhere in its body. `from a import b` names a.b when that is
    a module of `known`, else a."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                names.add(sub if sub in known else base)
    return names


def import_graph() -> dict[str, set[str]]:
    """Every product module → all the modules it imports (product or not)."""
    modules = product_modules()
    known = set(modules)
    return {m: imports_of(m, p.read_text(encoding="utf-8"), p.name == "__init__.py", known)
            for m, p in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of two or more modules, or one that imports itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_no_import_circle(graph):
    product = {m: {t for t in targets if t in graph} for m, targets in graph.items()}
    assert circles(product) == []


def test_no_import_runs_back_up_a_floor(graph):
    rank = {floor: i for i, floor in enumerate(FLOORS)}
    upward = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items()
        for t in targets
        if t.split(".")[0] in rank and rank[t.split(".")[0]] > rank[m.split(".")[0]]
    )
    assert upward == []


def test_prefect_only_in_flows(graph):
    found = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items()
        if m.split(".")[0] in PREFECT_FREE
        for t in targets
        if t.split(".")[0] == "prefect" or t.startswith("prefect_")
    )
    assert found == []


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_product_file_over_the_limit():
    over = {str(p.relative_to(ROOT)): _lines(p) for p in product_modules().values() if _lines(p) > MAX_LINES}
    assert sorted(set(over) - set(OVER_LIMIT)) == [], over


def test_over_limit_list_only_shrinks():
    stale = [name for name in OVER_LIMIT if not (ROOT / name).is_file() or _lines(ROOT / name) <= MAX_LINES]
    assert stale == [], "split: take these off OVER_LIMIT"


def test_the_checks_see_lazy_imports_relative_imports_and_circles():
    source = "from . import sibling\n\ndef f():\n    from flows.cli import main\n    import prefect\n"
    known = {"reports", "reports.sibling", "reports.x", "flows.cli"}
    assert imports_of("reports.x", source, False, known) == {"reports.sibling", "flows.cli", "prefect"}
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"a"}, "b": set()}) == [["a"]]
    assert circles({"a": {"b"}, "b": set()}) == []
