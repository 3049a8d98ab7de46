"""The test tree's own rules: the unit tree mirrors the package, and a test uses only the
kit and the package's public names (no other test module, no private name)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.kit.seeds import REPO

TESTS = REPO / "tests"
PACKAGE = REPO / "libs" / "svodka"


def suite_files() -> list[Path]:
    return [p for p in TESTS.rglob("*.py") if "kit" not in p.relative_to(TESTS).parts[:1]
            and p.name not in ("conftest.py", "helpers.py", "__init__.py")]


def violations(path: Path) -> list[str]:
    """Imports of test modules other than the kit, and private names of svodka or the kit."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ours = ("svodka", "svodka_services", "tests")
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ours:
            if node.module.startswith("tests") and not node.module.startswith("tests.kit"):
                found.append(f"imports {node.module}")
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"imports {node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ours:
                    if alias.name.startswith("tests") and not alias.name.startswith("tests.kit"):
                        found.append(f"imports {alias.name}")
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            found.append(f"uses {node.value.id}.{node.attr}")
    return found


def test_no_test_imports_another_test_module_or_a_private_name():
    found = {str(p.relative_to(REPO)): v for p in suite_files() if (v := violations(p))}
    assert found == {}


def test_the_unit_tree_mirrors_the_package():
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    unit_dirs = {p.name for p in (TESTS / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert unit_dirs <= stages, unit_dirs - stages
    assert {"ingest", "dedup", "extract", "store", "runtime"} <= unit_dirs
