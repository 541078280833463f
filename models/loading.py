"""Loading a scenario folder: ``scenario.yaml`` and its tables.

Everything the planner typed is checked before a scenario is returned,
and every problem is reported at once as an :class:`InputIssue` naming
its file, row, column, the value found and the fix (the format is
``docs/input-format.md``). Loading happens in steps: each YAML file of
the chain of variants (``docs/variants.md``) is read into a plain dict,
the dicts are merged, the tables are read and edited by each variant, and
only then are records built and checked, so that a variant is checked
exactly like a plain scenario.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from models.calendar import Workdays, workdays_for
from models.errors import InputIssue, ScenarioError
from models.policy import Floor, Policy, Weights
from models.records import (
    CATEGORIES,
    KINDS,
    LEVELS,
    SIDES,
    Body,
    Campaign,
    Company,
    Hazard,
    Mine,
    Scenario,
)
from models.tables import Table, TableReadError, read_table
from models.variants import (
    Origins,
    Variant,
    drop_rows,
    edit_bodies,
    edit_mines,
    merge_settings,
    row_file,
)

SCENARIO_FILE = "scenario.yaml"
SETTING_KEYS = ("name", "year", "seed", "tables", "calendar", "policy")
TOP_KEYS = (*SETTING_KEYS, "extends")
VARIANT_KEYS = (*TOP_KEYS, "bodies", "mines")
TABLE_KEYS = ("mines", "bodies", "companies", "hazards", "campaigns")
REQUIRED_TABLES = ("mines", "bodies")
SOURCE_KEYS = ("file", "sheet")

MINE_COLUMNS = (
    "mine_id",
    "name",
    "kind",
    "category",
    "regulator_id",
    "risk_score",
    "county",
)
BODY_COLUMNS = (
    "body_id",
    "name",
    "side",
    "level",
    "officers",
    "other_enforcement_days",
    "non_enforcement_days",
)
COMPANY_COLUMNS = ("company_id", "name", "body_id", "visits_wanted")
HAZARD_COLUMNS = ("hazard_id", "mine_id", "found_by", "deadline")
CAMPAIGN_COLUMNS = ("campaign_id", "name", "body_id", "months", "max_visits")
CALENDAR_COLUMNS = ("date", "workday")

SIDE_LEVELS = {
    "regulator": ("province", "city", "county"),
    "supervisor": ("bureau", "division"),
}
JOINT_SCOPES = ("province", "division")
FLOOR_KINDS = (*KINDS, "any")
FLOOR_SIDES = (*SIDES, "any")
FLOOR_KEYS = ("kind", "categories", "side", "min_visits")
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
MISSING = "(missing)"

# Dates as typed, or as an Excel date cell reads back (with its time).
DATE_PATTERN = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})( 00:00:00)?")
MONTHS_PATTERN = re.compile(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?")


@dataclass(frozen=True)
class _Range:
    """An allowed range of numbers, which parses and describes itself."""

    low: float
    high: float | None = None
    above: bool = False
    whole: bool = False
    why: str = ""

    def parse(self, value: object) -> float | None:
        """Return the value as a number in range, or ``None``."""
        number = _as_whole(value) if self.whole else _as_number(value)
        if number is None or number < self.low:
            return None

        if self.above and number == self.low:
            return None

        return number if self.high is None or number <= self.high else None

    def text(self) -> str:
        """Return the rule as a fix, e.g. 'must be a number from 0 to 1'."""
        noun = "a whole number" if self.whole else "a number"
        if self.high is not None:
            bounds = f"from {self.low:g} to {self.high:g}"
        elif self.above:
            bounds = f"above {self.low:g}"
        else:
            bounds = f"of {self.low:g} or more"

        why = f" ({self.why})" if self.why else ""
        return f"must be {noun} {bounds}{why}"


YEAR = _Range(2000, 2100, whole=True)
SEED = _Range(0, 2**31 - 1, whole=True)
CAP = _Range(0, whole=True)
OFFICERS = _Range(0, above=True, whole=True, why="R16")
DAYS = _Range(0, why="R17")
TEAM = _Range(2, whole=True, why="R16: a visit needs two certified officers")
RISK = _Range(0, 100)
LON = _Range(-180, 180)
LAT = _Range(-90, 90)
POSITIVE = _Range(0, above=True)
SHARE = _Range(0)
MAX_VISITS = _Range(1, whole=True)
MONTH = _Range(1, 12, whole=True)


@dataclass(frozen=True)
class _Source:
    """A table named in ``scenario.yaml``: a file and perhaps a sheet."""

    file: str
    sheet: str | None = None

    @property
    def label(self) -> str:
        """The name used for the table in messages."""
        if self.sheet is None:
            return self.file

        return f"{self.file} [{self.sheet}]"


@dataclass(frozen=True)
class _Known:
    """Ids of the tables as typed, for checking references between them.

    A table that could not be read is ``None``, so that its problem is
    reported once and not again at every reference to it.
    """

    sides: dict[str, str] | None
    companies: set[str] | None
    mines: set[str] | None
    labels: dict[str, str]

    def listing(self, key: str) -> str:
        """Where valid ids of a table are listed, for a fix message."""
        label = self.labels.get(key)
        return label if label else f"a {key} table (set tables.{key})"


class _Issues:
    """Every problem found so far.

    ``key_file`` names the YAML file a key comes from (a variant or its
    base), and ``origins`` the cells a variant set, so that a problem in
    such a cell also names the key that set it.
    """

    def __init__(self) -> None:
        self.found: list[InputIssue] = []
        self.key_file: Callable[[str], str] = lambda key: SCENARIO_FILE
        self.origins: Origins = {}

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        value: object,
        expected: str,
    ) -> None:
        """Add one problem."""
        expected = self._traced(file, row, column, expected)
        issue = InputIssue(file, row, column, _show(value), expected)
        self.found.append(issue)

    def key(self, key: str, value: object, expected: str) -> None:
        """Add a problem with a key of a ``scenario.yaml``."""
        self.add(self.key_file(key), None, key, value, expected)

    @contextmanager
    def keys_of(self, file: str) -> Iterator[None]:
        """Name ``file`` for every key problem reported inside."""
        outer = self.key_file
        self.key_file = lambda key: file
        try:
            yield
        finally:
            self.key_file = outer

    def _traced(
        self, file: str, row: int | None, column: str | None, expected: str
    ) -> str:
        """Add to a fix the variant keys that set the row's cells."""
        notes = self.origins.get((file, row or 0), {})
        if column in notes:
            return f"{expected} (set by {notes[column]})"

        if notes:
            return f"{expected} (row changed by {'; '.join(notes.values())})"

        return expected

    def raise_if_any(self) -> None:
        """Raise every problem at once, grouped by file and row."""
        if not self.found:
            return

        files = list(dict.fromkeys(issue.file for issue in self.found))
        ordered = sorted(
            self.found,
            key=lambda issue: (files.index(issue.file), issue.row or 0),
        )
        raise ScenarioError(ordered)


