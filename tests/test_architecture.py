"""The layers, read from every module's imports (ast, nothing is imported).

``knowledge`` ← ``retrieval`` ← ``hotline`` (the domain) ← ``assistant`` (the answering
brain) ← ``api`` (the web and entry layer): each imports only what is to its left; the
domain and the assistant import no web framework and no Rasa; and no components import
each other in a circle. A component is a module's first two name parts (``api.routes``,
``hotline.tickets``, ``api.main``), so a package's ``__init__`` and its modules are one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("knowledge", "retrieval", "hotline", "assistant", "api")
FRAMEWORKS = ("fastapi", "starlette", "rasa_sdk", "uvicorn")
# what each package may not import (besides, for all but api, the FRAMEWORKS)
FORBIDDEN = {
    "knowledge": ("retrieval", "hotline", "assistant", "api"),
    "retrieval": ("hotline", "assistant", "api"),
    "hotline": ("assistant", "api"),
    "assistant": ("api",),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, name: str) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (relative imports resolved), with the line."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:  # `from api.routes import chat` imports api.routes.chat
                yield f"{target}.{alias.name}", node.lineno


@cache
def imports() -> dict[str, list[tuple[str, int]]]:
    """Module → what it imports, for every module of the packages."""
    found: dict[str, list[tuple[str, int]]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = module_name(path)
            found[name] = list(imported(path, name))
    return found


def component(module: str) -> str:
    return ".".join(module.split(".")[:2])


def known(target: str) -> str | None:
    """The module of ours that ``target`` names (a name imported from a module is the module)."""
    modules = imports()
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def test_every_package_is_found() -> None:
    for package in PACKAGES:
        assert package in imports(), package
    assert len(imports()) > 100


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(package: str) -> None:
    banned = FORBIDDEN[package] + FRAMEWORKS
    offences = [f"{module}:{line} imports {target}"
                for module, targets in imports().items()
                if module == package or module.startswith(package + ".")
                for target, line in targets
                if target.split(".")[0] in banned]
    assert offences == []


def test_the_domain_never_imports_the_web_layer_even_lazily() -> None:
    # the rule above reads every import statement, inside functions too; this is its proof
    found = {module for module, targets in imports().items()
             for target, _ in targets if target.split(".")[0] == "fastapi"}
    assert found and all(module.startswith("api.") for module in found)


def component_graph() -> dict[str, set[str]]:
    """Component → the components of ours it imports (itself left out)."""
    graph: dict[str, set[str]] = {}
    for module, targets in imports().items():
        edges = graph.setdefault(component(module), set())
        for target, _ in targets:
            ours = known(target)
            if ours is not None and component(ours) != component(module):
                edges.add(component(ours))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its nodes, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == 1:
                return [*path[path.index(successor):], successor]
            if successor not in state and (cycle := visit(successor)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_components_import_each_other_in_a_circle() -> None:
    graph = component_graph()
    assert "api.dialogue" in graph and "hotline.tickets" in graph["api.routes"]
    assert find_cycle(graph) is None


def test_importing_a_module_of_a_package_imports_none_of_its_siblings() -> None:
    # api/actions/__init__.py once imported every action, so reading a constant from
    # api.actions.payloads loaded the runtime, the assistant, and the dialogue behind them
    for package in ("api.actions", "api.dialogue", "api.routes", "hotline.tickets", "assistant"):
        assert imports()[package] == [], package
