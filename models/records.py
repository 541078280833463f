"""Domain records: mines, enforcement bodies, companies, hazards, campaigns.

Every record is immutable. Loading builds them from the scenario tables
after validation, so code that receives a record may trust its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models.policy import Policy

KINDS = ("coal", "non_coal")
CATEGORIES = ("A", "B", "C", "D")
SIDES = ("regulator", "supervisor")
LEVELS = ("province", "city", "county", "bureau", "division")
MONTHS = tuple(range(1, 13))
VISIT_KINDS = ("routine", "joint", "recheck", "special", "company")


def quarter_of(month: int) -> int:
    """Return the calendar quarter (1-4) of a month (1-12)."""
    return (month - 1) // 3 + 1


@dataclass(frozen=True)
class Mine:
    """One mine (矿山) with its category and the bodies that oversee it.

    Parameters
    ----------
    mine_id
        Unique id of the mine.
    name
        Registered name of the mine.
    kind
        ``"coal"`` or ``"non_coal"``.
    category
        ``"A"`` to ``"D"``; the sense differs by kind (R1, R2).
    regulator_id
        The one regulator body of the mine (R3).
    supervisor_id
        The one supervisor body of a coal mine (R3); ``None`` for non-coal.
    company_id
        The parent company (上级公司), if any.
    risk_score
        Risk score from 0 (lowest) to 100 (highest).
    county
        County (县、市、区) the mine lies in.
    lon, lat
        Coordinates, if known.
    disasters
        Major disaster types of the mine, such as ``("gas", "water")``.
    visit_days
        Days one officer spends on one visit; ``None`` uses the policy
        default for the mine's kind.
    """

    mine_id: str
    name: str
    kind: str
    category: str
    regulator_id: str
    supervisor_id: str | None
    company_id: str | None
    risk_score: float
    county: str
    lon: float | None = None
    lat: float | None = None
    disasters: tuple[str, ...] = ()
    visit_days: float | None = None

    @property
    def is_coal(self) -> bool:
        """Whether the mine is a coal mine."""
        return self.kind == "coal"


@dataclass(frozen=True)
class Body:
    """One enforcement body (执法主体), regulator or supervisor side.

    Parameters
    ----------
    body_id
        Unique id of the body.
    name
        Name of the body.
    side
        ``"regulator"`` (监管部门) or ``"supervisor"`` (省级局 or a
        division of it).
    level
        One of ``province``, ``city``, ``county``, ``bureau``,
        ``division``.
    officers
        Number of certified enforcement officers (R16).
    other_enforcement_days
        Person-days a year spent on other enforcement work (R17).
    non_enforcement_days
        Person-days a year spent on leave, study and meetings (R17).
    team_size
        Certified officers on one visit; never below 2 (R16).
    """

    body_id: str
    name: str
    side: str
    level: str
    officers: int
    other_enforcement_days: float
    non_enforcement_days: float
    team_size: int = 2


@dataclass(frozen=True)
class Company:
    """A parent company (上级公司) that is itself inspected (R8)."""

    company_id: str
    name: str
    body_id: str
    visits_wanted: int


@dataclass(frozen=True)
class Hazard:
    """An open major hazard (重大事故隐患) that needs a re-check (R13)."""

    hazard_id: str
    mine_id: str
    found_by: str
    deadline: date


@dataclass(frozen=True)
class Campaign:
    """A special inspection campaign (专项检查) with its own plan (R14).

    The filter fields select target mines; an empty filter field matches
    every mine. ``disasters`` matches a mine with any of the listed ones.
    """

    campaign_id: str
    name: str
    body_id: str
    first_month: int
    last_month: int
    max_visits: int
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    disasters: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()

    @property
    def months(self) -> tuple[int, ...]:
        """The months of the campaign window, inclusive."""
        return tuple(range(self.first_month, self.last_month + 1))

    def matches(self, mine: Mine) -> bool:
        """Whether a mine passes the campaign's filter."""
        if self.kinds and mine.kind not in self.kinds:
            return False

        if self.categories and mine.category not in self.categories:
            return False

        if self.counties and mine.county not in self.counties:
            return False

        wanted = set(self.disasters)
        return not wanted or bool(wanted & set(mine.disasters))


@dataclass(frozen=True)
class Scenario:
    """A province's data for one plan year, validated and ready to plan.

    Parameters
    ----------
    name
        Name of the scenario.
    year
        The plan year.
    seed
        Default random seed of the solver.
    mines, bodies, companies, hazards, campaigns
        The records of the scenario tables, in file order.
    policy
        The policy settings (caps, minimums, weights).
    workdays
        Legal workdays of each month, January first (R17).
    calendar_source
        Where the workdays come from: the calendar package, an override
        file, or an estimate.
    digest
        SHA-256 digest of all input files, for the record.
    """

    name: str
    year: int
    seed: int
    mines: tuple[Mine, ...]
    bodies: tuple[Body, ...]
    companies: tuple[Company, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    campaigns: tuple[Campaign, ...] = ()
    policy: Policy = field(default_factory=Policy)
    workdays: tuple[int, ...] = (22,) * 12
    calendar_source: str = "estimate"
    digest: str = ""

    def body(self, body_id: str) -> Body:
        """Return the body with this id."""
        return self._bodies_by_id()[body_id]

    def mine(self, mine_id: str) -> Mine:
        """Return the mine with this id."""
        return self._mines_by_id()[mine_id]

    def _bodies_by_id(self) -> dict[str, Body]:
        cache = self.__dict__.get("_body_index")
        if cache is None:
            cache = {body.body_id: body for body in self.bodies}
            object.__setattr__(self, "_body_index", cache)

        return cache

    def _mines_by_id(self) -> dict[str, Mine]:
        cache = self.__dict__.get("_mine_index")
        if cache is None:
            cache = {mine.mine_id: mine for mine in self.mines}
            object.__setattr__(self, "_mine_index", cache)

        return cache
