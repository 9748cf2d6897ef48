"""Ingest an Open Referral HSDS export (https://docs.openreferral.org).

Formats, detected from the path (``fmt`` overrides):

- ``hsds3-csv``: an HSDS 3 tabular data package, a folder or ``.zip`` of CSV
  files (organizations, services, locations, addresses, service_at_location,
  phones, languages, schedules, service_capacity, cost_options,
  taxonomy_terms, attributes);
- ``hsds1-csv``: an HSDS 1 tabular data package (services_at_location,
  physical_addresses, regular_schedules, taxonomy, services_taxonomy,
  eligibility, ...);
- ``hsds3-json``: HSDS 3 JSON as the API returns it (a service, an
  organization, a location, a page of them, or the tabular form), one file or
  a folder of files.

Organizations become agencies, locations sites, services services;
service_at_location rows become ``DELIVERED_AT``; taxonomy terms become
``ADDRESSES`` needs through ``ingest/taxonomy_needs.csv``. How each dirty row
is treated is listed in ``ingest/_hsds_build.py``.

Example
-------
>>> from kith.graph.memory import MemoryStore
>>> report = ingest_hsds(Path("directory.zip"), MemoryStore())  # doctest: +SKIP
>>> report.table("services.csv").loaded  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from kith.graph.errors import InputError
from kith.graph.geo import Geocoder
from kith.graph.store import GraphStore
from kith.ingest import _hsds_build, _hsds_read
from kith.ingest._load import Progress, finish, no_gc
from kith.ingest._taxonomy import TaxonomyMap, taxonomy_map
from kith.ingest.report import IngestReport, Ledger

FORMATS = _hsds_read.FORMATS


def ingest_hsds(
    path: Path,
    store: GraphStore | None,
    *,
    fmt: str | None = None,
    geocoder: Geocoder | None = None,
    taxonomy: TaxonomyMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Read, validate, geocode and upsert an HSDS export; return the ingest report.

    Parameters
    ----------
    path
        A folder, ``.zip`` or ``.json`` file.
    store
        Where to write (through the store port); None with ``dry_run``.
    fmt
        One of ``FORMATS``; detected when None.
    geocoder
        Locates sites without coordinates (default: offline, ZIP centroids).
    dry_run
        Validate and report, write nothing to the store.
    quarantine_dir
        Where the quarantine CSV goes (``KITH_HOME/quarantine``); none written when None.
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown HSDS format {fmt!r}; use one of {', '.join(FORMATS)}")
    fmt = fmt or _hsds_read.detect(path)
    ledger = Ledger()
    with no_gc():
        package = _hsds_read.read(path, fmt, ledger)
        nodes, rels = _hsds_build.build_graph(
            package, ledger, geocoder or Geocoder(), taxonomy or taxonomy_map(), progress
        )
        return finish(
            ledger,
            store,
            nodes,
            rels,
            source="hsds",
            path=path,
            fmt=fmt,
            dry_run=dry_run,
            quarantine_dir=quarantine_dir,
        )
