"""Tests of scenario variants: merging, row edits, chains and problems."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from models.calendar import weekdays_by_month
from models.errors import InputIssue, ScenarioError
from models.loading import load_scenario
from models.tables import csv_text

WHAT_IF = Path(__file__).resolve().parents[2] / "scenarios" / "what-if"

BODIES = [
    ["body_id", "name", "side", "level", "officers"]
    + ["other_enforcement_days", "non_enforcement_days"],
    ["R-P", "省应急厅", "regulator", "province", "10", "300", "200"],
    ["R-C", "平安县应急局", "regulator", "county", "6", "100", "100"],
    ["R-D", "太平县应急局", "regulator", "county", "5", "100", "100"],
    ["S-1", "省矿山监察局", "supervisor", "bureau", "8", "200", "100"],
]
MINES = [
    ["mine_id", "name", "kind", "category", "regulator_id", "supervisor_id"]
    + ["risk_score", "county", "disasters"],
    ["M1", "一号煤矿", "coal", "C", "R-C", "S-1", "30", "平安县", "gas"],
    ["M2", "二号煤矿", "coal", "C", "R-C", "S-1", "50", "平安县", "water"],
    ["M3", "三号煤矿", "coal", "C", "R-D", "S-1", "70", "太平县", ""],
    ["N1", "一号铁矿", "non_coal", "A", "R-C", "", "40", "平安县", "roof"],
    ["N2", "尾矿库", "non_coal", "D", "R-D", "", "90", "太平县", ""],
]
HAZARDS = [
    ["hazard_id", "mine_id", "found_by", "deadline"],
    ["H1", "M2", "S-1", "2026-03-31"],
]
BASE = {
    "name": "测试省 2026",
    "year": 2026,
    "seed": 3,
    "tables": {
        "mines": "mines.csv",
        "bodies": "bodies.csv",
        "hazards": "hazards.csv",
    },
    "policy": {
        "non_coal_caps": {"A": 1, "B": 2, "C": 3, "D": 4},
        "reserve_share": 0.2,
    },
}


def _write_table(path: Path, rows: list[list[str]]) -> None:
    path.write_text(csv_text(rows[0], rows[1:]), encoding="utf-8")


def _write_yaml(folder: Path, config: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    return folder


def _base(root: Path) -> Path:
    """Write the base scenario into root/base."""
    folder = _write_yaml(root / "base", BASE)
    _write_table(folder / "mines.csv", MINES)
    _write_table(folder / "bodies.csv", BODIES)
    _write_table(folder / "hazards.csv", HAZARDS)
    return folder


def _variant(root: Path, changes: dict, name: str = "variant") -> Path:
    """Write a variant of root/base into root/<name>."""
    _base(root)
    return _write_yaml(root / name, {"extends": "../base", **changes})


def _issues(folder: Path) -> list[InputIssue]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)

    return caught.value.issues


def _only_issue(folder: Path) -> InputIssue:
    issues = _issues(folder)
    assert len(issues) == 1, "\n".join(str(issue) for issue in issues)
    return issues[0]


def _mines(folder: Path) -> dict:
    return {mine.mine_id: mine for mine in load_scenario(folder).mines}


# ---------------------------------------------------------------- merging


def test_variant_merges_policy_key_by_key(tmp_path):
    """Policy values given replace the base's; nested tables merge."""
    changes = {"policy": {"joint_minimum": 2, "non_coal_caps": {"C": 5}}}
    policy = load_scenario(_variant(tmp_path, changes)).policy

    assert policy.joint_minimum == 2
    assert policy.non_coal_caps == {"A": 1, "B": 2, "C": 5, "D": 4}
    assert policy.reserve_share == 0.2


