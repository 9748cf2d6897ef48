"""Fixtures in the shapes of real exports (issue 12's table), written by the tests themselves.

Each writer makes a small file or package in the shape a real directory,
county or district publishes, with the dirty cases those exports have.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.unit.ingest.conftest import write_csv

#: AIRS / 211 LA terms of the 211 package: (id, code, name, parent).
AIRS_TERMS = [
    ("t1", "BD-1800.2000", "Food Pantries", "BD-1800"),
    ("t2", "PH-1250.1800", "Extended Child Care", "PH-1250"),
    ("t3", "PH-1000", "Case/Care Management", "PH"),
    ("t4", "PS-9800.9900", "Youth Enrichment Programs", "PS-9800"),
    ("t5", "YB-8000.6500", "Preadolescent Children", "YB-8000"),
    ("t6", "YB-8000.0500", "Adolescents", "YB-8000"),
    ("t7", "TJ-3000.8000", "Volunteer Opportunities", "TJ-3000"),
    ("t8", "BM-6500.6500-800", "School Supplies", "BM-6500.6500"),
    ("t9", "YF-5000", "Low Income", "YF"),
]


def hsds1_211_package(folder: Path, *, version: str = "1.1") -> Path:
    """A 211 directory's HSDS 1.x Tabular Data Package: ``datapackage.json`` at the root, tables under ``data/``.

    services: s1 food pantry (Spanish, Creole, a translator note; free), s2 extended child care
    ("ages 3 to 5", sliding scale), s3 case management (Chinese (Cantonese), Kreyòl; "$25 per session"),
    s4 youth enrichment for preadolescents and adolescents, s5 volunteer opportunities only (unmapped),
    s6 school supplies; one services_at_location row points nowhere.
    """
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    tables = {
        "organizations.csv": (
            ["id", "name", "url"],
            [
                ["o1", "Eastside Community Action", "https://eastside.example.org"],
                ["o2", "Bayview Family Services", ""],
            ],
        ),
        "services.csv": (
            ["id", "organization_id", "name", "status", "fees", "description"],
            [
                ["s1", "o1", "Eastside Food Pantry", "active", "Free", "Weekly groceries"],
                ["s2", "o2", "Extended Day Child Care", "active", "Sliding scale based on income", "For ages 3 to 5"],
                ["s3", "o2", "Family Case Management", "active", "$25 per session", ""],
                ["s4", "o1", "After School Youth Club", "active", "", ""],
                ["s5", "o1", "Volunteer Desk", "active", "Call for details", ""],
                ["s6", "o1", "Back to School Backpacks", "active", "no fee", ""],
            ],
        ),
        "locations.csv": (
            ["id", "organization_id", "name", "latitude", "longitude"],
            [["l1", "o1", "Eastside Center", "37.7510", "-122.4100"], ["l2", "o2", "Bayview Office", "", ""]],
        ),
        "physical_addresses.csv": (
            ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
            [["a1", "l2", "1 Third St", "San Francisco", "CA", "94124", "US"]],
        ),
        "services_at_location.csv": (
            ["id", "service_id", "location_id"],
            [
                ["x1", "s1", "l1"],
                ["x2", "s2", "l2"],
                ["x3", "s3", "l2"],
                ["x4", "s4", "l1"],
                ["x5", "s5", "l1"],
                ["x6", "s6", "l1"],
                ["x7", "s9", "l1"],
            ],
        ),
        "languages.csv": (
            ["id", "service_id", "location_id", "language"],
            [
                ["g1", "s1", "", "Spanish"],
                ["g2", "s1", "", "Creole"],
                ["g3", "s1", "", "translator services may be used for other languages"],
                ["g4", "s3", "", "Chinese (Cantonese)"],
                ["g5", "s3", "", "Kreyòl"],
                ["g6", "s4", "", "es"],
            ],
        ),
        "eligibility.csv": (["id", "service_id", "eligibility"], [["e1", "s4", "5-17 years old"]]),
        "taxonomy.csv": (
            ["id", "name", "parent_id", "parent_name", "vocabulary"],
            [[code, name, parent, "", "AIRS"] for _, code, name, parent in AIRS_TERMS],
        ),
        "services_taxonomy.csv": (
            ["id", "service_id", "taxonomy_id", "taxonomy_detail"],
            [
                ["st1", "s1", "BD-1800.2000", ""],
                ["st2", "s2", "PH-1250.1800", ""],
                ["st3", "s3", "PH-1000", ""],
                ["st4", "s4", "PS-9800.9900", ""],
                ["st5", "s4", "YB-8000.6500", ""],
                ["st6", "s4", "YB-8000.0500", ""],
                ["st7", "s5", "TJ-3000.8000", ""],
                ["st8", "s6", "BM-6500.6500-800", ""],
                ["st9", "s2", "YF-5000", ""],
            ],
        ),
    }
    resources = []
    for name, (header, rows) in tables.items():
        write_csv(data / name, header, rows)
        resources.append({"name": name.removesuffix(".csv"), "path": f"data/{name}", "format": "csv"})
    (folder / "datapackage.json").write_text(
        json.dumps({"name": "bay-211", "profile": "tabular-data-package", "version": version, "resources": resources})
    )
    return folder


def zip_folder(folder: Path, target: Path, *, inside: str = "") -> Path:
    """Zip ``folder``'s files under the prefix ``inside`` (``"export/"``: the zip of a folder)."""
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, inside + path.relative_to(folder).as_posix())
    return target


