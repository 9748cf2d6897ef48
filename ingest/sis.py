"""Ingest a student information system export, safely.

Columns: ``student_id, school_id, grade, household_id, home_address`` or
``zip, language, needs, tier`` (and common SIS spellings of them).

Privacy (DESIGN.md): a student id becomes a keyed pseudonym (HMAC-SHA256 with
``KITH_PSEUDONYM_KEY``); so does a household id. A home address is read only
for its ZIP code, whose centroid gives the family's H3 cell; the address is
never stored. Names and any other column are never read. Quarantine rows and
the report hold column names and reasons only. Homes are located offline
only: an address is never sent to an online geocoder.

Without a key kith refuses the file: pseudonyms made without a secret could be
reversed by anyone who has the list of student ids.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from kith.graph import geo, languages
from kith.graph.errors import InputError
from kith.graph.model import EnrolledIn, Family, HasNeed, Label, MemberOf, Node, Rel, Student
from kith.graph.store import GraphStore
from kith.ingest._colmap import ColumnMap, map_columns
from kith.ingest._load import Progress, build, finish, missing_columns, read_rows, split_list, tick
from kith.ingest._taxonomy import taxonomy_map
from kith.ingest.report import IngestReport, Ledger

MIN_KEY_LENGTH = 16
ALIASES: dict[str, tuple[str, ...]] = {
    "student_id": ("student_id", "student_number", "studentid", "sasid", "local_id", "state_id", "id"),
    "school_id": ("school_id", "school", "school_code", "ncessch", "building_id"),
    "grade": ("grade", "grade_level", "gradelevel"),
    "household_id": ("household_id", "family_id", "household"),
    "home_address": ("home_address", "address", "street_address", "residence_address"),
    "zip": ("zip", "home_zip", "zip_code", "zipcode", "postal_code"),
    "language": ("language", "home_language", "primary_language"),
    "needs": ("needs", "need", "need_codes"),
    "tier": ("tier", "mtss_tier"),
    "family_size": ("family_size", "household_size"),
}
NO_KEY = (
    "student files need a pseudonym key, and KITH_PSEUDONYM_KEY is not set. Set a long random secret, "
    "for example: export KITH_PSEUDONYM_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))') "
    "(or put KITH_PSEUDONYM_KEY=... in .env). Keep it secret and use the same key for every ingest, "
    "or the same student will get a different pseudonym."
)
_GRADES = {
    "kg": "K",
    "k": "K",
    "tk": "K",
    "0": "K",
    "00": "K",
    "pk": "PK",
    "pk3": "PK",
    "pk4": "PK",
    "prek": "PK",
    "pre-k": "PK",
    "p": "PK",
    "-1": "PK",
    "ps": "PK",
}


def pseudonym(key: SecretStr | str, kind: str, raw: str) -> str:
    """The keyed pseudonym of a raw id: ``<kind initial>-`` and 20 hex digits of HMAC-SHA256.

    The same key and id always give the same pseudonym (ingest is
    idempotent, referrals join up); without the key it cannot be recomputed.
    """
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    digest = hmac.new(secret.encode(), f"{kind}:{raw.strip()}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[0]}-{digest[:20]}"


def check_key(key: SecretStr | str | None) -> SecretStr:
    """The key, or an InputError saying how to set one."""
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    if not secret:
        raise InputError(NO_KEY)
    if len(secret) < MIN_KEY_LENGTH:
        raise InputError(
            f"KITH_PSEUDONYM_KEY is too short (fewer than {MIN_KEY_LENGTH} characters): "
            "use a long random secret, e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return SecretStr(secret)


def ingest_students(
    path: Path,
    store: GraphStore | None,
    *,
    key: SecretStr | str | None,
    column_map: ColumnMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Pseudonymize, validate and upsert a student export; return the ingest report.

    Raises
    ------
    InputError
        Without a pseudonym key, or when ``student_id`` is not a column.
    """
    secret = check_key(key)
    path = Path(path)
    ledger = Ledger()
    table = read_rows(path, ledger)
    header, rows = table.columns, table.rows
    header, rows, columns = map_columns(column_map, "students", ALIASES, header, rows)
    missing_columns(columns, ("student_id",), ALIASES, path.name)
    ignored = sorted(set(header) - set(columns.values()) - (column_map.sources() if column_map else set()))
    if ignored:
        ledger.notes.append("columns not read (never stored): " + ", ".join(ignored))
    nodes, rels = _Students(ledger, path.name, columns, secret).build(tick(progress, rows))
    _check_schools(store, rels, ledger, path.name)
    return finish(
        ledger,
        store,
        nodes,
        rels,
        source="students",
        path=path,
        fmt="csv",
        dry_run=dry_run,
        quarantine_dir=quarantine_dir,
    )


def _check_schools(store: GraphStore | None, rels: list[Rel], ledger: Ledger, table: str) -> None:
    wanted = {rel.target for rel in rels if isinstance(rel, EnrolledIn)}
    if store is None or not wanted:
        return
    known = {row["id"] for row in store.nodes(Label.SCHOOL, ids=wanted)}
    missing = sum(1 for rel in rels if isinstance(rel, EnrolledIn) and rel.target not in known)
    if missing:
        ledger.flag(table, "school_id points to no school in the graph (ingest schools first)", missing)


