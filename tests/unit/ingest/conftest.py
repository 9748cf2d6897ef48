"""Fixtures the ingest tests write themselves: small, dirty files in each format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from kith.graph.memory import MemoryStore


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, encoding: str = "utf-8", newline: str = "\n"
) -> Path:
    path.write_bytes(csv_text(header, rows).replace("\n", newline).encode(encoding))
    return path


def agency_rows(rows: int, *, prefix: str, name: str, per_agency: int) -> list[list[object]]:
    """``rows`` plain agency rows, ``per_agency`` sites and services each, spread over Cambridge (ZIP 02139)."""
    return [
        [
            f"{prefix}{i // per_agency}",
            f"{name} {i // per_agency}",
            f"{prefix}S{i}",
            42.3 + (i % 100) / 1000,
            -71.1 + (i % 77) / 1000,
            "02139",
            f"Service {i}",
            "food",
            10,
        ]
        for i in range(rows)
    ]


#: The header of :func:`agency_rows`.
AGENCY_HEADER = ["agency_id", "agency_name", "site_id", "lat", "lon", "zip", "service_name", "need", "capacity"]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def hsds3_package(folder: Path) -> Path:
    """A small HSDS 3 package with every dirty case real directories have.

    organizations: o1, o2, o3 (o3 has no name), o2 repeated (the last row wins)
    services: s1 (o1, taxonomy BD + an unmapped term), s2 (its organization o9 is missing),
              s3 (inactive), s4 (o3, rejected organization), s5 (no name), s6 (no organization_id)
    locations: l1 (coordinates), l2 (no coordinates, ZIP 02139), l3 (latitude 100), l4 (0, 0),
               l5 (no coordinates, no address)
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(
        folder / "organizations.csv",
        ["id", "name", "website"],
        [
            ["o1", "Northside Family Center ", "https://north.example.org"],
            ["o2", "Old name", ""],
            ["o3", "", ""],
            ["o2", "Harbor Youth Services", "https://harbor.example.org"],
        ],
    )
    write_csv(
        folder / "services.csv",
        ["id", "organization_id", "name", "status", "description", "minimum_age", "maximum_age", "fees_description"],
        [
            ["s1", "o1", "Food Pantry", "active", "Groceries every week,\nno questions asked", "", "", "Free"],
            ["s2", "o9", "Tutoring Club", "active", "", "6", "14", ""],
            ["s3", "o1", "Closed Program", "inactive", "", "", "", ""],
            ["s4", "o3", "Counseling", "active", "", "", "", "Sliding scale"],
            ["s5", "o1", "", "active", "", "", "", ""],
            ["s6", "", "Clothing Closet", "active", "", "", "", ""],
        ],
    )
    write_csv(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        [
            ["l1", "o1", "Northside Center", "42.3601", "-71.0589"],
            ["l2", "o2", "Harbor Office", "", ""],
            ["l3", "o1", "Nowhere", "100", "101"],
            ["l4", "o1", "Null Island", "0", "0"],
            ["l5", "o1", "Mobile Van", "", ""],
        ],
    )
    write_csv(
        folder / "addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
        [
            ["a1", "l2", "100 Main St", "Cambridge", "MA", "02139", "US", "physical"],
            ["a2", "l8", "1 Lost Rd", "Boston", "MA", "02108", "US", "physical"],
        ],
    )
    write_csv(
        folder / "service_at_location.csv",
        ["id", "service_id", "location_id"],
        [
            ["sal1", "s1", "l1"],
            ["sal2", "s2", "l2"],
            ["sal3", "s3", "l1"],
            ["sal4", "s1", "l3"],
            ["sal5", "s7", "l1"],
            ["sal6", "s6", "l5"],
        ],
    )
    write_csv(
        folder / "schedules.csv",
        ["id", "service_id", "byday", "opens_at", "closes_at", "description"],
        [
            ["h1", "s1", "MO,WE", "9:00am", "5:00pm", ""],
            ["h2", "s2", "", "", "", "After school, by appointment"],
        ],
    )
    write_csv(
        folder / "languages.csv",
        ["id", "service_id", "location_id", "name"],
        [
            ["g1", "s1", "", "Spanish"],
            ["g2", "s1", "", "Haitian Creole"],
            ["g3", "s99", "", "French"],
        ],
    )
    write_csv(
        folder / "service_capacity.csv",
        ["id", "service_id", "available", "maximum"],
        [
            ["c1", "s1", "5", "40"],
            ["c2", "s2", "", "-3"],
        ],
    )
    write_csv(
        folder / "taxonomy_terms.csv",
        ["id", "code", "name", "taxonomy"],
        [
            ["t1", "BD-1800.2000", "Food Pantries", "AIRS"],
            ["t2", "", "Community Gardens", "Open Eligibility"],
            ["t3", "", "Tutoring", "Open Eligibility"],
        ],
    )
    write_csv(
        folder / "attributes.csv",
        ["id", "link_id", "taxonomy_term_id", "link_entity"],
        [
            ["at1", "s1", "t1", "service"],
            ["at2", "s1", "t2", "service"],
            ["at3", "s2", "t3", "service"],
            ["at4", "o1", "t2", "organization"],
            ["at5", "s1", "t404", "service"],
        ],
    )
    write_csv(folder / "contacts.csv", ["id", "name"], [["k1", "A. Person"]])
    return folder
