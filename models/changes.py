"""Mid-year changes to a province (R23): the changes file and applying it.

A changes file is YAML::

    reason: 第一季度分类调整
    category_changes:
      - {mine_id: M0001, category: C, effective: 2027-04-01}
    mines_added:
      - {mine_id: M9001, name: 新井煤矿, kind: coal, category: B,
         regulator_id: R-C01-01, supervisor_id: S-D01, risk_score: 60,
         county: 东山市武昌县, disasters: gas}
    mines_closed:
      - {mine_id: M0002, effective: 2027-04-15}
    officers:
      - {body_id: R-C01-01, officers: 3}
    hazards:
      - {hazard_id: H900, mine_id: M0003, found_by: S-D01,
         deadline: 2027-06-30}
    campaigns:
      - {campaign_id: CP9, name: 雨季专项, body_id: R-PROV, months: 6-8,
         max_visits: 5, disasters: water}

Every section is optional. Errors name the file and the key, such as
``category_changes[0].category``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import yaml

from models.errors import InputIssue, ScenarioError
from models.records import CATEGORIES, KINDS, Campaign, Hazard, Mine, Scenario

SECTIONS = (
    "reason",
    "category_changes",
    "mines_added",
    "mines_closed",
    "officers",
    "hazards",
    "campaigns",
)


@dataclass(frozen=True)
class CategoryChange:
    """A mine reclassified from a date (R1, R2)."""

    mine_id: str
    category: str
    effective: date


@dataclass(frozen=True)
class Closure:
    """A mine closed from a date."""

    mine_id: str
    effective: date


@dataclass(frozen=True)
class OfficerChange:
    """A body's new number of certified officers (R16)."""

    body_id: str
    officers: int


