"""The shape of the code: no import cycle in pm/, no module over the size limit, no import hidden in a function."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PM = ROOT / "pm"
MAX_LINES = 400
# Modules allowed over MAX_LINES, each with the reason (keep this list short and honest).
LONG_MODULES: dict[str, str] = {}
# Imports inside functions that are deliberate, with the reason (never to dodge import order).
LOCAL_IMPORTS: dict[tuple[str, str], str] = {
    ("pm/services/pdf.py", "weasyprint"): "WeasyPrint needs pango and takes ~1 s to import: only PDF requests pay",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PM.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _resolve(importer: str, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The pm modules an import statement loads (a from-import of a submodule counts as that submodule)."""
    found = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name in MODULES:
                found.add(alias.name)
        return found
    base = node.module or ""
    if node.level:  # relative import
        package = importer if MODULES[importer].name == "__init__.py" else importer.rsplit(".", 1)[0]
        for _ in range(node.level - 1):
            package = package.rsplit(".", 1)[0]
        base = f"{package}.{base}" if base else package
    if base in MODULES:
        found.add(base)
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            found.add(f"{base}.{alias.name}")
    return found


def _graph() -> dict[str, set[str]]:
    """Module → pm modules it imports at module level (TYPE_CHECKING blocks excluded)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(name, node)
        edges.discard(name)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _is_package_parent(a: str, b: str) -> bool:
    return b.startswith(a + ".") or a.startswith(b + ".")


def test_no_import_cycle_in_pm():
    """Dependencies point one way: no two pm modules import each other, directly or around a loop."""
    graph = _graph()
    # A package's __init__ that imports its own submodules (e.g. a blueprint's `bp` and its views) is the usual
    # Flask registration pattern, not a layering cycle: drop edges between a package and its own submodules.
    pruned = {v: {w for w in ws if not _is_package_parent(v, w)} for v, ws in graph.items()}
    assert _cycles(pruned) == []


def test_cycle_finder_finds_a_cycle():
    """The checker itself: a loop of three modules is reported."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_over_the_size_limit():
    """No module in pm/ is over ~400 lines (the few kept longer are listed with their reason)."""
    long = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES.values()}
    over = {path: n for path, n in long.items() if n > MAX_LINES and path not in LONG_MODULES}
    assert over == {}


def test_no_import_inside_a_function():
    """Imports are at module level, except the listed deliberate ones (never to dodge import order)."""
    found = []
    for name, path in MODULES.items():
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        module = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                        if (rel, (module or "").split(".")[0]) not in LOCAL_IMPORTS and (rel, module) not in LOCAL_IMPORTS:
                            found.append(f"{rel}:{inner.lineno} {module}")
    assert found == []


@pytest.mark.parametrize("domain", ["registry", "accounts", "imports", "audit", "notifications", "fund", "repairs",
                                    "stations", "inspections"])
def test_a_domain_has_one_word_in_every_layer(domain):
    """The domain word names its services package with its access rules, and its tests folder."""
    assert (PM / "services" / domain / "access.py").is_file()
    assert (ROOT / "tests" / domain).is_dir()
