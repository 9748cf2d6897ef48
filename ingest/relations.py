"""Ingest relationships between what is already in the graph.

The kind of file is detected from its header (``fmt`` overrides):

- ``partnerships``: ``school_id, agency_id, since, mou, strength`` → ``PARTNERS_WITH``;
- ``collaborations``: ``agency_id, other_agency_id, kind, since, strength`` → ``COLLABORATES_WITH``;
- ``referrals``: ``student_id, service_id, date, status`` → ``REFERRED_TO``; student
  ids are pseudonymized with the same key as the students file, so the two join.

A row whose school, agency, student or service is not in the graph is
quarantined with that reason (load those first). A repeated pair keeps the
last row.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from kith.graph.errors import InputError
from kith.graph.model import ENDPOINTS, CollaboratesWith, Label, PartnersWith, ReferredTo, Rel
from kith.graph.store import GraphStore
from kith.ingest._colmap import ColumnMap
from kith.ingest._load import Progress, build, finish, missing_columns, parse_bool, read_rows, resolve, tick
from kith.ingest._match import NameMatcher
from kith.ingest.report import IngestReport, Ledger
from kith.ingest.sis import check_key, pseudonym

FORMATS = ("partnerships", "collaborations", "referrals")

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "partnerships": {
        "source": ("school_id", "ncessch", "school"),
        "target": ("agency_id", "organization_id", "partner_id", "agency"),
        "since": ("since", "start_year", "year", "start_date"),
        "mou": ("mou", "has_mou", "agreement"),
        "strength": ("strength", "weight"),
    },
    "collaborations": {
        "source": ("agency_id", "organization_id", "agency"),
        "target": ("other_agency_id", "partner_agency_id", "agency_id_2", "target_agency_id", "other_agency"),
        "since": ("since", "start_year", "year", "start_date"),
        "kind": ("kind", "type", "collaboration_type"),
        "strength": ("strength", "weight"),
    },
    "referrals": {
        "source": ("student_id", "student_number", "sasid", "local_id"),
        "target": ("service_id", "program_id"),
        "on": ("date", "on", "referral_date", "referred_on"),
        "status": ("status", "referral_status", "outcome"),
    },
}
_MODELS: dict[str, type[Rel]] = {
    "partnerships": PartnersWith,
    "collaborations": CollaboratesWith,
    "referrals": ReferredTo,
}
_STATUS = {
    "pending": "pending",
    "open": "pending",
    "referred": "pending",
    "sent": "pending",
    "new": "pending",
    "accepted": "accepted",
    "active": "accepted",
    "enrolled": "accepted",
    "in progress": "accepted",
    "waitlisted": "waitlisted",
    "wait-listed": "waitlisted",
    "waitlist": "waitlisted",
    "wait list": "waitlisted",
    "completed": "completed",
    "complete": "completed",
    "closed": "completed",
    "done": "completed",
    "declined": "declined",
    "refused": "declined",
    "rejected": "declined",
    "denied": "declined",
}


def detect(columns: list[str]) -> str:
    """The kind of relations file a header describes."""
    present = set(columns)
    for kind in ("referrals", "collaborations", "partnerships"):
        aliases = ALIASES[kind]
        if any(a in present for a in aliases["source"]) and any(a in present for a in aliases["target"]):
            return kind
    raise InputError(
        "cannot tell the kind of relations file from its header: expected school_id,agency_id "
        "(partnerships), agency_id,other_agency_id (collaborations) or student_id,service_id "
        "(referrals)"
    )


def ingest_relations(
    path: Path,
    store: GraphStore | None,
    *,
    fmt: str | None = None,
    key: SecretStr | str | None = None,
    column_map: ColumnMap | None = None,
    dry_run: bool = False,
    quarantine_dir: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate and upsert partnerships, collaborations or referrals; return the ingest report.

    ``store`` is also read, to check that both ends of every relationship
    exist. Referrals need the pseudonym ``key`` the students were loaded with.
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown relations format {fmt!r}; use one of {', '.join(FORMATS)}")
    ledger = Ledger()
    table = read_rows(path, ledger)
    header, rows = table.columns, table.rows
    if column_map is not None:  # fields: any name the header may use (school_id, agency, service_id, since, ...)
        column_map.check(
            "relations",
            {a for kind_aliases in ALIASES.values() for names in kind_aliases.values() for a in names},
            header,
        )
        rows = [(row, column_map.apply(cells, rename=True)) for row, cells in rows]
        header = column_map.header([*header, *column_map.columns])
    kind = fmt or detect(header)
    secret = check_key(key) if kind == "referrals" else None
    aliases = ALIASES[kind]
    columns = resolve(header, aliases)
    missing_columns(columns, ("source", "target"), aliases, path.name)
    rels = _Relations(ledger, path.name, kind, columns, secret).build(tick(progress, rows))
    rels = _existing(store, rels, ledger, path.name, columns)
    return finish(
        ledger,
        store,
        [],
        [rel for _, rel in rels],
        source=kind,
        path=path,
        fmt=kind,
        dry_run=dry_run,
        quarantine_dir=quarantine_dir,
    )


class _Relations:
    def __init__(self, ledger: Ledger, file: str, kind: str, columns: dict[str, str], key: SecretStr | None) -> None:
        self.ledger, self.file, self.kind, self.columns, self.key = ledger, file, kind, columns, key

    def build(self, rows: Any) -> list[tuple[int, Rel]]:
        by_pair: dict[tuple[str, str], tuple[int, Rel]] = {}
        model = _MODELS[self.kind]
        for row, cells in rows:
            get = {name: cells.get(column) for name, column in self.columns.items()}
            data, problems = self._data(get)
            rel, invalid = build(model, data, self.columns) if not problems else (None, [])
            problems += invalid
            if problems or rel is None:
                self.ledger.reject(self.file, self.file, row, problems)
                continue
            pair = (rel.source, str(rel.target))
            if pair in by_pair:
                self.ledger.quarantine(
                    self.file,
                    self.file,
                    by_pair[pair][0],
                    self.columns["source"],
                    "duplicate pair: a later row for the same pair replaces this one",
                )
            by_pair[pair] = (row, rel)
        return list(by_pair.values())

    def _data(self, get: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        problems: list[tuple[str, str]] = []
        data: dict[str, Any] = {"source": get.get("source"), "target": get.get("target")}
        if self.kind == "referrals" and data["source"] and self.key is not None:
            data["source"] = pseudonym(self.key, "student", str(data["source"]))
        if get.get("since") is not None:
            data["since"] = _year(get["since"])
        if get.get("mou") is not None:
            try:
                data["mou"] = parse_bool(get["mou"])
            except ValueError as exc:
                problems.append((self.columns["mou"], str(exc)))
        for name in ("strength", "kind"):
            if get.get(name) is not None:
                data[name] = get[name]
        if get.get("on") is not None:
            on = _date(get["on"])
            if on is None:
                problems.append((self.columns["on"], "not a date (use YYYY-MM-DD or MM/DD/YYYY)"))
            data["on"] = on
        if get.get("status") is not None:
            status = str(get["status"]).strip().lower()
            data["status"] = _STATUS.get(status, status)
        return {k: v for k, v in data.items() if v is not None}, problems


def _existing(
    store: GraphStore | None, rels: list[tuple[int, Rel]], ledger: Ledger, file: str, columns: dict[str, str]
) -> list[tuple[int, Rel]]:
    """Keep the relationships whose two ends are in the store, by id or else by name; quarantine the others.

    A school, agency or service named instead of given by id is matched by name (``ingest/_match.py``): the
    match is taken only when it is unique and clearly best; otherwise the reason names the two closest.
    """
    if store is None or not rels:
        return rels
    rel_type = rels[0][1].type
    source_label, target_label = ENDPOINTS[rel_type]
    sources = {row["id"] for row in store.nodes(source_label, ids={r.source for _, r in rels})}
    targets = {row["id"] for row in store.nodes(target_label, ids={str(r.target) for _, r in rels})}
    matchers: dict[Label, NameMatcher] = {}

    def by_name(label: Label, text: str) -> tuple[str | None, str | None]:
        if label == Label.STUDENT:
            return None, None
        if label not in matchers:
            matchers[label] = NameMatcher(
                ((n["id"], n.get("name") or "") for n in store.nodes(label)), label.value.lower()
            )
        return matchers[label].match(text)

    kept = []
    for row, rel in rels:
        source, target = rel.source, str(rel.target)
        problem = None
        if source not in sources:
            found, reason = by_name(source_label, source)
            source = found or source
            if found is None:
                hint = " (ingest students first, with the same key)" if source_label.value == "Student" else ""
                problem = (columns["source"], reason or f"points to no {source_label.value.lower()} in the graph{hint}")
        if problem is None and target not in targets:
            found, reason = by_name(target_label, target)
            target = found or target
            if found is None:
                problem = (columns["target"], reason or f"points to no {target_label.value.lower()} in the graph")
        if problem is not None:
            ledger.quarantine(file, file, row, *problem)
            continue
        if (source, target) != (rel.source, str(rel.target)):
            ledger.flag(file, "matched by name")
            rel = rel.model_copy(update={"source": source, "target": target})
        kept.append((row, rel))
    return kept


def _year(value: Any) -> Any:
    match = re.match(r"^\s*(\d{4})\b", str(value))
    return int(match.group(1)) if match else value


def _date(value: Any) -> dt.date | None:
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
        except ValueError:
            continue
    return None
