"""Demand sources of the gap questions: who needs a service, counted from what the district has.

- ``students``: students with the need in student records, at their family's
  home cell, its ZIP area or their school (:mod:`kith.queries._gapdata`);
- ``counts``: aggregate counts of people with the need per school, ZIP or H3
  cell (a needs assessment, a screening, a survey), loaded by
  ``kith ingest demand`` as ``AreaCount`` nodes with a source and a year;
- ``estimate``: a school's enrollment times the share of students with the
  need, from the cited prevalence table ``graph/prevalence.csv`` (by school
  level where the source gives one), which a district may replace row by row;
- ``population``: residents (or children) per ZIP or cell from a census table,
  loaded the same way, for community-level gaps.

The default is the best source the graph holds for the need, in that order.
Counts of students and aggregate counts leave suppressed exactly as the
student counts do (small and complementary suppression, one line per area
kind with its total). An estimate is not a count of people: it is public
enrollment times a published rate, it discloses no record, and it leaves
rounded to whole students and labelled as an estimate, unsuppressed. So do
population counts, which come from published census tables.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kith.graph.errors import InputError
from kith.graph.geo import HOME_CELL_RESOLUTION, cell_centre, cell_of
from kith.graph.model import Label
from kith.graph.store import GraphStore
from kith.queries._gapdata import (
    Areas,
    Line,
    NeedStudents,
    ShownDemand,
    _nearest_zip,
    _zip_table,
    demand_areas,
    shown_demand,
)
from kith.trust.suppression import Released, released_counts, suppress_lines

SOURCES: tuple[str, ...] = ("students", "counts", "estimate", "population")
LEVELS: tuple[str, ...] = ("all", "elementary", "middle", "high", "other")


# ------------------------------------------------------------------ the prevalence table


class Rate(NamedTuple):
    """One row of the prevalence table: the share of students with ``need`` at schools of ``level``."""

    need: str
    share: float
    level: str
    source: str
    year: str
    note: str = ""

    def describe(self) -> str:
        where = "all levels" if self.level == "all" else f"{self.level} schools"
        return f"{self.need} {self.share:.1%} of enrollment ({where}; {self.source}, {self.year})"


def prevalence(path: Path | str | None = None) -> tuple[Rate, ...]:
    """The prevalence table: the shipped, cited ``graph/prevalence.csv``, with the rows of ``path``
    (a district's own table, same columns) replacing those of the same need and level.

    Every problem of a file is reported in one error.
    """
    rows = {(r.need, r.level): r for r in _shipped()}
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the prevalence table {path}: {type(exc).__name__}") from None
        rows.update({(r.need, r.level): r for r in _parse(text, str(path))})
    return tuple(sorted(rows.values(), key=lambda r: (r.need, LEVELS.index(r.level))))


@cache
def _shipped() -> tuple[Rate, ...]:
    text = resources.files("kith.graph").joinpath("prevalence.csv").read_text(encoding="utf-8")
    return _parse(text, "graph/prevalence.csv")


def _parse(text: str, name: str) -> tuple[Rate, ...]:
    from kith.queries._gapdata import need_code

    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("need", "share", "level", "source", "year") if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{name} lacks column(s) {', '.join(missing)} (need, share, level, source, year, note)")
    rates, problems, seen = [], [], set()
    for number, row in enumerate(reader, 2):
        where = f"{name} row {number}"
        try:
            need = need_code(row["need"] or "")
        except InputError:
            problems.append(f"{where}: unknown need")
            continue
        level = (row["level"] or "all").strip().lower()
        try:
            share = float(row["share"])
        except (TypeError, ValueError):
            share = float("nan")
        if not 0 <= share <= 1:
            problems.append(f"{where}: share must be a fraction from 0 to 1")
        if level not in LEVELS:
            problems.append(f"{where}: level must be one of {', '.join(LEVELS)}")
        if not (row["source"] or "").strip() or not (row["year"] or "").strip():
            problems.append(f"{where}: every rate needs its source and year")
        if (need, level) in seen:
            problems.append(f"{where}: a second rate for {need} at level {level}")
        seen.add((need, level))
        rates.append(
            Rate(
                need,
                share,
                level,
                row["source"].strip() if row["source"] else "",
                (row["year"] or "").strip(),
                (row.get("note") or "").strip(),
            )
        )
    if problems:
        raise InputError("the prevalence table has problems: " + "; ".join(problems))
    return tuple(rates)


class IncomeRatio(NamedTuple):
    """How many times more common ``need`` is among lower-income students than among the others, cited."""

    need: str
    ratio: float
    source: str
    year: str
    note: str = ""


#: A Title I school without a free or reduced-price lunch share is taken at this share: the least
#: share of children from low-income families for a schoolwide Title I programme (ESEA as amended by
#: ESSA, section 1114(a)(1)(A): 40 percent).
TITLE_I_SHARE = 0.40


@cache
def income_ratios() -> dict[str, IncomeRatio]:
    """The shipped, cited ``graph/income_ratios.csv`` (beside the prevalence table): need, ratio, source,
    year, note. Used only when the income adjustment is asked for."""
    text = resources.files("kith.graph").joinpath("income_ratios.csv").read_text(encoding="utf-8")
    rows = {}
    for number, row in enumerate(csv.DictReader(text.splitlines()), 2):
        try:
            ratio = float(row["ratio"])
        except (TypeError, ValueError):
            ratio = float("nan")
        if not (ratio >= 1 and (row["source"] or "").strip() and (row["year"] or "").strip()):
            raise InputError(f"graph/income_ratios.csv row {number}: a ratio of at least 1 with its source and year")
        rows[row["need"]] = IncomeRatio(row["need"], ratio, row["source"], row["year"], row.get("note") or "")
    return rows


def income_factors(schools: Sequence[dict[str, Any]], ratio: float) -> tuple[list[float], int]:
    """Each school's multiplier of its rate, and how many schools were adjusted.

    A school's share of lower-income students ``p`` is its free or reduced-price lunch share
    (``frl_pct`` / 100), or :data:`TITLE_I_SHARE` for a Title I school without one. With the ratio
    ``R`` of the need among lower-income students to the others, the school's rate is the stated
    rate times ``(p R + 1 - p) / (p̄ R + 1 - p̄)``, where ``p̄`` is the enrollment-weighted share of
    the schools adjusted: the estimate moves toward schools with more lower-income students, and
    the adjusted schools' total is the one the stated rate gives. A school with neither field keeps
    the stated rate."""
    shares: list[float | None] = []
    for s in schools:
        if s.get("frl_pct") is not None:
            shares.append(float(s["frl_pct"]) / 100)
        elif s.get("title_i") is True:
            shares.append(TITLE_I_SHARE)
        else:
            shares.append(None)
    weights = [(float(s["enrollment"]), p) for s, p in zip(schools, shares) if p is not None]
    if not weights:
        return [1.0] * len(schools), 0
    mean = sum(w * p for w, p in weights) / sum(w for w, _ in weights)
    base = mean * ratio + 1 - mean
    return [1.0 if p is None else (p * ratio + 1 - p) / base for p in shares], len(weights)


def rate_for(rates: Sequence[Rate], need: str, level: str) -> tuple[float, str] | None:
    """The share for a school of ``level``, and how it was chosen: the level's own row, else the
    ``all`` row, else the mean of the need's level rows (said so). None when the need has no rate."""
    of_need = {r.level: r for r in rates if r.need == need}
    if level in of_need:
        return of_need[level].share, of_need[level].describe()
    if "all" in of_need:
        return of_need["all"].share, of_need["all"].describe()
    if of_need:
        share = float(np.mean([r.share for r in of_need.values()]))
        return share, f"{need} {share:.1%} of enrollment ({level} schools: the mean of the levels' rates)"
    return None


# ------------------------------------------------------------------ demand, whatever its source


@dataclass(frozen=True)
class Demand:
    """Demand for one need from one source, ready for the 2SFCA core, with the counts as they may
    leave kith and the sentence that names the source in every report."""

    source: str
    by: str
    areas: Areas
    shown: ShownDemand
    text: str
    years: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()
    estimate: bool = False
    unit: str = "student"
    #: The income adjustment of an estimate, as every report names it ("" when not asked for).
    adjustment: str = ""


def best_source(
    store: GraphStore, need: str, rates: Sequence[Rate] | None = None, *, students: NeedStudents | None = None
) -> str:
    """The best demand source the graph holds for ``need``: students, then counts, then an estimate
    (a rate for the need and a school with enrollment), then population; students when none.
    ``students``: the students with ``need``, when the caller has read them."""
    if (students if students is not None else NeedStudents.read(store, need)).schools:
        return "students"
    stored = store.nodes(Label.AREA_COUNT)
    if any(c.get("need") == need for c in stored):
        return "counts"
    if any(r.need == need for r in (rates if rates is not None else prevalence())) and any(
        s.get("enrollment") for s in store.nodes(Label.SCHOOL)
    ):
        return "estimate"
    if any(c.get("measure") == "population" for c in stored):
        return "population"
    return "students"


def default_by(source: str) -> str:
    """Where demand is counted when the caller does not say: home cells for students, schools for an
    estimate, and the areas the counts are given in for counts and population (decided later)."""
    return {"students": "cell", "estimate": "school"}.get(source, "")


def read_demand(
    store: GraphStore,
    need: str,
    by: str | None,
    *,
    source: str | None = None,
    threshold: int = 10,
    rates: Sequence[Rate] | None = None,
    income_adjust: bool = False,
) -> Demand:
    """Demand for ``need`` from ``source`` (the best the graph holds when None), counted ``by``
    (the source's natural areas when None). ``income_adjust``: an estimate's rates adjusted by the
    schools' free or reduced-price lunch share or Title I status (:func:`income_factors`); off by
    default, and named in the demand's text when on."""
    students = NeedStudents.read(store, need) if source in (None, "students") else None  # one read for both
    source = source or best_source(store, need, rates, students=students)
    if source not in SOURCES:
        raise InputError(f"unknown demand source {source!r} (use {', '.join(SOURCES)})")
    if source == "students":
        by = by or "cell"
        areas = demand_areas(store, need, by, students)
        shown = shown_demand(store, need, by, areas, threshold, students)
        return Demand("students", by, areas, shown, "students with the need in student records")
    if source == "estimate":
        return estimate_demand(
            store, need, by or "school", rates if rates is not None else prevalence(), income_adjust=income_adjust
        )
    return stored_demand(store, need, by, source, threshold)


def estimate_demand(
    store: GraphStore, need: str, by: str, rates: Sequence[Rate], *, income_adjust: bool = False
) -> Demand:
    """Enrollment times the prevalence of ``need`` at each school (rounded when shown; not a count);
    with ``income_adjust``, each school's rate times its :func:`income_factors` multiplier.

    ``by="school"`` gives one row per located school with enrollment; ``zip`` and ``cell`` add
    the schools' estimates up in the ZIP area of the nearest ZIP centroid, or the H3 cell
    (resolution of home cells) holding the school."""
    if not any(r.need == need for r in rates):
        known = ", ".join(sorted({r.need for r in rates}))
        raise InputError(
            f"the prevalence table has no rate for {need}; it has rates for {known} "
            "(add a row to a copy of graph/prevalence.csv and name it in KITH_PREVALENCE_FILE)"
        )
    schools = [s for s in store.nodes(Label.SCHOOL) if s.get("enrollment")]
    located = [s for s in schools if s.get("lat") is not None and s.get("lon") is not None]
    ratio = income_ratios().get(need) if income_adjust else None
    factors, adjusted = income_factors(schools, ratio.ratio) if ratio is not None else ([1.0] * len(schools), 0)
    factor = {s["id"]: f for s, f in zip(schools, factors)}
    by_level: dict[str, tuple[float, str]] = {}  # the rate of each level, looked up once

    def rate_of(school: dict[str, Any]) -> tuple[float, str]:
        level = str(school.get("level") or "other")
        if level not in by_level:
            by_level[level] = rate_for(rates, need, level)  # type: ignore[assignment]
        return by_level[level]

    used: dict[str, None] = {}
    values = []
    for s in located:
        share, text = rate_of(s)
        used[text] = None
        values.append(float(s["enrollment"]) * share * factor[s["id"]])
    unlocated = 0.0
    for s in schools:
        if s.get("lat") is None or s.get("lon") is None:
            share, text = rate_of(s)
            unlocated += float(s["enrollment"]) * share * factor[s["id"]]
    lat = np.array([float(s["lat"]) for s in located], dtype=np.float64)
    lon = np.array([float(s["lon"]) for s in located], dtype=np.float64)
    if by == "school":
        ids, names = [s["id"] for s in located], [str(s.get("name") or s["id"]) for s in located]
        table = pd.DataFrame({"id": ids, "lat": lat, "lon": lon, "demand": np.array(values, dtype=np.float64)})
        areas = Areas(table, names, 0)
    elif by == "zip":
        zips, _ = _nearest_zip(lat, lon)
        per: dict[str, float] = defaultdict(float)
        for z, v in zip(zips, values):
            per[z] += v
        ids = sorted(per)
        rows = _zip_table().loc[ids] if ids else _zip_table().iloc[:0]
        table = pd.DataFrame(
            {
                "id": ids,
                "lat": rows["lat"].to_numpy(),
                "lon": rows["lon"].to_numpy(),
                "demand": np.array([per[z] for z in ids], dtype=np.float64),
            }
        )
        areas = Areas(table, rows["city"].tolist(), 0)
    elif by == "cell":
        per = defaultdict(float)
        for la, lo, v in zip(lat.tolist(), lon.tolist(), values):
            per[cell_of(la, lo, HOME_CELL_RESOLUTION)] += v
        ids = sorted(per)
        centres = [cell_centre(c) for c in ids]
        clat = np.array([c[0] for c in centres], dtype=np.float64)
        clon = np.array([c[1] for c in centres], dtype=np.float64)
        zips, cities = _nearest_zip(clat, clon)
        table = pd.DataFrame(
            {"id": ids, "lat": clat, "lon": clon, "demand": np.array([per[c] for c in ids], dtype=np.float64)}
        )
        areas = Areas(table, [f"{city} ({z})" for z, city in zip(zips, cities)], 0, tuple(zips))
    else:
        raise InputError(f"unknown by {by!r} (use cell, school or zip)")
    shown_areas: dict[str, int | str] = {
        a: round_estimate(v) for a, v in zip(areas.table["id"].tolist(), areas.table["demand"].tolist())
    }
    total = float(sum(values)) + unlocated
    shown = ShownDemand(shown_areas, round_estimate(unlocated), round_estimate(total))
    rate_texts = tuple(used)
    years = tuple(dict.fromkeys(r.year for r in rates if r.need == need))
    text = (
        f"estimate: enrollment of {len(located)} school(s) × the share of students with {need} "
        f"({'; '.join(rate_texts)}); not a count of students"
    )
    said = _income_text(need, ratio, adjusted, len(schools)) if income_adjust else ""
    if said:
        rate_texts += (said,)
        text += f"; {said}"
    return Demand("estimate", by, areas, shown, text, years, rate_texts, estimate=True, adjustment=said)


def _income_text(need: str, ratio: IncomeRatio | None, adjusted: int, schools: int) -> str:
    """The sentence that names the income adjustment (or says why it changed nothing)."""
    if ratio is None:
        return f"income adjustment asked for, but graph/income_ratios.csv has no ratio for {need}: not adjusted"
    return (
        f"income-adjusted: {adjusted} of {schools} school(s) by their free or reduced-price lunch share "
        f"(Title I without one taken at {TITLE_I_SHARE:.0%}), {need} {ratio.ratio:g}× as common among "
        f"lower-income students ({ratio.source.split(',')[0].split()[0]} et al., data of {ratio.year}; "
        "graph/income_ratios.csv); "
        "the adjusted schools' total unchanged"
    )


def round_estimate(value: float) -> int:
    """An estimate as it is shown: whole students, since its decimals are not knowledge."""
    return int(np.floor(float(value) + 0.5))


# ------------------------------------------------------------------ counts and population from the graph


def stored_demand(store: GraphStore, need: str, by: str | None, source: str, threshold: int) -> Demand:
    """Aggregate counts of ``need`` (``source="counts"``) or residents (``"population"``) per area,
    as loaded by ``kith ingest demand``."""
    measure = "need" if source == "counts" else "population"
    rows = [
        c
        for c in store.nodes(Label.AREA_COUNT, where={"measure": measure})
        if measure == "population" or c.get("need") == need
    ]
    if not rows:
        what = f"aggregate counts of {need}" if source == "counts" else "population counts"
        raise InputError(f"the graph holds no {what}: load them with `kith ingest demand FILE`")
    kinds = Counter(c["area_kind"] for c in rows)
    if by is None:
        by = "school" if kinds.get("school") else "zip" if kinds.get("zip") else "cell"
    usable = _usable_kinds(by)
    chosen = [c for c in rows if c["area_kind"] in usable]
    if by == "zip" and any(c["area_kind"] == "zip" for c in chosen):
        chosen = [c for c in chosen if c["area_kind"] == "zip"]  # counts given by ZIP win over cells added up
    if not chosen:
        given = ", ".join(sorted(kinds))
        raise InputError(
            f"the {source} of {need} are given by {given}, not by {by}: ask for --by {given.split(',')[0]}"
        )
    areas, shown = _count_areas(store, chosen, by, threshold if source == "counts" else 1)
    years = tuple(sorted({str(c.get("year")) for c in chosen if c.get("year") is not None}))
    sources = tuple(sorted({str(c.get("source")) for c in chosen if c.get("source")}))
    what = f"aggregate counts of students with {need}" if source == "counts" else "residents per area"
    text = f"{source}: {what} ({'; '.join(sources) or 'source not given'}; {', '.join(years) or 'year not given'})"
    return Demand(source, by, areas, shown, text, years, (), unit="student" if source == "counts" else "resident")


def _usable_kinds(by: str) -> tuple[str, ...]:
    return {"school": ("school",), "zip": ("zip", "cell"), "cell": ("cell",)}.get(by, ())


def _count_areas(store: GraphStore, rows: list[dict[str, Any]], by: str, threshold: int) -> tuple[Areas, ShownDemand]:
    """The areas of stored counts, and their counts suppressed in lines: the areas and the counts
    that could not be placed add up to the total; cells also add up to their ZIP area."""
    unlocated = 0
    if by == "school":
        counts: Counter[str] = Counter()
        for c in rows:
            counts[c["area"]] += int(c["count"])
        schools = {s["id"]: s for s in store.nodes(Label.SCHOOL, ids=counts) if s.get("lat") is not None}
        ids = sorted(a for a in counts if a in schools)
        unlocated = sum(n for a, n in counts.items() if a not in schools)
        table = pd.DataFrame(
            {
                "id": ids,
                "lat": [float(schools[a]["lat"]) for a in ids],
                "lon": [float(schools[a]["lon"]) for a in ids],
                "demand": np.array([counts[a] for a in ids], dtype=np.float64),
            }
        )
        areas = Areas(table, [str(schools[a].get("name") or a) for a in ids], unlocated)
        values: dict[tuple[str, ...], int] = {("area", a): counts[a] for a in ids}
        lines: list[Line] = [([*values, ("unlocated",)], ("total",))]
    elif by == "cell" or any(c["area_kind"] == "cell" for c in rows):
        cells: Counter[str] = Counter()
        for c in rows:
            cells[c["area"]] += int(c["count"])
        ids = sorted(cells)
        centres = [cell_centre(c) for c in ids]
        lat = np.array([c[0] for c in centres], dtype=np.float64)
        lon = np.array([c[1] for c in centres], dtype=np.float64)
        zips, cities = _nearest_zip(lat, lon)
        values, in_zip = {}, defaultdict[str, list[tuple[str, ...]]](list)
        for cell, z in zip(ids, zips):
            values[("cell", cell)] = cells[cell]
            in_zip[z].append(("cell", cell))
        for z, members in sorted(in_zip.items()):
            values[("zip", z)] = sum(values[m] for m in members)
        lines = [(members, ("zip", z)) for z, members in sorted(in_zip.items())]
        lines.append(([*(("zip", z) for z in sorted(in_zip)), ("unlocated",)], ("total",)))
        if by == "cell":
            table = pd.DataFrame(
                {"id": ids, "lat": lat, "lon": lon, "demand": np.array([cells[c] for c in ids], dtype=np.float64)}
            )
            areas = Areas(table, [f"{city} ({z})" for z, city in zip(zips, cities)], 0, tuple(zips))
        else:
            zip_ids = sorted(in_zip)
            ztable = _zip_table().loc[zip_ids]
            table = pd.DataFrame(
                {
                    "id": zip_ids,
                    "lat": ztable["lat"].to_numpy(),
                    "lon": ztable["lon"].to_numpy(),
                    "demand": np.array([values[("zip", z)] for z in zip_ids], dtype=np.float64),
                }
            )
            areas = Areas(table, ztable["city"].tolist(), 0)
        shown_all, released = _suppressed(values, lines, unlocated, threshold)
        level = "cell" if by == "cell" else "zip"
        return areas, ShownDemand(
            {k[1]: v for k, v in shown_all.items() if k[0] == level},
            shown_all[("unlocated",)],
            shown_all[("total",)],
            {k[1]: v for k, v in released.items() if k[0] == level},
        )
    else:  # by zip, counts given by ZIP
        counts = Counter()
        for c in rows:
            counts[c["area"]] += int(c["count"])
        known = _zip_table()
        ids = sorted(a for a in counts if a in known.index)
        unlocated = sum(n for a, n in counts.items() if a not in known.index)
        ztable = known.loc[ids] if ids else known.iloc[:0]
        table = pd.DataFrame(
            {
                "id": ids,
                "lat": ztable["lat"].to_numpy(),
                "lon": ztable["lon"].to_numpy(),
                "demand": np.array([counts[a] for a in ids], dtype=np.float64),
            }
        )
        areas = Areas(table, ztable["city"].tolist(), unlocated)
        values = {("area", a): counts[a] for a in ids}
        lines = [([*values, ("unlocated",)], ("total",))]
    shown_all, released = _suppressed(values, lines, unlocated, threshold)
    return areas, ShownDemand(
        {k[1]: v for k, v in shown_all.items() if k[0] == "area"},
        shown_all[("unlocated",)],
        shown_all[("total",)],
        {k[1]: v for k, v in released.items() if k[0] == "area"},
    )


def _suppressed(
    values: dict[tuple[str, ...], int], lines: list[Line], unlocated: int, threshold: int
) -> tuple[dict[tuple[str, ...], int | str], dict[tuple[str, ...], Released]]:
    """The counts as shown, and as released values may use them (worked out from the shown ones)."""
    values = dict(values)
    values[("unlocated",)] = int(unlocated)
    top = lines[-1][0]
    values[("total",)] = sum(values[k] for k in top)
    if threshold <= 1:
        return {k: v for k, v in values.items()}, {}
    shown = suppress_lines(values, lines, threshold)
    return shown, released_counts(shown, lines, threshold)


def needs_with_rates(rates: Iterable[Rate] | None = None) -> tuple[str, ...]:
    """The needs the prevalence table can estimate."""
    return tuple(sorted({r.need for r in (rates if rates is not None else prevalence())}))
