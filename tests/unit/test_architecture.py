"""The package's layout is its data flow: no import cycles, and no stage reaching downstream."""

import ast
from pathlib import Path

import pressroom

PACKAGE = Path(pressroom.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Module → the pressroom modules it imports at module level (imports inside functions are
    deferred on purpose, e.g. a writer loaded by the registry, and cannot form a load cycle)."""
    graph: dict[str, set[str]] = {}
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            for child in ast.walk(node) if isinstance(node, (ast.Import, ast.ImportFrom, ast.If, ast.Try)) else ():
                if isinstance(child, ast.ImportFrom):
                    base = package
                    for _ in range(max(child.level - 1, 0)):
                        base = base.rpartition(".")[0]
                    target = (f"{base}.{child.module}" if child.module else base) if child.level else child.module
                    candidates = [target] + [f"{target}.{a.name}" for a in child.names]
                    found |= {c for c in candidates if c in modules}
                elif isinstance(child, ast.Import):
                    found |= {a.name for a in child.names if a.name in modules}
        graph[name] = found - {name}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_no_module_imports_itself_round_a_cycle():
    assert cycle(imports()) == []


def test_upstream_stages_never_import_downstream_ones():
    """The manuscript and model know nothing of editions, check, diff or dist; the registry of
    edition kinds (pressroom.editions itself, plain data) is what the loader's schema reads."""
    downstream = ("pressroom.editions", "pressroom.check", "pressroom.diff", "pressroom.dist",
                  "pressroom.pipeline", "pressroom.cli", "pressroom.stamp")
    upstream = [m for m in imports() if m.startswith(("pressroom.manuscript", "pressroom.model", "pressroom.parse",
                                                       "pressroom.resolve", "pressroom.notes"))]
    graph = imports()
    reaching = {m: sorted(t for t in graph[m] if t.startswith(downstream) and t != "pressroom.editions")
                for m in upstream}
    assert {m: t for m, t in reaching.items() if t} == {}


def test_the_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
