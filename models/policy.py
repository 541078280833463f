"""Policy settings: caps, minimums, floors and objective weights.

The defaults are the numbers of 矿安〔2025〕14号; each field names the rule
it comes from, so a filed plan can state the table it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COAL_REGULATOR_CAPS = {"A": 2, "B": 4, "C": 6, "D": 4}  # R5, §3
COAL_SUPERVISOR_CAPS = {"A": 1, "B": 2, "C": 4, "D": 0}  # R6, §3
TOTAL_CAP = 12  # R4, §3
COMPANY_CAP = 2  # R8, §3


@dataclass(frozen=True)
class Caps:
    """Yearly visit caps of one mine: all sides, regulator, supervisor."""

    total: int
    regulator: int
    supervisor: int


@dataclass(frozen=True)
class Floor:
    """A minimum number of visits a year for a group of mines.

    Parameters
    ----------
    kind
        ``"coal"``, ``"non_coal"`` or ``"any"``.
    categories
        Categories the floor applies to.
    side
        ``"regulator"``, ``"supervisor"`` or ``"any"``: which side's
        visits count toward the floor (joint visits count for both).
    min_visits
        Visits each such mine gets at least.
    """

    kind: str
    categories: tuple[str, ...]
    side: str
    min_visits: int

    def applies_to(self, kind: str, category: str) -> bool:
        """Whether the floor covers a mine of this kind and category."""
        kind_ok = self.kind in ("any", kind)
        return kind_ok and category in self.categories


DEFAULT_FLOORS = (
    Floor("coal", ("A", "B", "C"), "regulator", 1),
    Floor("non_coal", ("A", "B", "C", "D"), "regulator", 1),
)


@dataclass(frozen=True)
class Weights:
    """Weights of the objective (R21, R22).

    Parameters
    ----------
    coal_category, non_coal_category
        Weight of a visit to a mine of each category. Coal D mines are idle
        and non-coal D mines are the riskiest (R1, R2).
    disaster
        Extra weight for each major disaster type of the mine.
    decay
        Each further visit to one mine is worth this share of the one
        before (R22: diminishing returns).
    flood_season_start
        First month of the flood season.
    pre_flood_bonus
        Extra share of value for a water-hazard mine that gets at least
        one visit before the flood season (R21); once per mine, so it
        never pulls all of a mine's visits into spring.
    company
        Value of one parent company visit, in risk units.
    visit_burden
        Cost, in risk units, of each visit to a mine: a visit disturbs the
        mine's work (§11), so one worth less than this is not planned.
    """

    coal_category: dict[str, float] = field(
        default_factory=lambda: {"A": 1.0, "B": 1.5, "C": 2.5, "D": 0.3}
    )
    non_coal_category: dict[str, float] = field(
        default_factory=lambda: {"A": 0.8, "B": 1.2, "C": 2.0, "D": 3.0}
    )
    disaster: float = 0.15
    decay: float = 0.6
    flood_season_start: int = 6
    pre_flood_bonus: float = 0.2
    company: float = 1.0
    visit_burden: float = 0.3


@dataclass(frozen=True)
class Policy:
    """Every policy setting of a plan, defaulting to the notice.

    Parameters
    ----------
    total_cap
        R4: visits to one mine by all bodies in a year.
    coal_regulator_caps
        R5: regulator-side visits to one coal mine, per category.
    coal_supervisor_caps
        R6: supervisor-side visits to one coal mine, per category; the
        notice sets none for D, so the default plans none.
    non_coal_caps
        R7: regulator-side visits to one non-coal mine, per category; must
        be given when the scenario has non-coal mines.
    non_coal_caps_by_body
        R7: caps set by individual regulator bodies, overriding
        ``non_coal_caps`` for their mines.
    company_cap
        R8: visits to one parent company in a year.
    joint_minimum
        R10: joint visits in every quarter.
    joint_scope
        R10: ``"province"`` counts joint visits over the whole province,
        ``"division"`` for each supervisor body.
    min_gap_months
        R11: visits to one mine lie at least this many months apart; 1
        means at most one visit a month.
    reserve_share
        R15: share of inspection capacity kept for unplanned checks.
    floors
        Minimum visits for groups of mines.
    visit_days
        Days one officer spends on one visit, per mine kind.
    company_visit_days
        Days one officer spends on one parent company visit.
    weights
        Objective weights.
    """

    total_cap: int = TOTAL_CAP
    coal_regulator_caps: dict[str, int] = field(
        default_factory=lambda: dict(COAL_REGULATOR_CAPS)
    )
    coal_supervisor_caps: dict[str, int] = field(
        default_factory=lambda: dict(COAL_SUPERVISOR_CAPS)
    )
    non_coal_caps: dict[str, int] | None = None
    non_coal_caps_by_body: dict[str, dict[str, int]] = field(
        default_factory=dict
    )
    company_cap: int = COMPANY_CAP
    joint_minimum: int = 1
    joint_scope: str = "province"
    min_gap_months: int = 1
    reserve_share: float = 0.1
    floors: tuple[Floor, ...] = DEFAULT_FLOORS
    visit_days: dict[str, float] = field(
        default_factory=lambda: {"coal": 2.0, "non_coal": 1.0}
    )
    company_visit_days: float = 1.0
    weights: Weights = field(default_factory=Weights)

    def caps(self, kind: str, category: str, regulator_id: str) -> Caps:
        """Return the yearly caps of a mine (R4-R7).

        Raises
        ------
        ValueError
            If the mine is non-coal and no non-coal cap table is set (R7
            caps are input, never invented).
        """
        if kind == "coal":
            return Caps(
                self.total_cap,
                self.coal_regulator_caps[category],
                self.coal_supervisor_caps[category],
            )

        table = self.non_coal_caps_by_body.get(regulator_id)
        table = table if table is not None else self.non_coal_caps
        if table is None:
            msg = "R7: non-coal caps must be set in the policy."
            raise ValueError(msg)

        return Caps(self.total_cap, table[category], 0)

    def floor_for(self, kind: str, category: str, side: str) -> int:
        """Return the visits a mine must get from one side (or ``any``)."""
        wanted = [
            floor.min_visits
            for floor in self.floors
            if floor.side == side and floor.applies_to(kind, category)
        ]
        return max(wanted, default=0)