@dataclass(frozen=True)
class Changes:
    """Everything a changes file asks for, validated."""

    reason: str = ""
    category_changes: tuple[CategoryChange, ...] = ()
    mines_added: tuple[Mine, ...] = ()
    mines_closed: tuple[Closure, ...] = ()
    officers: tuple[OfficerChange, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    campaigns: tuple[Campaign, ...] = ()

    def describe(self) -> list[str]:
        """Return one line per change, for the statement and history."""
        lines = [
            f"mine {c.mine_id} becomes category {c.category} from "
            f"{c.effective}"
            for c in self.category_changes
        ]
        lines += [
            f"mine {m.mine_id} ({m.name}) added" for m in self.mines_added
        ]
        lines += [
            f"mine {c.mine_id} closed from {c.effective}"
            for c in self.mines_closed
        ]
        lines += [
            f"body {c.body_id} now has {c.officers} certified officers"
            for c in self.officers
        ]
        lines += [
            f"new major hazard {h.hazard_id} at mine {h.mine_id}, deadline "
            f"{h.deadline}"
            for h in self.hazards
        ]
        lines += [
            f"new campaign {c.campaign_id} ({c.name})" for c in self.campaigns
        ]
        return lines

    def apply(
        self,
        scenario: Scenario,
        as_of: date,
        whole_year: bool,
        prorate: Callable,
    ) -> tuple[Scenario, dict, dict[str, str]]:
        """Return the changed scenario, changed caps and reasons per mine.

        ``prorate(scenario, mine_id, old, new, day)`` returns the caps of
        a reclassified mine; with ``whole_year`` the new category's caps
        apply to the whole year.
        """
        categories = {c.mine_id: c for c in self.category_changes}
        caps, reasons = {}, {}
        for change in self.category_changes:
            mine = scenario.mine(change.mine_id)
            reasons[mine.mine_id] = (
                f"R23: mine {mine.mine_id} reclassified {mine.category}→"
                f"{change.category} from {change.effective}"
            )
            if not whole_year:
                caps[mine.mine_id] = prorate(
                    scenario,
                    mine.mine_id,
                    mine.category,
                    change.category,
                    change.effective,
                )

        mines = (
            tuple(
                replace(m, category=categories[m.mine_id].category)
                if m.mine_id in categories
                else m
                for m in scenario.mines
            )
            + self.mines_added
        )
        officers = {c.body_id: c.officers for c in self.officers}
        bodies = tuple(
            replace(b, officers=officers[b.body_id])
            if b.body_id in officers
            else b
            for b in scenario.bodies
        )
        reasons.update(self._other_reasons())
        changed = replace(
            scenario,
            mines=mines,
            bodies=bodies,
            hazards=scenario.hazards + self.hazards,
            campaigns=scenario.campaigns + self.campaigns,
        )
        return changed, caps, reasons

    def _other_reasons(self) -> dict[str, str]:
        """Return reasons for added and closed mines and new hazards."""
        reasons = {
            m.mine_id: f"R23: mine {m.mine_id} added" for m in self.mines_added
        }
        reasons.update(
            {
                c.mine_id: f"R23: mine {c.mine_id} closed from {c.effective}"
                for c in self.mines_closed
            }
        )
        reasons.update(
            {
                h.mine_id: f"R13: new major hazard {h.hazard_id}, re-check "
                f"after {h.deadline}"
                for h in self.hazards
            }
        )
        return reasons


class _Reader:
    """Collects the problems of one changes file."""

    def __init__(self, label: str, scenario: Scenario):
        self.label = label
        self.scenario = scenario
        self.issues: list[InputIssue] = []
        self.mines = {m.mine_id for m in scenario.mines}
        self.bodies = {b.body_id: b for b in scenario.bodies}

    def issue(self, key: str, value, expected: str) -> None:
        """Record one problem at a key."""
        self.issues.append(
            InputIssue(self.label, None, key, str(value), expected)
        )

    def text(self, item: dict, key: str, where: str) -> str:
        """Return a required text field."""
        value = item.get(key)
        if value is None or str(value).strip() == "":
            self.issue(f"{where}.{key}", value, f"give {key}")
            return ""

        return str(value).strip()

    def day(self, item: dict, key: str, where: str) -> date:
        """Return a date in the scenario's year."""
        value = item.get(key)
        try:
            day = (
                value
                if isinstance(value, date)
                else date.fromisoformat(str(value))
            )
        except ValueError:
            self.issue(f"{where}.{key}", value, "use a date YYYY-MM-DD")
            return date(self.scenario.year, 1, 1)

        if day.year != self.scenario.year and key != "deadline":
            self.issue(
                f"{where}.{key}", value, f"use a date in {self.scenario.year}"
            )

        return day

    def whole(self, item: dict, key: str, where: str, low: int) -> int:
        """Return a whole number at least ``low``."""
        value = item.get(key)
        try:
            number = int(str(value))
        except ValueError:
            number = low - 1

        if number < low:
            self.issue(
                f"{where}.{key}", value, f"use a whole number of {low} or more"
            )

        return max(number, low)

    def mine(self, item: dict, key: str, where: str) -> str:
        """Return a known mine id."""
        mine_id = self.text(item, key, where)
        if mine_id and mine_id not in self.mines:
            self.issue(
                f"{where}.{key}", mine_id, "name a mine of the scenario"
            )

        return mine_id

    def body(self, item: dict, key: str, where: str) -> str:
        """Return a known body id."""
        body_id = self.text(item, key, where)
        if body_id and body_id not in self.bodies:
            self.issue(
                f"{where}.{key}", body_id, "name a body of the scenario"
            )

        return body_id


def read_changes(path: Path, scenario: Scenario) -> Changes:
    """Read and validate a changes file against the scenario.

    Raises
    ------
    ScenarioError
        With every problem found, each naming the file and the key.
    """
    label = path.name
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as err:
        issue = InputIssue(
            label,
            None,
            None,
            type(err).__name__,
            f"a readable YAML file: {err}",
        )
        raise ScenarioError([issue]) from err

    reader = _Reader(label, scenario)
    if not isinstance(raw, dict):
        reader.issue("(top)", type(raw).__name__, "a mapping of sections")
        raise ScenarioError(reader.issues)

    for key in raw:
        if key not in SECTIONS:
            reader.issue(key, key, "use only " + ", ".join(SECTIONS))

    changes = Changes(
        reason=str(raw.get("reason", "")),
        category_changes=tuple(
            _items(reader, raw, "category_changes", _category)
        ),
        mines_added=tuple(_items(reader, raw, "mines_added", _added)),
        mines_closed=tuple(_items(reader, raw, "mines_closed", _closure)),
        officers=tuple(_items(reader, raw, "officers", _officers)),
        hazards=tuple(_items(reader, raw, "hazards", _hazard)),
        campaigns=tuple(_items(reader, raw, "campaigns", _campaign)),
    )
    if reader.issues:
        raise ScenarioError(reader.issues)

    return changes


def _items(reader: _Reader, raw: dict, section: str, build) -> list:
    """Build every entry of a section, or record why not."""
    entries = raw.get(section) or []
    if not isinstance(entries, list):
        reader.issue(section, entries, "a list of entries")
        return []

    built = []
    for index, entry in enumerate(entries):
        where = f"{section}[{index}]"
        if not isinstance(entry, dict):
            reader.issue(where, entry, "a mapping such as {mine_id: ...}")
            continue

        built.append(build(reader, entry, where))

    return built


def _category(reader: _Reader, item: dict, where: str) -> CategoryChange:
    """Read one category change."""
    category = reader.text(item, "category", where).upper()
    if category and category not in CATEGORIES:
        reader.issue(f"{where}.category", category, "use A, B, C or D")

    return CategoryChange(
        reader.mine(item, "mine_id", where),
        category,
        reader.day(item, "effective", where),
    )


def _closure(reader: _Reader, item: dict, where: str) -> Closure:
    """Read one closed mine."""
    return Closure(
        reader.mine(item, "mine_id", where),
        reader.day(item, "effective", where),
    )


def _officers(reader: _Reader, item: dict, where: str) -> OfficerChange:
    """Read one change of officers."""
    return OfficerChange(
        reader.body(item, "body_id", where),
        reader.whole(item, "officers", where, 1),
    )


def _hazard(reader: _Reader, item: dict, where: str) -> Hazard:
    """Read one new major hazard (R13)."""
    return Hazard(
        reader.text(item, "hazard_id", where),
        reader.mine(item, "mine_id", where),
        reader.body(item, "found_by", where),
        reader.day(item, "deadline", where),
    )


def _added(reader: _Reader, item: dict, where: str) -> Mine:
    """Read one added mine, checking its kind, category and bodies (R3)."""
    kind = reader.text(item, "kind", where)
    if kind and kind not in KINDS:
        reader.issue(f"{where}.kind", kind, "use coal or non_coal")

    category = reader.text(item, "category", where).upper()
    if category and category not in CATEGORIES:
        reader.issue(f"{where}.category", category, "use A, B, C or D")

    regulator = reader.body(item, "regulator_id", where)
    supervisor = str(item.get("supervisor_id") or "").strip() or None
    if kind == "coal" and supervisor is None:
        reader.issue(
            f"{where}.supervisor_id", "", "R3: a coal mine needs a supervisor"
        )
    elif supervisor is not None:
        reader.body(item, "supervisor_id", where)

    try:
        risk = float(item.get("risk_score", ""))
    except ValueError:
        risk = -1.0

    if not 0 <= risk <= 100:
        reader.issue(f"{where}.risk_score", item.get("risk_score"), "0 to 100")

    disasters = str(item.get("disasters") or "")
    mine_id = reader.text(item, "mine_id", where)
    reader.mines.add(mine_id)
    return Mine(
        mine_id=mine_id,
        name=reader.text(item, "name", where),
        kind=kind,
        category=category,
        regulator_id=regulator,
        supervisor_id=supervisor,
        company_id=str(item.get("company_id") or "").strip() or None,
        risk_score=max(risk, 0.0),
        county=reader.text(item, "county", where),
        disasters=tuple(
            sorted(
                {d.strip().lower() for d in disasters.split(";") if d.strip()}
            )
        ),
    )


def _campaign(reader: _Reader, item: dict, where: str) -> Campaign:
    """Read one new special campaign (R14)."""
    months = str(item.get("months", "")).strip()
    first, _, last = months.partition("-")
    try:
        first_month, last_month = int(first), int(last or first)
    except ValueError:
        first_month, last_month = 0, 0

    if not 1 <= first_month <= last_month <= 12:
        reader.issue(
            f"{where}.months", months, "a window such as 5-9 within 1-12"
        )

    def listed(key: str) -> tuple[str, ...]:
        return tuple(
            s.strip() for s in str(item.get(key) or "").split(";") if s.strip()
        )

    return Campaign(
        campaign_id=reader.text(item, "campaign_id", where),
        name=reader.text(item, "name", where),
        body_id=reader.body(item, "body_id", where),
        first_month=max(first_month, 1),
        last_month=max(last_month, 1),
        max_visits=reader.whole(item, "max_visits", where, 1),
        kinds=listed("kinds"),
        categories=tuple(c.upper() for c in listed("categories")),
        disasters=tuple(d.lower() for d in listed("disasters")),
        counties=listed("counties"),
    )
