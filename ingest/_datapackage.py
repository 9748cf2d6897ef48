"""Frictionless Tabular Data Packages as HSDS directories publish them.

A package is a ``datapackage.json`` whose ``resources[].path`` name its tables,
wherever they are (``data/services.csv``, ``csv/organizations.csv``), in a
folder or a ``.zip``; the descriptor may itself sit in a subfolder (a zip
made of the folder that holds it). Its ``version`` (or ``profile``) tells the
HSDS version: 1.0, 1.1 and 2.0 are read as HSDS 1 tables, 3.0 and 3.1 as
HSDS 3 tables. A version that is not an HSDS one (a publisher's own data
release, ``2024.05``) is left to the table names.

Reference: Frictionless Data, *Data Package* and *Tabular Data Package*
specifications (https://specs.frictionlessdata.io/); Open Referral HSDS
(https://docs.openreferral.org).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kith.graph.errors import InputError
from kith.ingest._load import json_loads, read_bytes

DESCRIPTOR = "datapackage.json"
#: How deep below the given folder a descriptor is looked for.
MAX_DEPTH = 3


@dataclass
class DataPackage:
    """A package descriptor: where it is, its HSDS version (when it says one) and its CSV tables."""

    root: str  # the descriptor's folder: a path on disk, or a prefix inside the zip ("" or "hsds/")
    version: str | None
    profile: str | None
    tables: list[str] = field(default_factory=list)  # paths relative to the folder or zip, as stored

    @property
    def hsds_major(self) -> int | None:
        """1 (for HSDS 1.x and 2.x, whose tables are the 1.x ones), 3, or None when the package does not say."""
        for text in (self.version, self.profile):
            match = re.search(r"(?<![\d.])v?([123])\.(\d)(?:\.\d+)?(?![\d.])", text or "")
            if match:
                return 3 if match.group(1) == "3" else 1
        return None


def _descriptor(data: bytes, where: str) -> dict:
    try:
        doc = json_loads(data.decode("utf-8-sig", errors="replace"), where)
    except ValueError as exc:
        raise InputError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{where}: a data package descriptor must be a JSON object")
    return doc


def _resource_paths(doc: dict) -> list[str]:
    paths: list[str] = []
    for resource in doc.get("resources") or ():
        if not isinstance(resource, dict):
            continue
        value = resource.get("path")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.lower().endswith(".csv") and "://" not in item:
                paths.append(item.strip().lstrip("./"))
    return paths


def _package(doc: dict, root: str) -> DataPackage:
    version = doc.get("version")
    profile = doc.get("profile")
    return DataPackage(
        root=root,
        version=str(version) if version is not None else None,
        profile=str(profile) if profile is not None else None,
        tables=_resource_paths(doc),
    )


def find_in_folder(folder: Path) -> Path | None:
    """The shallowest ``datapackage.json`` at or below ``folder`` (None when there is none)."""
    for depth in range(MAX_DEPTH + 1):
        found = sorted(p for p in folder.glob("/".join(["*"] * depth + [DESCRIPTOR])) if p.is_file())
        if found:
            return found[0]
    return None


def find_in_zip(zf: zipfile.ZipFile) -> str | None:
    """The member name of the shallowest ``datapackage.json`` in a zip."""
    names = [n for n in zf.namelist() if PurePosixPath(n).name == DESCRIPTOR and not n.startswith("__MACOSX")]
    return min(names, key=lambda n: (n.count("/"), n)) if names else None


def read_folder(descriptor: Path) -> DataPackage:
    """The package described by ``descriptor`` (a file on disk)."""
    return _package(_descriptor(read_bytes(descriptor), str(descriptor)), str(descriptor.parent))


def read_zip(zf: zipfile.ZipFile, member: str) -> DataPackage:
    """The package described by the zip member ``member``."""
    parent = str(PurePosixPath(member).parent)
    return _package(_descriptor(zf.read(member), member), "" if parent == "." else parent + "/")


def folder_tables(package: DataPackage) -> Iterator[tuple[str, Path]]:
    """(name, path) of each CSV table of a package on disk: its resources, else every CSV beside or below it."""
    root = Path(package.root)
    seen: set[Path] = set()
    for rel in package.tables:
        path = root / rel
        if path.is_file() and path not in seen:
            seen.add(path)
            yield PurePosixPath(rel).name, path
    if not seen:  # a descriptor without resources: the tables beside it, or in data/
        for path in sorted([*root.glob("*.csv"), *root.glob("data/*.csv")]):
            yield path.name, path


def zip_tables(zf: zipfile.ZipFile, package: DataPackage) -> Iterator[tuple[str, str]]:
    """(name, member) of each CSV table of a package in a zip."""
    members = set(zf.namelist())
    seen: set[str] = set()
    for rel in package.tables:
        member = package.root + rel
        if member in members and member not in seen:
            seen.add(member)
            yield PurePosixPath(rel).name, member
    if not seen:
        for member in sorted(members):
            inside = member[len(package.root) :] if member.startswith(package.root) else None
            if (
                inside
                and inside.lower().endswith(".csv")
                and inside.count("/") <= 1
                and (inside.count("/") == 0 or inside.startswith("data/"))
            ):
                yield PurePosixPath(member).name, member
