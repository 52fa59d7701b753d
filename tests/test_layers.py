"""Architecture checks: imports go routing -> scheduler -> webapp, and only the engine's OR-Tools model imports OR-Tools.

Also: no import circle, every package with its mirrored tests folder, no module long without saying why.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _full_imports(path: Path) -> set[str]:
    """Return the dotted module names imported by a file (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("routing", {"scheduler", "webapp", "flask", "ortools"}),
        ("scheduler", {"webapp", "flask"}),
    ],
)
def test_lower_layers_do_not_import_upper_ones(package, forbidden):
    """routing/ knows nothing of scheduler/ or webapp/; scheduler/ knows nothing of webapp/ or Flask."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & forbidden)
        for path in _modules(package)
        if _imports(path) & forbidden
    }
    assert offenders == {}


def test_only_the_ortools_model_imports_ortools():
    """OR-Tools and its quirks stay inside scheduler/vrp/ortools_model.py (the search uses it through that module)."""
    importers = sorted(
        str(path.relative_to(ROOT))
        for package in ("routing", "scheduler", "webapp")
        for path in _modules(package)
        if "ortools" in _imports(path)
    )
    assert importers in ([], ["scheduler/vrp/ortools_model.py"])


def test_domain_module_is_framework_free():
    """Domain dataclasses import no OR-Tools, Flask, SQLite or sqlite-utils."""
    for path in sorted((ROOT / "scheduler" / "domain").glob("*.py")):
        assert not _imports(path) & {"ortools", "flask", "sqlite3", "sqlite_utils"}, path.name


def test_routing_engine_imports_nothing_else_of_scheduler():
    """scheduler/vrp/ is a general engine: it may use routing.errors but no other part of scheduler."""
    offenders = {}
    for path in _modules("scheduler/vrp"):
        outside = sorted(
            name for name in _full_imports(path)
            if name.split(".")[0] == "scheduler" and not name.startswith("scheduler.vrp")
        )
        if outside:
            offenders[str(path.relative_to(ROOT))] = outside
    assert offenders == {}
    assert (ROOT / "scheduler" / "vrp" / "solver.py").exists()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Return module -> the modules it imports, over routing/, scheduler/ and webapp/.

    Every import statement counts, at module level or inside a function
    (a function-level import still ties the two modules together); relative
    imports are resolved. An import names the deepest module it reaches
    (``from a.b import c`` is ``a.b.c`` when that is a module, else ``a.b``);
    the packages that module sits in are not counted as imported.
    """
    files = {_module_name(path): path for package in ("routing", "scheduler", "webapp") for path in _modules(package)}

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets.update(known(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*here[: len(here) - node.level + 1], *([base] if base else [])])
                targets.update(known(f"{base}.{alias.name}") for alias in node.names)
        graph[module] = targets - {None, module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle (``[a, b, ..., a]``) through each group of modules that import each other."""
    order, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        order[module] = low[module] = len(order)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group, member = set(), None
            while member != module:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """Return the shortest import path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    for module in queue:
        for target in sorted(graph[module] & group):
            if target == start:
                return [*paths[module], start]
            if target not in paths:
                paths[target] = [*paths[module], target]
                queue.append(target)
    raise AssertionError(group)  # a strongly connected group always has a cycle through each member


def test_cycles_are_found_and_named():
    """The cycle finder itself: a circle of three is named in order, a chain and a lone module are not cycles."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle():
    """No module of routing/, scheduler/ or webapp/ imports, directly or through others, a module that imports it.

    Function-level imports count too (see `_import_graph`); each circle is named as a path of imports.
    """
    assert [" -> ".join(cycle) for cycle in _cycles(_import_graph())] == []


#: Packages whose mirrored tests folder is still to come, with why (others are moving their tests).
_MIRROR_PENDING: dict[str, str] = {}


def test_every_package_has_its_mirrored_tests_folder():
    """tests/ mirrors the packages: each package of routing/, scheduler/ and webapp/ has tests/<same path>/ with tests."""
    packages = sorted(str(path.parent.relative_to(ROOT)) for package in ("routing", "scheduler", "webapp")
                      for path in (ROOT / package).rglob("__init__.py"))
    missing = [package for package in packages
               if not any((ROOT / "tests" / package).glob("test_*.py")) and package not in _MIRROR_PENDING]
    assert missing == []


#: The most lines a module of routing/, scheduler/, webapp/ or benchmarks/ has unless its docstring says why.
MAX_MODULE_LINES = 600
#: Long modules others are still reworking, with why (each leaves this list when it is split or says why).
_LONG_PENDING: dict[str, str] = {}


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _says_why_it_is_long(path: Path) -> bool:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return "long because" in " ".join(docstring.split())


def test_no_module_is_long_without_saying_why():
    """A module over 600 lines says why in its docstring ("long because ..."); the pending ones are still long."""
    modules = [path for package in ("routing", "scheduler", "webapp", "benchmarks") for path in _modules(package)]
    unexplained = [str(path.relative_to(ROOT)) for path in modules
                   if _lines(path) > MAX_MODULE_LINES and str(path.relative_to(ROOT)) not in _LONG_PENDING
                   and not _says_why_it_is_long(path)]
    assert unexplained == []
    assert [name for name in _LONG_PENDING if _lines(ROOT / name) <= MAX_MODULE_LINES] == []


def test_the_architecture_document_names_every_module():
    """docs/ARCHITECTURE.md draws the house: every module of routing, scheduler and webapp is named in it."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    modules = [path for package in ("routing", "scheduler", "webapp") for path in _modules(package)
               if path.name != "__init__.py"]
    assert len(modules) > 100
    unnamed = [str(path.relative_to(ROOT)) for path in modules if path.name not in text]
    assert unnamed == []
