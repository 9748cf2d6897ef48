"""The demo city: a deterministic, synthetic but realistic district on real
Massachusetts geography (ZIP centroids from the offline ``zipcodes`` table).

What makes it useful for trying kith:

- neighbourhoods differ: each ZIP area has a need index (more students with
  needs) and an agency pull; about a fifth of the areas attract almost no
  agencies, so some neighbourhoods are genuinely underserved;
- students follow MTSS prevalence: most Tier 1, about 13 % Tier 2, about 4 %
  Tier 3, with needs across the four whole-child domains;
- families live near their school and are located by H3 cell only;
- agencies offer services at sites, partner with nearby schools, collaborate
  with each other, and receive referrals.

Everything random comes from one ``numpy`` generator seeded by ``seed``: the
same seed gives the same city, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from kith.graph import geo
from kith.graph.model import (
    Addresses,
    Agency,
    CollaboratesWith,
    Cost,
    DeliveredAt,
    Domain,
    EnrolledIn,
    Family,
    HasNeed,
    MemberOf,
    Node,
    Offers,
    PartnersWith,
    ReferralStatus,
    ReferredTo,
    Rel,
    School,
    SchoolKind,
    SchoolLevel,
    Service,
    Site,
    Staff,
    StaffRole,
    Student,
    WorksAt,
    need_taxonomy,
    need_types,
)


class Size(StrEnum):
    SMALL = "small"
    DISTRICT = "district"
    STATE = "state"


@dataclass(frozen=True)
class _Plan:
    schools: int
    students: int
    agencies: int
    services_per_agency: float
    radius_km: float | None  # ZIP areas within this distance of Boston; None: the whole state


PLANS = {
    Size.SMALL: _Plan(schools=10, students=2_000, agencies=40, services_per_agency=3.0, radius_km=8),
    Size.DISTRICT: _Plan(schools=60, students=30_000, agencies=400, services_per_agency=3.0, radius_km=16),
    Size.STATE: _Plan(schools=1_500, students=600_000, agencies=4_500, services_per_agency=3.0, radius_km=None),
}

_BOSTON = (42.3300, -71.0800)
_LANGUAGES = ("en", "es", "pt", "ht", "zh", "vi", "ar", "so")
_LANGUAGE_SHARE = (0.64, 0.18, 0.05, 0.04, 0.03, 0.03, 0.02, 0.01)
_SURNAMES = (
    "Adams",
    "Baldwin",
    "Curley",
    "Dever",
    "Eliot",
    "Frederick",
    "Guild",
    "Hale",
    "Irving",
    "Jackson",
    "Kennedy",
    "Lincoln",
    "Mather",
    "Nightingale",
    "O'Bryant",
    "Perkins",
    "Quincy",
    "Revere",
    "Sumner",
    "Tobin",
    "Umana",
    "Vinson",
    "Warren",
    "Winthrop",
    "Young",
    "Holmes",
    "Mendell",
    "Ellis",
    "Haley",
    "Kenny",
    "Lyndon",
    "Mason",
    "Otis",
    "Philbrick",
    "Russell",
    "Shaw",
    "Taylor",
    "Walker",
    "Chittick",
)
_LEVEL_GRADES = {
    SchoolLevel.ELEMENTARY: ("PK", "K", "1", "2", "3", "4", "5"),
    SchoolLevel.MIDDLE: ("6", "7", "8"),
    SchoolLevel.HIGH: ("9", "10", "11", "12"),
    SchoolLevel.OTHER: ("6", "7", "8", "9", "10", "11", "12"),
}
_LEVEL_NAMES = {
    SchoolLevel.ELEMENTARY: "Elementary School",
    SchoolLevel.MIDDLE: "Middle School",
    SchoolLevel.HIGH: "High School",
    SchoolLevel.OTHER: "Academy",
}
# Agency kinds, the domains they serve, and words for their names.
_AGENCY_KINDS = {
    "youth_development": ((Domain.ACADEMIC,), ("Youth Center", "Boys & Girls Club", "Learning Partners")),
    "mental_health": ((Domain.SOCIAL_EMOTIONAL,), ("Counseling Center", "Behavioral Health", "Family Guidance")),
    "health_center": ((Domain.HEALTH,), ("Community Health Center", "Health Services", "Family Clinic")),
    "family_services": ((Domain.FAMILY,), ("Family Resource Center", "Neighborhood House", "Community Action")),
    "multi_service": (tuple(Domain), ("Community Services", "Settlement House", "Family Network")),
}
# Relative prevalence of each need among students with a need.
_NEED_WEIGHT = {
    "tutoring": 9,
    "mentoring": 6,
    "after_school": 7,
    "attendance_support": 5,
    "college_career": 3,
    "special_education_advocacy": 2,
    "mental_health_counseling": 9,
    "behavioral_support": 7,
    "substance_use": 2,
    "crisis": 1,
    "social_skills": 4,
    "grief_trauma": 3,
    "medical": 4,
    "dental": 5,
    "vision": 4,
    "hearing": 1,
    "health_insurance": 2,
    "nutrition": 2,
    "food": 7,
    "housing": 4,
    "clothing": 4,
    "transportation": 3,
    "family_counseling": 3,
    "parenting": 2,
    "legal": 1,
    "employment": 2,
    "child_care": 2,
    "immigration": 2,
    "translation": 3,
    "financial_assistance": 3,
}
_SCHOOL_YEAR_START = dt.date(2025, 9, 2)


@dataclass
class City:
    """A generated city: nodes and relationships, ready to upsert."""

    nodes: list[Node] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)


@dataclass(frozen=True)
class _Area:
    zip: str
    name: str
    lat: float
    lon: float
    need_index: float  # 0..1, higher: more students with needs
    agency_pull: float  # relative weight for agency locations


def _areas(plan: _Plan, rng: np.random.Generator) -> list[_Area]:
    import zipcodes

    rows = sorted(
        (z for z in zipcodes.filter_by(state="MA") if z["lat"] and z["zip_code_type"] == "STANDARD"),
        key=lambda z: z["zip_code"],
    )
    lat = np.array([float(z["lat"]) for z in rows])
    lon = np.array([float(z["long"]) for z in rows])
    if plan.radius_km is not None:
        keep = geo.haversine_km(*_BOSTON, lat, lon) <= plan.radius_km
        rows, lat, lon = [z for z, k in zip(rows, keep) if k], lat[keep], lon[keep]
    need = rng.beta(2, 3, size=len(rows))
    pull = rng.gamma(2.0, 1.0, size=len(rows)) * (1.2 - need)
    deserted = rng.random(len(rows)) < 0.2  # areas agencies have left
    pull[deserted] *= 0.02
    return [
        _Area(z["zip_code"], _town(z), float(lat[i]), float(lon[i]), float(need[i]), float(pull[i]))
        for i, z in enumerate(rows)
    ]


def _town(row: dict) -> str:
    """The town a ZIP code's addresses name: the city the USPS gives it (``02163``: Boston, not the
    "acceptable" Cambridge, which is across the river from where the table places it)."""
    return str(row["city"]).title()


@dataclass(frozen=True)
class _Zips:
    """Every standard Massachusetts ZIP code with its centroid, to address a point by the ZIP nearest it."""

    codes: list[str]
    towns: list[str]
    vectors: np.ndarray

    @classmethod
    def load(cls) -> _Zips:
        import zipcodes

        rows = sorted(
            (z for z in zipcodes.filter_by(state="MA") if z["lat"] and z["zip_code_type"] == "STANDARD"),
            key=lambda z: z["zip_code"],
        )
        vectors = geo.unit_vectors(
            np.array([float(z["lat"]) for z in rows]), np.array([float(z["long"]) for z in rows])
        )
        return cls([z["zip_code"] for z in rows], [_town(z) for z in rows], vectors)

    def nearest(self, lat: float, lon: float) -> tuple[str, str]:
        """(ZIP code, town) of the centroid nearest the point (great circle: the largest dot product)."""
        k = int(np.argmax(self.vectors @ geo.unit_vectors(np.array([lat]), np.array([lon]))[0]))
        return self.codes[k], self.towns[k]


def _jitter(rng: np.random.Generator, lat: float, lon: float, km: float) -> tuple[float, float]:
    dlat, dlon = rng.normal(0, km / 111.0), rng.normal(0, km / (111.0 * np.cos(np.radians(lat))))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _ids(rng: np.random.Generator, prefix: str, n: int) -> list[str]:
    """Random-looking, unique ids (as pseudonymized ids look), deterministic in the seed."""
    values = rng.choice(16**8, size=n, replace=False)
    return [f"{prefix}{v:08x}" for v in values]


def generate(size: Size | str = Size.DISTRICT, *, seed: int = 7) -> City:
    """Generate the demo city of a size; the same ``seed`` always gives the same city."""
    city = City()
    for item in _generate(Size(size), seed):
        if isinstance(item, Node):
            city.nodes.append(item)
        else:
            city.rels.append(item)
    return city


def _generate(size: Size, seed: int) -> Iterator[Node | Rel]:
    plan = PLANS[size]
    rng = np.random.default_rng(seed)
    areas = _areas(plan, rng)
    zips = _Zips.load()
    needs = need_taxonomy()
    yield from need_types()

    # Schools, spread over the areas.
    area_of_school = rng.integers(0, len(areas), size=plan.schools)
    levels = rng.choice(list(SchoolLevel), size=plan.schools, p=(0.55, 0.2, 0.2, 0.05))
    kinds = rng.choice(list(SchoolKind), size=plan.schools, p=(0.85, 0.05, 0.07, 0.03))
    size_weight = np.where(levels == SchoolLevel.HIGH, 2.0, np.where(levels == SchoolLevel.MIDDLE, 1.3, 1.0))
    share = rng.dirichlet(np.full(plan.schools, 8.0)) * size_weight
    enrollment = np.maximum(1, np.floor(share / share.sum() * plan.students)).astype(int)
    enrollment[0] += plan.students - enrollment.sum()
    schools: list[School] = []
    for i in range(plan.schools):
        area = areas[area_of_school[i]]
        lat, lon = _jitter(rng, area.lat, area.lon, 0.8)
        frl = float(np.clip(rng.normal(25 + 60 * area.need_index, 10), 3, 97))
        schools.append(
            School(
                id=f"sch-{i + 1:04d}",
                name=f"{_SURNAMES[i % len(_SURNAMES)]} {_LEVEL_NAMES[levels[i]]}"
                + (f" {i // len(_SURNAMES) + 1}" if i >= len(_SURNAMES) else ""),
                district="Demo City Public Schools" if size is not Size.STATE else f"Demo District {i // 25 + 1:02d}",
                level=levels[i],
                kind=kinds[i],
                lat=lat,
                lon=lon,
                enrollment=int(enrollment[i]),
                title_i=frl >= 40,
                frl_pct=round(frl, 1),
            )
        )
    yield from schools

    # Staff by role, scaled to enrollment.
    for school, n in zip(schools, enrollment):
        roles = (
            [StaffRole.SCHOOL_COUNSELOR] * max(1, n // 250)
            + [StaffRole.SCHOOL_PSYCHOLOGIST] * max(1, n // 700)
            + [StaffRole.SCHOOL_SOCIAL_WORKER] * max(1, n // 400)
            + [StaffRole.COORDINATOR]
            + [StaffRole.SUPPORT_WORKER] * int(rng.integers(0, 3))
        )
        for j, role in enumerate(roles):
            staff_id = f"stf-{school.id[4:]}-{j + 1:02d}"
            yield Staff(id=staff_id, role=role)
            yield WorksAt(source=staff_id, target=school.id)

    # Families and students, living near their school.
    need_codes = [n.code for n in needs]
    need_p = np.array([_NEED_WEIGHT.get(code, 1) for code in need_codes], dtype=float)
    need_p /= need_p.sum()
    student_ids = _ids(rng, "stu-", plan.students)
    family_ids = _ids(rng, "fam-", plan.students)
    next_student = next_family = 0
    for s_idx, (school, n) in enumerate(zip(schools, enrollment)):
        area = areas[area_of_school[s_idx]]
        grades = _LEVEL_GRADES[school.level]
        tiers = rng.choice((1, 2, 3), size=n, p=(0.83, 0.13, 0.04))
        placed = 0
        while placed < n:
            members = min(int(rng.choice((1, 1, 2, 2, 2, 3, 4))), n - placed)
            family_id = family_ids[next_family]
            next_family += 1
            lat, lon = _jitter(rng, school.lat, school.lon, 1.5)  # type: ignore[arg-type]
            yield Family(
                id=family_id,
                home_cell=geo.cell_of(lat, lon),
                language=str(rng.choice(_LANGUAGES, p=_LANGUAGE_SHARE)),
                size=members + int(rng.integers(1, 4)),
            )
            for _ in range(members):
                student_id = student_ids[next_student]
                tier = int(tiers[placed])
                next_student += 1
                placed += 1
                yield Student(id=student_id, grade=str(rng.choice(grades)), tier=tier)
                yield EnrolledIn(source=student_id, target=school.id)
                yield MemberOf(source=student_id, target=family_id)
                yield from _student_needs(rng, student_id, tier, area.need_index, need_codes, need_p)

    # Agencies, pulled to some areas and away from others.
    pull = np.array([a.agency_pull for a in areas])
    area_of_agency = rng.choice(len(areas), size=plan.agencies, p=pull / pull.sum())
    kind_names = list(_AGENCY_KINDS)
    agency_kind = rng.choice(kind_names, size=plan.agencies, p=(0.25, 0.2, 0.15, 0.25, 0.15))
    agency_ids = [f"agy-{i + 1:05d}" for i in range(plan.agencies)]
    agency_point: list[tuple[float, float]] = []
    services_by_need: dict[str, list[str]] = {code: [] for code in need_codes}
    service_point: dict[str, tuple[float, float]] = {}
    service_count = 0
    taken: set[str] = set()
    for i, agency_id in enumerate(agency_ids):
        area = areas[area_of_agency[i]]
        domains, words = _AGENCY_KINDS[agency_kind[i]]
        yield Agency(
            id=agency_id,
            name=_unique_name(taken, area.name, words[i % len(words)], i),
            kind=str(agency_kind[i]),
            phone=f"(617) 555-{rng.integers(100, 200):04d}",
            website=f"https://{agency_id}.example.org",
        )
        sites = []
        for j in range(int(rng.choice((1, 1, 1, 2, 2, 3)))):
            lat, lon = _jitter(rng, area.lat, area.lon, 0.7)
            zip_code, town = zips.nearest(lat, lon)  # the address names where the point is, not the agency's area
            site = Site(
                id=f"site-{agency_id[4:]}-{j + 1}",
                name=f"{town} site {j + 1}",
                address=f"{int(rng.integers(1, 999))} {_SURNAMES[int(rng.integers(len(_SURNAMES)))]} Street, "
                f"{town}, MA {zip_code}",
                zip=zip_code,
                lat=lat,
                lon=lon,
                geocode_precision="rooftop",
            )
            sites.append(site)
            yield site
        agency_point.append((sites[0].lat, sites[0].lon))  # type: ignore[arg-type]
        domain_codes = [n.code for n in needs if n.domain in domains]
        for _ in range(max(1, int(rng.poisson(plan.services_per_agency - 1)) + 1)):
            service_count += 1
            service_id = f"svc-{service_count:06d}"
            addressed = rng.choice(domain_codes, size=int(rng.choice((1, 1, 2))), replace=False)
            languages = ["en"] + [
                str(x)
                for x in rng.choice(
                    _LANGUAGES[1:], size=int(rng.choice((0, 0, 1, 2))), replace=False, p=_norm(_LANGUAGE_SHARE[1:])
                )
            ]
            min_age = int(rng.choice((0, 3, 5, 11, 14)))
            yield Service(
                id=service_id,
                name=" and ".join(c.replace("_", " ") for c in addressed).capitalize(),
                capacity=int(rng.integers(10, 120)),
                waitlist=int(rng.poisson(3)),
                cost=str(rng.choice(list(Cost), p=(0.55, 0.25, 0.2))),
                languages=tuple(sorted(languages)),
                min_age=min_age,
                max_age=int(max(min_age + 4, rng.choice((18, 21, 99)))),
                hours=str(
                    rng.choice(("Mon-Fri 9:00-17:00", "Mon-Thu 15:00-19:00", "Sat 10:00-14:00", "Mon-Fri 8:00-20:00"))
                ),
            )
            yield Offers(source=agency_id, target=service_id)
            for code in addressed:
                yield Addresses(source=service_id, target=str(code))
                services_by_need[str(code)].append(service_id)
            site = sites[int(rng.integers(len(sites)))]
            yield DeliveredAt(source=service_id, target=site.id)
            service_point[service_id] = (site.lat, site.lon)  # type: ignore[assignment]

    # Partnerships: schools with nearby agencies; collaborations between agencies.
    a_lat = np.array([p[0] for p in agency_point])
    a_lon = np.array([p[1] for p in agency_point])
    for school in schools:
        assert school.lat is not None and school.lon is not None  # every demo school is placed
        dist = geo.haversine_km(school.lat, school.lon, a_lat, a_lon)
        weight = np.exp(-dist / 3.0)
        n_partners = min(plan.agencies, int(rng.integers(2, 8)))
        for a in rng.choice(plan.agencies, size=n_partners, replace=False, p=weight / weight.sum()):
            yield PartnersWith(
                source=school.id,
                target=agency_ids[a],
                since=int(rng.integers(2008, 2026)),
                mou=bool(rng.random() < 0.6),
                strength=round(float(rng.uniform(0.2, 1.0)), 2),
            )
    for i, agency_id in enumerate(agency_ids):
        dist = geo.haversine_km(a_lat[i], a_lon[i], a_lat, a_lon)
        weight = np.exp(-dist / 4.0)
        weight[i] = 0
        if weight.sum() == 0 or rng.random() < 0.08:  # some agencies work alone
            continue
        for a in rng.choice(
            plan.agencies, size=min(int(rng.integers(1, 4)), plan.agencies - 1), replace=False, p=weight / weight.sum()
        ):
            if a > i:  # one direction per pair
                yield CollaboratesWith(
                    source=agency_id,
                    target=agency_ids[a],
                    since=int(rng.integers(2010, 2026)),
                    kind=str(rng.choice(("referral", "co-location", "shared_staff", "data_sharing"))),
                    strength=round(float(rng.uniform(0.1, 1.0)), 2),
                )

    # Referrals: some students with needs are referred to a service for one of them.
    yield from _referrals(rng, student_ids, services_by_need)


def _unique_name(taken: set[str], place: str, word: str, i: int) -> str:
    """An agency name no other agency has: users tell agencies apart by name."""
    for name in (f"{place} {word}", f"{_SURNAMES[i % len(_SURNAMES)]} {word} of {place}"):
        if name not in taken:
            break
    else:
        number = 2
        while (name := f"{place} {word} {number}") in taken:
            number += 1
    taken.add(name)
    return name


def _student_needs(
    rng: np.random.Generator, student_id: str, tier: int, need_index: float, codes: list[str], p: np.ndarray
) -> Iterator[HasNeed]:
    expected = {1: 0.12, 2: 1.4, 3: 2.6}[tier] * (0.6 + 0.8 * need_index)
    count = min(int(rng.poisson(expected)) + (1 if tier > 1 else 0), 5)
    if count == 0:
        return
    for code in rng.choice(codes, size=count, replace=False, p=p):
        yield HasNeed(
            source=student_id,
            target=str(code),
            level=min(3, max(1, tier + int(rng.integers(-1, 1)))),
            identified_on=_SCHOOL_YEAR_START + dt.timedelta(days=int(rng.integers(0, 280))),
        )


def _referrals(rng: np.random.Generator, student_ids: list[str], services_by_need: dict[str, list[str]]):
    statuses = list(ReferralStatus)
    chosen = rng.choice(len(student_ids), size=len(student_ids) // 12, replace=False)
    codes = [c for c, s in services_by_need.items() if s]
    for idx in np.sort(chosen):
        services = services_by_need[codes[int(rng.integers(len(codes)))]]
        yield ReferredTo(
            source=student_ids[idx],
            target=services[int(rng.integers(len(services)))],
            on=_SCHOOL_YEAR_START + dt.timedelta(days=int(rng.integers(0, 280))),
            status=statuses[int(rng.choice(len(statuses), p=(0.2, 0.3, 0.15, 0.25, 0.1)))],
        )


def _norm(values: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(values)
    return a / a.sum()


def build(
    store,
    size: Size | str = Size.DISTRICT,
    *,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
    batch: int = 50_000,
) -> dict[str, int]:
    """Generate the city and upsert it into ``store`` in batches; returns the store's counts."""
    nodes: list[Node] = []
    rels: list[Rel] = []
    for item in _generate(Size(size), seed):
        if isinstance(item, Node):
            nodes.append(item)
        else:
            rels.append(item)
        if len(nodes) + len(rels) >= batch:
            _flush(store, nodes, rels, progress)
    _flush(store, nodes, rels, progress)
    return store.counts()


def _flush(store, nodes: list[Node], rels: list[Rel], progress: Callable[[int], None] | None) -> None:
    """Upsert pending nodes, then relationships whose endpoints are already written."""
    store.upsert_nodes(nodes)
    store.upsert_relationships(rels)
    if progress:
        progress(len(nodes) + len(rels))
    nodes.clear()
    rels.clear()


def rebuild(store, size: Size | str, *, seed: int = 7, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """What ``kith demo`` does: replace what ``store`` holds with the demo city, marked as such
    (``mark_demo_city``), so that demo mode will serve it; any later write removes the mark."""
    store.clear()
    counts = build(store, size, seed=seed, progress=progress)
    store.mark_demo_city(Size(size).value)
    return counts