class _Row:
    """The cells of one table row, with getters that report bad cells.

    A getter that finds a bad cell reports it and returns a placeholder of
    the right type; :attr:`ok` tells whether the row had any problem.
    """

    def __init__(self, table: Table, index: int, issues: _Issues):
        self.cells = table.rows[index]
        self.file = row_file(table, index)
        self.row_number = table.row_numbers[index]
        self.issues = issues
        self.start = len(issues.found)

    @property
    def ok(self) -> bool:
        """Whether no problem was found in this row."""
        return len(self.issues.found) == self.start

    def get(self, column: str) -> str:
        """Return the text of a cell, empty when absent."""
        return self.cells.get(column, "")

    def report(self, column: str, expected: str) -> None:
        """Report the cell of a column as a problem."""
        value = self.get(column)
        self.issues.add(self.file, self.row_number, column, value, expected)

    def text(self, column: str) -> str:
        """Return a required text cell."""
        value = self.get(column)
        if not value:
            self.report(column, f"fill in the {column}: it is required")

        return value

    def choice(
        self, column: str, allowed: tuple[str, ...], why: str = ""
    ) -> str:
        """Return a cell that must be one of a few words (any case)."""
        value = _match(self.get(column), allowed)
        if value is None:
            rule = f" ({why})" if why else ""
            self.report(column, f"use {_either(allowed)}{rule}")

        return value or ""

    def number(self, column: str, spec: _Range) -> float:
        """Return a required number cell."""
        value = spec.parse(self.get(column))
        if value is None:
            self.report(column, spec.text())

        return value or 0.0

    def whole(
        self, column: str, spec: _Range, default: int | None = None
    ) -> int:
        """Return a whole number cell; ``default`` when empty, if given."""
        if default is not None and not self.get(column):
            return default

        return int(self.number(column, spec))

    def optional(self, column: str, spec: _Range) -> float | None:
        """Return a number cell that may be empty."""
        return self.number(column, spec) if self.get(column) else None

    def date(self, column: str) -> date:
        """Return a date cell."""
        value = parse_date(self.get(column))
        if value is None:
            self.report(column, "write the date as YYYY-MM-DD")

        return value or date.min


def load_scenario(folder: Path | str) -> Scenario:
    """Read and check a scenario folder.

    A ``scenario.yaml`` with ``extends:`` is a variant: it is merged over
    its base (itself perhaps a variant) as ``docs/variants.md`` says, and
    the merged scenario is checked like a plain one.

    Parameters
    ----------
    folder
        Folder holding ``scenario.yaml`` and its tables, in the format of
        ``docs/input-format.md``.

    Returns
    -------
    Scenario
        The validated scenario, its records in file order.

    Raises
    ------
    ScenarioError
        Listing every problem found in the input, each with its file,
        row, column, value and the fix.
    """
    issues = _Issues()
    layers = _read_chain(Path(folder), issues)
    issues.raise_if_any()
    chain = _Chain(layers)
    issues.key_file = chain.file
    config = _merged_config(chain, issues)
    return _scenario_from(chain, config, issues)


def _read_yaml(path: Path, issues: _Issues) -> tuple[dict[str, Any], bytes]:
    """Read ``scenario.yaml`` into a dict, or report why it cannot be."""
    try:
        data = path.read_bytes()
        config = yaml.safe_load(data)
    except OSError as err:
        fix = "put a scenario.yaml file in the scenario folder"
        issues.add(SCENARIO_FILE, None, None, _os_reason(err, path), fix)
        return {}, b""
    except yaml.YAMLError as err:
        issues.add(
            SCENARIO_FILE, None, None, _yaml_problem(err), _yaml_fix(err)
        )
        return {}, b""

    if not isinstance(config, dict):
        fix = "write keys such as name, year and tables, one a line"
        issues.add(SCENARIO_FILE, None, None, config, fix)
        return {}, b""

    return {str(key): value for key, value in config.items()}, data


def _scenario_from(
    chain: _Chain, config: dict[str, Any], issues: _Issues
) -> Scenario:
    """Turn the merged dict of ``scenario.yaml`` into a checked scenario."""
    _check_keys(config, "", TOP_KEYS, issues)
    name = _name_from(config.get("name"), issues)
    year = _year_from(config.get("year"), issues)
    seed = SEED.parse(config.get("seed", 0))
    if seed is None:
        issues.key("seed", config.get("seed"), SEED.text())

    policy = _policy_from(config.get("policy"), issues)
    reader = _Reader(issues)
    tables = _tables_from(config.get("tables"), chain, reader)
    _apply_variants(tables, chain, reader, issues)
    calendar = chain.layer("calendar")
    workdays = _workdays_from(config.get("calendar"), year, calendar, reader)
    records = _records_from(tables, policy, workdays, issues)
    _check_non_coal_caps(config.get("policy"), policy, records, issues)
    issues.raise_if_any()
    # A bad year or seed was reported above, so both are known here.
    assert workdays is not None and seed is not None
    return Scenario(
        name=name,
        year=workdays.year,
        seed=int(seed),
        **records,
        policy=policy,
        workdays=workdays.by_month,
        calendar_source=workdays.source,
        digest=reader.digest(chain.layers),
    )


