"""Architecture checks: imports go routing -> scheduler -> webapp, and only the engine's OR-Tools model imports OR-Tools."""

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
    assert not _imports(ROOT / "scheduler" / "domain.py") & {"ortools", "flask", "sqlite3", "sqlite_utils"}


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
