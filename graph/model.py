"""The graph model: labels, relationship types, the need taxonomy and the
frozen pydantic models that every source and every store share.

A model validates what would be a real fault in the data (a latitude of 100,
a negative capacity, an unknown need code, an empty id) so that ingest can
quarantine the row with a reason instead of storing it.
"""

from __future__ import annotations

import csv
import datetime as dt
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any, ClassVar, NamedTuple

import h3
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator


class Label(StrEnum):
    """Node labels, spelled as in the graph."""

    SCHOOL = "School"
    STUDENT = "Student"
    FAMILY = "Family"
    AGENCY = "Agency"
    SERVICE = "Service"
    SITE = "Site"
    STAFF = "Staff"
    NEED_TYPE = "NeedType"
    AREA_COUNT = "AreaCount"


class RelType(StrEnum):
    """Relationship types, spelled as in the graph."""

    ENROLLED_IN = "ENROLLED_IN"
    MEMBER_OF = "MEMBER_OF"
    HAS_NEED = "HAS_NEED"
    REFERRED_TO = "REFERRED_TO"
    WORKS_AT = "WORKS_AT"
    OFFERS = "OFFERS"
    DELIVERED_AT = "DELIVERED_AT"
    ADDRESSES = "ADDRESSES"
    PARTNERS_WITH = "PARTNERS_WITH"
    COLLABORATES_WITH = "COLLABORATES_WITH"


#: The labels each relationship type joins, (source, target).
ENDPOINTS: dict[RelType, tuple[Label, Label]] = {
    RelType.ENROLLED_IN: (Label.STUDENT, Label.SCHOOL),
    RelType.MEMBER_OF: (Label.STUDENT, Label.FAMILY),
    RelType.HAS_NEED: (Label.STUDENT, Label.NEED_TYPE),
    RelType.REFERRED_TO: (Label.STUDENT, Label.SERVICE),
    RelType.WORKS_AT: (Label.STAFF, Label.SCHOOL),
    RelType.OFFERS: (Label.AGENCY, Label.SERVICE),
    RelType.DELIVERED_AT: (Label.SERVICE, Label.SITE),
    RelType.ADDRESSES: (Label.SERVICE, Label.NEED_TYPE),
    RelType.PARTNERS_WITH: (Label.SCHOOL, Label.AGENCY),
    RelType.COLLABORATES_WITH: (Label.AGENCY, Label.AGENCY),
}


class Domain(StrEnum):
    """The four whole-child domains of the need taxonomy."""

    ACADEMIC = "academic"
    SOCIAL_EMOTIONAL = "social_emotional"
    HEALTH = "health"
    FAMILY = "family"


class NeedDefinition(NamedTuple):
    code: str
    domain: Domain
    name: str
    definition: str


@cache
def need_taxonomy() -> tuple[NeedDefinition, ...]:
    """The shared need taxonomy, read from ``graph/needs.csv``."""
    text = resources.files("kith.graph").joinpath("needs.csv").read_text(encoding="utf-8")
    return tuple(
        NeedDefinition(row["code"], Domain(row["domain"]), row["name"], row["definition"])
        for row in csv.DictReader(text.splitlines())
    )


NeedCode = StrEnum("NeedCode", {need.code.upper(): need.code for need in need_taxonomy()})  # type: ignore[misc]
NeedCode.__doc__ = "Codes of the need taxonomy (``graph/needs.csv``): a public interface."


