"""Fuzzing: malformed input for every ingest format, command-line parameter and dashboard callback.

The promise under test: no crash (a report, or one clear error), and nothing lost (every row read is
loaded or quarantined).
"""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kith.graph.errors import KithError
from kith.graph.memory import MemoryStore
from kith.ingest.agencies import ingest_agencies
from kith.ingest.hsds import ingest_hsds
from kith.ingest.nces import ingest_schools
from kith.ingest.relations import ingest_relations
from kith.ingest.sis import ingest_students

KEY = "a-fuzzing-pseudonym-key-0123456789"
INJECTION = "x'}) DETACH DELETE n //"
NASTY = [
    "",
    " ",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-1",
    "0",
    "100",
    "-91",
    "181",
    "0,0",
    "9:00am",
    "02139",
    "00000",
    "a;b|c",
    INJECTION,
    "=cmd|' /C calc'!A0",
    "\x00",
    "\u202e\u0041",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Ω≈ç√",
    "food",
    "tutoring;unknown_need",
    "true",
    "yes",
    "K",
    "PK",
    "13",
    "2",
    "4",
    "\ufeff",
    "\r",
    "\n",
    "2021-02-30",
    "2021-01-01",
    "1.5",
    "x" * 300,
]
cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=12))
#: Modest, and without shrinking: a failure prints its (unshrunk) example at once instead of minutes later.
FUZZ = settings(
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HEADERS = {
    "agencies": [
        "agency_id",
        "agency_name",
        "site_id",
        "lat",
        "lon",
        "address",
        "zip",
        "service_name",
        "need",
        "capacity",
        "languages",
        "cost",
        "min_age",
        "max_age",
        "hours",
    ],
    "schools": ["id", "name", "lat", "lon", "level", "kind", "enrollment", "zip"],
    "nces": ["NCESSCH", "SCH_NAME", "LEAID", "LAT", "LON", "LEVEL", "SCH_TYPE", "TITLEI_STATUS", "ENROLLMENT"],
    "students": [
        "student_id",
        "school_id",
        "grade",
        "household_id",
        "home_address",
        "zip",
        "language",
        "needs",
        "tier",
    ],
    "partnerships": ["school_id", "agency_id", "since", "mou", "strength"],
    "collaborations": ["agency_id", "other_agency_id", "kind", "since", "strength"],
    "referrals": ["student_id", "service_id", "date", "status"],
}


def _ingest(kind: str, path: Path, store: MemoryStore, quarantine: Path) -> Any:
    options: dict[str, Any] = {"quarantine_dir": quarantine}
    if kind == "agencies":
        return ingest_agencies(path, store, **options)
    if kind in ("schools", "nces"):
        return ingest_schools(path, store, fmt="csv" if kind == "schools" else "nces", **options)
    if kind == "students":
        return ingest_students(path, store, key=KEY, **options)
    if kind in ("partnerships", "collaborations", "referrals"):
        return ingest_relations(path, store, fmt=kind, key=KEY, **options)
    return ingest_hsds(path, store, **options)


def _assert_nothing_lost_or_clear_error(kind: str, path: Path, store: MemoryStore, quarantine: Path) -> None:
    before = store.counts()
    try:
        report = _ingest(kind, path, store, quarantine)
    except KithError as exc:  # a whole file kith cannot use: one clear line, and nothing written
        assert str(exc) and "\n" not in str(exc).strip() and "Traceback" not in str(exc)
        assert store.counts() == before
        return
    for table in report.tables:
        assert table.loaded + table.quarantined == table.rows_read, (kind, table)


@pytest.fixture
def store(small_city) -> MemoryStore:
    store = MemoryStore()
    store.upsert_nodes(small_city.nodes)
    store.upsert_relationships(small_city.rels)
    return store


@pytest.mark.parametrize("kind", sorted(HEADERS))
@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=12), max_size=8), drop=st.integers(0, 3))
def test_malformed_rows_in_every_tabular_format(kind: str, rows, drop: int, tmp_path: Path, store) -> None:
    header = HEADERS[kind][: len(HEADERS[kind]) - drop] if drop < 3 else HEADERS[kind][::-1]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / f"{kind}.csv"
    path.write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass" if False else "strict")
    _assert_nothing_lost_or_clear_error(kind, path, store, tmp_path / "quarantine")


@pytest.mark.parametrize("kind", sorted(HEADERS) + ["hsds-json", "hsds-zip"])
@FUZZ
@given(data=st.binary(max_size=300))
def test_garbage_files_in_every_format(kind: str, data: bytes, tmp_path: Path, store) -> None:
    suffix = {"hsds-json": ".json", "hsds-zip": ".zip"}.get(kind, ".csv")
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    _assert_nothing_lost_or_clear_error(kind, path, store, tmp_path / "quarantine")


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=True), cells),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "organization",
                    "locations",
                    "latitude",
                    "longitude",
                    "address",
                    "taxonomy_terms",
                    "languages",
                    "service_capacity",
                    "phones",
                    "postal_code",
                    "x",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=25,
)


@FUZZ
@given(document=json_values)
def test_malformed_hsds_json(document, tmp_path: Path, store) -> None:
    path = tmp_path / "services.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _assert_nothing_lost_or_clear_error("hsds-json", path, store, tmp_path / "quarantine")


