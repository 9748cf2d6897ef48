"""The served dashboard on real (not demo) data: sign-in, roles in every callback, headers, limits,
a lost store shown as a banner. Driven through Flask's test client, as a browser would."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from kith.dashboard import _security, ids
from kith.dashboard.app import create_app
from kith.dashboard.data import DashboardData
from kith.graph.errors import KithError
from kith.graph.memory import MemoryStore
from kith.settings import KithSettings
from kith.trust.access import GRANTS, Role
from kith.trust.audit import AuditLog
from kith.trust.users import Users

PASSWORD = "a long enough password"
HASHER = PasswordHasher.from_parameters(CHEAPEST)  # fast tests; each hash keeps its own parameters
USERS = {"pat": Role.PLANNER, "cleo": Role.COALITION, "cara": Role.CASEWORKER, "ada": Role.ADMIN}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, small_store: MemoryStore) -> tuple[Any, KithSettings]:
    home = tmp_path_factory.mktemp("kith-home")
    users = Users(home, hasher=HASHER)
    school = small_store.nodes(__import__("kith.graph.model").graph.model.Label.SCHOOL)[0]["id"]
    users.add("gus", Role.COALITION, PASSWORD)  # locked out by the guessing test
    for name, role in USERS.items():
        users.add(name, role, PASSWORD, school_id=school if role is Role.CASEWORKER else None)
    settings = KithSettings(_env_file=None, home=home, demo=False, neo4j_uri=None, sign_in_requests_per_second=1000)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    return app, settings


def _client(app: Any, name: str | None = None, password: str = PASSWORD) -> Any:
    client = app.server.test_client()
    if name is not None:
        response = _login(client, name, password)
        assert response.status_code == 302, response.text
    return client


def _login(client: Any, name: str, password: str, target: str = "/") -> Any:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf, "next": target})


def _payload(dependency: dict[str, Any], values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A callback request as the Dash renderer sends it, from an entry of /_dash-dependencies."""

    def spec(item: dict[str, Any]) -> dict[str, Any]:
        component = item["id"]
        parsed = json.loads(component) if component.startswith("{") else component
        return {"id": parsed, "property": item["property"], "value": (values or {}).get(component)}

    outputs = []
    for part in re.findall(r"(\{.*?\}|[\w-]+)\.([\w@]+)", dependency["output"].replace("...", " ")):
        component, prop = part
        outputs.append({"id": json.loads(component) if component.startswith("{") else component, "property": prop})
    return {
        "output": dependency["output"],
        "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
        "inputs": [spec(i) for i in dependency["inputs"]],
        "state": [spec(s) for s in dependency["state"]],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dependency["inputs"]][:1],
    }


_DEPENDENCIES: list[dict[str, Any]] = []


def _dependencies(app: Any) -> list[dict[str, Any]]:
    """The app's callback map, as the browser reads it (every kith app has the same callbacks)."""
    if not _DEPENDENCIES:
        response = _client(app, "ada").get("/_dash-dependencies")
        assert response.status_code == 200
        _DEPENDENCIES.extend(d for d in response.json if not d.get("clientside_function"))
    return _DEPENDENCIES


def _needed(dependency: dict[str, Any]) -> set[Any]:
    payload = _payload(dependency)
    outputs = payload["outputs"] if isinstance(payload["outputs"], list) else [payload["outputs"]]
    return {_security.output_capability(o["id"]) for o in outputs}


def _unmarked(city) -> MemoryStore:
    """The small city, written as an ingest would write it: without the demo city's mark."""
    store = MemoryStore()
    store.upsert_nodes(city.nodes)
    store.upsert_relationships(city.rels)
    return store


def test_real_data_is_never_served_without_users(tmp_path: Path, small_city) -> None:
    settings = KithSettings(_env_file=None, home=tmp_path, demo=False, neo4j_uri=None)
    with pytest.raises(KithError, match="kith user add NAME --role admin"):
        create_app(settings, data=DashboardData(_unmarked(small_city), settings), warm_up=False)


def test_demo_mode_serves_only_the_demo_city(tmp_path: Path, small_city) -> None:
    """KITH_DEMO (or a .env saying so) on a graph that is not the demo city as built: refused."""
    settings = KithSettings(_env_file=None, home=tmp_path, demo=True, neo4j_uri=None)
    with pytest.raises(KithError, match=r"demo mode \(KITH_DEMO\) serves only the demo city"):
        create_app(settings, data=DashboardData(_unmarked(small_city), settings), warm_up=False)


