"""Tests of the synthetic province generator (scheduler.demo)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from models.calendar import workdays_for
from models.capacity import body_capacity
from models.records import Body
from scheduler.demo import (
    BUREAU_BODY,
    CATEGORY_SHARES,
    COAL_SHARE,
    INSPECTION_SHARE,
    PROVINCE_BODY,
    RESERVE_SHARE,
    TABLE_COLUMNS,
    WORKDAYS_PER_YEAR,
    generate_province,
    write_province,
)

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
ID_COLUMNS = {
    "mines": "mine_id",
    "bodies": "body_id",
    "companies": "company_id",
    "hazards": "hazard_id",
    "campaigns": "campaign_id",
}


@pytest.fixture(scope="module")
def province() -> dict[str, list[dict[str, str]]]:
    """A province of 2,000 mines, made once for the module."""
    return generate_province(2000, seed=11, year=2026)


def _bodies_by_id(tables: dict) -> dict[str, dict[str, str]]:
    """Return the body rows by id."""
    return {row["body_id"]: row for row in tables["bodies"]}


def _body(row: dict[str, str]) -> Body:
    """Return the record of a body row."""
    return Body(
        row["body_id"],
        row["name"],
        row["side"],
        row["level"],
        int(row["officers"]),
        float(row["other_enforcement_days"]),
        float(row["non_enforcement_days"]),
    )


def _broken_references(tables: dict) -> list[str]:
    """Return every id a row names that the tables do not hold."""
    bodies = _bodies_by_id(tables)
    mines = {row["mine_id"] for row in tables["mines"]}
    companies = {row["company_id"] for row in tables["companies"]}
    wrong = []
    for mine in tables["mines"]:
        regulator = bodies.get(mine["regulator_id"], {})
        if regulator.get("side") != "regulator":
            wrong.append(f"{mine['mine_id']} regulator")

        if mine["company_id"] and mine["company_id"] not in companies:
            wrong.append(f"{mine['mine_id']} company")

    for company in tables["companies"]:
        if company["body_id"] not in bodies:
            wrong.append(f"{company['company_id']} body")

    for hazard in tables["hazards"]:
        if hazard["mine_id"] not in mines:
            wrong.append(f"{hazard['hazard_id']} mine")

        if hazard["found_by"] not in bodies:
            wrong.append(f"{hazard['hazard_id']} found_by")

    for campaign in tables["campaigns"]:
        if campaign["body_id"] not in bodies:
            wrong.append(f"{campaign['campaign_id']} body")

    return wrong


def test_generate_province_same_seed_same_rows():
    """The same arguments give the same rows; another seed does not."""
    first = generate_province(300, seed=5)
    again = generate_province(300, seed=5)
    other = generate_province(300, seed=6)

    assert first == again
    assert first["mines"] != other["mines"]


def test_write_province_same_seed_same_bytes(tmp_path):
    """Two writes with the same arguments give byte-identical files."""
    write_province(tmp_path / "one", 120, seed=9)
    write_province(tmp_path / "two", 120, seed=9)

    names = sorted(path.name for path in (tmp_path / "one").iterdir())
    assert names == sorted(
        ["scenario.yaml"] + [f"{table}.csv" for table in TABLE_COLUMNS]
    )
    for name in names:
        one = (tmp_path / "one" / name).read_bytes()
        assert one == (tmp_path / "two" / name).read_bytes()


def test_write_province_matches_committed_demo(tmp_path):
    """The committed demo folder is what the generator writes today."""
    write_province(tmp_path, 60, seed=2027)

    for path in tmp_path.iterdir():
        assert path.read_bytes() == (DEMO / path.name).read_bytes()


def test_generate_province_columns_as_documented(province):
    """Every row has exactly the columns of docs/input-format.md."""
    for table, rows in province.items():
        for row in rows:
            assert tuple(row) == TABLE_COLUMNS[table]


def test_generate_province_category_shares(province):
    """Kind and category shares are close to a typical province's."""
    mines = province["mines"]
    coal = [mine for mine in mines if mine["kind"] == "coal"]
    assert len(coal) / len(mines) == pytest.approx(COAL_SHARE, abs=0.02)

    for kind, shares in CATEGORY_SHARES.items():
        group = [mine for mine in mines if mine["kind"] == kind]
        counts = Counter(mine["category"] for mine in group)
        for category, share in shares.items():
            found = counts[category] / len(group)
            assert found == pytest.approx(share, abs=0.03)


