"""The package's shape: no import cycles, and imports only go down the stages.

Layers, bottom up: the plain data and errors (model, errors, the engine registry, options,
voices); French text (text/: the
language knowledge inputs and engines use too, and the Script builder); sources and engines
(inputs/, engines/); synthesis (synthesis/: casting, cache, executors, the render loop); audio
(audio/); publishing (publish/); the entry points (pipeline, batch, checks, cli). A module may
import its own package and any lower layer, never a higher one. Every import counts, also the
ones inside functions (lazy imports still tie modules together).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "briefing"
LAYERS = {
    "briefing": 0,
    "briefing.model": 0,
    "briefing.errors": 0,
    "briefing.paths": 0,
    "briefing.timings": 0,  # stage timers, for the benchmark: every layer may time itself
    "briefing.malloc": 0,  # free heap pages handed back during a render (assembly, Ray actors)
    "briefing.limits": 0.1,  # the size limits, and the check that raises an InputError
    "briefing.text.safe": -1,  # what text may hold when it leaves (a leaf): the data types apply it when built
    "briefing.voices": 0.5,
    "briefing.engines.registry": 0.4,  # names only; engine modules are imported by name, on first use
    "briefing.options": 0.45,
    "briefing.text": 1,
    "briefing.inputs": 2,
    "briefing.engines": 2,
    "briefing.synthesis": 3,
    "briefing.audio": 4,
    "briefing.publish": 5,
    "briefing.pipeline": 6,
    "briefing.batch": 6,
    "briefing.daily": 6,  # briefing publish: a show's configuration, its state, the run
    "briefing.checks": 6,
    "briefing.cli": 7,
    "briefing.__main__": 8,
}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports() -> dict[str, set[str]]:
    """Module -> the briefing modules it imports (anywhere in its body)."""
    mods = modules()

    def resolve(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {resolve(a.name) for a in node.names if a.name.startswith("briefing")}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("briefing"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    found.add(full if full in mods else resolve(node.module))
        graph[name] = found - {name, ""}
    return graph


def layer(module: str) -> tuple[float, str]:
    """(layer, package) of a module: the longest key of LAYERS that is a prefix of it."""
    key = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len)
    return LAYERS[key], key


def test_no_import_cycles():
    graph = imports()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
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
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_imports_only_go_down_the_stages():
    wrong = []
    for module, targets in imports().items():
        level, package = layer(module)
        for target in targets:
            target_level, target_package = layer(target)
            if target_level > level or (target_level == level and target_package != package and level != 6):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_every_module_has_a_layer():
    assert all(layer(m) for m in modules())
