"""Tests of the scenario loader: what it builds, and every input problem."""

from __future__ import annotations

import copy
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from models.calendar import weekdays_by_month, workdays_for
from models.errors import InputIssue, ScenarioError
from models.loading import POLICY_PARSERS, load_scenario
from models.policy import Floor, Policy
from models.tables import csv_text, write_text_atomic

TABLES = {
    "bodies": [
        [
            "body_id",
            "name",
            "side",
            "level",
            "officers",
            "other_enforcement_days",
            "non_enforcement_days",
            "team_size",
        ],
        ["R-P", "省应急厅", "regulator", "province"]
        + ["10", "300", "200", "2"],
        ["R-C", "平安县应急局", "regulator", "county"]
        + ["6", "100", "100", ""],
        ["S-1", "省矿山监察局", "supervisor", "bureau"]
        + ["8", "200", "100", "3"],
    ],
    "mines": [
        [
            "mine_id",
            "name",
            "kind",
            "category",
            "regulator_id",
            "supervisor_id",
            "company_id",
            "risk_score",
            "county",
            "lon",
            "lat",
            "disasters",
            "person_days",
        ],
        ["M1", "一号煤矿", "coal", "A", "R-C", "S-1", "CO1", "30"]
        + ["平安县", "112.1", "36.1", "gas", ""],
        ["M2", "二号煤矿", "coal", "B", "R-C", "S-1", "", "55.5"]
        + ["平安县", "", "", "Water; gas;water", ""],
        ["M3", "三号煤矿", "coal", "C", "R-P", "S-1", "", "80"]
        + ["平安县", "112.3", "36.3", "", "3"],
        ["N1", "一号铁矿", "non_coal", "B", "R-C", "", "", "40"]
        + ["平安县", "", "", "roof", ""],
        ["N2", "尾矿库", "non_coal", "D", "R-C", "", "", "90"]
        + ["平安县", "", "", "", ""],
    ],
    "companies": [
        ["company_id", "name", "body_id", "visits_wanted"],
        ["CO1", "示范煤业集团", "R-P", "2"],
    ],
    "hazards": [
        ["hazard_id", "mine_id", "found_by", "deadline"],
        ["H1", "M2", "S-1", "2026-03-31"],
    ],
    "campaigns": [
        [
            "campaign_id",
            "name",
            "body_id",
            "months",
            "max_visits",
            "kinds",
            "categories",
            "disasters",
            "counties",
        ],
        ["CP1", "汛期防治水专项检查", "R-P", "5-9", "2"]
        + ["coal", "C;b", "Water", ""],
    ],
}

CONFIG = {
    "name": "测试省 2026",
    "year": 2026,
    "tables": {key: f"{key}.csv" for key in TABLES},
    "policy": {"non_coal_caps": {"A": 1, "B": 2, "C": 3, "D": 4}},
}

NON_COAL_CAPS = {"A": 1, "B": 2, "C": 4, "D": 6}


def _tables() -> dict[str, list[list[str]]]:
    return copy.deepcopy(TABLES)


def _config() -> dict:
    return copy.deepcopy(CONFIG)


def _write(
    folder: Path,
    tables: dict[str, list[list[str]]] | None = None,
    config: dict | None = None,
    bom: bool = False,
) -> Path:
    """Write a scenario folder; the valid minimal one by default."""
    tables = _tables() if tables is None else tables
    config = _config() if config is None else config
    for key, rows in tables.items():
        text = csv_text(rows[0], rows[1:])
        write_text_atomic(folder / f"{key}.csv", text, bom=bom)

    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    return folder


def _set(rows: list[list[str]], row: int, column: str, value: str) -> None:
    """Set one cell, the row numbered as in a spreadsheet (header = 1)."""
    rows[row - 1][rows[0].index(column)] = value


def _drop_column(rows: list[list[str]], column: str) -> None:
    index = rows[0].index(column)
    for cells in rows:
        del cells[index]


def _issues(folder: Path) -> list[InputIssue]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)

    return caught.value.issues


