"""The layout of DESIGN.md: imports point down only, and the README's two commands drive set-up and CI."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The layers of DESIGN.md, bottom first: each module of kith belongs to one, and imports only from
#: its own layer and those below. Settings and trust sit at the bottom with the graph itself.
LAYERS = {
    "bottom": {"kith.graph", "kith.settings", "kith.trust"},
    "ingest": {"kith.ingest"},
    "queries": {"kith.queries"},
    "dashboard": {"kith.dashboard"},
    "cli": {"kith"},  # the command line: the rest of kith/
}
BELOW = {
    "bottom": {"bottom"},
    "ingest": {"bottom", "ingest"},
    "queries": {"bottom", "queries"},
    "dashboard": {"bottom", "ingest", "queries", "dashboard"},
    "cli": {"bottom", "ingest", "queries", "dashboard", "cli"},
}
#: The folders installed as kith's packages (pyproject's package-dir).
FOLDERS = {
    "graph": "kith.graph",
    "ingest": "kith.ingest",
    "queries": "kith.queries",
    "dashboard": "kith.dashboard",
    "kith": "kith",
}


def _layer(module: str) -> str:
    """The layer of a module of kith: its longest matching prefix wins."""
    best = max((p for ps in LAYERS.values() for p in ps if module == p or module.startswith(p + ".")), key=len)
    return next(layer for layer, prefixes in LAYERS.items() if best in prefixes)


def _module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [FOLDERS[rel.parts[0]], *rel.parts[1:]]
    return ".".join(p for p in parts if p != "__init__")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "kith":  # from kith import graph
                names.update(f"kith.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] == "kith"}


@pytest.mark.parametrize("folder", FOLDERS)
def test_imports_point_down(folder: str) -> None:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        here = _layer(_module_of(path))
        for name in sorted(_imports(path)):
            if _layer(name) not in BELOW[here]:
                bad.append(f"{path.relative_to(ROOT)} ({here}) imports {name} ({_layer(name)})")
    assert not bad, "\n".join(bad)


def test_only_kith_is_installed_as_a_top_level_module() -> None:
    """The folders map onto kith.* (pyproject's package-dir); no other top-level name is installed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert {name.split(".")[0] for name in config["packages"]} == {"kith"}
    assert config["package-dir"] == {name: folder for folder, name in FOLDERS.items()}
    for folder in FOLDERS:  # every folder with Python code in it is a listed package
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            assert ".".join([FOLDERS[folder], *rel]) in config["packages"], init


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = [
        line.strip()
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ci[-1] == "make test"
    assert all(line.startswith(("set ", "cd ")) for line in ci[:-1]), ci
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: install\n\t\$\(BIN\)/kith demo$", makefile, re.M)
    assert re.search(r"^test: install test-deps\n", makefile, re.M)


def test_make_benchmarks_runs_them_beside_a_neo4j_engine() -> None:
    """The Neo4j benchmarks measure a real engine under ``make benchmarks``, as the tests do under ``make test``."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^benchmarks: (.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None
    assert "neo4j-engine" in recipe.group(1).split()
    lines = recipe.group(2).splitlines()
    assert len(lines) == 1 and lines[0].startswith("\t$(NEO4J)/run-with-neo4j "), lines
    assert "benchmarks/*.py" in lines[0]
