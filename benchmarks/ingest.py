"""HSDS ingest throughput: rows per second into the embedded store.

Generates a seeded HSDS 3 tabular package of 100,000 services (10,000
organizations, 20,000 locations of which a third have no coordinates but a
ZIP code, 20,000 addresses, 100,000 service_at_location rows, 100,000
schedules, 50,000 languages, 100,000 taxonomy attributes over 40 AIRS terms)
into a temporary folder, then times ``kith ingest hsds`` end to end (read,
validate, geocode, map taxonomy, upsert into ``MemoryStore``, save the file),
with the cyclic garbage collector paused as the command pauses it.
The anchor: at least 20,000 rows per second.

    python benchmarks/ingest.py [--services 100000] [--seed 0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kith.graph.memory import MemoryStore  # noqa: E402
from kith.ingest.hsds import ingest_hsds  # noqa: E402

TARGET_ROWS_PER_SECOND = 20_000
_TERMS = [
    ("BD-1800.2000", "Food Pantries"),
    ("BH-1800.8500", "Homeless Shelter"),
    ("RX-8450", "Substance Use"),
    ("LV-1600", "Dental Care"),
    ("FT-3200", "Legal Counseling"),
    ("ND-6500", "Job Training"),
    ("BT-4500", "Transportation"),
    ("RP-1500", "Crisis Intervention"),
]
_ZIPS = ["02108", "02115", "02118", "02119", "02121", "02124", "02125", "02127", "02128", "02130", "02134", "02135"]


def _write(path: Path, header: list[str], rows: object) -> int:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        n = 0
        for row in rows:  # type: ignore[attr-defined]
            writer.writerow(row)
            n += 1
    return n


def generate(folder: Path, services: int, seed: int) -> int:
    """Write the package; returns the number of data rows."""
    rng = np.random.default_rng(seed)
    n_org, n_loc = max(1, services // 10), max(1, services // 5)
    lat = 42.33 + rng.uniform(-0.2, 0.2, n_loc)
    lon = -71.08 + rng.uniform(-0.25, 0.25, n_loc)
    has_point = rng.random(n_loc) > 1 / 3
    org_of = rng.integers(0, n_org, services)
    loc_of = rng.integers(0, n_loc, services)
    term_of = rng.integers(0, 40, services)
    rows = _write(
        folder / "organizations.csv",
        ["id", "name", "website"],
        ([f"org-{i}", f"Community Organization {i}", f"https://org{i}.example.org"] for i in range(n_org)),
    )
    rows += _write(
        folder / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        (
            [
                f"loc-{i}",
                f"org-{i % n_org}",
                f"Site {i}",
                f"{lat[i]:.6f}" if has_point[i] else "",
                f"{lon[i]:.6f}" if has_point[i] else "",
            ]
            for i in range(n_loc)
        ),
    )
    rows += _write(
        folder / "addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
        (
            [f"addr-{i}", f"loc-{i}", f"{i} Main Street", "Boston", "MA", _ZIPS[i % len(_ZIPS)], "US"]
            for i in range(n_loc)
        ),
    )
    rows += _write(
        folder / "services.csv",
        ["id", "organization_id", "name", "description", "status", "minimum_age", "maximum_age", "fees_description"],
        (
            [
                f"svc-{i}",
                f"org-{org_of[i]}",
                f"Service {i}",
                "Help for families in the neighbourhood.",
                "active",
                "5",
                "18",
                "Free of charge" if i % 3 else "Sliding scale",
            ]
            for i in range(services)
        ),
    )
    rows += _write(
        folder / "service_at_location.csv",
        ["id", "service_id", "location_id"],
        ([f"sal-{i}", f"svc-{i}", f"loc-{loc_of[i]}"] for i in range(services)),
    )
    rows += _write(
        folder / "schedules.csv",
        ["id", "service_id", "byday", "opens_at", "closes_at"],
        ([f"sch-{i}", f"svc-{i}", "MO,TU,WE,TH,FR", "09:00", "17:00"] for i in range(services)),
    )
    rows += _write(
        folder / "languages.csv",
        ["id", "service_id", "name"],
        ([f"lang-{i}", f"svc-{2 * i}", "Spanish"] for i in range(services // 2)),
    )
    rows += _write(
        folder / "taxonomy_terms.csv",
        ["id", "code", "name", "taxonomy"],
        ([f"term-{i}", f"{_TERMS[i % 8][0]}-{i:03d}"[:14], _TERMS[i % 8][1], "AIRS"] for i in range(40)),
    )
    rows += _write(
        folder / "attributes.csv",
        ["id", "link_id", "taxonomy_term_id", "link_entity"],
        ([f"attr-{i}", f"svc-{i}", f"term-{term_of[i]}", "service"] for i in range(services)),
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kith-bench-ingest-") as tmp:
        package = Path(tmp) / "hsds"
        package.mkdir()
        rows = generate(package, args.services, args.seed)
        times, cpu_times = [], []
        for run in range(args.repeat):
            store_path = Path(tmp) / f"graph-{run}.msgpack"
            started, cpu_started = time.perf_counter(), time.process_time()
            gc.disable()
            try:
                with MemoryStore.open(store_path) as store:
                    report = ingest_hsds(package, store)
            finally:
                gc.enable()
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            assert report.rows_read == rows, (report.rows_read, rows)
            assert report.quarantined == 0, report.reason_rows()[:5]
        best = min(times)
        rate = rows / best
        print(
            f"HSDS ingest: {args.services:,} services, {rows:,} rows; best of {args.repeat}: {best:.2f} s "
            f"(median {statistics.median(times):.2f} s)"
        )
        print(
            f"  {rate:,.0f} rows/s; target {TARGET_ROWS_PER_SECOND:,} rows/s; ratio {rate / TARGET_ROWS_PER_SECOND:.2f}"
            f" ({'meets' if rate >= TARGET_ROWS_PER_SECOND else 'BELOW'} the target)"
        )
        print(
            f"  CPU time of the process: best {min(cpu_times):.2f} s, {rows / min(cpu_times):,.0f} rows/s "
            "(the wall-clock figure is the anchor; on a busy machine the CPU figure shows the work itself)"
        )
        print(f"  graph: {report.written['nodes']:,} nodes, {report.written['relationships']:,} relationships")


if __name__ == "__main__":
    main()