def _name_from(value: object, issues: _Issues) -> str:
    if isinstance(value, str | int | float) and str(value).strip():
        return str(value).strip()

    issues.key(
        "name", value, "give the scenario a name, e.g. name: 示范省 2027"
    )
    return ""


def _year_from(value: object, issues: _Issues) -> int | None:
    year = YEAR.parse(value)
    if year is None:
        issues.key("year", value, f"the plan year {YEAR.text()}")
        return None

    return int(year)


# -------------------------------------------------------------- variants


@dataclass(frozen=True)
class _Layer:
    """One ``scenario.yaml`` of a chain of variants, with its folder.

    ``prefix`` leads the names of the layer's files in messages: their
    path from the folder common to the chain, empty for a plain scenario.
    """

    folder: Path
    config: dict[str, Any]
    data: bytes
    prefix: str = ""

    @property
    def label(self) -> str:
        """The layer's ``scenario.yaml`` as messages name it."""
        return self.prefix + SCENARIO_FILE


class _Chain:
    """The layers of a scenario, base first, and which one set each key."""

    def __init__(self, layers: list[_Layer]):
        self.layers = layers
        self.owners: dict[str, int] = {}

    def index(self, key: str) -> int:
        """The layer that set a key or the key above it; else the base."""
        while key not in self.owners:
            cut = max(key.rfind("."), key.rfind("["))
            if cut < 0:
                return 0

            key = key[:cut]

        return self.owners[key]

    def layer(self, key: str) -> _Layer:
        """The layer that set a key."""
        return self.layers[self.index(key)]

    def file(self, key: str) -> str:
        """The file that set a key, as messages name it."""
        return self.layer(key).label


_Found = tuple[Path, dict[str, Any], bytes, _Issues]


def _read_chain(folder: Path, issues: _Issues) -> list[_Layer]:
    """Read a ``scenario.yaml`` and every base it extends, base first."""
    found: list[_Found] = []
    seen: list[Path] = []
    loop: Path | None = None
    current: Path | None = folder
    while current is not None:
        own = _Issues()
        config, data = _read_yaml(current / SCENARIO_FILE, own)
        found.append((current, config, data, own))
        seen.append(current.resolve())
        current = _base_of(current, config, own)
        if current is not None and current.resolve() in seen:
            loop, current = current, None

    layers = _labelled(found, issues)
    if loop is not None:
        _report_loop(layers, seen.index(loop.resolve()), issues)

    return layers[::-1]


def _base_of(
    folder: Path, config: dict[str, Any], issues: _Issues
) -> Path | None:
    """Return the folder a ``scenario.yaml`` extends, if it names one."""
    value = config.get("extends")
    if value is None:
        return None

    if not isinstance(value, str) or not value.strip():
        fix = (
            "name the base scenario's folder, relative to this file's "
            "folder, e.g. extends: ../demo"
        )
        issues.key("extends", value, fix)
        return None

    base = folder / value.strip()
    if not (base / SCENARIO_FILE).is_file():
        fix = f"name a folder holding a scenario.yaml (none in {base})"
        issues.key("extends", value, fix)
        return None

    return base


def _labelled(found: list[_Found], issues: _Issues) -> list[_Layer]:
    """Name the files of each layer and report the layer's problems."""
    folders = [entry[0].resolve() for entry in found]
    common = os.path.commonpath(folders) if len(folders) > 1 else None
    layers = []
    for (folder, config, data, own), resolved in zip(
        found, folders, strict=True
    ):
        prefix = _prefix(resolved, common)
        layers.append(_Layer(folder, config, data, prefix))
        issues.found += [
            replace(issue, file=prefix + issue.file) for issue in own.found
        ]

    return layers


def _prefix(folder: Path, common: str | None) -> str:
    """Return a folder's path from the common one, as a name prefix."""
    if common is None:
        return ""

    path = Path(os.path.relpath(folder, common)).as_posix()
    return "" if path == "." else f"{path}/"


def _report_loop(layers: list[_Layer], target: int, issues: _Issues) -> None:
    """Report a chain of ``extends`` that leads back to one of its files."""
    last = layers[-1]
    names = [layer.label for layer in [*layers, layers[target]]]
    fix = (
        f"the chain of bases loops ({' -> '.join(names)}): extend a "
        "scenario outside this chain"
    )
    issues.add(last.label, None, "extends", last.config.get("extends"), fix)


def _merged_config(chain: _Chain, issues: _Issues) -> dict[str, Any]:
    """Merge each variant's settings over its base's; note who set what."""
    config: dict[str, Any] = {}
    for index, layer in enumerate(chain.layers):
        given = layer.config
        if index > 0:
            with issues.keys_of(layer.label):
                _check_keys(given, "", VARIANT_KEYS, issues)

            given = {k: v for k, v in given.items() if k in SETTING_KEYS}

        config, paths = merge_settings(config, given)
        chain.owners.update(dict.fromkeys(paths, index))

    return config


def _apply_variants(
    tables: dict[str, Table | None],
    chain: _Chain,
    reader: _Reader,
    issues: _Issues,
) -> None:
    """Apply each variant's bodies and mines to the tables it inherits."""
    for index, layer in enumerate(chain.layers[1:], start=1):
        variant = Variant(layer.label, issues.key, issues.origins)
        bodies = _inherited(tables, "bodies", chain, index)
        mines = _inherited(tables, "mines", chain, index)
        with issues.keys_of(layer.label):
            changed = layer.config.get("bodies")
            if bodies is not None and changed is not None:
                tables["bodies"] = edit_bodies(bodies, changed, variant)

            if mines is not None and layer.config.get("mines") is not None:
                _edit_mines(tables, mines, layer, reader, variant)


