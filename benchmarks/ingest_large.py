"""A large agencies CSV: peak memory and time of ``kith ingest agencies`` on a 200 MB file.

Generates a seeded agencies / sites / services CSV of about ``--mb`` megabytes
(a coalition's provider sheet: several sites and services per agency, a need,
hours, languages and a paragraph of eligibility on every row, some repeated
rows), then runs ``kith ingest agencies FILE`` in a fresh ``KITH_HOME`` and
reports its wall time, CPU time (steadier on a shared machine) and peak
resident memory (the child's ``ru_maxrss``). The anchor: the 200 MB file within
2 GB peak (rows are read, merged and written a chunk at a time; what grows with
the file is the graph itself and the ids of what the ingest wrote).

    python benchmarks/ingest_large.py [--mb 200] [--seed 0] [--dry-run]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_PEAK_MB = 2048
HEADER = [
    "agency_id",
    "agency_name",
    "agency_kind",
    "phone",
    "website",
    "site_id",
    "site_name",
    "lat",
    "lon",
    "address",
    "zip",
    "service_id",
    "service_name",
    "need",
    "capacity",
    "waitlist",
    "languages",
    "cost",
    "min_age",
    "max_age",
    "eligibility",
    "hours",
]
_NEEDS = ["food", "housing", "mental_health", "dental", "tutoring", "legal", "transportation", "clothing"]
_WORDS = (
    "families students children youth school district housing food support referral program services "
    "eligible residents income caregivers language community health counseling weekly"
).split()


def generate(path: Path, megabytes: float, seed: int) -> int:
    """Write the file; returns its rows."""
    rng = random.Random(seed)
    limit = int(megabytes * 1_000_000)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        agency = 0
        while f.tell() < limit:
            agency += 1
            for site in range(rng.randint(1, 3)):
                lat, lon = 42.25 + rng.random() * 0.2, -71.2 + rng.random() * 0.2
                for service in range(rng.randint(1, 4)):
                    need = rng.choice(_NEEDS)
                    row = [
                        f"a{agency}",
                        f"Agency {agency} of the coalition",
                        "nonprofit",
                        f"617-555-{agency % 10000:04d}",
                        f"https://agency{agency}.example.org",
                        f"a{agency}-s{site}",
                        f"Site {site} of agency {agency}",
                        f"{lat:.6f}",
                        f"{lon:.6f}",
                        f"{rng.randint(1, 999)} Main Street",
                        f"02{rng.randint(100, 199)}",
                        f"a{agency}-s{site}-v{service}",
                        f"{need.replace('_', ' ').title()} program {service}",
                        need,
                        rng.randint(5, 200),
                        rng.randint(0, 30),
                        "en; es",
                        rng.choice(["free", "sliding", "fee"]),
                        rng.randint(0, 5),
                        rng.randint(12, 25),
                        " ".join(rng.choices(_WORDS, k=rng.randint(20, 60))),
                        "Mo-Fr 09:00-17:00",
                    ]
                    writer.writerow(row)
                    rows += 1
                    if rng.random() < 0.01:  # a repeated row: the later one wins
                        writer.writerow(row)
                        rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dry-run", action="store_true", help="Validate only (no store, no save).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "agencies.csv"
        started = time.perf_counter()
        rows = generate(path, args.mb, args.seed)
        print(f"generated {path.stat().st_size / 1e6:,.0f} MB, {rows:,} rows in {time.perf_counter() - started:.0f} s")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
        env["KITH_HOME"] = str(Path(tmp) / "home")
        command = [sys.executable, "-m", "kith.cli", "ingest", "agencies", str(path)]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, *(["--dry-run"] if args.dry_run else [])], env=env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        if done.returncode:
            sys.exit(f"kith ingest failed: {done.stderr.strip()[-2000:]}")
        print(done.stdout.strip()[-1500:])
        print(
            f"kith ingest agencies{' --dry-run' if args.dry_run else ''}: {seconds:.0f} s ({cpu:.0f} s CPU), "
            f"{rows / seconds:,.0f} rows/s, peak {peak_mb:,.0f} MB (target {TARGET_PEAK_MB:,} MB: "
            f"{'met' if peak_mb <= TARGET_PEAK_MB else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