def test_variant_inherits_what_it_does_not_override(tmp_path):
    """Name, year, seed and records come from the base unless given."""
    base = load_scenario(_base(tmp_path))
    same = load_scenario(_variant(tmp_path, {}))
    named = load_scenario(_variant(tmp_path, {"name": "减员", "seed": 9}))

    assert (same.name, same.year, same.seed) == (base.name, 2026, 3)
    assert (same.mines, same.bodies) == (base.mines, base.bodies)
    assert (named.name, named.seed) == ("减员", 9)


def test_variant_overrides_fields_of_bodies(tmp_path):
    """Bodies named by id get new officers and a team_size column."""
    changes = {"bodies": {"R-C": {"officers": 4, "team_size": 3}}}
    scenario = load_scenario(_variant(tmp_path, changes))

    assert scenario.body("R-C").officers == 4
    assert scenario.body("R-C").team_size == 3
    assert scenario.body("R-D").team_size == 2


def test_variant_sets_mines_by_ids(tmp_path):
    """A set entry with ids changes only the mines listed."""
    changes = {"mines": {"set": [{"ids": ["M1", "N2"], "risk_score": 80}]}}
    mines = _mines(_variant(tmp_path, changes))
    base = _mines(_base(tmp_path))

    assert {m for m in mines if mines[m].risk_score == 80} == {"M1", "N2"}
    assert mines["M2"] == base["M2"]


def test_variant_sets_mines_by_filter(tmp_path):
    """A filter matches every field given, any of a field's values."""
    picked = {"kind": "coal", "county": ["平安县", "太平县"]}
    picked["disasters"] = ["water", "fire"]
    changes = {"mines": {"set": [{"filter": picked, "category": "B"}]}}
    mines = _mines(_variant(tmp_path, changes))

    assert {m for m in mines if mines[m].category == "B"} == {"M2"}
    assert mines["M1"].category == "C"


def test_variant_sets_in_order_later_wins(tmp_path):
    """Two set entries on one field: the later one wins."""
    entries = [
        {"filter": {"category": "c"}, "risk_score": 10},
        {"ids": ["M3"], "risk_score": 20},
    ]
    mines = _mines(_variant(tmp_path, {"mines": {"set": entries}}))

    assert [mines[m].risk_score for m in ("M1", "M2", "M3")] == [10, 10, 20]


def test_variant_removes_mines_by_ids_and_filter(tmp_path):
    """Removed mines go, with the open hazards of those mines."""
    removals = [{"ids": ["M2"]}, {"filter": {"kind": "non_coal"}}]
    changes = {"mines": {"remove": removals}}
    scenario = load_scenario(_variant(tmp_path, changes))

    assert [mine.mine_id for mine in scenario.mines] == ["M1", "M3"]
    assert scenario.hazards == ()


def test_variant_adds_mines_from_its_own_folder(tmp_path):
    """The add table is read in the variant's folder and appended."""
    folder = _variant(tmp_path, {"mines": {"add": "new-mines.csv"}})
    added = [MINES[0], ["M9", "新煤矿", "coal", "A", "R-D", "S-1"]]
    added[1] += ["20", "太平县", ""]
    _write_table(folder / "new-mines.csv", added)
    mines = _mines(folder)

    assert list(mines) == ["M1", "M2", "M3", "N1", "N2", "M9"]
    assert mines["M9"].category == "A"


def test_variant_replaces_whole_tables(tmp_path):
    """A table named in the variant is read from the variant's folder."""
    folder = _variant(tmp_path, {"tables": {"hazards": "hazards.csv"}})
    _write_table(folder / "hazards.csv", HAZARDS[:1])
    scenario = load_scenario(folder)

    assert scenario.hazards == ()
    assert scenario.mines == load_scenario(tmp_path / "base").mines


def test_variant_overrides_year_and_reads_its_calendar(tmp_path):
    """A new year and a calendar file read in the variant's folder."""
    changes = {"year": 2027, "calendar": "calendar.csv"}
    folder = _variant(tmp_path, changes)
    _write_table(folder / "calendar.csv", [["date", "workday"]])
    scenario = load_scenario(folder)

    assert scenario.year == 2027
    assert scenario.calendar_source == "override"
    assert scenario.workdays == weekdays_by_month(2027)