def _inherited(
    tables: dict[str, Table | None], key: str, chain: _Chain, index: int
) -> Table | None:
    """A table a variant edits: one that no later variant replaces."""
    if chain.index(f"tables.{key}") > index:
        return None

    return tables.get(key)


def _edit_mines(
    tables: dict[str, Table | None],
    mines: Table,
    layer: _Layer,
    reader: _Reader,
    variant: Variant,
) -> None:
    """Set, remove and add mines; drop the hazards of mines removed."""
    value = layer.config["mines"]
    added = _added(value, layer, reader)
    tables["mines"], removed = edit_mines(mines, value, added, variant)
    hazards = tables.get("hazards")
    if removed and hazards is not None:
        tables["hazards"] = drop_rows(hazards, "mine_id", removed)


def _added(value: object, layer: _Layer, reader: _Reader) -> Table | None:
    """Read the table of mines a variant adds, if it names one."""
    if not isinstance(value, dict) or value.get("add") is None:
        return None

    source = _source_from(value["add"], "mines.add", reader.issues)
    table = reader.read(source, layer) if source else None
    if table is None or not _has_columns(table, MINE_COLUMNS, reader.issues):
        return None

    return table


# ---------------------------------------------------------------- tables


class _Reader:
    """Reads the tables of a scenario and remembers them for the digest."""

    def __init__(self, issues: _Issues):
        self.issues = issues
        self.paths: dict[str, Path] = {}

    def read(self, source: _Source, layer: _Layer) -> Table | None:
        """Return a table named in a layer, relative to its folder.

        ``None`` after reporting why the table could not be read.
        """
        path = layer.folder / source.file
        label = layer.prefix + source.label
        try:
            table = read_table(path, label, source.sheet)
        except TableReadError as err:
            self.issues.found.append(err.issue)
            return None
        except Exception as err:
            # A damaged file may fail deep inside a reader library; it is
            # still a problem of the input, never a crash of the planner.
            fix = "save the file again as UTF-8 CSV or as XLSX"
            reason = _os_reason(err, path) if isinstance(err, OSError) else err
            self.issues.add(label, None, None, reason, fix)
            return None

        self.paths.setdefault(layer.prefix + source.file, path)
        return table

    def digest(self, layers: list[_Layer]) -> str:
        """SHA-256 over every ``scenario.yaml`` and table file, by name."""
        sha = hashlib.sha256()
        files = [(layer.label, layer.data) for layer in layers]
        files += [
            (name, path.read_bytes()) for name, path in self.paths.items()
        ]
        for name, content in files:
            for part in (name.encode(), content):
                sha.update(len(part).to_bytes(8, "big"))
                sha.update(part)

        return sha.hexdigest()


def _tables_from(
    value: object, chain: _Chain, reader: _Reader
) -> dict[str, Table | None]:
    """Read the tables named under ``tables``; ``None`` for unread ones.

    Each table is read from the folder of the file that named it.
    """
    issues = reader.issues
    entries = _mapping(value, "tables", issues, {})
    _check_keys(entries, "tables", TABLE_KEYS, issues)
    tables: dict[str, Table | None] = {}
    for key in TABLE_KEYS:
        if entries.get(key) is None:
            if key in REQUIRED_TABLES:
                fix = f"name the {key} table file, e.g. {key}: {key}.csv"
                issues.key(f"tables.{key}", None, fix)
                tables[key] = None

            continue

        source = _source_from(entries[key], f"tables.{key}", issues)
        layer = chain.layer(f"tables.{key}")
        tables[key] = reader.read(source, layer) if source else None

    return tables


def _source_from(value: object, key: str, issues: _Issues) -> _Source | None:
    """Return the file (and sheet) a table key names."""
    if isinstance(value, str) and value.strip():
        return _Source(value.strip())

    if isinstance(value, dict):
        _check_keys(value, key, SOURCE_KEYS, issues)
        file, sheet = value.get("file"), value.get("sheet")
        named = isinstance(file, str) and bool(file.strip())
        if named and (sheet is None or isinstance(sheet, str | int)):
            return _Source(str(file).strip(), _text_or_none(sheet))

    fix = "name a file, e.g. mines.csv, or {file: book.xlsx, sheet: NAME}"
    issues.key(key, value, fix)
    return None


def _rows(
    table: Table | None,
    required: tuple[str, ...],
    id_column: str | None,
    issues: _Issues,
) -> Iterator[_Row]:
    """Yield the rows of a table that has all its required columns."""
    if table is None or not _has_columns(table, required, issues):
        return

    if id_column is not None:
        _check_unique(table, id_column, issues)

    for index in range(len(table.rows)):
        yield _Row(table, index, issues)


def _has_columns(
    table: Table, required: tuple[str, ...], issues: _Issues
) -> bool:
    """Report each required column the table lacks."""
    missing = [column for column in required if column not in table.columns]
    found = ", ".join(table.columns[:15]) or "none"
    for column in missing:
        fix = f"add a column headed exactly {column} (columns found: {found})"
        issues.add(table.file, None, column, MISSING, fix)

    return not missing


def _check_unique(table: Table, column: str, issues: _Issues) -> None:
    """Report each id that an earlier row already used."""
    first: dict[str, tuple[str, int]] = {}
    for index, cells in enumerate(table.rows):
        file, number = row_file(table, index), table.row_numbers[index]
        value = cells.get(column, "")
        if value in first:
            where, row = first[value]
            place = f"row {row}" if where == file else f"{where}, row {row}"
            fix = (
                f"give each row its own {column}: {value} is already "
                f"used in {place}"
            )
            issues.add(file, number, column, value, fix)
        elif value:
            first[value] = (file, number)