def _only_issue(folder: Path) -> InputIssue:
    issues = _issues(folder)
    assert len(issues) == 1, "\n".join(str(issue) for issue in issues)
    return issues[0]


def _with_cell(
    folder: Path, table: str, row: int, column: str, value: str
) -> InputIssue:
    """Return the one issue of the valid scenario with one cell changed."""
    tables = _tables()
    _set(tables[table], row, column, value)
    return _only_issue(_write(folder, tables))


def _with_config(folder: Path, change) -> list[InputIssue]:
    config = _config()
    change(config)
    return _issues(_write(folder, config=config))


# ------------------------------------------------------------ valid input


def test_load_scenario_builds_records_in_file_order(tmp_path):
    """A valid folder gives every record, in file order."""
    scenario = load_scenario(_write(tmp_path))

    assert scenario.name == "测试省 2026"
    assert scenario.year == 2026
    assert scenario.seed == 0
    assert [m.mine_id for m in scenario.mines] == ["M1", "M2", "M3"] + [
        "N1",
        "N2",
    ]
    assert [b.body_id for b in scenario.bodies] == ["R-P", "R-C", "S-1"]
    assert scenario.companies[0].visits_wanted == 2
    assert scenario.hazards[0].deadline == date(2026, 3, 31)


def test_load_scenario_reads_cells_into_fields(tmp_path):
    """Numbers, empty cells and ';' lists become typed fields."""
    scenario = load_scenario(_write(tmp_path))
    m1, m2, m3, n1, _ = scenario.mines

    assert (m1.lon, m1.lat, m1.company_id) == (112.1, 36.1, "CO1")
    assert (m2.lon, m2.lat, m2.company_id) == (None, None, None)
    assert m2.risk_score == 55.5
    assert m2.disasters == ("gas", "water")
    assert m3.visit_days == 3.0 and m1.visit_days is None
    assert n1.supervisor_id is None
    assert scenario.body("R-C").team_size == 2
    assert scenario.body("S-1").team_size == 3
    assert scenario.body("R-P").officers == 10


def test_load_scenario_reads_campaign_window_and_filters(tmp_path):
    """'5-9' gives months 5 to 9; filters are split, sorted, unique."""
    campaign = load_scenario(_write(tmp_path)).campaigns[0]

    assert (campaign.first_month, campaign.last_month) == (5, 9)
    assert campaign.max_visits == 2
    assert campaign.kinds == ("coal",)
    assert campaign.categories == ("B", "C")
    assert campaign.disasters == ("water",)
    assert campaign.counties == ()


def test_load_scenario_reads_single_month_campaign(tmp_path):
    """A window of one month, '6', runs from June to June."""
    tables = _tables()
    _set(tables["campaigns"], 2, "months", "6")
    campaign = load_scenario(_write(tmp_path, tables)).campaigns[0]

    assert (campaign.first_month, campaign.last_month) == (6, 6)


def test_load_scenario_uses_package_calendar(tmp_path):
    """Without an override the workdays come from the calendar package."""
    scenario = load_scenario(_write(tmp_path))
    expected = workdays_for(2026)

    assert scenario.workdays == expected.by_month
    assert scenario.calendar_source == "package"


def test_load_scenario_builds_policy_over_defaults(tmp_path):
    """Policy settings given replace the defaults; the rest stay."""
    config = _config()
    config["seed"] = 7
    config["policy"].update(
        {
            "joint_scope": "division",
            "reserve_share": 0.2,
            "floors": [
                {
                    "kind": "coal",
                    "categories": ["C", "B"],
                    "side": "supervisor",
                    "min_visits": 1,
                }
            ],
            "visit_days": {"coal": 3},
            "weights": {"decay": 0.5, "coal_category": NON_COAL_CAPS},
        }
    )
    scenario = load_scenario(_write(tmp_path, config=config))
    policy = scenario.policy

    assert scenario.seed == 7
    assert policy.non_coal_caps == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert policy.joint_scope == "division"
    assert policy.reserve_share == 0.2
    assert policy.floors == (Floor("coal", ("B", "C"), "supervisor", 1),)
    assert policy.visit_days == {"coal": 3.0, "non_coal": 1.0}
    assert policy.weights.decay == 0.5
    assert policy.weights.coal_category == NON_COAL_CAPS
    assert policy.weights.disaster == Policy().weights.disaster
    assert policy.total_cap == Policy().total_cap