class _Students:
    def __init__(self, ledger: Ledger, file: str, columns: dict[str, str], key: SecretStr) -> None:
        self.ledger, self.file, self.columns, self.key = ledger, file, columns, key
        self.taxonomy = taxonomy_map()

    def build(self, rows: Any) -> tuple[list[Node], list[Rel]]:
        made: dict[str, tuple[int, list[Node], list[Rel]]] = {}
        id_column = self.columns["student_id"]
        for row, cells in rows:
            get = {name: cells.get(column) for name, column in self.columns.items()}
            raw = get.get("student_id")
            if not raw:
                self.ledger.quarantine(self.file, self.file, row, id_column, "missing")
                continue
            student_id = pseudonym(self.key, "student", str(raw))
            nodes, rels, problems = self._row(student_id, str(raw), get)
            if problems:
                self.ledger.reject(self.file, self.file, row, problems)
                continue
            earlier = made.get(student_id)
            if earlier is not None:
                self.ledger.quarantine(
                    self.file,
                    self.file,
                    earlier[0],
                    id_column,
                    "duplicate student: a later row for the same student replaces this one",
                )
            made[student_id] = (row, nodes, rels)
        nodes_out = [n for _, nodes, _ in made.values() for n in nodes]
        rels_out = [r for _, _, rels in made.values() for r in rels]
        return nodes_out, rels_out

    def _row(
        self, student_id: str, raw: str, get: dict[str, Any]
    ) -> tuple[list[Node], list[Rel], list[tuple[str, str]]]:
        col = self.columns
        student, problems = build(
            Student,
            {"id": student_id, **_present(grade=_grade(get.get("grade")), tier=_tier(get.get("tier")))},
            {"grade": col.get("grade", "grade"), "tier": col.get("tier", "tier")},
        )
        nodes: list[Node] = []
        rels: list[Rel] = []
        family = self._family(raw, get, problems)
        enrolled = None
        if get.get("school_id"):
            enrolled, invalid = build(
                EnrolledIn, {"source": student_id, "target": _school(get["school_id"])}, {"target": col["school_id"]}
            )
            problems += invalid
        if problems or student is None:
            return [], [], problems
        nodes.append(student)
        if family is not None:
            nodes.append(family)
            rels.append(MemberOf(source=student_id, target=family.id))
        if enrolled is not None:
            rels.append(enrolled)
        unknown = 0
        for term in split_list(get.get("needs")):
            codes = self.taxonomy.needs(None, term)
            unknown += not codes
            rels.extend(HasNeed(source=student_id, target=code) for code in codes)
        if unknown:
            self.ledger.flag(self.file, "needs: a term is not a kith need (see graph/needs.csv)", unknown)
        return nodes, rels, []

    def _family(self, raw: str, get: dict[str, Any], problems: list[tuple[str, str]]) -> Family | None:
        household = get.get("household_id")
        zip_code = _zip(get.get("zip")) or geo.find_zip(str(get.get("home_address") or ""))
        if not household and not zip_code and not get.get("home_address"):
            return None
        family_id = pseudonym(self.key, "family", str(household) if household else f"student:{raw}")
        cell = None
        if zip_code:
            centre = geo.zip_centroid(zip_code)
            if centre is None:
                self.ledger.flag(self.file, "home ZIP not in the offline ZIP table: family not located")
            else:
                cell = geo.cell_of(*centre)
        elif get.get("home_address"):
            self.ledger.flag(self.file, "home address without a ZIP code: family not located")
        family, invalid = build(
            Family,
            {
                "id": family_id,
                **_present(home_cell=cell, language=_language(get.get("language")), size=get.get("family_size")),
            },
            {
                "size": self.columns.get("family_size", "family_size"),
                "language": self.columns.get("language", "language"),
            },
        )
        problems.extend(invalid)
        return family


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _grade(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    lowered = text.lower().replace(" ", "")
    if lowered in _GRADES:
        return _GRADES[lowered]
    match = re.fullmatch(r"(?:grade)?0*(\d{1,2})(?:st|nd|rd|th)?", lowered)
    return match.group(1) if match else text


def _language(value: Any) -> str | None:
    """A home language as a BCP 47 tag (``Spanish``, ``spa`` → ``es``); None when it names none (what else
    is written there, a name or a note, never reaches the graph)."""
    if value is None:
        return None
    codes, _ = languages.parse(str(value))
    return codes[0] if codes else None


def _tier(value: Any) -> Any:
    if value is None:
        return None
    match = re.fullmatch(r"(?:tier|t)?\s*([0-9]+)", str(value).strip().lower())
    return int(match.group(1)) if match else value


def _zip(value: Any) -> str | None:
    text = str(value or "").strip()
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    return geo.find_zip(text)


def _school(value: Any) -> str:
    text = str(value).strip()
    return text.zfill(12) if text.isdigit() and len(text) == 11 else text