def _check_not_empty(table: Table | None, noun: str, issues: _Issues) -> None:
    if table is not None and not table.rows:
        fix = f"list at least one {noun} below the header row"
        issues.add(table.file, None, None, "no rows", fix)


# --------------------------------------------------------------- records


def _records_from(
    tables: dict[str, Table | None],
    policy: Policy,
    workdays: Workdays | None,
    issues: _Issues,
) -> dict[str, tuple[Any, ...]]:
    """Build the records of every table, checking references between them."""
    known = _known_from(tables)
    year_days = workdays.total if workdays is not None else None
    visits = _Range(0, policy.company_cap, whole=True, why="R8")
    bodies = _bodies_from(tables.get("bodies"), year_days, issues)
    _check_caps_bodies(policy, known, issues)
    return {
        "mines": _mines_from(tables.get("mines"), known, issues),
        "bodies": bodies,
        "companies": _companies_from(
            tables.get("companies"), known, visits, issues
        ),
        "hazards": _hazards_from(tables.get("hazards"), known, issues),
        "campaigns": _campaigns_from(tables.get("campaigns"), known, issues),
    }


def _known_from(tables: dict[str, Table | None]) -> _Known:
    """Collect the ids each table lists, as typed."""
    sides = _column(tables, "bodies", "body_id", "side")
    companies = _column(tables, "companies", "company_id", "company_id")
    mines = _column(tables, "mines", "mine_id", "mine_id")
    labels = {key: table.file for key, table in tables.items() if table}
    return _Known(
        sides=None if sides is None else _sides(sides),
        companies=None if companies is None else set(companies),
        mines=None if mines is None else set(mines),
        labels=labels,
    )


def _column(
    tables: dict[str, Table | None], key: str, id_column: str, column: str
) -> dict[str, str] | None:
    """Map the ids of a table to one column; empty for an absent table."""
    if key not in tables:
        return {}

    table = tables[key]
    if table is None or id_column not in table.columns:
        return None

    return {row[id_column]: row.get(column, "") for row in table.rows}


def _sides(typed: dict[str, str]) -> dict[str, str]:
    return {body: _match(side, SIDES) or "" for body, side in typed.items()}


def _bodies_from(
    table: Table | None, year_days: int | None, issues: _Issues
) -> tuple[Body, ...]:
    _check_not_empty(table, "enforcement body", issues)
    rows = _rows(table, BODY_COLUMNS, "body_id", issues)
    bodies = [_body_from(row, year_days) for row in rows]
    return tuple(body for body in bodies if body is not None)


def _body_from(row: _Row, year_days: int | None) -> Body | None:
    side = row.choice("side", SIDES)
    level = row.choice("level", LEVELS)
    if side and level and level not in SIDE_LEVELS[side]:
        levels = _either(SIDE_LEVELS[side])
        row.report("level", f"a {side} body is at {levels} level")

    body = Body(
        body_id=row.text("body_id"),
        name=row.text("name"),
        side=side,
        level=level,
        officers=row.whole("officers", OFFICERS),
        other_enforcement_days=row.number("other_enforcement_days", DAYS),
        non_enforcement_days=row.number("non_enforcement_days", DAYS),
        team_size=row.whole("team_size", TEAM, default=2),
    )
    if row.ok and year_days is not None:
        _check_days_off(row, body, year_days)

    return body if row.ok else None


def _check_days_off(row: _Row, body: Body, year_days: int) -> None:
    """R17: days off other work cannot exceed the officers' workdays."""
    days_off = body.other_enforcement_days + body.non_enforcement_days
    limit = body.officers * year_days
    if days_off > limit:
        row.report(
            "other_enforcement_days",
            f"R17: other_enforcement_days + non_enforcement_days "
            f"({days_off:g}) may not exceed officers x workdays "
            f"({body.officers} x {year_days} = {limit}): lower the days "
            "or correct officers",
        )


def _mines_from(
    table: Table | None, known: _Known, issues: _Issues
) -> tuple[Mine, ...]:
    _check_not_empty(table, "mine", issues)
    rows = _rows(table, MINE_COLUMNS, "mine_id", issues)
    mines = [_mine_from(row, known) for row in rows]
    if table is not None and all(c in table.columns for c in MINE_COLUMNS):
        _check_supervisor_column(table, issues)

    return tuple(mine for mine in mines if mine is not None)


def _mine_from(row: _Row, known: _Known) -> Mine | None:
    kind = row.choice("kind", KINDS)
    category = row.choice("category", CATEGORIES, "R1, R2")
    _check_mine_bodies(row, kind, known)
    _refer(row, "company_id", known.companies, known.listing("companies"))
    mine = Mine(
        mine_id=row.text("mine_id"),
        name=row.text("name"),
        kind=kind,
        category=category,
        regulator_id=row.text("regulator_id"),
        supervisor_id=row.get("supervisor_id") or None,
        company_id=row.get("company_id") or None,
        risk_score=row.number("risk_score", RISK),
        county=row.text("county"),
        lon=row.optional("lon", LON),
        lat=row.optional("lat", LAT),
        disasters=_split(row.get("disasters")),
        visit_days=row.optional("person_days", POSITIVE),
    )
    return mine if row.ok else None


def _check_mine_bodies(row: _Row, kind: str, known: _Known) -> None:
    """R3: one regulator body, and one supervisor body for coal only."""
    listing = known.listing("bodies")
    _refer_side(row, "regulator_id", "regulator", known.sides, listing)
    supervisor = row.get("supervisor_id")
    if kind == "non_coal" and supervisor:
        fix = "R3: leave supervisor_id empty: only coal mines have one"
        row.report("supervisor_id", fix)
    elif kind == "coal" and not supervisor and "supervisor_id" in row.cells:
        fix = "R3: fill in supervisor_id: a coal mine has one supervisor body"
        row.report("supervisor_id", fix)
    else:
        _refer_side(row, "supervisor_id", "supervisor", known.sides, listing)