def assert_nothing_lost(report, quarantine_dir: Path) -> None:  # noqa: ANN001 - an IngestReport
    """Every row read is loaded or quarantined, and every quarantined row is in the file with a reason."""
    import csv

    assert report.rows_read > 0
    for table in report.tables:
        assert table.loaded + table.quarantined == table.rows_read, table.table
    if report.quarantined == 0:
        assert report.quarantine_file is None
        return
    assert report.quarantine_file is not None and Path(report.quarantine_file).parent == quarantine_dir
    with open(report.quarantine_file, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(row["file"] and row["row"] and row["reason"] for row in rows)
    assert len({(row["file"], row["row"]) for row in rows}) == report.quarantined


def county_school_layer(path: Path) -> Path:
    """A county's school GIS layer: GeoJSON points; NAME, ENROLLMNT, CAPACITY, TYPE as E/M/S, GRADES.

    Hoover's LON property has its sign flipped (its geometry is right); one feature is a polygon.
    """

    def feature(
        name: str,
        lon: float,
        lat: float,
        kind: str,
        grades: str,
        enrolled: str,
        capacity: str,
        lon_property: float | None = None,
    ) -> dict:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "OBJECTID": 1,
                "NAME": name,
                "ENROLLMNT": enrolled,
                "CAPACITY": capacity,
                "TYPE": kind,
                "GRADES": grades,
                "LAT": lat,
                "LON": lon if lon_property is None else lon_property,
            },
        }

    features = [
        feature("Garfield Elementary", -122.2711, 37.8044, "E", "K-5", "412", "450"),
        feature("Hoover Middle School", -122.2601, 37.8101, "M", "6-8", "655", "700", lon_property=122.2601),
        feature("Lincoln High", -122.2501, 37.8201, "S", "9-12", "1,480", "1600"),
        feature("Bay Academy", -122.2401, 37.8301, "", "PK-8", "230", ""),
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[-122, 37], [-122, 38], [-121, 37]]]},
            "properties": {"NAME": "District Office"},
        },
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def city_schools_csv(path: Path) -> Path:
    """A city's open-data schools CSV: the place only inside one text column, grade spans in two columns."""
    return write_csv(
        path,
        ["CDS Code", "Campus Name", "Campus Address", "Lower Grade", "Upper Grade", "Category", "Campus Location"],
        [
            [
                "38684786040016",
                "Alamo Elementary School",
                "250 23rd Ave",
                "K",
                "5",
                "USD Grades K-5",
                "250 23rd Ave\nSan Francisco, CA (37.783, -122.483)",
            ],
            [
                "38684786040107",
                "Aptos Middle School",
                "105 Aptos Ave",
                "6",
                "8",
                "USD Grades 6-8",
                "CA (37.729, -122.466)",
            ],
            [
                "38684783830403",
                "Balboa High School",
                "1000 Cayuga Ave",
                "9",
                "12",
                "USD Grades 9-12",
                "CA (37.722, -122.440)",
            ],
            [
                "38684780118471",
                "Creative Arts Charter",
                "1601 Turk St",
                "TK",
                "8",
                "Charter School",
                "CA (37.780, -122.434)",
            ],
            ["38684786040999", "Nowhere School", "", "K", "5", "USD Grades K-5", "unknown"],
        ],
    )


PROVIDER_HEADER = [
    "Provider Number",
    "Provider Name",
    "Parent Organization",
    "Street Address",
    "City",
    "Zip",
    "Phone",
    "Contact Name",
    "Contact Email",
    "Program Name",
    "Service Code",
    "Languages Spoken",
    "Hours of Operation",
    "Fees",
]