def test_variant_drops_a_table_set_to_nothing(tmp_path):
    """A table key set to null leaves the base's table out."""
    scenario = load_scenario(_variant(tmp_path, {"tables": {"hazards": None}}))

    assert scenario.hazards == ()
    assert len(scenario.mines) == len(MINES) - 1


def test_variant_of_a_variant_applies_each_in_turn(tmp_path):
    """In a chain, each variant edits what the one below it made."""
    _variant(tmp_path, {"policy": {"joint_minimum": 2}}, name="middle")
    changes = {
        "extends": "../middle",
        "policy": {"reserve_share": 0.1},
        "mines": {"set": [{"ids": ["M1"], "category": "A"}]},
    }
    scenario = load_scenario(_write_yaml(tmp_path / "top", changes))

    assert scenario.policy.joint_minimum == 2
    assert scenario.policy.reserve_share == 0.1
    assert scenario.mines[0].category == "A"


# --------------------------------------------------------------- problems


def test_variant_reports_a_loop_naming_the_chain(tmp_path):
    """A chain of extends that leads back names every file in it."""
    _variant(tmp_path, {"extends": "../second"}, name="first")
    _write_yaml(tmp_path / "second", {"extends": "../first"})
    issue = _only_issue(tmp_path / "first")

    assert (issue.file, issue.column) == ("second/scenario.yaml", "extends")
    assert "first/scenario.yaml -> second/scenario.yaml" in issue.expected


def test_variant_reports_a_base_without_scenario(tmp_path):
    """Extending a folder without scenario.yaml names the key."""
    folder = _write_yaml(tmp_path / "variant", {"extends": "../nowhere"})
    issue = _only_issue(folder)

    assert (issue.file, issue.column) == ("scenario.yaml", "extends")
    assert issue.value == "../nowhere"


@pytest.mark.parametrize(
    ("changes", "key", "value"),
    [
        ({"bodies": {"R-X": {"officers": 3}}}, "bodies.R-X", "R-X"),
        ({"bodies": {"R-C": {"side": "x"}}}, "bodies.R-C.side", "side"),
        (
            {"mines": {"set": [{"ids": ["M1", "M7"], "risk_score": 1}]}},
            "mines.set[0].ids[1]",
            "M7",
        ),
        (
            {"mines": {"remove": [{"filter": {"colour": "red"}}]}},
            "mines.remove[0].filter.colour",
            "colour",
        ),
        (
            {"mines": {"set": [{"filter": {"kind": "gold"}, "name": "x"}]}},
            "mines.set[0].filter.kind",
            "gold",
        ),
        ({"mines": {"set": [{"ids": "M1"}]}}, "mines.set[0]", "{'ids': 'M1'}"),
        ({"mines": {"sets": []}}, "mines.sets", "sets"),
        ({"mine": {}}, "mine", "mine"),
        ({"policy": {"joint_minimum": -1}}, "policy.joint_minimum", "-1"),
    ],
)
def test_variant_problems_name_the_variant_file_and_key(
    tmp_path, changes, key, value
):
    """A problem with a variant's own key names its file and key path."""
    issue = _only_issue(_variant(tmp_path, changes))

    assert (issue.file, issue.row) == ("variant/scenario.yaml", None)
    assert (issue.column, issue.value) == (key, value)


def test_variant_chain_blames_the_file_that_set_a_key(tmp_path):
    """In a chain, each problem names the file that gave the key."""
    middle = {
        "policy": {"joint_minimum": -1},
        "mines": {"remove": [{"ids": ["M8"]}]},
    }
    _variant(tmp_path, middle, name="middle")
    top = {"extends": "../middle", "policy": {"reserve_share": 2}}
    issues = _issues(_write_yaml(tmp_path / "top", top))
    found = {(issue.file, issue.column) for issue in issues}

    assert found == {
        ("middle/scenario.yaml", "policy.joint_minimum"),
        ("middle/scenario.yaml", "mines.remove[0].ids[0]"),
        ("top/scenario.yaml", "policy.reserve_share"),
    }