def test_generate_province_risk_follows_category(province):
    """Coal D mines are the least risky, non-coal D mines the most."""
    by_group: dict[tuple[str, str], list[float]] = {}
    for mine in province["mines"]:
        key = (mine["kind"], mine["category"])
        by_group.setdefault(key, []).append(float(mine["risk_score"]))

    mean = {key: sum(risk) / len(risk) for key, risk in by_group.items()}
    assert mean[("coal", "D")] < mean[("coal", "A")] < mean[("coal", "C")]
    assert mean[("non_coal", "A")] < mean[("non_coal", "C")]
    assert mean[("non_coal", "C")] < mean[("non_coal", "D")]
    assert all(
        0 <= float(mine["risk_score"]) <= 100 for mine in province["mines"]
    )


def test_generate_province_supervisor_only_for_coal(province):
    """Coal mines have a division as supervisor; non-coal mines none."""
    bodies = _bodies_by_id(province)
    for mine in province["mines"]:
        if mine["kind"] == "coal":
            supervisor = bodies[mine["supervisor_id"]]
            assert supervisor["level"] == "division"
            assert supervisor["side"] == "supervisor"
        else:
            assert mine["supervisor_id"] == ""


def test_generate_province_county_officers_in_range(province):
    """Every county body has 4 to 22 certified officers."""
    officers = [
        int(body["officers"])
        for body in province["bodies"]
        if body["level"] == "county"
    ]

    assert officers
    assert min(officers) >= 4
    assert max(officers) <= 22


def test_generate_province_inspection_share_about_a_fifth(province):
    """Inspections take about a fifth of each body's person-days (R17)."""
    for body in province["bodies"]:
        total = int(body["officers"]) * WORKDAYS_PER_YEAR
        off = int(body["other_enforcement_days"]) + int(
            body["non_enforcement_days"]
        )
        share = 1 - off / total
        assert share == pytest.approx(INSPECTION_SHARE, abs=0.04)


def test_generate_province_floors_fit_capacity(province):
    """Each regulator's default floors take at most 60 % of capacity."""
    demand: Counter[str] = Counter()
    for mine in province["mines"]:
        if mine["kind"] == "non_coal":
            demand[mine["regulator_id"]] += 2 * 1
        elif mine["category"] != "D":
            demand[mine["regulator_id"]] += 2 * 2

    workdays = workdays_for(2026).by_month
    for row in province["bodies"]:
        capacity = body_capacity(_body(row), workdays, RESERVE_SHARE)
        assert demand[row["body_id"]] <= 0.6 * capacity.inspection_days


def test_generate_province_ids_unique_and_references_valid(province):
    """Ids are unique in each table and every reference resolves."""
    for table, column in ID_COLUMNS.items():
        ids = [row[column] for row in province[table]]
        assert len(ids) == len(set(ids))

    assert _broken_references(province) == []


def test_generate_province_large_has_gas_campaign():
    """A large province adds the bureau's gas campaign, all refs valid."""
    tables = generate_province(8000, seed=1)

    campaigns = {row["campaign_id"]: row for row in tables["campaigns"]}
    assert campaigns["CP-GAS"]["body_id"] == BUREAU_BODY
    assert campaigns["CP-GAS"]["kinds"] == "coal"
    assert _broken_references(tables) == []


def test_generate_province_demo_shape():
    """The 60-mine demo has the shape the issue asks for."""
    tables = generate_province(60, seed=2027)
    levels = Counter(body["level"] for body in tables["bodies"])
    kinds = Counter(mine["kind"] for mine in tables["mines"])

    assert len(tables["mines"]) == 60
    assert kinds["coal"] > 0 and kinds["non_coal"] > 0
    assert levels["province"] == 1 and levels["bureau"] == 1
    assert levels["city"] >= 2 and levels["county"] >= 3
    assert levels["division"] == 2
    assert len(tables["companies"]) == 2
    assert len(tables["hazards"]) >= 1

    flood = tables["campaigns"][0]
    assert flood["name"] == "汛期防治水专项检查"
    assert flood["body_id"] == PROVINCE_BODY
    assert (flood["months"], flood["disasters"]) == ("5-9", "water")
    assert int(flood["max_visits"]) >= 3


def test_generate_province_rejects_no_mines():
    """A province needs at least one mine."""
    with pytest.raises(ValueError, match="num_mines"):
        generate_province(0)


def test_write_province_loads(tmp_path):
    """A written province loads as a valid scenario."""
    loading = pytest.importorskip("models.loading")
    write_province(tmp_path, 150, seed=4, year=2026)

    scenario = loading.load_scenario(tmp_path)

    assert len(scenario.mines) == 150
    assert scenario.policy.non_coal_caps == {"A": 1, "B": 2, "C": 3, "D": 4}
