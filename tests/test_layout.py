"""The package's shape: no import cycles, and imports only go down the stages.

Layers, bottom up: the plain data and errors (errors, model with the voice types, system/, limits,
the engine registry, options); French text (text/: the language knowledge inputs and engines use
too, the Script builder and the casting of speakers to voices); sources and engines (inputs/,
engines/ with the loading of voice presets); synthesis (synthesis/: casting to engines, cache,
executors, the render loop, the voice checks); audio (audio/); publishing (publish/); the entry
points (pipeline, daily/: batch and publish; cli). A module may
import its own package and any lower layer, never a higher one. Every import counts, also the
ones inside functions (lazy imports still tie modules together).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "briefing"
LAYERS = {
    "briefing": 0,
    "briefing.errors": -1,  # the error types (a leaf)
    "briefing.text.safe": -1,  # what text may hold when it leaves (a leaf): the data types apply it when built
    "briefing.model": 0,  # the data passed between stages, the voice presets and books among them
    "briefing.system": 0,  # paths, stage timers, heap trimming: every layer may use them
    "briefing.limits": 0.1,  # the size limits, and the check that raises an InputError
    "briefing.engines.registry": 0.4,  # names only; engine modules are imported by name, on first use
    "briefing.options": 0.45,
    "briefing.text": 1,
    "briefing.inputs": 2,
    "briefing.engines": 2,  # the engines, and the loading of voice presets (each engine checks its keys)
    "briefing.synthesis": 3,
    "briefing.audio": 4,
    "briefing.publish": 5,
    "briefing.pipeline": 6,
    "briefing.daily": 6,
    "briefing.api": 6,  # serve --api: the HTTP API, its keys and jobs (SQLite), its workers  # many episodes: batch manifests, and briefing publish (a show's configuration, state, run)
    "briefing.cli": 7,
    "briefing.__main__": 8,
}
# The package's top level: the entry points, the options, and the types every stage shares.
TOP_LEVEL = {"__init__", "__main__", "cli", "options", "pipeline", "errors", "model", "limits"}


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


def test_the_top_level_holds_only_the_entry_points_and_shared_types():
    loose = {path.stem for path in PACKAGE.glob("*.py")}
    assert loose <= TOP_LEVEL, f"modules to move into their stage: {sorted(loose - TOP_LEVEL)}"