def test_without_users_the_demo_city_is_served_in_demo_mode(tmp_path: Path, small_store: MemoryStore) -> None:
    """`kith demo --no-serve`, then `kith serve`: the graph carries the mark, so it is served as the demo."""
    settings = KithSettings(_env_file=None, home=tmp_path, demo=False, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    layout = app.server.test_client().get("/_dash-layout")
    assert layout.status_code == 200 and "Demo mode" in layout.text


def test_signed_out_visitors_see_only_the_login_page(served) -> None:
    app, _ = served
    client = _client(app)
    page = client.get("/gaps?need=food")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/gaps%3Fneed%3Dfood"
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    dependency = next(d for d in _dependencies(app) if "overview" in d["output"])
    assert client.post("/_dash-update-component", json=_payload(dependency)).status_code == 401
    login = client.get("/login")
    assert login.status_code == 200 and 'type="password"' in login.text


def test_wrong_passwords_forged_forms_and_guessing_are_refused(served) -> None:
    app, _ = served
    client = _client(app)
    assert _login(client, "pat", "not the password").status_code == 401
    assert client.get("/").status_code == 302
    assert client.post("/login", data={"name": "pat", "password": PASSWORD, "csrf": "forged"}).status_code == 400
    guesser = _client(app)
    for _ in range(5):
        assert _login(guesser, "gus", "guess").status_code == 401
    assert _login(guesser, "gus", PASSWORD).status_code == 429  # locked out for a while, even when right


def test_sign_in_returns_only_to_this_site(served) -> None:
    app, _ = served
    for target, expected in [
        ("/network", "/network"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
    ]:
        response = _login(app.server.test_client(), "ada", PASSWORD, target)
        assert response.status_code == 302 and response.headers["Location"] == expected


@pytest.mark.parametrize("name", sorted(USERS))
def test_every_callback_checks_the_role(served, name: str) -> None:
    """Each role runs exactly the callbacks of the pages its capabilities cover; the others are refused."""
    app, _ = served
    client = _client(app, name)
    role = USERS[name]
    ran = refused = 0
    for dependency in _dependencies(app):
        needed = _needed(dependency)
        assert None not in needed, f"no page claims an output of {dependency['output']}"
        response = client.post("/_dash-update-component", json=_payload(dependency))
        allowed = all(n is _security._ANY or n in GRANTS[role] for n in needed)
        if allowed:
            assert response.status_code not in (401, 403), (dependency["output"], response.text)
            ran += 1
        else:
            assert response.status_code == 403, (dependency["output"], response.status_code)
            assert "may not" in response.json["error"]
            refused += 1
    assert ran and (refused or role is Role.ADMIN)


@pytest.mark.parametrize(
    ("name", "path", "shown"),
    [
        ("pat", "/network", False),
        ("pat", "/gaps", True),
        ("cleo", "/gaps", False),
        ("cleo", "/network", True),
        ("cara", "/find-help", True),
        ("cara", "/map", False),
        ("ada", "/paths", True),
        ("pat", "/find-help", False),
    ],
)
def test_page_layouts_check_the_role(served, name: str, path: str, shown: bool) -> None:
    app, _ = served
    client = _client(app, name)
    router = next(d for d in _dependencies(app) if "_pages_content" in d["output"])
    payload = _payload(router, {"_pages_location": None})
    for spec in payload["inputs"]:
        if spec["property"] == "pathname":
            spec["value"] = path
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 200
    assert ("does not include this page" not in response.text) is shown


def test_unclaimed_outputs_are_refused(served) -> None:
    app, _ = served
    client = _client(app, "ada")
    body = {
        "output": "secret-thing.children",
        "outputs": {"id": "secret-thing", "property": "children"},
        "inputs": [],
        "changedPropIds": [],
    }
    assert client.post("/_dash-update-component", json=body).status_code == 403
    assert client.post("/_dash-update-component", data="not json", content_type="application/json").status_code == 400


def test_security_headers_on_every_response(served) -> None:
    app, _ = served
    client = _client(app, "pat")
    for path in ("/", "/login", "/_dash-layout", "/assets/kith.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]  # scripts only by hash
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/_dash-layout").headers["Cache-Control"] == "no-store"
    cookie = _login(app.server.test_client(), "pat", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_requests_larger_than_the_limit_are_refused(served) -> None:
    app, settings = served
    client = _client(app, "ada")
    too_big = b"x" * int(settings.max_request_mb * 1024 * 1024 + 1)
    response = client.post("/_dash-update-component", data=too_big, content_type="application/json")
    assert response.status_code == 413


def test_logout_ends_the_session_for_good(served) -> None:
    app, _ = served
    client = _client(app, "cleo")
    cookie = client.get_cookie("kith_session")
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/logout").status_code == 302
    replay = app.server.test_client()
    replay.set_cookie("kith_session", cookie.value)
    assert replay.get("/_dash-layout").status_code == 401  # the old cookie opens nothing


def test_sessions_expire_when_idle(tmp_path: Path, small_store: MemoryStore) -> None:
    Users(tmp_path, hasher=HASHER).add("pat", "planner", PASSWORD)
    settings = KithSettings(_env_file=None, home=tmp_path, demo=False, neo4j_uri=None, session_idle_minutes=0.005)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    client = _client(app, "pat")
    assert client.get("/_dash-layout").status_code == 200
    time.sleep(0.4)
    assert client.get("/_dash-layout").status_code == 401


def test_removing_a_user_ends_their_sessions(tmp_path: Path, small_store: MemoryStore) -> None:
    users = Users(tmp_path, hasher=HASHER)
    users.add("pat", "planner", PASSWORD)
    users.add("ada", "admin", PASSWORD)
    settings = KithSettings(_env_file=None, home=tmp_path, demo=False, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    client = _client(app, "pat")
    assert client.get("/_dash-layout").status_code == 200
    users.add("pat", "coalition", PASSWORD)  # a changed role: sign in again
    assert client.get("/_dash-layout").status_code == 401
    client = _client(app, "pat")
    users.remove("pat")
    assert client.get("/_dash-layout").status_code == 401


def test_exports_are_audited_with_who_and_what(served) -> None:
    app, settings = served
    client = _client(app, "cara")
    download = next(d for d in _dependencies(app) if d["output"] == f"{ids.HELP_DOWNLOAD}.data")
    payload = _payload(download, {ids.HELP_DOWNLOAD_BUTTON: 1, ids.HELP_REFERRAL: "<p>list</p>"})
    assert client.post("/_dash-update-component", json=payload).status_code == 200
    entry = AuditLog(settings.home).entries()[-1]
    assert entry["who"] == "cara" and entry["role"] == "caseworker" and entry["action"] == "export"
    assert entry["kind"] == f"{ids.HELP_DOWNLOAD}.data"
    geojson = next(d for d in _dependencies(app) if d["output"] == f"{ids.GAPS_DOWNLOAD}.data")
    assert client.post("/_dash-update-component", json=_payload(geojson)).status_code == 403  # not cara's


def test_a_lost_store_shows_a_banner_not_a_traceback(tmp_path: Path, small_store: MemoryStore) -> None:
    """The dashboard runs, then its Neo4j server goes away: the next answer that needs it says so."""
    from neo4j import GraphDatabase

    from kith.graph.neo4j_store import Neo4jStore

    Users(tmp_path, hasher=HASHER).add("pat", "planner", PASSWORD)
    settings = KithSettings(_env_file=None, home=tmp_path, demo=False, neo4j_uri=None)
    data = DashboardData(small_store, settings)
    app = create_app(settings, data=data, warm_up=False)
    driver = GraphDatabase.driver(
        "bolt://127.0.0.1:9", auth=("neo4j", "x"), connection_timeout=1, max_transaction_retry_time=0.5
    )
    data.store = Neo4jStore(driver, uri="bolt://127.0.0.1:9", user="neo4j", database="neo4j")  # the server is gone
    try:
        client = _client(app, "pat")
        map_callback = next(d for d in _dependencies(app) if ids.MAP_GRAPH in d["output"])
        response = client.post(
            "/_dash-update-component", json=_payload(map_callback, {ids.MAP_NEED: "dental", ids.MAP_LAYERS: ["sites"]})
        )
        assert response.status_code == 200, response.text
        assert _security.STORE_BANNER in response.text and "cannot be reached" in response.text
        assert "Traceback" not in response.text
    finally:
        driver.close()


def test_demo_mode_needs_no_sign_in_and_says_so(tmp_path: Path, small_store: MemoryStore) -> None:
    settings = KithSettings(_env_file=None, home=tmp_path, demo=True, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    client = app.server.test_client()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and "Demo mode" in layout.text
    assert client.get("/login").status_code == 302


def test_fetching_the_login_page_again_keeps_the_shown_form_valid(served) -> None:
    """A browser asks for /favicon.ico after the login page; that, or a second tab, must not expire the form."""
    app, _ = served
    client = _client(app)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.get("/favicon.ico", follow_redirects=True).request.path == "/login"  # signed out: the login page
    client.get("/login?next=/gaps")
    response = client.post("/login", data={"name": "pat", "password": PASSWORD, "csrf": csrf, "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
