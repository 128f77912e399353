"""How the modules depend on each other: one way, without cycles, and `tickets` never on `kbdesk`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = {"tickets": ROOT / "functions/tickets", "kbdesk": ROOT / "src/kbdesk"}


def module_name(path: Path, package: str) -> str:
    parts = path.relative_to(PACKAGES[package]).with_suffix("").parts
    return ".".join((package, *parts)).removesuffix(".__init__")


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The project's modules this one imports, wherever in it (a function's own imports count too).

    `from package import module` depends on that module; on the package only for names it defines.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            named = {f"{base}.{alias.name}" for alias in node.names}
            found.update(named)
            if not named <= modules:
                found.add(base)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(path, package): path for package, root in PACKAGES.items() for path in root.rglob("*.py")}
    names = set(modules)
    return {
        name: {other for other in imports_of(path, name, names) if other in modules and other != name}
        for name, path in modules.items()
    }


def test_no_module_imports_itself_back_through_others() -> None:
    edges = graph()
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        for other in sorted(edges[module]):
            if other in trail:
                cycles.append([*trail[trail.index(other) :], other])
            elif len(trail) < len(edges):
                visit(other, [*trail, other])

    for module in sorted(edges):
        visit(module, [module])
    assert not cycles, cycles[:5]


def test_the_ticket_function_never_imports_the_site_side() -> None:
    assert not [
        (module, sorted(others))
        for module, others in graph().items()
        if module.startswith("tickets") and any(other.startswith("kbdesk") for other in others)
    ]