def test_load_scenario_accepts_caps_by_body_instead_of_table(tmp_path):
    """R7: caps set by each regulator of non-coal mines are enough."""
    config = _config()
    config["policy"] = {"non_coal_caps_by_body": {"R-C": NON_COAL_CAPS}}
    policy = load_scenario(_write(tmp_path, config=config)).policy

    assert policy.non_coal_caps is None
    assert policy.caps("non_coal", "D", "R-C").regulator == 6


def test_load_scenario_allows_hazard_found_by_any_body(tmp_path):
    """A hazard found by a body that does not oversee the mine is fine."""
    tables = _tables()
    _set(tables["hazards"], 2, "mine_id", "M3")
    _set(tables["hazards"], 2, "found_by", "R-C")
    scenario = load_scenario(_write(tmp_path, tables))

    assert scenario.hazards[0].found_by == "R-C"


def test_load_scenario_digest_follows_the_input(tmp_path):
    """The digest is stable for the same files and changes with a cell."""
    first = load_scenario(_write(tmp_path / "a")).digest
    again = load_scenario(_write(tmp_path / "b")).digest
    tables = _tables()
    _set(tables["bodies"], 2, "officers", "11")
    changed = load_scenario(_write(tmp_path / "c", tables)).digest

    assert len(first) == 64 and int(first, 16) >= 0
    assert first == again
    assert first != changed


def test_policy_parsers_cover_every_policy_setting():
    """Every field of Policy can be set from scenario.yaml."""
    assert set(POLICY_PARSERS) == {field.name for field in fields(Policy)}


# ---------------------------------------------------------- file formats


def test_load_scenario_reads_csv_with_bom(tmp_path):
    """CSV saved by Excel with a byte order mark reads like plain CSV."""
    plain = load_scenario(_write(tmp_path / "plain"))
    bom = load_scenario(_write(tmp_path / "bom", bom=True))

    assert bom.mines == plain.mines
    assert bom.bodies == plain.bodies