def test_variant_filter_matching_nothing_is_a_warning(tmp_path, caplog):
    """A filter that matches no mine is logged, and loading goes on."""
    entry = {"filter": {"county": "无此县"}, "risk_score": 1}
    folder = _variant(tmp_path, {"mines": {"set": [entry]}})
    scenario = load_scenario(folder)
    warnings = [
        r.getMessage() for r in caplog.records if r.levelname == "WARNING"
    ]

    assert len(scenario.mines) == len(MINES) - 1
    assert any("mines.set[0].filter" in text for text in warnings)
    assert any("variant/scenario.yaml" in text for text in warnings)


def test_variant_values_are_checked_like_plain_ones(tmp_path):
    """A bad value a variant sets gets the usual error, naming its key."""
    changes = {"mines": {"set": [{"ids": ["M3"], "category": "Z"}]}}
    issue = _only_issue(_variant(tmp_path, changes))

    assert (issue.file, issue.row, issue.column) == (
        "base/mines.csv",
        4,
        "category",
    )
    assert issue.value == "Z"
    assert "A, B, C or D" in issue.expected
    assert "variant/scenario.yaml, key mines.set[0].category" in issue.expected


def test_variant_row_checks_name_the_keys_that_changed_the_row(tmp_path):
    """R17 on a body whose officers a variant cut names that key."""
    changes = {"bodies": {"R-P": {"officers": 1}}}
    issue = _only_issue(_variant(tmp_path, changes))

    assert (issue.file, issue.row) == ("base/bodies.csv", 2)
    assert "R17" in issue.expected
    assert "bodies.R-P.officers" in issue.expected


def test_variant_added_duplicate_names_both_files(tmp_path):
    """An added mine reusing a base id names the added row and the base."""
    folder = _variant(tmp_path, {"mines": {"add": "new.csv"}})
    _write_table(folder / "new.csv", [MINES[0], MINES[1]])
    issue = _only_issue(folder)

    assert (issue.file, issue.row, issue.column) == (
        "variant/new.csv",
        2,
        "mine_id",
    )
    assert "base/mines.csv, row 2" in issue.expected


def test_plain_scenario_rejects_variant_keys(tmp_path):
    """Without extends, bodies and mines are unknown keys."""
    folder = _base(tmp_path)
    _write_yaml(folder, {**BASE, "mines": {"remove": [{"ids": ["M1"]}]}})
    issue = _only_issue(folder)

    assert (issue.file, issue.column) == ("scenario.yaml", "mines")
    assert "extends" in issue.expected


# ----------------------------------------------------------------- digest


def test_variant_digest_covers_the_variant_and_its_base(tmp_path):
    """The digest changes with the variant file and with a base table."""
    folder = _variant(tmp_path, {"policy": {"joint_minimum": 2}})
    first = load_scenario(folder).digest
    again = load_scenario(folder).digest
    _write_yaml(folder, {"extends": "../base", "policy": {"joint_minimum": 3}})
    changed_variant = load_scenario(folder).digest
    _write_table(tmp_path / "base" / "hazards.csv", HAZARDS[:1])
    changed_base = load_scenario(folder).digest

    assert first == again
    assert len({first, changed_variant, changed_base}) == 3
    assert first != load_scenario(tmp_path / "base").digest


# --------------------------------------------------------------- examples


@pytest.mark.parametrize("name", ["county-cut", "joint-two"])
def test_what_if_examples_load(name):
    """The committed example variants load and differ from the demo."""
    scenario = load_scenario(WHAT_IF / name)
    demo = load_scenario(WHAT_IF.parent / "demo")

    assert scenario.name != demo.name
    assert (scenario.bodies, scenario.mines, scenario.policy) != (
        demo.bodies,
        demo.mines,
        demo.policy,
    )