class NodeRef(NamedTuple):
    """A node's address in the graph: its label and its id. Written ``label:id``."""

    label: Label
    id: str

    def __str__(self) -> str:
        return f"{self.label.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> NodeRef:
        """Parse ``School:123`` (the label is case-insensitive: ``school:123``)."""
        head, sep, tail = text.partition(":")
        labels = {label.value.lower(): label for label in Label}
        if not sep or not tail.strip() or head.strip().lower() not in labels:
            names = ", ".join(label.value.lower() for label in Label)
            raise ValueError(f"{text!r} is not label:id (labels: {names})")
        return cls(labels[head.strip().lower()], tail.strip())


Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Count = Annotated[int, Field(ge=0)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Strength = Annotated[float, Field(ge=0, le=1)]
Grade = Annotated[str, StringConstraints(pattern=r"^(PK|K|[1-9]|1[0-2])$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def properties(self) -> dict[str, Any]:
        """The stored properties: JSON-compatible, without empty values."""
        return self.model_dump(mode="json", exclude_none=True)


class Node(_Frozen):
    """A node of the graph; ``label`` says which."""

    label: ClassVar[Label]
    id: Id

    @property
    def ref(self) -> NodeRef:
        return NodeRef(self.label, self.id)


class _Located(Node):
    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _check_point(self) -> _Located:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must both be given or both be empty")
        if self.lat == 0 and self.lon == 0:
            raise ValueError("coordinates (0, 0) are a placeholder, not a place")
        return self


class SchoolLevel(StrEnum):
    ELEMENTARY = "elementary"
    MIDDLE = "middle"
    HIGH = "high"
    OTHER = "other"


class SchoolKind(StrEnum):
    REGULAR = "regular"
    ALTERNATIVE = "alternative"
    CHARTER = "charter"
    SPECIAL = "special"


class School(_Located):
    label: ClassVar[Label] = Label.SCHOOL
    name: Text
    district: str | None = None
    level: SchoolLevel = SchoolLevel.OTHER
    kind: SchoolKind = SchoolKind.REGULAR
    enrollment: Count | None = None
    capacity: Count | None = None
    grade_low: Grade | None = None
    grade_high: Grade | None = None
    magnet: bool | None = None
    title_i: bool | None = None
    frl_pct: Annotated[float, Field(ge=0, le=100)] | None = None


class Student(Node):
    """A student, by keyed pseudonym only: no name, no raw district id."""

    label: ClassVar[Label] = Label.STUDENT
    grade: Grade | None = None
    tier: Annotated[int, Field(ge=1, le=3)] = 1


class Family(Node):
    """A household, located only by the H3 cell of its home."""

    label: ClassVar[Label] = Label.FAMILY
    home_cell: str | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    language: str | None = None
    size: Annotated[int, Field(ge=1, le=30)] | None = None

    @field_validator("home_cell")
    @classmethod
    def _check_cell(cls, value: str | None) -> str | None:
        if value is not None and not h3.is_valid_cell(value):
            raise ValueError("home_cell is not a valid H3 cell")
        return value

    @model_validator(mode="after")
    def _centre_of_cell(self) -> Family:
        if self.home_cell is not None:
            lat, lon = h3.cell_to_latlng(self.home_cell)
            object.__setattr__(self, "lat", round(lat, 6))
            object.__setattr__(self, "lon", round(lon, 6))
        return self


class Agency(Node):
    label: ClassVar[Label] = Label.AGENCY
    name: Text
    kind: str | None = None
    phone: str | None = None
    website: str | None = None
    contacts: str | None = None  # names, titles and emails of the people to call, "; " between them
    placeholder: bool | None = None


class Cost(StrEnum):
    FREE = "free"
    SLIDING = "sliding"
    FEE = "fee"


class Service(Node):
    label: ClassVar[Label] = Label.SERVICE
    name: Text
    description: str | None = None
    capacity: Count | None = None
    waitlist: Count | None = None
    cost: Cost | None = None
    languages: tuple[str, ...] = ()  # BCP 47 tags (kith.graph.languages)
    language_note: str | None = None  # what a language cell said that names no language
    min_age: Annotated[int, Field(ge=0, le=120)] | None = None
    max_age: Annotated[int, Field(ge=0, le=120)] | None = None
    eligibility: str | None = None
    hours: str | None = None
    #: HSDS service area (kith.graph.areas): ZIP codes (places and counties resolved to theirs) and a
    #: GeoJSON MultiPolygon as text. A service with an area is in reach of demand inside it.
    area_zips: tuple[Annotated[str, StringConstraints(pattern=r"^\d{5}$")], ...] | None = None
    area_geojson: str | None = None

    @model_validator(mode="after")
    def _check_ages(self) -> Service:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class GeocodePrecision(StrEnum):
    ROOFTOP = "rooftop"
    ZIP = "zip"


class Site(_Located):
    label: ClassVar[Label] = Label.SITE
    name: Text
    address: str | None = None
    zip: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None
    geocode_precision: GeocodePrecision | None = None


class StaffRole(StrEnum):
    SCHOOL_COUNSELOR = "school_counselor"
    SCHOOL_PSYCHOLOGIST = "school_psychologist"
    SCHOOL_SOCIAL_WORKER = "school_social_worker"
    COORDINATOR = "coordinator"
    SUPPORT_WORKER = "support_worker"


class Staff(Node):
    label: ClassVar[Label] = Label.STAFF
    role: StaffRole


class NeedType(Node):
    """A need of the shared taxonomy; its id is its code."""

    label: ClassVar[Label] = Label.NEED_TYPE
    code: NeedCode
    domain: Domain
    name: Text
    definition: str | None = None

    @model_validator(mode="after")
    def _id_is_code(self) -> NeedType:
        if self.id != self.code:
            raise ValueError("a need type's id must be its code")
        return self


class AreaKind(StrEnum):
    """Where an aggregate count is counted."""

    SCHOOL = "school"
    ZIP = "zip"
    CELL = "cell"


class Measure(StrEnum):
    NEED = "need"  # people with a need (a needs assessment, a screening, a survey)
    POPULATION = "population"  # residents or children (a census table)


class AreaCount(Node):
    """An aggregate count of people in one area (a school, a ZIP area, an H3 cell), from a named
    source and year: with ``need`` (``measure="need"``), or residents (``"population"``, no need).
    No person is named; its id is ``measure:area_kind:area:need`` (``*`` for population)."""

    label: ClassVar[Label] = Label.AREA_COUNT
    measure: Measure
    area_kind: AreaKind
    area: Id
    need: NeedCode | None = None
    count: Count
    source: Text
    year: Year
    note: str | None = None

    @staticmethod
    def key(measure: str, area_kind: str, area: str, need: str | None) -> str:
        return f"{measure}:{area_kind}:{area}:{need or '*'}"

    @model_validator(mode="after")
    def _check(self) -> AreaCount:
        if (self.measure is Measure.NEED) != (self.need is not None):
            raise ValueError("a count of a need names the need; a population count names none")
        if self.area_kind is AreaKind.ZIP and not (len(self.area) == 5 and self.area.isdigit()):
            raise ValueError("a ZIP area is five digits")
        if self.area_kind is AreaKind.CELL and not h3.is_valid_cell(self.area):
            raise ValueError("the area is not a valid H3 cell")
        if self.id != self.key(self.measure, self.area_kind, self.area, self.need):
            raise ValueError("an area count's id must be measure:area_kind:area:need")
        return self


def need_types() -> list[NeedType]:
    """The taxonomy as nodes, ready to upsert."""
    return [
        NeedType(id=n.code, code=n.code, domain=n.domain, name=n.name, definition=n.definition) for n in need_taxonomy()
    ]


NODE_MODELS: dict[Label, type[Node]] = {
    model.label: model for model in (School, Student, Family, Agency, Service, Site, Staff, NeedType, AreaCount)
}


# ---------------------------------------------------------------- relationships


class Rel(_Frozen):
    """A relationship from ``source`` to ``target`` (ids of the labels in ENDPOINTS)."""

    type: ClassVar[RelType]
    source: Id
    target: Id

    @property
    def source_ref(self) -> NodeRef:
        return NodeRef(ENDPOINTS[self.type][0], self.source)

    @property
    def target_ref(self) -> NodeRef:
        return NodeRef(ENDPOINTS[self.type][1], self.target)

    def properties(self) -> dict[str, Any]:
        """The relationship's own properties (without source and target)."""
        return self.model_dump(mode="json", exclude_none=True, exclude={"source", "target"})


class EnrolledIn(Rel):
    type: ClassVar[RelType] = RelType.ENROLLED_IN


class MemberOf(Rel):
    type: ClassVar[RelType] = RelType.MEMBER_OF


class HasNeed(Rel):
    type: ClassVar[RelType] = RelType.HAS_NEED
    target: NeedCode
    level: Annotated[int, Field(ge=1, le=3)] | None = None
    identified_on: dt.date | None = None


class ReferralStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    COMPLETED = "completed"
    DECLINED = "declined"


class ReferredTo(Rel):
    type: ClassVar[RelType] = RelType.REFERRED_TO
    on: dt.date | None = None
    status: ReferralStatus = ReferralStatus.PENDING


class WorksAt(Rel):
    type: ClassVar[RelType] = RelType.WORKS_AT


class Offers(Rel):
    type: ClassVar[RelType] = RelType.OFFERS


class DeliveredAt(Rel):
    type: ClassVar[RelType] = RelType.DELIVERED_AT


class Addresses(Rel):
    type: ClassVar[RelType] = RelType.ADDRESSES
    target: NeedCode


class PartnersWith(Rel):
    type: ClassVar[RelType] = RelType.PARTNERS_WITH
    since: Year | None = None
    mou: bool | None = None
    strength: Strength | None = None
    program: str | None = None  # what the agency runs at the school ("; " between several)


class CollaboratesWith(Rel):
    type: ClassVar[RelType] = RelType.COLLABORATES_WITH
    since: Year | None = None
    kind: str | None = None
    strength: Strength | None = None

    @model_validator(mode="after")
    def _not_self(self) -> CollaboratesWith:
        if self.source == self.target:
            raise ValueError("an agency cannot collaborate with itself")
        return self


REL_MODELS: dict[RelType, type[Rel]] = {
    model.type: model
    for model in (
        EnrolledIn,
        MemberOf,
        HasNeed,
        ReferredTo,
        WorksAt,
        Offers,
        DeliveredAt,
        Addresses,
        PartnersWith,
        CollaboratesWith,
    )
}