def provider_export(path: Path) -> Path:
    """A provider export with one row per provider × address × contact × service code, in cp1252.

    P100 (parent: United Way of the Bay): 2 addresses × 2 contacts × 2 codes of one program = 8 rows;
    P200: one address, one contact, a Youth Club (enrichment + a target population) and Tutoring;
    then an exact repeat of a row, and a row whose ZIP is not one.
    """
    p100 = []
    for street, phone in (("12 Mission St", "415-555-0101"), ("400 Valencia Street", "415-555-0102")):
        for contact, email in (("María López", "maria@familias.example.org"), ("Tom Ng", "tom@familias.example.org")):
            for code in ("BD-1800.2000", "PH-1000"):
                p100.append(
                    [
                        "P100",
                        "Familias Unidas Café",
                        "United Way of the Bay",
                        street,
                        "San Francisco",
                        "94110",
                        phone,
                        contact,
                        email,
                        "Family Resource Center",
                        code,
                        "Spanish; Kreyòl",
                        "Mon-Fri 9am-5pm",
                        "Free",
                    ]
                )
    p200 = [
        [
            "P200",
            "Bayview Youth Works",
            "",
            "1 Third St",
            "San Francisco",
            "94124",
            "415-555-0200",
            "Dee Park",
            "dee@bayview.example.org",
            program,
            code,
            "English, Chinese (Cantonese)",
            "Tue-Thu 3pm-6pm",
            fees,
        ]
        for program, code, fees in (
            ("Youth Club", "PS-9800", "$25 per session"),
            ("Youth Club", "YB-8000.0500", "$25 per session"),
            ("Tutoring", "Tutoring", "sliding scale"),
        )
    ]
    bad = [
        "P300",
        "Mission Legal Aid",
        "",
        "9 Bad Zip Rd",
        "San Francisco",
        "9411X",
        "415-555-0300",
        "",
        "",
        "Legal Clinic",
        "FT",
        "Spanish",
        "",
        "no fee",
    ]
    return write_csv(path, PROVIDER_HEADER, [*p100, *p200, p200[0], bad], encoding="cp1252", newline="\r\n")


def youth_programs_export(path: Path) -> Path:
    """A youth-program sites export: the school named as "Hoover, Herbert Middle School (6-8)"; one names none clearly."""
    return write_csv(
        path,
        ["Agency Name", "Program Name", "Site Address", "Site Zip", "Site School"],
        [
            [
                "Bay Area Youth Alliance",
                "Homework Club",
                "3801 Third St",
                "94124",
                "Hoover, Herbert Middle School (6-8)",
            ],
            ["Bay Area Youth Alliance", "Robotics", "3801 Third St", "94124", "Hoover, Herbert Middle School (6-8)"],
            ["Bay Area Youth Alliance", "Homework Club", "1 Garfield Way", "94110", "Garfield Elem. (K-5)"],
            ["Mission Mentors", "Big Buddies", "", "", "Lincoln High School"],
            ["Mission Mentors", "Big Buddies", "", "", "Washington School"],  # two Washingtons: no clear match
        ],
    )


YOUTH_PROGRAMS_MAP = """\
kind: programs
columns:
  agency_name: Agency Name
  service_name: Program Name
  address: Site Address
  zip: Site Zip
  school: Site School
values:
  agency_kind: nonprofit
"""


def legacy_services_csv(path: Path) -> Path:
    """A legacy flat services CSV: CR-only line endings, Mac Roman; name, lat, long, phone, address, 0/1 categories."""
    return write_csv(
        path,
        ["name", "lat", "long", "phone", "address", "food", "shelter", "health", "youth"],
        [
            ["Café Niño Food Bank", "37.7601", "-122.4101", "415-555-0400", "10 Mission St", "1", "0", "0", "0"],
            ["Casa de Esperanza", "37.7702", "-122.4202", "415-555-0401", "20 Valencia St", "0", "1", "1", "0"],
            ["Youth Hub", "37.7803", "-122.4303", "415-555-0402", "30 Market St", "0", "0", "0", "1"],
            ["Nowhere Help", "2112044.1", "6010452.5", "415-555-0403", "", "1", "0", "0", "0"],
        ],
        encoding="mac_roman",
        newline="\r",
    )


LEGACY_MAP = """\
kind: agencies
columns:
  agency_name: name
  service_name: name
  lon: long
values:
  agency_kind: nonprofit
need_flags:
  food: food
  housing: shelter
  medical: health
  after_school: youth
"""
