"""The layout of DESIGN.md: imports point down only, and the README's two commands drive set-up and CI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What each package may import from kith's own packages.
ALLOWED = {
    "graph": {"graph", "kith.settings"},  # the store factory reads settings (passed in, never global)
    "ingest": {"graph", "ingest", "kith.settings"},
    "queries": {"graph", "queries", "kith.settings"},
    "dashboard": {"dashboard", "queries", "ingest", "graph", "kith.settings"},
    "kith": {"kith", "queries", "ingest", "graph", "dashboard"},
}
OWN = tuple(ALLOWED)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n.split(".")[0] in OWN}


@pytest.mark.parametrize("package", OWN)
def test_imports_point_down(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            if not any(name == a or name.startswith(a + ".") for a in ALLOWED[package]):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    assert ci[-1] == "make test"
    assert all(line.startswith(("set ", "cd ")) for line in ci[:-1]), ci
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: install\n\t\$\(BIN\)/kith demo$", makefile, re.M)
    assert re.search(r"^test: install test-deps\n", makefile, re.M)
