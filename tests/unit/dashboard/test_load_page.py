"""The Load data page: only an admin loads, what it loads shows at once, and every upload is audited.

Runs the page's callback as a plain function and through the served app (Flask's test client), on a
small city saved in a temporary KITH_HOME, with the real ingest and the real store."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.dashboard import ids
from kith.dashboard.app import create_app
from kith.dashboard.data import DashboardData
from kith.dashboard.pages import load as load_page
from kith.graph.errors import AccessDenied
from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.ingest import demo_city
from kith.settings import KithSettings
from kith.trust.access import Role, Viewer
from kith.trust.audit import AuditLog
from kith.trust.users import Users

PASSWORD = "a long enough password"
USERS = {"pat": Role.PLANNER, "cleo": Role.COALITION, "cara": Role.CASEWORKER, "ada": Role.ADMIN}
HEADER = "agency_id,agency_name,site_id,lat,lon,address,zip,service_name,need,capacity,languages,cost,hours\n"
AGENCIES = (
    HEADER
    + "up-1,Harbor Family Pantry,up-s1,42.331,-71.081,,,Weekend Meals,food,40,es,Free,\n"
    + "up-2,Northside Tutoring Hub,up-s2,42.351,-71.061,,,Homework Help,tutoring,25,,sliding scale,\n"
    + "up-3,Nowhere Clinic,up-s3,91,-71,,,Checkups,dental,10,,,\n"
).encode()
STUDENTS = b"student_id,first_name,last_name,school_id,zip,needs\nS-998877,Alexandria,Quintero,x,02119,food\n"


def data_url(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def home(small_city_home: Path, small_city: demo_city.City) -> Path:
    home = small_city_home
    users = Users(home, hasher=PasswordHasher.from_parameters(CHEAPEST))
    school = next(n.id for n in small_city.nodes if n.label is Label.SCHOOL)
    for name, role in USERS.items():
        users.add(name, role, PASSWORD, school_id=school if role is Role.CASEWORKER else None)
    return home


@pytest.fixture(scope="module")
def served(home: Path) -> tuple[Any, DashboardData]:
    settings = KithSettings(
        _env_file=None, home=home, demo=False, neo4j_uri=None, pseudonym_key=None, sign_in_requests_per_second=1000
    )
    data = DashboardData.open(settings)
    return create_app(settings, data=data, warm_up=False), data


def admin() -> Viewer:
    return Viewer(name="ada", role=Role.ADMIN)


def last_audit(home: Path) -> dict[str, Any]:
    return AuditLog(home).entries()[-1]


def run(
    data: DashboardData, contents: bytes | None, filename: str, kind: str, *, dry: bool, viewer: Viewer | None = None
) -> tuple[str, Any]:
    return load_page.load(
        data,
        viewer or admin(),
        None if contents is None else data_url(contents),
        filename,
        kind,
        [load_page.DRY_RUN] if dry else [],
    )


def text_of(component: Any) -> str:
    return json.dumps(
        component.to_plotly_json() if hasattr(component, "to_plotly_json") else component,
        default=lambda c: c.to_plotly_json(),
    )


# ------------------------------------------------------------ the callback as a plain function


@pytest.mark.parametrize(
    "viewer",
    [
        Viewer(name="pat", role=Role.PLANNER),
        Viewer(name="cleo", role=Role.COALITION),
        Viewer(name="cara", role=Role.CASEWORKER, school_id="s1"),
        None,
    ],
)
def test_only_an_admin_may_load(served, home: Path, viewer: Viewer | None) -> None:
    _, data = served
    before = len(AuditLog(home).entries())
    with pytest.raises(AccessDenied):
        load_page.load(data, viewer, data_url(AGENCIES), "agencies.csv", "agencies", [])
    assert len(AuditLog(home).entries()) == before


def test_demo_mode_never_loads(served) -> None:
    _, data = served
    with pytest.raises(AccessDenied, match="demo mode"):
        run(data, AGENCIES, "agencies.csv", "agencies", dry=True, viewer=Viewer.demo())


def test_a_dry_run_reports_and_writes_nothing(served, home: Path) -> None:
    _, data = served
    stamp = (home / "graph.msgpack").stat().st_mtime_ns
    agencies = len(data.agencies)
    status, report = run(data, AGENCIES, "Agencies March.csv", "agencies", dry=True)
    assert status.startswith("Dry run of Agencies March.csv as agencies: 3 rows read: 2 loaded, 1 quarantined.")
    shown = text_of(report)
    assert "Agencies March.csv" in shown and "lat: Input should be less than or equal to 90" in shown
    assert (home / "graph.msgpack").stat().st_mtime_ns == stamp and len(data.agencies) == agencies
    entry = last_audit(home)
    assert (entry["who"], entry["action"], entry["kind"], entry["outcome"]) == ("ada", "ingest", "agencies", "dry_run")
    assert (entry["rows_read"], entry["loaded"], entry["quarantined"], entry["dry_run"]) == (3, 2, 1, True)
    assert list((home / "uploads").iterdir()) == []


def test_a_load_writes_the_graph_and_the_dashboard_shows_it(served, home: Path) -> None:
    _, data = served
    assert "Harbor Family Pantry" not in {a["name"] for a in data.agencies}
    counts = data.counts()
    status, report = run(data, AGENCIES, "agencies.csv", "agencies", dry=False)
    assert status.startswith("Loaded agencies.csv as agencies: 3 rows read: 2 loaded, 1 quarantined. Written:")
    assert "The dashboard now shows the new data." in status
    names = {a["name"] for a in data.agencies}  # the provider reloaded the store: no restart needed
    assert {"Harbor Family Pantry", "Northside Tutoring Hub"} <= names and "Nowhere Clinic" not in names
    assert data.counts()["Agency"] != counts["Agency"] or counts["Agency"] == "<10"
    with MemoryStore.open(home / "graph.msgpack", readonly=True) as saved:
        assert {"up-1", "up-2"} <= {a["id"] for a in saved.nodes(Label.AGENCY)}
    assert "quarantine" in text_of(report)
    entry = last_audit(home)
    assert (entry["outcome"], entry["rows_read"], entry["loaded"], entry["quarantined"]) == ("loaded", 3, 2, 1)
    assert entry["written"]["nodes"] > 0
    line = (home / "audit.jsonl").read_text().splitlines()[-1]
    assert "Harbor" not in line and "agencies.csv" not in line  # counts only: no contents, no file name
    assert list((home / "uploads").iterdir()) == []


def test_students_without_a_pseudonym_key_get_the_ingests_message(served, home: Path) -> None:
    _, data = served
    status, report = run(data, STUDENTS, "roster.csv", "students", dry=True)
    assert report is None and "KITH_PSEUDONYM_KEY is not set" in status
    entry = last_audit(home)
    assert (entry["kind"], entry["outcome"], entry["reason"]) == ("students", "failed", "InputError")
    for text in (status, (home / "audit.jsonl").read_text()):
        assert "Alexandria" not in text and "998877" not in text


def test_a_held_writer_lock_is_said_plainly(served, home: Path) -> None:
    _, data = served
    with MemoryStore.open(home / "graph.msgpack"):  # another writer (an ingest, kith demo) holds the lock
        status, report = run(data, AGENCIES, "agencies.csv", "agencies", dry=False)
    assert report is None and status == load_page.LOCKED
    assert (last_audit(home)["outcome"], last_audit(home)["reason"]) == ("refused", "store-locked")
    status, _ = run(data, AGENCIES, "agencies.csv", "agencies", dry=False)  # released: loads again
    assert status.startswith("Loaded")


def test_a_zip_naming_files_outside_itself_is_refused_by_the_page(served, home: Path) -> None:
    _, data = served
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("organizations.csv", "id,name\no1,Org\n")
        zf.writestr("../../services.csv", "id,name,organization_id\nv1,Meals,o1\n")
    status, report = run(data, buffer.getvalue(), "directory.zip", "hsds", dry=False)
    assert report is None and status.startswith("Not loaded: the zip names a file outside itself")
    assert (last_audit(home)["outcome"], last_audit(home)["reason"]) == ("refused", "zip-path")
    assert not (home.parent / "services.csv").exists() and list((home / "uploads").iterdir()) == []


@pytest.mark.parametrize(
    ("contents", "filename", "kind", "reason"),
    [
        (AGENCIES, "agencies.xlsx", "agencies", "type"),
        (b"PK\x03\x04junk", "agencies.csv", "agencies", "content"),
        (b"{oops", "schools.geojson", "schools", "content"),
        (AGENCIES, "agencies.csv", "payroll", "kind"),
    ],
)
def test_bad_uploads_are_refused_and_audited(
    served, home: Path, contents: bytes, filename: str, kind: str, reason: str
) -> None:
    _, data = served
    status, report = run(data, contents, filename, kind, dry=False)
    assert report is None and status.startswith("Not loaded:")
    assert (last_audit(home)["outcome"], last_audit(home)["reason"]) == ("refused", reason)


def test_no_file_yet_is_not_an_upload(served, home: Path) -> None:
    _, data = served
    before = len(AuditLog(home).entries())
    assert run(data, None, "", "agencies", dry=True) == ("Choose a file first.", None)
    assert len(AuditLog(home).entries()) == before


# ------------------------------------------------------------ through the served app


def client_of(app: Any, name: str) -> Any:
    client = app.server.test_client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf, "next": "/"})
    assert response.status_code == 302
    return client


def load_request(contents: str | None, filename: str | None, kind: str, dry: list[str]) -> dict[str, Any]:
    def spec(component: str, prop: str, value: Any) -> dict[str, Any]:
        return {"id": component, "property": prop, "value": value}

    return {
        "output": f"..{ids.LOAD_STATUS}.children...{ids.LOAD_REPORT}.children..",
        "outputs": [{"id": ids.LOAD_STATUS, "property": "children"}, {"id": ids.LOAD_REPORT, "property": "children"}],
        "inputs": [spec(ids.LOAD_RUN, "n_clicks", 1)],
        "state": [
            spec(ids.LOAD_UPLOAD, "contents", contents),
            spec(ids.LOAD_UPLOAD, "filename", filename),
            spec(ids.LOAD_KIND, "value", kind),
            spec(ids.LOAD_DRY_RUN, "value", dry),
            spec(ids.LOAD_MAP_STORE, "data", None),
            [],
            [],
        ],
        "changedPropIds": [f"{ids.LOAD_RUN}.n_clicks"],
    }


@pytest.mark.parametrize("name", sorted(USERS))
def test_over_http_only_the_admin_runs_the_load_callbacks(served, home: Path, name: str) -> None:
    app, _ = served
    client = client_of(app, name)
    before = len(AuditLog(home).entries())
    response = client.post(
        "/_dash-update-component",
        json=load_request(data_url(AGENCIES), "agencies.csv", "agencies", [load_page.DRY_RUN]),
    )
    chosen = client.post(
        "/_dash-update-component",
        json={
            "output": f"{ids.LOAD_FILE}.children",
            "outputs": {"id": ids.LOAD_FILE, "property": "children"},
            "inputs": [{"id": ids.LOAD_UPLOAD, "property": "filename", "value": "x.csv"}],
            "changedPropIds": [f"{ids.LOAD_UPLOAD}.filename"],
        },
    )
    if USERS[name] is Role.ADMIN:
        assert response.status_code == 200 and "Dry run of agencies.csv" in response.text
        assert chosen.status_code == 200 and "Chosen: x.csv" in chosen.text
        assert last_audit(home)["who"] == name and len(AuditLog(home).entries()) == before + 1
    else:
        assert response.status_code == 403 and chosen.status_code == 403
        assert "may not see this" in response.json["error"]
        assert len(AuditLog(home).entries()) == before


def _nav_links(layout: Any) -> list[str]:
    found: list[str] = []

    def walk(node: Any, in_nav: bool) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            inside = in_nav or props.get("id") == ids.NAV
            if inside and node.get("type") == "Link":
                found.append(props["href"])
            for value in props.values() if "props" in node else node.values():
                walk(value, inside)
        elif isinstance(node, list):
            for item in node:
                walk(item, in_nav)

    walk(layout, False)
    return found


@pytest.mark.parametrize(
    ("name", "links"),
    [
        ("pat", ["/", "/map", "/gaps"]),
        ("cleo", ["/", "/network", "/find-help", "/paths"]),
        ("cara", ["/", "/network", "/find-help", "/paths"]),
        ("ada", ["/", "/map", "/gaps", "/network", "/find-help", "/paths", "/load"]),
    ],
)
def test_the_navigation_links_only_the_pages_a_role_may_open(served, name: str, links: list[str]) -> None:
    app, _ = served
    layout = client_of(app, name).get("/_dash-layout")
    assert layout.status_code == 200
    assert _nav_links(layout.json) == links


@pytest.mark.parametrize(("name", "shown"), [("pat", False), ("cleo", False), ("cara", False), ("ada", True)])
def test_the_load_page_itself_is_for_the_admin(served, name: str, shown: bool) -> None:
    app, _ = served
    client = client_of(app, name)
    dependencies = client.get("/_dash-dependencies").json
    router = next(d for d in dependencies if "_pages_content" in d["output"])
    inputs = [
        {"id": i["id"], "property": i["property"], "value": "/load" if i["property"] == "pathname" else None}
        for i in router["inputs"]
    ]
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in router["output"].strip(".").split("...")]
    response = client.post(
        "/_dash-update-component",
        json={
            "output": router["output"],
            "outputs": outputs,
            "inputs": inputs,
            "state": [{"id": s["id"], "property": s["property"], "value": None} for s in router["state"]],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        },
    )
    assert response.status_code == 200
    assert ("does not include this page" not in response.text) is shown
    assert (ids.LOAD_UPLOAD in response.text) is shown


_ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=40),
    st.lists(st.text(max_size=8)),
    st.builds(lambda b: data_url(b), st.binary(max_size=300)),
    st.builds(lambda t: "data:text/csv;base64," + t, st.text(max_size=40)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=_ANYTHING, filename=_ANYTHING, kind=_ANYTHING)
def test_any_input_gets_a_clear_answer_and_a_dry_run_writes_nothing(
    served, home: Path, contents: Any, filename: Any, kind: Any
) -> None:
    _, data = served
    stamp = (home / "graph.msgpack").stat().st_mtime_ns
    status, _ = load_page.load(data, admin(), contents, filename, kind, [load_page.DRY_RUN])
    assert status.startswith(("Not loaded:", "Dry run of", "Choose a file first.")), status
    assert "Traceback" not in status and str(home) not in status
    assert (home / "graph.msgpack").stat().st_mtime_ns == stamp
    assert not (home / "uploads").exists() or list((home / "uploads").iterdir()) == []


# ------------------------------------------------------------ the column map

LEGACY = (
    "name,lat,long,phone,address,food,shelter\r"
    "Corner Pantry,42.331,-71.081,617-555-0100,1 Main St,1,0\r"
    "Safe Harbor House,42.341,-71.071,617-555-0101,2 Main St,0,1\r"
).encode("mac_roman")


def test_the_page_proposes_a_map_loads_through_it_and_offers_it_again(served, home: Path) -> None:
    _, data = served
    view, mapping = load_page.propose(data, admin(), data_url(LEGACY), "legacy.csv", "agencies")
    shown = text_of(view)
    assert "Column map" in shown and "Proposed from the header names" in shown
    assert mapping["map"]["columns"]["agency_name"] == "name" and mapping["map"]["need_flags"]["food"] == "food"
    fields = [{"type": ids.LOAD_MAP_FIELD, "field": f} for f in load_page.map_fields("agencies")]
    values = [mapping["map"]["columns"].get(f["field"], "") for f in fields]
    values[[f["field"] for f in fields].index("address")] = ""  # the admin clears a field
    chosen = load_page.with_choices(mapping, fields, values)
    assert "address" not in chosen["map"]["columns"]
    status, _ = load_page.load(data, admin(), data_url(LEGACY), "legacy.csv", "agencies", [], chosen)
    assert status.startswith("Loaded legacy.csv as agencies: 2 rows read: 2 loaded, 0 quarantined."), status
    assert {"Corner Pantry", "Safe Harbor House"} <= {a["name"] for a in data.agencies}
    assert list((home / "maps").glob("agencies-*.yaml"))
    again, _ = load_page.propose(data, admin(), data_url(LEGACY), "legacy-april.csv", "agencies")
    assert "The map saved for files with this header." in text_of(again)


def test_a_students_file_proposes_a_map_from_its_headers_only(served) -> None:
    _, data = served
    view, mapping = load_page.propose(data, admin(), data_url(STUDENTS), "sis.csv", "students")
    shown = text_of(view) + json.dumps(mapping)
    assert "student_id" in shown and "S-998877" not in shown and "Quintero" not in shown


def test_only_an_admin_sees_a_proposed_map(served) -> None:
    _, data = served
    with pytest.raises(AccessDenied):
        load_page.propose(data, Viewer(name="pat", role=Role.PLANNER), data_url(LEGACY), "legacy.csv", "agencies")