def _check_supervisor_column(table: Table, issues: _Issues) -> None:
    """R3: a table of coal mines needs the supervisor_id column."""
    if "supervisor_id" in table.columns:
        return

    if any(row["kind"].lower() == "coal" for row in table.rows):
        fix = "R3: add a supervisor_id column: each coal mine has one"
        issues.add(table.file, None, "supervisor_id", MISSING, fix)


def _refer(
    row: _Row, column: str, known: Collection[str] | None, listing: str
) -> None:
    """Report a reference to an id that its table does not list."""
    value = row.get(column)
    if value and known is not None and value not in known:
        row.report(column, f"use an id listed in {listing}")


def _refer_side(
    row: _Row,
    column: str,
    side: str,
    sides: dict[str, str] | None,
    listing: str,
) -> None:
    """R3: report a reference to an unknown body or one of the wrong side."""
    _refer(row, column, sides, listing)
    found = (sides or {}).get(row.get(column), "")
    if found and found != side:
        fix = f"R3: name a body of side {side}; this one is a {found} body"
        row.report(column, fix)


def _companies_from(
    table: Table | None, known: _Known, visits: _Range, issues: _Issues
) -> tuple[Company, ...]:
    rows = _rows(table, COMPANY_COLUMNS, "company_id", issues)
    companies = [_company_from(row, known, visits) for row in rows]
    return tuple(company for company in companies if company is not None)


def _company_from(row: _Row, known: _Known, visits: _Range) -> Company | None:
    _refer(row, "body_id", known.sides, known.listing("bodies"))
    company = Company(
        company_id=row.text("company_id"),
        name=row.text("name"),
        body_id=row.text("body_id"),
        visits_wanted=row.whole("visits_wanted", visits),
    )
    return company if row.ok else None


def _hazards_from(
    table: Table | None, known: _Known, issues: _Issues
) -> tuple[Hazard, ...]:
    rows = _rows(table, HAZARD_COLUMNS, "hazard_id", issues)
    hazards = [_hazard_from(row, known) for row in rows]
    return tuple(hazard for hazard in hazards if hazard is not None)


def _hazard_from(row: _Row, known: _Known) -> Hazard | None:
    # The finder need not oversee the mine: any listed body may have
    # found the hazard, so only that the body exists is checked.
    _refer(row, "mine_id", known.mines, known.listing("mines"))
    _refer(row, "found_by", known.sides, known.listing("bodies"))
    hazard = Hazard(
        hazard_id=row.text("hazard_id"),
        mine_id=row.text("mine_id"),
        found_by=row.text("found_by"),
        deadline=row.date("deadline"),
    )
    return hazard if row.ok else None


def _campaigns_from(
    table: Table | None, known: _Known, issues: _Issues
) -> tuple[Campaign, ...]:
    rows = _rows(table, CAMPAIGN_COLUMNS, "campaign_id", issues)
    campaigns = [_campaign_from(row, known) for row in rows]
    return tuple(campaign for campaign in campaigns if campaign is not None)


def _campaign_from(row: _Row, known: _Known) -> Campaign | None:
    _refer(row, "body_id", known.sides, known.listing("bodies"))
    first, last = _window(row)
    campaign = Campaign(
        campaign_id=row.text("campaign_id"),
        name=row.text("name"),
        body_id=row.text("body_id"),
        first_month=first,
        last_month=last,
        max_visits=row.whole("max_visits", MAX_VISITS),
        kinds=_filter(row, "kinds", KINDS),
        categories=_filter(row, "categories", CATEGORIES),
        disasters=_split(row.get("disasters")),
        counties=_split(row.get("counties"), case=str.strip),
    )
    return campaign if row.ok else None


def _window(row: _Row) -> tuple[int, int]:
    """Return the first and last month of a campaign's ``months``."""
    found = MONTHS_PATTERN.fullmatch(row.get("months").strip())
    first = int(found.group(1)) if found else 0
    last = int(found.group(2) or first) if found else 0
    if not 1 <= first <= last <= 12:
        row.report(
            "months",
            "write the months as a-b or a, with 1 <= a <= b <= 12 "
            "(campaign window outside the year); in Excel, format the "
            "cell as text so that 5-9 is not turned into a date",
        )

    return first, last


def _filter(
    row: _Row, column: str, allowed: tuple[str, ...]
) -> tuple[str, ...]:
    """Return a ';'-separated filter whose words must be allowed ones."""
    words = [_match(word, allowed) for word in _split(row.get(column))]
    if None in words:
        row.report(column, f"use {_either(allowed)}, separated by ';'")
        return ()

    return tuple(sorted({word for word in words if word is not None}))


def _split(
    text: str, case: Callable[[str], str] = str.lower
) -> tuple[str, ...]:
    """Return the ';'-separated words of a cell, sorted and unique."""
    words = (case(word.strip()) for word in text.split(";"))
    return tuple(sorted({word for word in words if word}))


# -------------------------------------------------------------- calendar


def _workdays_from(
    value: object, year: int | None, layer: _Layer, reader: _Reader
) -> Workdays | None:
    """R17: the year's workdays, from the override file if one is named."""
    exceptions = None
    if value is not None:
        source = _source_from(value, "calendar", reader.issues)
        table = reader.read(source, layer) if source else None
        rows = _rows(table, CALENDAR_COLUMNS, None, reader.issues)
        exceptions = _exceptions_from(rows, year)

    return None if year is None else workdays_for(year, exceptions)


