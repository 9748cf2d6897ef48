"""Taxonomy terms to kith needs, through the editable ``ingest/taxonomy_needs.csv``.

Two schemes, as directories use them:

- ``airs``: AIRS / 211 LA codes, matched by prefix at a code boundary
  (``BD`` matches ``BD-1800.2000``; the longest listed prefix wins);
- ``name``: term names (Open Eligibility, 211 names, plain words), matched
  case-insensitively with ``&`` read as ``and`` and punctuation ignored.

The taxonomy's own codes and names (``graph/needs.csv``) always match.
A term may map to several needs; a service collects the needs of all its terms.
A code inherits the need of its nearest mapped ancestor (``PH-1250.1800``
takes ``PH-1250``'s); so does a term whose ``parent_id`` names a mapped term
(``ingest/_hsds_build.py``).

Target populations are not needs: the AIRS Y branch (``YB-8000.6500``
Preadolescent Children) and the names of ``ingest/taxonomy_populations.csv``
become a service's ages, or its eligibility when they name no ages ("Low
Income", "Veterans").
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from kith.graph.errors import InputError
from kith.graph.model import NeedCode, need_taxonomy

_CODE = re.compile(r"^[A-Z]{1,2}(?:-\d{4}(?:\.\d{4})*(?:-\d{3})?)?$")


def normalize_term(text: str) -> str:
    """A term name as a lookup key: lower case, ``&`` as ``and``, words only."""
    text = text.lower().replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def looks_like_code(text: str) -> bool:
    """True for an AIRS / 211 LA code such as ``BD-1800.2000`` (upper case, as published)."""
    return bool(_CODE.match(text.strip()))


@dataclass(frozen=True)
class TaxonomyMap:
    """Lookup tables built from the mapping file."""

    by_code: dict[str, tuple[str, ...]]
    by_name: dict[str, tuple[str, ...]]
    populations: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def population(self, code: str | None, name: str | None) -> tuple[int | None, int | None] | None:
        """The ages of a target-population term ((None, None) when it names none); None when it is not one."""
        key = normalize_term(name or "")
        if key in self.populations:
            return self.populations[key]
        if key.endswith("s") and key[:-1] in self.populations:
            return self.populations[key[:-1]]
        if code and code.strip().upper().startswith("Y") and looks_like_code(code.strip().upper()):
            return (None, None)
        return None

    def is_population(self, code: str | None, name: str | None) -> bool:
        return self.population(code, name) is not None

    def support_relevant(self, code: str | None) -> bool:
        """True for an AIRS code under a branch that some kith need covers (``BD``, ``PH``, ``R``, ...)."""
        if not code or not looks_like_code(code.strip().upper()):
            return False
        branch = code.strip().upper().split("-")[0]
        branches = {key.split("-")[0] for key in self.by_code}
        return branch in branches or branch[:1] in branches

    def needs(self, code: str | None, name: str | None) -> tuple[str, ...]:
        """The need codes of a term (empty when the term is not mapped)."""
        found: list[str] = []
        if code:
            found.extend(self._by_code(code.strip().upper()))
        for text in (name, code):
            if text:
                found.extend(self._by_name(text))
        return tuple(dict.fromkeys(found))

    def _by_code(self, code: str) -> tuple[str, ...]:
        prefix = code
        while prefix:
            if prefix in self.by_code:
                return self.by_code[prefix]
            cut = max(prefix.rfind("-"), prefix.rfind("."))
            prefix = prefix[:cut] if cut > 0 else prefix[:-1] if len(prefix) == 2 and prefix.isalpha() else ""
        return ()

    def _by_name(self, text: str) -> tuple[str, ...]:
        key = normalize_term(text)
        if key in self.by_name:
            return self.by_name[key]
        if key.endswith("s") and key[:-1] in self.by_name:
            return self.by_name[key[:-1]]
        return ()


@cache
def taxonomy_map() -> TaxonomyMap:
    """The mapping shipped in ``ingest/taxonomy_needs.csv`` (edit the file to change it)."""
    folder = resources.files("kith.ingest")
    found = parse_map(folder.joinpath("taxonomy_needs.csv").read_text(encoding="utf-8"))
    populations = parse_populations(folder.joinpath("taxonomy_populations.csv").read_text(encoding="utf-8"))
    return TaxonomyMap(found.by_code, found.by_name, populations)


def parse_populations(text: str) -> dict[str, tuple[int | None, int | None]]:
    """Target-population names → (min_age, max_age), from ``ingest/taxonomy_populations.csv``."""

    def age(value: str | None) -> int | None:
        return int(value) if value and value.strip() else None

    return {
        normalize_term(row["term"]): (age(row.get("min_age")), age(row.get("max_age")))
        for row in csv.DictReader(text.splitlines())
        if row.get("term")
    }


def parse_map(text: str) -> TaxonomyMap:
    """Build a :class:`TaxonomyMap` from the mapping file's text.

    Raises
    ------
    InputError
        Listing every line with an unknown scheme or need code.
    """
    known = {n.value for n in NeedCode}
    by_code: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for need in need_taxonomy():
        for term in (need.code, need.name):
            by_name.setdefault(normalize_term(term), []).append(need.code)
    problems = []
    for line, row in enumerate(csv.DictReader(text.splitlines()), 2):
        scheme, term, code = ((row.get(k) or "").strip() for k in ("scheme", "term", "need"))
        if code not in known:
            problems.append(f"line {line}: unknown need {code!r}")
        elif scheme == "airs":
            by_code.setdefault(term.upper(), []).append(code)
        elif scheme == "name":
            by_name.setdefault(normalize_term(term), []).append(code)
        else:
            problems.append(f"line {line}: scheme must be airs or name, not {scheme!r}")
    if problems:
        raise InputError("taxonomy mapping: " + "; ".join(problems))
    return TaxonomyMap(
        {k: tuple(dict.fromkeys(v)) for k, v in by_code.items()},
        {k: tuple(dict.fromkeys(v)) for k, v in by_name.items()},
    )
