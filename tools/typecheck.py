"""Run mypy on kith as it is installed, with pyproject's [tool.mypy] settings.

setuptools installs the folders graph/, ingest/, queries/ and dashboard/ as kith.graph, kith.ingest,
kith.queries and kith.dashboard (pyproject's package-dir), a mapping mypy cannot follow: it finds
modules by their place on disk. So this builds that view of the tree, build/typecheck/kith/, out of
symbolic links (each entry of kith/, and each mapped folder under its kith.* name), and runs mypy
there on the packages [tool.mypy] names (or on what the command line gives, e.g. ``-p kith``). The links point back at the sources, so errors name files that exist, and
the tree is rebuilt on every run, so a new module is never missed.

    .venv/bin/python tools/typecheck.py [mypy options]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEW = ROOT / "build" / "typecheck"


def build_view() -> Path:
    """build/typecheck/kith/..., linked to the folders pyproject's package-dir maps."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    shutil.rmtree(VIEW, ignore_errors=True)
    top = VIEW / "kith"
    top.mkdir(parents=True)
    for entry in (ROOT / mapping["kith"]).iterdir():  # kith/ itself: its modules and sub-packages
        if entry.name != "__pycache__":
            (top / entry.name).symlink_to(os.path.relpath(entry, top))
    for package, folder in mapping.items():
        if package != "kith":
            link = VIEW.joinpath(*package.split("."))
            link.symlink_to(os.path.relpath(ROOT / folder, link.parent), target_is_directory=True)
    return VIEW


def main(argv: list[str]) -> int:
    view = build_view()
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "--cache-dir",
        str(ROOT / "build" / "mypy-cache"),
        *argv,
    ]
    return subprocess.run(command, cwd=view, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