def _exceptions_from(
    rows: Iterator[_Row], year: int | None
) -> dict[date, bool]:
    """Read the override rows; the year is checked when it is known."""
    exceptions: dict[date, bool] = {}
    seen: dict[date, int] = {}
    for row in rows:
        day = row.date("date")
        if row.ok and year is not None and day.year != year:
            row.report("date", f"list only dates of the plan year {year}")
        elif day in seen:
            row.report("date", f"list each date once: see row {seen[day]}")

        working = _as_bool(row.get("workday"))
        if working is None:
            row.report("workday", "use true or false")
        elif row.ok:
            exceptions[day] = working
            seen[day] = row.row_number

    return exceptions


# ---------------------------------------------------------------- policy


def _policy_from(value: object, issues: _Issues) -> Policy:
    """Build the policy from the YAML settings over the defaults."""
    settings = _mapping(value, "policy", issues, {})
    _check_keys(settings, "policy", tuple(POLICY_PARSERS), issues)
    return Policy(**_settings(settings, "policy", POLICY_PARSERS, issues))


def _settings(
    settings: dict[str, object],
    key: str,
    parsers: dict[str, Callable[[object, str, _Issues], Any]],
    issues: _Issues,
) -> dict[str, Any]:
    """Parse the settings given; a setting left empty keeps its default."""
    chosen = {}
    for name, parse in parsers.items():
        if settings.get(name) is not None:
            parsed = parse(settings[name], f"{key}.{name}", issues)
            if parsed is not None:
                chosen[name] = parsed

    return chosen


def _check_non_coal_caps(
    value: object,
    policy: Policy,
    records: dict[str, tuple[Any, ...]],
    issues: _Issues,
) -> None:
    """R7: non-coal caps come from the input, for every non-coal mine."""
    given = isinstance(value, dict) and value.get("non_coal_caps") is not None
    if given or policy.non_coal_caps is not None:
        return

    uncovered = [
        mine.mine_id
        for mine in records["mines"]
        if not mine.is_coal
        and mine.regulator_id not in policy.non_coal_caps_by_body
    ]
    if uncovered:
        example = ", ".join(uncovered[:3])
        issues.key(
            "policy.non_coal_caps",
            MISSING,
            "R7: caps are input, never invented: set policy.non_coal_caps "
            f"(needed by {len(uncovered)} non-coal mines, e.g. {example})",
        )


def _check_caps_bodies(policy: Policy, known: _Known, issues: _Issues) -> None:
    """R7: caps by body name regulator bodies of the bodies table."""
    if known.sides is None:
        return

    for body_id in policy.non_coal_caps_by_body:
        key = f"policy.non_coal_caps_by_body.{body_id}"
        side = known.sides.get(body_id)
        if side is None:
            listing = known.listing("bodies")
            issues.key(key, body_id, f"use a body_id listed in {listing}")
        elif side == "supervisor":
            issues.key(key, body_id, "R7: name a regulator body")


def _number_setting(spec: _Range) -> Callable[[object, str, _Issues], Any]:
    """Return a parser of one numeric setting."""

    def parse(value: object, key: str, issues: _Issues) -> Any:
        number = spec.parse(value)
        if number is None:
            issues.key(key, value, spec.text())

        return number

    return parse


def _choice_setting(
    allowed: tuple[str, ...],
) -> Callable[[object, str, _Issues], Any]:
    """Return a parser of one setting that is one of a few words."""

    def parse(value: object, key: str, issues: _Issues) -> Any:
        word = _match(value, allowed) if isinstance(value, str) else None
        if word is None:
            issues.key(key, value, f"use {_either(allowed)}")

        return word

    return parse


def _category_table(
    value: object, key: str, issues: _Issues, spec: _Range
) -> dict[str, Any] | None:
    """Return a table with one number per category, A to D."""
    table = _mapping(value, key, issues, None)
    if table is None:
        return None

    start = len(issues.found)
    parse = _number_setting(spec)
    result = {}
    for category, cell in table.items():
        if category not in CATEGORIES:
            fix = f"use the categories {_either(CATEGORIES, 'and')}"
            issues.key(f"{key}.{category}", category, fix)
        else:
            result[category] = parse(cell, f"{key}.{category}", issues)

    missing = [name for name in CATEGORIES if name not in table]
    if missing:
        fix = f"give a value for every category (missing {', '.join(missing)})"
        issues.key(key, ", ".join(table) or "none", fix)

    return result if len(issues.found) == start else None


def _caps_table(value: object, key: str, issues: _Issues) -> Any:
    return _category_table(value, key, issues, CAP)


def _caps_by_body(value: object, key: str, issues: _Issues) -> Any:
    """R7: cap tables of single regulator bodies, by body id."""
    tables = _mapping(value, key, issues, None)
    if tables is None:
        return None

    parsed = {
        body_id: _caps_table(caps, f"{key}.{body_id}", issues)
        for body_id, caps in tables.items()
    }
    return {body: caps for body, caps in parsed.items() if caps is not None}


def _floors(value: object, key: str, issues: _Issues) -> Any:
    """Return the floors, or ``None`` if any is malformed."""
    if not isinstance(value, list):
        fix = (
            "give a list of floors, each like {kind: coal, categories: "
            "[A, B, C], side: regulator, min_visits: 1}"
        )
        issues.key(key, value, fix)
        return None

    floors = [
        _floor(item, f"{key}[{index}]", issues)
        for index, item in enumerate(value)
    ]
    valid = [floor for floor in floors if floor is not None]
    return tuple(valid) if len(valid) == len(floors) else None


def _floor(value: object, key: str, issues: _Issues) -> Floor | None:
    entry = _mapping(value, key, issues, None)
    if entry is None:
        return None

    start = len(issues.found)
    _check_keys(entry, key, FLOOR_KEYS, issues)
    parse_kind = _choice_setting(FLOOR_KINDS)
    parse_side = _choice_setting(FLOOR_SIDES)
    parse_minimum = _whole_setting(CAP)
    kind = parse_kind(entry.get("kind"), f"{key}.kind", issues)
    side = parse_side(entry.get("side"), f"{key}.side", issues)
    minimum = parse_minimum(
        entry.get("min_visits"), f"{key}.min_visits", issues
    )
    categories = _categories(entry.get("categories"), key, issues)
    if len(issues.found) != start:
        return None

    return Floor(kind, categories, side, minimum)


