"""A wheel that works alone: ``pip wheel .`` gives one installable package, ``kith``, that holds every
Cypher file, CSV and asset, and runs in a fresh virtual environment outside the repository.

The fresh environment sees no site packages but its own (no ``--system-site-packages``). Its
dependencies are installed by pip from a local folder of wheels (``--no-index --find-links``),
repacked from the distributions this test's own environment already has, so the test takes well
under two minutes and needs no network; pip still resolves kith's requirements as it would from
an index, so a missing or wrong requirement fails here.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests._serve import serving

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {
    "graph": "kith/graph",
    "ingest": "kith/ingest",
    "queries": "kith/queries",
    "dashboard": "kith/dashboard",
    "kith": "kith",
}

pytestmark = pytest.mark.slow


def _run(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check:
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", out, "-v", cwd=ROOT)
    # the build configuration is clean: no deprecated license table, no package data left out of packages
    assert "SetuptoolsDeprecationWarning" not in built.stdout + built.stderr
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr
    (path,) = out.glob("kith-*.whl")
    return path


def test_the_wheel_holds_every_file_of_kith_and_nothing_else(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = _run("git", "ls-files", *FOLDERS, cwd=ROOT).stdout.split()  # every file of the five folders
    wanted = {f"{FOLDERS[f.split('/', 1)[0]]}/{f.split('/', 1)[1]}" for f in tracked}
    data = {n for n in wanted if not n.endswith(".py")}
    assert len([n for n in data if n.endswith(".cypher")]) > 50
    assert {"kith/graph/needs.csv", "kith/dashboard/assets/kith.css", "kith/py.typed"} <= data
    assert {"kith/queries/locale/kith.pot", "kith/queries/locale/es.po"} <= data
    assert not wanted - names, sorted(wanted - names)
    assert {n.split("/")[0] for n in names} == {"kith", wheel.name.split("-py3")[0] + ".dist-info"}
    info = wheel.name.split("-py3")[0] + ".dist-info"
    top_level = zipfile.ZipFile(wheel).read(f"{info}/top_level.txt").decode().split()
    assert top_level == ["kith"]


def _requirements_closure(name: str) -> list[metadata.Distribution]:
    """The installed distributions ``name`` needs (its requirements without extras, and theirs)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [Requirement(r) for r in metadata.requires(name) or []]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = canonicalize_name(req.name)
        if key in seen:
            continue
        seen[key] = dist = metadata.distribution(req.name)
        todo += [Requirement(r) for r in dist.requires or []]
    return list(seen.values())


def _repack(dist: metadata.Distribution, folder: Path) -> Path:
    """A wheel of an installed distribution: its files as RECORD lists them (scripts and caches
    left out; pip writes console scripts again from the entry points), with its own tags."""
    site = Path(str(dist.locate_file("")))
    info = next(f for f in dist.files or [] if f.name == "METADATA").parent.as_posix()
    wheel_text = (site / info / "WHEEL").read_text(encoding="utf-8")
    tags = [line.split(":", 1)[1].strip() for line in wheel_text.splitlines() if line.startswith("Tag:")]
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    parts = [sorted({tag.split("-")[i] for tag in tags or ["py3-none-any"]}) for i in range(3)]
    path = folder / f"{name}-{dist.version}-{'-'.join('.'.join(p) for p in parts)}.whl"  # e.g. py2.py3-none-any
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    skip = {f"{info}/{n}" for n in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as whl:
        for file in dist.files or []:
            rel = file.as_posix()
            if rel.startswith("..") or "__pycache__" in rel or rel in skip or not (site / rel).is_file():
                continue
            content = (site / rel).read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
            whl.writestr(rel, content)
            writer.writerow([rel, f"sha256={digest}", len(content)])
        writer.writerow([f"{info}/RECORD", "", ""])
        whl.writestr(f"{info}/RECORD", record.getvalue())
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the repository with only the wheel and its requirements."""
    where = tmp_path_factory.mktemp("fresh")
    assert ROOT not in where.parents
    wheelhouse = where / "wheelhouse"
    wheelhouse.mkdir()
    for dist in _requirements_closure("kith"):
        _repack(dist, wheelhouse)
    # without pip of its own (this environment's pip installs into it: ensurepip alone takes ~20 s);
    # --no-compile, since byte-compiling numpy, scipy and pandas takes longer than installing them
    _run(sys.executable, "-m", "venv", "--without-pip", where / "venv", cwd=where)
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        where / "venv/bin/python",
        "install",
        "--quiet",
        "--no-compile",
        "--no-index",
        "--find-links",
        wheelhouse,
        wheel,
        cwd=where,
        env=_clean_env(where),
    )
    return where / "venv"


def _clean_env(cwd: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("KITH_", "PYTHON", "VIRTUAL_ENV", "PIP_FIND_LINKS"))
    }
    return {**env, "KITH_HOME": str(cwd / "home"), "PATH": f"{cwd / 'venv/bin'}{os.pathsep}{env.get('PATH', '')}"}


def test_the_installed_wheel_runs_alone_outside_the_repository(venv: Path, tmp_path: Path) -> None:
    env = {**_clean_env(venv.parent), "KITH_HOME": str(tmp_path / "home")}
    kith = str(venv / "bin/kith")
    python = str(venv / "bin/python")
    version = _run(kith, "--version", cwd=tmp_path, env=env).stdout
    assert version.strip() == f"kith, version {metadata.version('kith')}"
    assert "Usage:" in _run(python, "-m", "kith", "--help", cwd=tmp_path, env=env).stdout
    where = _run(
        python,
        "-c",
        "import kith.graph.model as m, kith.dashboard as d; print(m.__file__, d.__file__)",
        cwd=tmp_path,
        env=env,
    ).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    probe = (
        "import importlib\nfor name in ('graph', 'ingest', 'queries', 'dashboard'):\n"
        "    try:\n        importlib.import_module(name)\n    except ModuleNotFoundError:\n        print(name)"
    )
    assert _run(python, "-c", probe, cwd=tmp_path, env=env).stdout.split() == [
        "graph",
        "ingest",
        "queries",
        "dashboard",
    ]  # kith.* only
    demo = _run(kith, "demo", "--size", "small", "--no-serve", cwd=tmp_path, env=env)
    assert "Demo city (small, seed 7): 10 schools" in demo.stderr
    stats = _run(kith, "stats", "--format", "json", cwd=tmp_path, env=env).stdout
    assert '"School": 10' in stats and '"NeedType": 30' in stats  # the need taxonomy's CSV came with the wheel
    spanish = _run(
        kith, "nearby", "--near", "02119", "--format", "print", "--list-language", "es", cwd=tmp_path, env=env
    )
    assert "Ayuda cerca de" in spanish.stdout and "Teléfono:" in spanish.stdout  # the catalogs came with the wheel
    _serves(kith, tmp_path, env)


def _serves(kith: str, cwd: Path, env: dict[str, str]) -> None:
    with serving([kith], env={**env, "KITH_DEMO": "true"}, cwd=cwd) as (url, _):
        with urllib.request.urlopen(f"{url}/", timeout=10) as response:
            assert response.status == 200 and "kith" in response.read().decode()
        for asset in ("kith.css", "offline_maps.js"):  # the dashboard's assets came with the wheel
            with urllib.request.urlopen(f"{url}/assets/{asset}", timeout=10) as response:
                assert response.status == 200 and response.read()
