"""Demo mode only for the demo city, and privacy settings that an ambient ``.env`` cannot weaken.

Demo mode serves without sign-in, so it must never serve real data: ``kith demo`` marks the graph it
builds, any later write removes the mark, and demo mode (``KITH_DEMO``, or ``kith serve`` with no
users) serves a graph only while it carries the mark.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dash
import flask
import pytest

from kith.dashboard import ids
from kith.dashboard.app import create_app
from kith.dashboard.data import DashboardData
from kith.graph.errors import InputError
from kith.graph.memory import GRAPH_FILE, MemoryStore
from kith.settings import KithSettings
from kith.trust.access import Viewer
from kith.trust.audit import AuditLog

ROOT = Path(__file__).resolve().parents[2]


def kith(*args: str, home: Path, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environ.update({"KITH_HOME": str(home), "PYTHONPATH": str(ROOT), **env})
    return subprocess.run(
        [sys.executable, "-m", "kith.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        cwd=cwd or home,
    )


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    built = kith("demo", "--size", "small", "--no-serve", home=home)
    assert built.returncode == 0, built.stderr
    return home


def test_kith_demo_marks_the_graph_it_builds(demo_home: Path) -> None:
    assert MemoryStore.open(demo_home / GRAPH_FILE, readonly=True).demo_city() == "small"


def test_an_ingest_after_the_demo_unmarks_it_and_demo_mode_refuses_it(demo_home: Path, tmp_path: Path) -> None:
    """A real graph (here: the demo city plus one real school) is never served in demo mode."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    schools = tmp_path / "schools.csv"
    schools.write_text("id,name,lat,lon,level\nR1,A Real School,42.35,-71.06,elementary\n")
    assert kith("ingest", "schools", str(schools), home=home).returncode == 0
    assert MemoryStore.open(home / GRAPH_FILE, readonly=True).demo_city() is None
    for env in ({"KITH_DEMO": "true"}, {}):
        served = kith("serve", "--port", "1", home=home, **env)  # refused before it binds a port
        assert served.returncode == 1
        lines = served.stderr.strip().splitlines()
        assert len(lines) == 1, served.stderr
        expected = "serves only the demo city" if env else "no users are set up"
        assert lines[0].startswith("kith: error: ") and expected in lines[0]


def test_a_dotenv_saying_demo_does_not_serve_a_real_graph(tmp_path: Path, small_city) -> None:
    (tmp_path / ".env").write_text("KITH_DEMO=true\n")
    with MemoryStore.open(tmp_path / GRAPH_FILE) as store:
        store.upsert_nodes(small_city.nodes)
        store.upsert_relationships(small_city.rels)
    served = kith("serve", "--port", "1", home=tmp_path, cwd=tmp_path)
    assert served.returncode == 1 and "serves only the demo city" in served.stderr


def test_demo_mode_says_the_demo_city_never_loads_data(tmp_path: Path, small_store: MemoryStore) -> None:
    settings = KithSettings(_env_file=None, home=tmp_path, demo=True, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    with app.server.test_request_context("/load"):
        flask.g.kith_viewer = Viewer.demo()
        shown = str(dash.page_registry["kith.load"]["layout"]())
    assert "the demo city never loads data" in shown
    assert "role does not include this page" not in shown


# ---------------------------------------------------------------- the suppression threshold


def _settings_in(folder: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> KithSettings:
    for name in list(os.environ):
        if name.startswith("KITH_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(folder)
    return KithSettings()


@pytest.mark.parametrize("threshold", ["1", "5", "9"])
def test_a_dotenv_cannot_lower_the_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: str) -> None:
    (tmp_path / ".env").write_text(f"KITH_SUPPRESS_BELOW={threshold}\n")
    with pytest.raises(InputError, match=f"KITH_SUPPRESS_BELOW={threshold} comes from a .env file"):
        _settings_in(tmp_path, monkeypatch)


def test_a_dotenv_may_raise_it_and_the_environment_may_lower_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("KITH_SUPPRESS_BELOW=3\n")
    assert _settings_in(tmp_path, monkeypatch, KITH_SUPPRESS_BELOW="5").suppress_below == 5  # said explicitly
    (tmp_path / ".env").write_text("KITH_SUPPRESS_BELOW=20\n")
    stricter = _settings_in(tmp_path, monkeypatch)
    assert stricter.suppress_below == 20 and not stricter.weak_suppression


def test_a_weak_threshold_is_audited_and_the_cli_refuses_it_from_dotenv(tmp_path: Path, demo_home: Path) -> None:
    ran = kith("stats", "--format", "json", home=tmp_path, KITH_SUPPRESS_BELOW="3")
    assert ran.returncode == 0, ran.stderr
    assert [(e["action"], e["threshold"]) for e in AuditLog(tmp_path).entries()] == [("weak_suppression", 3)]
    (tmp_path / ".env").write_text("KITH_SUPPRESS_BELOW=1\n")
    refused = kith("stats", home=tmp_path, cwd=tmp_path)
    assert refused.returncode == 1 and "comes from a .env file" in refused.stderr
    assert len(AuditLog(tmp_path).entries()) == 1


def test_a_weak_threshold_is_shown_on_every_page(tmp_path: Path, small_store: MemoryStore) -> None:
    """The banner is in the shell, the layout every page is drawn inside."""
    settings = KithSettings(_env_file=None, home=tmp_path, demo=True, neo4j_uri=None, suppress_below=4)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    shell = app.server.test_client().get("/_dash-layout").json
    banner = _find(shell, ids.SUPPRESSION_BANNER)
    assert banner is not None and not banner["props"].get("hidden")
    assert "only counts from 1 to 3 are hidden" in banner["props"]["children"]
    assert _find(shell, "_pages_content") is not None  # the page goes inside the same shell


def _find(component: object, component_id: str) -> dict | None:
    if isinstance(component, dict):
        if component.get("props", {}).get("id") == component_id:
            return component
        children = component.get("props", {}).get("children")
        return _find(children, component_id)
    if isinstance(component, list):
        for child in component:
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_the_default_threshold_shows_no_banner(tmp_path: Path, small_store: MemoryStore) -> None:
    settings = KithSettings(_env_file=None, home=tmp_path, demo=True, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    assert "Suppression is weakened" not in app.server.test_client().get("/_dash-layout").text


def test_the_dashboard_cache_is_owner_only(tmp_path: Path, small_store: MemoryStore) -> None:
    import stat

    folder = tmp_path / "dashboard-cache"
    folder.mkdir(mode=0o755)  # left by an older kith
    settings = KithSettings(_env_file=None, home=tmp_path, demo=True, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    cache = app._background_manager.handle
    cache.set("answer", {"rows": list(range(50_000))})  # large: kept in a file of its own
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.suffix == ".val" for p in files) and any(p.name == "cache.db" for p in files)
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o600}