@FUZZ
@given(
    tables=st.dictionaries(
        st.sampled_from(
            [
                "organizations",
                "services",
                "locations",
                "addresses",
                "service_at_location",
                "languages",
                "taxonomy_terms",
            ]
        ),
        st.lists(st.lists(cells, max_size=6), max_size=5),
        max_size=5,
    ),
    package=st.booleans(),
)
def test_malformed_hsds_packages(tables, package: bool, tmp_path: Path, store) -> None:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w") as archive:
        if package:
            archive.writestr(
                "datapackage.json", json.dumps({"resources": [{"name": n, "path": f"{n}.csv"} for n in tables]})
            )
        for name, rows in tables.items():
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([["id", "name", "organization_id"], *rows])
            archive.writestr(f"{name}.csv", out.getvalue())
        archive.writestr("../../escape.csv", "id\n1\n")  # a path that climbs out: never written anywhere
    _assert_nothing_lost_or_clear_error("hsds-zip", path, store, tmp_path / "quarantine")
    assert not (tmp_path.parent / "escape.csv").exists()


# ---------------------------------------------------------------- the command line, in-process


@pytest.fixture(scope="module")
def cli_home(small_city_home: Path) -> Path:
    return small_city_home


def _run_cli(args: list[str], home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple:
    from kith import cli

    monkeypatch.setenv("KITH_HOME", str(home))
    monkeypatch.delenv("KITH_NEO4J_URI", raising=False)
    monkeypatch.setattr(sys, "argv", ["kith", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


texts = st.one_of(
    st.sampled_from(
        NASTY
        + [
            "school:",
            "student:",
            "need:",
            "agency:x",
            "42.36,-71.06",
            "1,2,3",
            "91,0",
            "school:../../etc/passwd",
            "need:food",
            "--help",
        ]
    ),
    st.text(max_size=15),
)
COMMANDS = [
    lambda a, b: ["nearby", "--near", a, "--need", b, "--format", "json"],
    lambda a, b: ["nearby", "--near", "02139", "--radius-km", a, "--language", b],
    lambda a, b: ["path", a, b, "--format", "json"],
    lambda a, b: ["path", "school:" + a, "need:" + b, "--via", a],
    lambda a, b: ["gaps", "--need", a, "--by", b],
    lambda a, b: ["gaps", "--need", "food", "--catchment-km", a, "--add-site", b],
    lambda a, b: ["deserts", "--need", a, "--rule", b],
    lambda a, b: ["stats", "--format", a],
    lambda a, b: ["user", "remove", a],
]


@pytest.mark.parametrize("command", range(len(COMMANDS)))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=texts, b=texts)
def test_every_command_parameter(command: int, a: str, b: str, cli_home: Path, monkeypatch, capsys) -> None:
    if "\x00" in a + b:  # the operating system refuses such an argument before kith sees it
        return
    code, out, err = _run_cli(COMMANDS[command](a, b), cli_home, monkeypatch, capsys)
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err + out and "unexpected error" not in err, err
    if code == 1:
        assert err.startswith("kith: error: ") and len(err.strip().splitlines()) == 1, err


# ---------------------------------------------------------------- dashboard callbacks


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory, small_store: MemoryStore) -> Any:
    from kith.dashboard.app import create_app
    from kith.dashboard.data import DashboardData
    from kith.settings import KithSettings

    settings = KithSettings(_env_file=None, home=tmp_path_factory.mktemp("home"), demo=True, neo4j_uri=None)
    app = create_app(settings, data=DashboardData(small_store, settings), warm_up=False)
    client = app.server.test_client()
    deps = [
        d
        for d in client.get("/_dash-dependencies").json
        if not d.get("clientside_function")
        and "_pages" not in d["output"]
        and not d.get("background")
        and not d["output"].strip(".").startswith("load-")
    ]  # demo mode never loads data (fuzzed signed in)
    return client, deps


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False),
    texts,
    st.lists(texts, max_size=3),
    st.dictionaries(st.sampled_from(["points", "lat", "lon", "id"]), st.one_of(texts, st.integers()), max_size=3),
)


@FUZZ
@given(data=st.data())
def test_every_callback_parameter(demo_app, data) -> None:
    client, deps = demo_app
    for dependency in deps:
        inputs = [
            {
                "id": json.loads(i["id"]) if i["id"].startswith("{") else i["id"],
                "property": i["property"],
                "value": data.draw(values),
            }
            for i in dependency["inputs"]
        ]
        state = [{"id": s["id"], "property": s["property"], "value": data.draw(values)} for s in dependency["state"]]
        outputs = [
            {"id": json.loads(c) if c.startswith("{") else c, "property": p}
            for c, p in (part.rsplit(".", 1) for part in dependency["output"].strip(".").split("..."))
        ]
        body = {
            "output": dependency["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": inputs,
            "state": state,
            "changedPropIds": [f"{dependency['inputs'][0]['id']}.{dependency['inputs'][0]['property']}"],
        }
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code in (200, 204), (dependency["output"], inputs, response.text[:500])
        assert "Traceback" not in response.text
