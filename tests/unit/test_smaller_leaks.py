"""The smaller holes: a dry run writes nothing (no quarantine file, a read-only home is fine), quarantine
files are owner-only, a SIS language cell that names no language is not stored, the session cookie is
Secure over HTTPS, the clickable cells are for the roles of the Find help page, and a typed address never
lands in the Find help URL."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from kith.dashboard.app import create_app
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import find_help
from kith.graph.memory import MemoryStore
from kith.graph.model import Label, School
from kith.ingest.agencies import ingest_agencies
from kith.ingest.report import write_quarantine
from kith.ingest.sis import ingest_students
from kith.settings import KithSettings
from kith.trust.access import Role
from kith.trust.users import Users
from tests.unit.ingest.conftest import write_csv

PASSWORD = "a long enough password"
BAD_AGENCIES = [["a1", "Harbor", "100", "-71.0"], ["a2", "", "42.3", "-71.0"]]


def test_a_dry_run_writes_no_quarantine_file_even_in_a_read_only_home(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agencies.csv", ["agency_id", "agency_name", "lat", "lon"], BAD_AGENCIES)
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)  # read-only (root ignores the mode; the check below is what matters)
    try:
        report = ingest_agencies(path, None, dry_run=True, quarantine_dir=home / "quarantine")
    finally:
        home.chmod(0o700)
    assert report.quarantined == 2 and report.quarantine_file is None
    assert not (home / "quarantine").exists()


def test_quarantine_files_are_owner_only(tmp_path: Path) -> None:
    path = write_quarantine(tmp_path / "quarantine", "agencies", [("a.csv", "2", "name", "Field required")])
    assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "quarantine").stat().st_mode) == 0o700
    again = write_quarantine(tmp_path / "quarantine", "agencies", [("a.csv", "3", "name", "Field required")])
    assert again != path and stat.S_IMODE(again.stat().st_mode) == 0o600


def test_a_language_cell_that_names_no_language_is_not_stored(tmp_path: Path) -> None:
    store = MemoryStore()
    store.upsert_nodes([School(id="250327000436", name="Tobin K-8", lat=42.33, lon=-71.10)])
    path = write_csv(
        tmp_path / "sis.csv",
        ["student_id", "school_id", "grade", "household_id", "zip", "language"],
        [
            ["S-1", "250327000436", "3", "H-1", "02120", "Jane Doe"],
            ["S-2", "250327000436", "4", "H-2", "02120", "Spanish"],
        ],
    )
    ingest_students(path, store, key="test-key-0123456789abcdef", quarantine_dir=tmp_path / "q")
    languages = sorted(str(f.get("language")) for f in store.nodes(Label.FAMILY))
    assert languages == ["None", "es"]
    assert not any("Jane" in str(v) for f in store.nodes(Label.FAMILY) for v in f.values())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, small_store: MemoryStore) -> Any:
    home = tmp_path_factory.mktemp("kith-home")
    users = Users(home, hasher=PasswordHasher.from_parameters(CHEAPEST))
    users.add("pat", Role.PLANNER, PASSWORD)
    users.add("cara", Role.CASEWORKER, PASSWORD, school_id=small_store.nodes(Label.SCHOOL)[0]["id"])
    settings = KithSettings(_env_file=None, home=home, demo=False, neo4j_uri=None, sign_in_requests_per_second=1000)
    return create_app(settings, data=DashboardData(small_store, settings), warm_up=False)


def _signed_in(app: Any, name: str, *, https: bool = False) -> tuple[Any, Any]:
    client = app.server.test_client()
    base = "https://localhost" if https else "http://localhost"
    page = client.get("/login", base_url=base)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", base_url=base, data={"name": name, "password": PASSWORD, "csrf": csrf})
    assert answer.status_code == 302
    return client, answer


def test_the_session_cookie_is_secure_over_https(served: Any) -> None:
    _, plain = _signed_in(served, "pat")
    _, secure = _signed_in(served, "pat", https=True)
    assert "Secure" not in plain.headers["Set-Cookie"]
    assert "; Secure" in secure.headers["Set-Cookie"] and "HttpOnly" in secure.headers["Set-Cookie"]


def test_the_clickable_cells_are_for_the_find_help_roles_only(served: Any) -> None:
    planner, _ = _signed_in(served, "pat")
    caseworker, _ = _signed_in(served, "cara")
    assert planner.get(find_help.CELLS_URL).status_code == 403  # the planner role has no Find help page
    assert caseworker.get(find_help.CELLS_URL).status_code == 200


def test_the_what_if_maps_clickable_cells_are_for_the_gaps_roles_only(served: Any) -> None:
    from kith.dashboard.pages import gaps

    planner, _ = _signed_in(served, "pat")
    caseworker, _ = _signed_in(served, "cara")
    assert planner.get(gaps.CLICK_CELLS_URL).status_code == 200
    assert caseworker.get(gaps.CLICK_CELLS_URL).status_code == 403  # the caseworker role has no Gaps page


@pytest.mark.parametrize(
    "place, kept",
    [
        ("02120", True),
        ("school:250327000436", True),
        ("27 Elm Street, Boston, MA 02120", False),
        ("42.3301, -71.1002", False),
    ],
)
def test_a_typed_address_never_lands_in_the_find_help_url(served: Any, place: str, kept: bool) -> None:
    assert bool(re.search(find_help.PLACE_IN_URL, place)) is kept
    # the page's URL mirror (a clientside callback) carries the pattern it checks the place against
    scripts = "".join(served._inline_scripts)
    assert json.dumps({"place": find_help.PLACE_IN_URL})[:-1] in scripts  # the place's entry of the filters