def _cell(text: str) -> object:
    """Return a cell as Excel would hold it: numbers and dates typed."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text or None


def _write_workbook(path: Path, sheets: dict[str, list[list[str]]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(rows[0])
        for cells in rows[1:]:
            sheet.append([_cell(text) for text in cells])

    book.save(path)


def _write_xlsx_scenario(folder: Path, mines_sheet: str = "矿山") -> Path:
    _write(folder)
    _write_workbook(
        folder / "province.xlsx",
        {"主体": TABLES["bodies"], "矿山": TABLES["mines"]},
    )
    _write_workbook(folder / "hazards.xlsx", {"Sheet": TABLES["hazards"]})
    config = _config()
    config["tables"].update(
        {
            "mines": {"file": "province.xlsx", "sheet": mines_sheet},
            "bodies": {"file": "province.xlsx", "sheet": "主体"},
            "hazards": "hazards.xlsx",
        }
    )
    return _write(folder, config=config)


def test_load_scenario_reads_xlsx_sheets(tmp_path):
    """XLSX sheets, typed numbers and date cells read like CSV."""
    plain = load_scenario(_write(tmp_path / "csv"))
    book = load_scenario(_write_xlsx_scenario(tmp_path / "xlsx"))

    assert book.mines == plain.mines
    assert book.bodies == plain.bodies
    assert book.hazards == plain.hazards


def test_load_scenario_reports_wrong_sheet(tmp_path):
    """A sheet name the workbook lacks names the sheets it has."""
    issue = _only_issue(_write_xlsx_scenario(tmp_path, mines_sheet="煤矿"))

    assert issue.file == "province.xlsx [煤矿]"
    assert (issue.row, issue.column, issue.value) == (None, "sheet", "煤矿")
    assert "矿山" in issue.expected and "主体" in issue.expected


# ------------------------------------------------------- scenario.yaml


def test_load_scenario_reports_missing_yaml(tmp_path):
    """A folder without scenario.yaml says where to put one."""
    issue = _only_issue(tmp_path)

    assert (issue.file, issue.row, issue.column) == (
        "scenario.yaml",
        None,
        None,
    )
    assert "put a scenario.yaml" in issue.expected


def test_load_scenario_reports_yaml_syntax_error(tmp_path):
    """A YAML syntax error names its line."""
    (tmp_path / "scenario.yaml").write_text("name: [x\nyear: 2026\n")
    issue = _only_issue(tmp_path)

    assert issue.file == "scenario.yaml" and issue.row is None
    assert "YAML syntax near line 2" in issue.expected


def test_load_scenario_reports_yaml_that_is_not_a_mapping(tmp_path):
    """A YAML list instead of keys is reported, not raised as a crash."""
    (tmp_path / "scenario.yaml").write_text("- name\n- year\n")
    issue = _only_issue(tmp_path)

    assert issue.file == "scenario.yaml"
    assert "name, year and tables" in issue.expected


@pytest.mark.parametrize(
    ("path", "column"),
    [
        (("name",), "name"),
        (("year",), "year"),
        (("tables", "mines"), "tables.mines"),
        (("tables", "bodies"), "tables.bodies"),
    ],
)
def test_load_scenario_reports_missing_required_key(tmp_path, path, column):
    """Each required key of scenario.yaml is reported by its dotted name."""

    def remove(config):
        parent = config
        for key in path[:-1]:
            parent = parent[key]

        del parent[path[-1]]

    issues = _with_config(tmp_path, remove)

    assert len(issues) == 1
    assert (issues[0].file, issues[0].row) == ("scenario.yaml", None)
    assert (issues[0].column, issues[0].value) == (column, "(missing)")


@pytest.mark.parametrize("year", [1999, 2101, 2026.5, "next year", True])
def test_load_scenario_reports_bad_year(tmp_path, year):
    """The year is a whole number from 2000 to 2100."""
    issues = _with_config(tmp_path, lambda c: c.update(year=year))

    assert [issue.column for issue in issues] == ["year"]
    assert "whole number from 2000 to 2100" in issues[0].expected


@pytest.mark.parametrize("seed", ["abc", 1.5, -1])
def test_load_scenario_reports_bad_seed(tmp_path, seed):
    """The seed is a whole number of 0 or more."""
    issues = _with_config(tmp_path, lambda c: c.update(seed=seed))

    assert [issue.column for issue in issues] == ["seed"]
    assert "whole number" in issues[0].expected


def test_load_scenario_reports_unknown_top_key(tmp_path):
    """An unknown key of scenario.yaml is named with the allowed ones."""
    issues = _with_config(tmp_path, lambda c: c.update(notes="x"))

    assert [issue.column for issue in issues] == ["notes"]
    assert "name, year, seed, tables, calendar, policy" in issues[0].expected


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(tables=["mines.csv"]),
        lambda c: c.update(policy=5),
        lambda c: c.update(name={"a": 1}),
        lambda c: c.update(calendar=7),
        lambda c: c["tables"].update(mines={"file": 3}),
        lambda c: c["tables"].update(mines={"sheet": "矿山"}),
        lambda c: c["policy"].update(floors=[5, None]),
        lambda c: c["policy"].update(weights=[1]),
        lambda c: c["policy"].update(
            floors=[{"kind": "coal", "categories": [["A"]], "side": "any"}]
        ),
        lambda c: c["policy"].update(non_coal_caps_by_body={"R-C": 3}),
        lambda c: c["policy"].update(total_cap={"A": 1}),
        lambda c: c["policy"].update(reserve_share=float("nan")),
    ],
)
def test_load_scenario_reports_odd_yaml_shapes(tmp_path, change):
    """Odd shapes of YAML values become issues, never a traceback."""
    issues = _with_config(tmp_path, change)

    assert issues
    assert all(issue.file == "scenario.yaml" for issue in issues)


# -------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("settings", "column", "fix"),
    [
        ({"joint_scop": "x"}, "policy.joint_scop", "joint_scope, min_gap"),
        ({"total_cap": -1}, "policy.total_cap", "whole number of 0 or more"),
        ({"company_cap": 1.5}, "policy.company_cap", "whole number"),
        (
            {"coal_regulator_caps": {"A": 2, "B": 4, "C": 6}},
            "policy.coal_regulator_caps",
            "every category (missing D)",
        ),
        (
            {"non_coal_caps": {"A": 1, "B": 2, "C": "x", "D": 4}},
            "policy.non_coal_caps.C",
            "whole number of 0 or more",
        ),
        (
            {"non_coal_caps": {**NON_COAL_CAPS, "E": 1}},
            "policy.non_coal_caps.E",
            "categories A, B, C and D",
        ),
        ({"joint_scope": "county"}, "policy.joint_scope", "province or"),
        ({"min_gap_months": 0}, "policy.min_gap_months", "from 1 to 12"),
        ({"reserve_share": 0.95}, "policy.reserve_share", "from 0 to 0.9"),
        ({"floors": "A"}, "policy.floors", "list of floors"),
        (
            {
                "floors": [
                    {
                        "kind": "coal",
                        "categories": ["A", "X"],
                        "side": "regulator",
                        "min_visits": 1,
                    }
                ]
            },
            "policy.floors[0].categories",
            "list of categories",
        ),
        (
            {"floors": [{"kind": "coal", "categories": ["A"], "side": "x"}]},
            "policy.floors[0].side",
            "regulator, supervisor or any",
        ),
        ({"visit_days": {"coal": 0}}, "policy.visit_days.coal", "above 0"),
        ({"weights": {"speed": 1}}, "policy.weights.speed", "decay"),
        ({"weights": {"decay": 2}}, "policy.weights.decay", "from 0 to 1"),
        (
            {"non_coal_caps_by_body": {"R-X": NON_COAL_CAPS}},
            "policy.non_coal_caps_by_body.R-X",
            "listed in bodies.csv",
        ),
        (
            {"non_coal_caps_by_body": {"S-1": NON_COAL_CAPS}},
            "policy.non_coal_caps_by_body.S-1",
            "R7: name a regulator body",
        ),
    ],
)
def test_load_scenario_reports_bad_policy(tmp_path, settings, column, fix):
    """Each bad policy setting is named by its dotted key, with the fix."""
    issues = _with_config(tmp_path, lambda c: c["policy"].update(settings))
    columns = [issue.column for issue in issues]

    assert column in columns, issues
    issue = issues[columns.index(column)]
    assert issue.file == "scenario.yaml" and issue.row is None
    assert fix in issue.expected


def test_load_scenario_reports_non_coal_caps_missing(tmp_path):
    """R7: without non-coal caps the loader asks for them, never invents."""
    issues = _with_config(tmp_path, lambda c: c.update(policy={}))

    assert [issue.column for issue in issues] == ["policy.non_coal_caps"]
    assert (
        "caps are input, never invented: set policy.non_coal_caps"
        in issues[0].expected
    )
    assert "N1, N2" in issues[0].expected


# -------------------------------------------------------------- tables


def test_load_scenario_reports_missing_table_file(tmp_path):
    """A table file that does not exist is named."""
    config = _config()
    config["tables"]["hazards"] = "隐患.csv"
    issue = _only_issue(_write(tmp_path, config=config))

    assert (issue.file, issue.row, issue.column) == ("隐患.csv", None, None)
    assert "exist" in issue.expected


def test_load_scenario_reports_unreadable_table(tmp_path):
    """A table that is not UTF-8 text says how to save it."""
    folder = _write(tmp_path)
    (folder / "mines.csv").write_bytes(b"\xff\xfe\x00mine_id\x00\xff\x81")
    issue = _only_issue(folder)

    assert (issue.file, issue.row, issue.column) == ("mines.csv", None, None)
    assert "UTF-8" in issue.expected


def test_load_scenario_reports_bad_file_type(tmp_path):
    """A table in another format asks for CSV or XLSX."""
    config = _config()
    config["tables"]["companies"] = "companies.ods"
    folder = _write(tmp_path, config=config)
    (folder / "companies.ods").write_bytes(b"PK\x03\x04")
    issue = _only_issue(folder)

    assert issue.file == "companies.ods"
    assert ".csv or .xlsx" in issue.expected


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("mines", "kind"),
        ("mines", "regulator_id"),
        ("bodies", "side"),
        ("bodies", "officers"),
        ("companies", "visits_wanted"),
        ("hazards", "deadline"),
        ("campaigns", "months"),
    ],
)
def test_load_scenario_reports_missing_column(tmp_path, table, column):
    """A missing required column is named once, not at every row."""
    tables = _tables()
    _drop_column(tables[table], column)
    issue = _only_issue(_write(tmp_path, tables))

    assert (issue.file, issue.row, issue.column) == (
        f"{table}.csv",
        None,
        column,
    )
    assert f"add a column headed exactly {column}" in issue.expected


def test_load_scenario_reports_missing_supervisor_column(tmp_path):
    """R3: coal mines need the supervisor_id column."""
    tables = _tables()
    _drop_column(tables["mines"], "supervisor_id")
    issue = _only_issue(_write(tmp_path, tables))

    assert (issue.file, issue.row, issue.column) == (
        "mines.csv",
        None,
        "supervisor_id",
    )
    assert "R3" in issue.expected


def test_load_scenario_reports_empty_mines_table(tmp_path):
    """A mines table with a header and no rows asks for a mine."""
    tables = _tables()
    del tables["mines"][1:]
    del tables["hazards"][1:]
    issue = _only_issue(_write(tmp_path, tables))

    assert (issue.file, issue.row) == ("mines.csv", None)
    assert "at least one mine" in issue.expected


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("mines", "mine_id"),
        ("bodies", "body_id"),
        ("companies", "company_id"),
        ("hazards", "hazard_id"),
        ("campaigns", "campaign_id"),
    ],
)
def test_load_scenario_reports_duplicate_id(tmp_path, table, column):
    """An id used twice is reported at its second row."""
    tables = _tables()
    tables[table].append(list(tables[table][1]))
    issue = _only_issue(_write(tmp_path, tables))
    last_row = len(tables[table])

    assert (issue.file, issue.row, issue.column) == (
        f"{table}.csv",
        last_row,
        column,
    )
    assert "already used in row 2" in issue.expected


@pytest.mark.parametrize(
    ("table", "column", "value", "listing"),
    [
        ("mines", "regulator_id", "R-X", "bodies.csv"),
        ("mines", "supervisor_id", "S-X", "bodies.csv"),
        ("mines", "company_id", "CO9", "companies.csv"),
        ("companies", "body_id", "R-X", "bodies.csv"),
        ("hazards", "mine_id", "M9", "mines.csv"),
        ("hazards", "found_by", "S-X", "bodies.csv"),
        ("campaigns", "body_id", "R-X", "bodies.csv"),
    ],
)
def test_load_scenario_reports_unknown_id(
    tmp_path, table, column, value, listing
):
    """A reference to an id its table does not list names that table."""
    issue = _with_cell(tmp_path, table, 2, column, value)

    assert (issue.file, issue.row, issue.column) == (f"{table}.csv", 2, column)
    assert issue.value == value
    assert f"use an id listed in {listing}" in issue.expected


def test_load_scenario_reports_company_without_companies_table(tmp_path):
    """A company id with no companies table says to add one."""
    config = _config()
    del config["tables"]["companies"]
    issue = _only_issue(_write(tmp_path, config=config))

    assert (issue.file, issue.row, issue.column) == (
        "mines.csv",
        2,
        "company_id",
    )
    assert "set tables.companies" in issue.expected


@pytest.mark.parametrize(
    ("row", "column", "value", "fix"),
    [
        (2, "supervisor_id", "", "R3: fill in supervisor_id"),
        (5, "supervisor_id", "S-1", "R3: leave supervisor_id empty"),
        (2, "regulator_id", "S-1", "R3: name a body of side regulator"),
        (2, "supervisor_id", "R-P", "R3: name a body of side supervisor"),
    ],
)
def test_load_scenario_reports_r3_bodies(tmp_path, row, column, value, fix):
    """R3: one regulator per mine, one supervisor per coal mine only."""
    issue = _with_cell(tmp_path, "mines", row, column, value)

    assert (issue.file, issue.row, issue.column) == ("mines.csv", row, column)
    assert fix in issue.expected


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "fix"),
    [
        ("mines", 2, "kind", "coall", "use coal or non_coal"),
        ("mines", 3, "category", "E", "use A, B, C or D (R1, R2)"),
        ("mines", 2, "risk_score", "high", "number from 0 to 100"),
        ("mines", 2, "risk_score", "101", "number from 0 to 100"),
        ("mines", 2, "lon", "200", "number from -180 to 180"),
        ("mines", 2, "lon", "east", "number from -180 to 180"),
        ("mines", 2, "lat", "-91", "number from -90 to 90"),
        ("mines", 2, "person_days", "0", "number above 0"),
        ("mines", 2, "name", "", "fill in the name"),
        ("bodies", 2, "side", "both", "use regulator or supervisor"),
        ("bodies", 2, "level", "town", "province, city, county, bureau"),
        ("bodies", 2, "level", "bureau", "province, city or county level"),
        ("bodies", 3, "officers", "2.5", "whole number above 0 (R16)"),
        ("bodies", 3, "officers", "0", "whole number above 0 (R16)"),
        ("bodies", 3, "non_enforcement_days", "-1", "of 0 or more (R17)"),
        ("bodies", 2, "team_size", "1", "of 2 or more (R16"),
        ("companies", 2, "visits_wanted", "3", "from 0 to 2 (R8)"),
        ("companies", 2, "visits_wanted", "many", "from 0 to 2 (R8)"),
        ("hazards", 2, "deadline", "31/03/2026", "YYYY-MM-DD"),
        ("hazards", 2, "deadline", "2026-02-30", "YYYY-MM-DD"),
        ("campaigns", 2, "months", "0-3", "outside the year"),
        ("campaigns", 2, "months", "9-5", "1 <= a <= b <= 12"),
        ("campaigns", 2, "months", "13", "1 <= a <= b <= 12"),
        ("campaigns", 2, "months", "2026-05-09 00:00:00", "format the cell"),
        ("campaigns", 2, "max_visits", "0", "whole number of 1 or more"),
        ("campaigns", 2, "kinds", "gas", "use coal or non_coal, separated"),
        ("campaigns", 2, "categories", "B;E", "use A, B, C or D, separated"),
    ],
)
def test_load_scenario_reports_bad_cell(
    tmp_path, table, row, column, value, fix
):
    """Each bad cell is reported at its row and column, with the fix."""
    issue = _with_cell(tmp_path, table, row, column, value)

    assert (issue.file, issue.row, issue.column) == (
        f"{table}.csv",
        row,
        column,
    )
    assert issue.value == value
    assert fix in issue.expected


def test_load_scenario_reports_days_off_beyond_capacity(tmp_path):
    """R17: other and non-enforcement days fit in officers x workdays."""
    year_days = workdays_for(2026).total
    issue = _with_cell(
        tmp_path, "bodies", 3, "other_enforcement_days", str(6 * year_days)
    )

    assert (issue.file, issue.row, issue.column) == (
        "bodies.csv",
        3,
        "other_enforcement_days",
    )
    assert "R17" in issue.expected
    assert f"6 x {year_days} = {6 * year_days}" in issue.expected


def test_load_scenario_reports_every_problem_at_once(tmp_path):
    """Problems in several files are all reported together, by file."""
    tables = _tables()
    _set(tables["mines"], 3, "kind", "coall")
    _set(tables["mines"], 5, "risk_score", "-5")
    _set(tables["bodies"], 4, "officers", "none")
    _set(tables["hazards"], 2, "deadline", "soon")
    config = _config()
    config["policy"]["joint_scope"] = "county"
    issues = _issues(_write(tmp_path, tables, config))
    found = [(issue.file, issue.row, issue.column) for issue in issues]

    assert sorted(found, key=str) == sorted(
        [
            ("scenario.yaml", None, "policy.joint_scope"),
            ("mines.csv", 3, "kind"),
            ("mines.csv", 5, "risk_score"),
            ("bodies.csv", 4, "officers"),
            ("hazards.csv", 2, "deadline"),
        ],
        key=str,
    )
    assert found.index(("mines.csv", 3, "kind")) + 1 == found.index(
        ("mines.csv", 5, "risk_score")
    )


def test_load_scenario_error_message_lists_issues(tmp_path):
    """The error's text names the file, row, column, value and fix."""
    tables = _tables()
    _set(tables["mines"], 3, "kind", "coall")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, tables))

    assert (
        "mines.csv, row 3, column 'kind': found 'coall'; "
        "use coal or non_coal" in str(caught.value)
    )