def _categories(value: object, key: str, issues: _Issues) -> tuple[str, ...]:
    """Return the categories a floor lists, sorted and unique."""
    names = {str(name) for name in value} if isinstance(value, list) else set()
    if names and names <= set(CATEGORIES):
        return tuple(sorted(names))

    fix = "give a list of categories, e.g. [A, B, C]"
    issues.key(f"{key}.categories", value, fix)
    return ()


def _visit_days(value: object, key: str, issues: _Issues) -> Any:
    """Days one officer spends a visit, per kind, over the defaults."""
    days = _mapping(value, key, issues, None)
    if days is None:
        return None

    _check_keys(days, key, KINDS, issues)
    chosen = {
        kind: _number_setting(POSITIVE)(days[kind], f"{key}.{kind}", issues)
        for kind in KINDS
        if kind in days
    }
    if None in chosen.values():
        return None

    return {**Policy().visit_days, **chosen}


def _weights(value: object, key: str, issues: _Issues) -> Any:
    """Build the objective weights over the defaults."""
    settings = _mapping(value, key, issues, None)
    if settings is None:
        return None

    _check_keys(settings, key, tuple(WEIGHT_PARSERS), issues)
    return Weights(**_settings(settings, key, WEIGHT_PARSERS, issues))


def _weight_table(value: object, key: str, issues: _Issues) -> Any:
    return _category_table(value, key, issues, SHARE)


def _whole_setting(spec: _Range) -> Callable[[object, str, _Issues], Any]:
    """Return a parser of one whole-number setting, giving an int."""
    parse_number = _number_setting(spec)

    def parse(value: object, key: str, issues: _Issues) -> Any:
        number = parse_number(value, key, issues)
        return None if number is None else int(number)

    return parse


POLICY_PARSERS: dict[str, Callable[[object, str, _Issues], Any]] = {
    "total_cap": _whole_setting(CAP),
    "coal_regulator_caps": _caps_table,
    "coal_supervisor_caps": _caps_table,
    "non_coal_caps": _caps_table,
    "non_coal_caps_by_body": _caps_by_body,
    "company_cap": _whole_setting(CAP),
    "joint_minimum": _whole_setting(CAP),
    "joint_scope": _choice_setting(JOINT_SCOPES),
    "min_gap_months": _whole_setting(MONTH),
    "reserve_share": _number_setting(_Range(0, 0.9, why="R15")),
    "floors": _floors,
    "visit_days": _visit_days,
    "company_visit_days": _number_setting(POSITIVE),
    "weights": _weights,
}

# Every other weight is a number of 0 or more, so that a weight added to
# Weights is read without a change here.
_WEIGHT_SPECIAL: dict[str, Callable[[object, str, _Issues], Any]] = {
    "coal_category": _weight_table,
    "non_coal_category": _weight_table,
    "decay": _number_setting(_Range(0, 1)),
    "flood_season_start": _whole_setting(MONTH),
}
WEIGHT_PARSERS = {
    field.name: _WEIGHT_SPECIAL.get(field.name, _number_setting(SHARE))
    for field in fields(Weights)
}


# ---------------------------------------------------------------- values


def _mapping(
    value: object, key: str, issues: _Issues, absent: dict | None
) -> Any:
    """Return a YAML mapping with text keys; ``absent`` when not given."""
    if value is None:
        return absent

    if not isinstance(value, dict):
        issues.key(key, value, "write a mapping of keys to values here")
        return absent

    return {str(name): item for name, item in value.items()}


def _check_keys(
    mapping: Mapping[str, object],
    key: str,
    allowed: tuple[str, ...],
    issues: _Issues,
) -> None:
    """Report each key of a mapping that is not an allowed one."""
    where = key or SCENARIO_FILE
    fix = f"rename or remove it: the keys of {where} are {', '.join(allowed)}"
    for name in mapping:
        if name not in allowed:
            issues.key(f"{key}.{name}" if key else name, name, fix)


def _as_number(value: object) -> float | None:
    """Return a finite number from a YAML value or a cell, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None

    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None

    return number if math.isfinite(number) else None


def _as_whole(value: object) -> int | None:
    """Return a whole number from a YAML value or a cell, else ``None``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value

    number = _as_number(value)
    return int(number) if number is not None and number.is_integer() else None


def parse_date(text: str) -> date | None:
    """Return the date a cell spells (``YYYY-MM-DD`` or ``YYYY/M/D``)."""
    found = DATE_PATTERN.fullmatch(text.strip())
    if found is None:
        return None

    try:
        return date(*(int(part) for part in found.group(1, 2, 3)))
    except ValueError:
        return None


def _as_bool(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True

    return False if word in FALSE_WORDS else None


def _match(value: object, allowed: tuple[str, ...]) -> str | None:
    """Return the allowed word a text spells, in any case, or ``None``."""
    text = str(value).strip().lower()
    return next((word for word in allowed if word.lower() == text), None)


def _either(words: tuple[str, ...], last: str = "or") -> str:
    """Return 'a, b or c'."""
    if len(words) == 1:
        return words[0]

    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _show(value: object) -> str:
    """Return a found value as short text for a message."""
    if value is None:
        return MISSING

    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _os_reason(err: OSError, path: Path) -> str:
    return f"{err.strerror or type(err).__name__}: {path}"


def _yaml_problem(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    mark = getattr(err, "problem_mark", None)
    return problem if mark is None else f"line {mark.line + 1}: {problem}"


def _yaml_fix(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    where = "" if mark is None else f" near line {mark.line + 1}"
    return (
        f"correct the YAML syntax{where}: one 'key: value' a line, "
        "indented with spaces, quotes closed, UTF-8 text"
    )
