"""Malformed rows never crash an ingest, and every row read is loaded or quarantined."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kith.graph.memory import MemoryStore
from kith.graph.model import Agency, School, Service
from kith.ingest.agencies import ingest_agencies
from kith.ingest.hsds import ingest_hsds
from kith.ingest.nces import ingest_schools
from kith.ingest.relations import ingest_relations
from kith.ingest.report import IngestReport
from kith.ingest.sis import ingest_students

KEY = "property-test-key-0123456789"
cell = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "100",
            "42.36",
            "-71.06",
            "0,0",
            "1e400",
            "nan",
            "NaN",
            "inf",
            "yes",
            "active",
            "inactive",
            "K",
            "12",
            "s1",
            "o1",
            "l1",
            "02139",
            "9:00am",
            "free",
            "food; tutoring",
            '"quoted"',
            "a,b",
            "line\nbreak",
            "cr\ronly",
            "Café Niño",
            "\ufeffbom",
            "x" * 300,
        ]
    ),
    st.text(max_size=12),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=9), min_size=0, max_size=12)
encoding = st.sampled_from(["utf-8", "cp1252", "mac_roman", "utf-16"])
newline = st.sampled_from(["\n", "\r\n", "\r"])
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _csv(header: list[str], body: list[list[str]], enc: str, nl: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=nl)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode(enc, errors="replace")


def _holds(report: IngestReport) -> None:
    for table in report.tables:
        assert table.loaded + table.quarantined == table.rows_read, table
        assert table.quarantined == 0 or table.reasons


@PROPERTY
@given(orgs=rows, services=rows, locations=rows, links=rows, enc=encoding, nl=newline)
def test_hsds_package(orgs, services, locations, links, enc, nl) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "organizations.csv").write_bytes(_csv(["id", "name", "website"], orgs, enc, nl))
        (folder / "services.csv").write_bytes(
            _csv(["id", "organization_id", "name", "status", "minimum_age", "maximum_age", "fees"], services, enc, nl)
        )
        (folder / "locations.csv").write_bytes(_csv(["id", "name", "latitude", "longitude"], locations, enc, nl))
        (folder / "service_at_location.csv").write_bytes(_csv(["id", "service_id", "location_id"], links, enc, nl))
        (folder / "schedules.csv").write_bytes(_csv(["id", "service_id", "weekday", "opens_at"], links, enc, nl))
        _holds(ingest_hsds(folder, MemoryStore(), quarantine_dir=folder / "q"))


@PROPERTY
@given(body=rows, enc=encoding, nl=newline, which=st.sampled_from(["schools", "agencies", "students"]))
def test_flat_files(body, enc, nl, which) -> None:
    header = {
        "schools": ["ncessch", "sch_name", "lat", "lon", "level", "sch_type", "total", "lzip", "titlei_status"],
        "agencies": ["agency_id", "agency_name", "site_id", "lat", "lon", "zip", "service_name", "need", "capacity"],
        "students": [
            "student_id",
            "school_id",
            "grade",
            "household_id",
            "home_address",
            "zip",
            "needs",
            "tier",
            "language",
        ],
    }[which]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{which}.csv"
        path.write_bytes(_csv(header, body, enc, nl))
        store = MemoryStore()
        if which == "schools":
            report = ingest_schools(path, store, quarantine_dir=Path(tmp) / "q")
        elif which == "agencies":
            report = ingest_agencies(path, store, quarantine_dir=Path(tmp) / "q")
        else:
            report = ingest_students(path, store, key=KEY, quarantine_dir=Path(tmp) / "q")
        _holds(report)


@PROPERTY
@given(body=rows, kind=st.sampled_from(["partnerships", "collaborations", "referrals"]))
def test_relations(body, kind) -> None:
    header = {
        "partnerships": ["school_id", "agency_id", "since", "mou", "strength"],
        "collaborations": ["agency_id", "other_agency_id", "kind", "since", "strength"],
        "referrals": ["student_id", "service_id", "date", "status"],
    }[kind]
    store = MemoryStore()
    store.upsert_nodes(
        [School(id="s1", name="S"), Agency(id="o1", name="A"), Agency(id="l1", name="B"), Service(id="s1", name="X")]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_bytes(_csv(header, body, "utf-8", "\n"))
        _holds(ingest_relations(path, store, key=KEY))