# ------------------------------------------------------------ calendar


def _with_calendar(folder: Path, rows: list[list[str]]) -> Path:
    config = _config()
    config["calendar"] = "calendar-2026.csv"
    _write(folder, config=config)
    text = csv_text(["date", "workday"], rows)
    write_text_atomic(folder / "calendar-2026.csv", text)
    return folder


def test_load_scenario_calendar_override_changes_workdays(tmp_path):
    """R17: the override file replaces the package's holidays."""
    rows = [["2026-03-02", "false"], ["2026-04-04", "TRUE"]]
    scenario = load_scenario(_with_calendar(tmp_path, rows))
    expected = list(weekdays_by_month(2026))
    expected[2] -= 1
    expected[3] += 1

    assert date(2026, 4, 4).weekday() == 5
    assert scenario.workdays == tuple(expected)
    assert scenario.workdays != workdays_for(2026).by_month
    assert scenario.calendar_source == "override"


def test_load_scenario_calendar_accepts_yes_no_and_digits(tmp_path):
    """Workday flags may be true/false, yes/no or 1/0, in any case."""
    rows = [
        ["2026-03-02", "No"],
        ["2026-03-03", "0"],
        ["2026-03-04", "FALSE"],
        ["2026-04-04", "Yes"],
        ["2026-04-05", "1"],
    ]
    scenario = load_scenario(_with_calendar(tmp_path, rows))

    assert scenario.workdays[2] == weekdays_by_month(2026)[2] - 3
    assert scenario.workdays[3] == weekdays_by_month(2026)[3] + 2


def test_load_scenario_reports_bad_calendar_rows(tmp_path):
    """Bad dates, dates of another year and bad flags are each named."""
    rows = [
        ["2026-13-01", "false"],
        ["2027-01-01", "false"],
        ["2026-05-01", "maybe"],
        ["2026-05-02", "true"],
        ["2026-05-02", "true"],
    ]
    issues = _issues(_with_calendar(tmp_path, rows))
    found = [(issue.row, issue.column) for issue in issues]

    assert {issue.file for issue in issues} == {"calendar-2026.csv"}
    assert found == [(2, "date"), (3, "date"), (4, "workday"), (6, "date")]
    assert "YYYY-MM-DD" in issues[0].expected
    assert "plan year 2026" in issues[1].expected
    assert "true or false" in issues[2].expected
    assert "see row 5" in issues[3].expected


def test_load_scenario_reports_calendar_without_workday_column(tmp_path):
    """The calendar override needs its workday column."""
    config = _config()
    config["calendar"] = "calendar-2026.csv"
    folder = _write(tmp_path, config=config)
    write_text_atomic(folder / "calendar-2026.csv", "date\n2026-03-02\n")
    issue = _only_issue(folder)

    assert (issue.file, issue.row, issue.column) == (
        "calendar-2026.csv",
        None,
        "workday",
    )


def test_load_scenario_checks_calendar_even_with_bad_year(tmp_path):
    """A bad year does not hide the problems of the calendar file."""
    folder = _with_calendar(tmp_path, [["2026-02-30", "false"]])
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    (folder / "scenario.yaml").write_text(
        text.replace("year: 2026", "year: 26"), encoding="utf-8"
    )
    found = [(issue.file, issue.column) for issue in _issues(folder)]

    assert found == [("scenario.yaml", "year"), ("calendar-2026.csv", "date")]
