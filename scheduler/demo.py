"""A synthetic province for demonstrations, tests and benchmarks.

``generate_province`` invents a Chinese province, 示范省, with coal and
non-coal mines, the regulator and supervisor bodies that oversee them,
parent companies, open major hazards and special campaigns. The shares
follow a province that mines both coal and other minerals. Every number
comes from one generator seeded by ``seed``, so the same arguments always
give byte-identical files. No row describes a real mine or body.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import yaml

from models.loading import (
    BODY_COLUMNS,
    CAMPAIGN_COLUMNS,
    COMPANY_COLUMNS,
    HAZARD_COLUMNS,
    MINE_COLUMNS,
)
from models.tables import csv_text, write_text_atomic

logger = logging.getLogger(__name__)

PROVINCE = "示范省"
MAX_MINES = 20_000

# Legal workdays of a Chinese year lie between 246 and 251. A fixed figure
# keeps the files the same whatever the calendar package knows.
WORKDAYS_PER_YEAR = 248

# Planned inspections take about a fifth of all person-days; other
# enforcement work, leave, study and meetings take the rest (R17).
INSPECTION_SHARE = 0.2

COAL_SHARE = 0.35
CATEGORY_SHARES = {
    "coal": {"A": 0.25, "B": 0.45, "C": 0.20, "D": 0.10},
    "non_coal": {"A": 0.40, "B": 0.35, "C": 0.18, "D": 0.07},
}

# The policy written to scenario.yaml; the rest keeps the notice's defaults.
JOINT_MINIMUM = 1
RESERVE_SHARE = 0.1
POLICY = {
    "non_coal_caps": {"A": 1, "B": 2, "C": 3, "D": 4},
    "joint_minimum": JOINT_MINIMUM,
    "joint_scope": "province",
    "min_gap_months": 1,
    "reserve_share": RESERVE_SHARE,
}

# The loader's required columns, plus the optional ones the demo fills.
TABLE_COLUMNS = {
    "mines": (
        *MINE_COLUMNS[:5],
        "supervisor_id",
        "company_id",
        *MINE_COLUMNS[5:],
        "lon",
        "lat",
        "disasters",
    ),
    "bodies": BODY_COLUMNS,
    "companies": COMPANY_COLUMNS,
    "hazards": HAZARD_COLUMNS,
    "campaigns": (
        *CAMPAIGN_COLUMNS,
        "kinds",
        "categories",
        "disasters",
        "counties",
    ),
}

PROVINCE_BODY = "R-PROV"
BUREAU_BODY = "S-BUREAU"

_TEAM = 2
_VISIT_DAYS = {"coal": 2, "non_coal": 1}
_COMPANY_VISIT_DAYS = 1
_QUARTERS = 4
_MINES_PER_COUNTY = 25
_MINES_PER_DIVISION = 1000
_MINES_PER_COMPANY = 150
_MINES_PER_HAZARD = 100
_OWNED_COAL_SHARE = 0.4
_FLOOD_SHARE = 0.05
_GAS_CAMPAIGN_FROM = 500
_GAS_SHARE = 0.03
_BOX = ((110.0, 114.0), (35.0, 39.0))

_CITY_NAMES = (
    "东山",
    "西川",
    "南岭",
    "北原",
    "清河",
    "龙泉",
    "云台",
    "石门",
    "宝丰",
    "长宁",
    "丰泽",
    "青峰",
    "白水",
    "河阳",
    "金谷",
    "永昌",
)
# County names pair a first and a second character from these rows.
_COUNTY_FIRST = (
    "平安永宁福兴康泰和新",
    "德庆祥瑞丰昌盛华乐长",
    "广定临明阳清灵武文宜",
)
_COUNTY_SECOND = (
    "安宁平川阳山原城河源",
    "乡泉水丰武昌和兴远林",
    "谷岭台州口关峪沟泽石",
)
_MINE_WORDS = (
    "兴旺",
    "福源",
    "鑫源",
    "恒泰",
    "金鼎",
    "宏达",
    "永兴",
    "瑞丰",
    "华安",
    "东升",
    "聚源",
    "昌盛",
    "广源",
    "天元",
    "宏远",
    "新峰",
    "祥和",
    "金泰",
    "鸿运",
    "富源",
    "隆基",
    "顺达",
    "凯达",
    "嘉禾",
    "益民",
    "荣盛",
    "众鑫",
    "兴隆",
    "红旗",
    "前进",
    "向阳",
    "团结",
    "胜利",
    "光明",
    "长兴",
    "宝泉",
    "石岭",
    "青龙",
    "白云",
    "金山",
)
_COMPANY_TRADES = ("煤业", "能源", "焦煤", "煤电", "矿业投资")
_NUMERALS = "零一二三四五六七八九"


@dataclass(frozen=True)
class _MineType:
    """A kind of mine: its share, name endings and disaster odds."""

    kind: str
    share: float
    suffixes: tuple[str, ...]
    disasters: tuple[tuple[str, float], ...]


_COAL_TYPE = _MineType(
    "coal",
    1.0,
    ("煤矿",),
    (
        ("gas", 0.6),
        ("water", 0.5),
        ("coal_dust", 0.55),
        ("fire", 0.35),
        ("roof", 0.45),
        ("rock_burst", 0.08),
    ),
)
_NON_COAL_TYPES = {
    "metal": _MineType(
        "non_coal",
        0.30,
        ("铁矿", "金矿", "铜矿", "铅锌矿", "钼矿"),
        (("water", 0.45), ("roof", 0.5), ("fire", 0.15)),
    ),
    "non_metal": _MineType(
        "non_coal",
        0.20,
        ("石膏矿", "萤石矿", "石墨矿", "磷矿"),
        (("water", 0.3), ("roof", 0.45), ("fire", 0.05)),
    ),
    "quarry": _MineType(
        "non_coal",
        0.35,
        ("建筑石料用灰岩矿", "采石场"),
        (("roof", 0.3), ("water", 0.1)),
    ),
    "tailings": _MineType(
        "non_coal", 0.15, ("尾矿库",), (("tailings", 1.0), ("water", 0.3))
    ),
}

# Mean and spread of the risk score by kind and category. A coal D mine
# is shut down and low; a non-coal D mine is the riskiest (R1, R2).
_RISK = {
    ("coal", "A"): (35.0, 7.0),
    ("coal", "B"): (50.0, 7.0),
    ("coal", "C"): (68.0, 7.0),
    ("coal", "D"): (15.0, 5.0),
    ("non_coal", "A"): (25.0, 7.0),
    ("non_coal", "B"): (45.0, 7.0),
    ("non_coal", "C"): (65.0, 7.0),
    ("non_coal", "D"): (82.0, 6.0),
}


@dataclass(frozen=True)
class _Staffing:
    """How a level of body is staffed: officer bounds and floor share."""

    least: int
    spread: int
    most: int | None
    target: tuple[float, float]


# ``target`` is the share of a body's inspection capacity (after the R15
# reserve) that its required work should take, drawn from this range.
_STAFFING = {
    "province": _Staffing(20, 10, None, (0.35, 0.5)),
    "city": _Staffing(10, 8, None, (0.35, 0.5)),
    "county": _Staffing(4, 0, 22, (0.4, 0.58)),
    "bureau": _Staffing(4, 2, 12, (0.4, 0.5)),
    "division": _Staffing(8, 3, 20, (0.4, 0.5)),
}


@dataclass(frozen=True)
class _City:
    """A prefecture-level city (地级市) with its regulator body."""

    name: str
    lon: float
    lat: float
    body_id: str


@dataclass(frozen=True)
class _County:
    """A county (县、市、区) with its regulator body."""

    city: int
    short: str
    full: str
    lon: float
    lat: float
    body_id: str


@dataclass
class _Mine:
    """A mine while the province is being built."""

    county: int
    kind: str = "non_coal"
    mine_type: str = ""
    category: str = "A"
    disasters: tuple[str, ...] = ()
    risk: float = 0.0
    lon: float = 0.0
    lat: float = 0.0
    name: str = ""
    mine_id: str = ""
    regulator_id: str = ""
    supervisor_id: str = ""
    company_id: str = ""


@dataclass
class _Body:
    """An enforcement body and the person-days of work it must cover."""

    body_id: str
    name: str
    side: str
    level: str
    demand: float = 0.0
    officers: int = 0
    other_days: int = 0
    non_days: int = 0


def generate_province(
    num_mines: int, seed: int = 0, year: int = 2027
) -> dict[str, list[dict[str, str]]]:
    """Return the tables of a synthetic province as rows of text cells.

    About 35 % of the mines are coal mines and 65 % non-coal (metal and
    non-metal mines, quarries and tailings ponds), with the category
    shares of a typical province. Bodies are staffed so that the default
    floors of every regulator take 30 to 60 % of its inspection capacity
    after the R15 reserve, and planned inspections take about a fifth of
    all person-days (R17).

    Parameters
    ----------
    num_mines
        Number of mines, from 1 to ``MAX_MINES``.
    seed
        Seed of the random generator; the same seed gives the same rows.
    year
        The plan year; hazard deadlines fall in it.

    Returns
    -------
    dict
        Table name (``mines``, ``bodies``, ``companies``, ``hazards``,
        ``campaigns``) to rows, each a dict from the column names of
        ``docs/input-format.md`` to text.

    Raises
    ------
    ValueError
        If ``num_mines`` is below 1 or above ``MAX_MINES``.
    """
    if not 1 <= num_mines <= MAX_MINES:
        msg = f"num_mines must be from 1 to {MAX_MINES}, not {num_mines}."
        raise ValueError(msg)

    rng = np.random.default_rng(seed)
    cities, counties = _geography(num_mines, rng)
    mines = _mines(num_mines, cities, counties, rng)
    bodies = _bodies(cities, counties, num_mines)

    _assign_regulators(mines, cities, counties, rng)
    _assign_supervisors(mines, counties, bodies)
    companies = _companies(mines, rng)
    hazards = _hazards(mines, year, rng)
    campaigns = _campaigns(mines)

    _staff(bodies, mines, companies, campaigns, rng)
    return {
        "mines": [_mine_row(mine, counties) for mine in mines],
        "bodies": [_body_row(body) for body in bodies],
        "companies": companies,
        "hazards": hazards,
        "campaigns": campaigns,
    }


def scenario_yaml(num_mines: int, seed: int = 0, year: int = 2027) -> dict:
    """Return the contents of ``scenario.yaml`` for a synthetic province.

    Parameters
    ----------
    num_mines
        Number of mines, named in the scenario's name.
    seed
        The seed, recorded as the scenario's solver seed.
    year
        The plan year.

    Returns
    -------
    dict
        Name, year, seed, table files and the policy settings that differ
        from or must be added to the notice's defaults.
    """
    title = f"{PROVINCE} {year} 年度矿山安全执法检查计划"
    name = f"{title}（{num_mines} 处矿山）"
    tables = {table: f"{table}.csv" for table in TABLE_COLUMNS}
    return {
        "name": name,
        "year": year,
        "seed": seed,
        "tables": tables,
        "policy": {
            key: dict(value) if isinstance(value, dict) else value
            for key, value in POLICY.items()
        },
    }


def write_province(
    folder: Path, num_mines: int, seed: int = 0, year: int = 2027
) -> Path:
    """Write a synthetic province as a scenario folder.

    The folder gets ``scenario.yaml`` and one CSV file per table; files
    already there are replaced whole, never half-written.

    Parameters
    ----------
    folder
        The scenario folder, created if missing.
    num_mines
        Number of mines.
    seed
        Seed of the random generator.
    year
        The plan year.

    Returns
    -------
    Path
        The written ``scenario.yaml``.
    """
    tables = generate_province(num_mines, seed, year)
    for table, rows in tables.items():
        columns = TABLE_COLUMNS[table]
        cells = ([row[column] for column in columns] for row in rows)
        write_text_atomic(folder / f"{table}.csv", csv_text(columns, cells))

    scenario = scenario_yaml(num_mines, seed, year)
    text = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)
    header = (
        "# Synthetic province made by scheduler.demo.write_province("
        f"{num_mines}, seed={seed}, year={year}).\n"
    )
    path = folder / "scenario.yaml"
    write_text_atomic(path, header + text)

    logger.info(
        "Wrote a synthetic province of %d mines (seed %d) to %s",
        num_mines,
        seed,
        folder,
    )
    return path


def _geography(
    num_mines: int, rng: np.random.Generator
) -> tuple[list[_City], list[_County]]:
    """Return cities on a jittered grid and their counties around them."""
    num_counties = max(3, round(num_mines / _MINES_PER_COUNTY))
    num_cities = min(len(_CITY_NAMES), max(2, round(num_counties / 7)))
    columns = math.ceil(math.sqrt(num_cities))
    rows = math.ceil(num_cities / columns)
    (west, east), (south, north) = _BOX
    width = (east - west) / columns
    height = (north - south) / rows

    cities = []
    for index in range(num_cities):
        row, column = divmod(index, columns)
        lon = west + (column + 0.5 + rng.uniform(-0.2, 0.2)) * width
        lat = south + (row + 0.5 + rng.uniform(-0.2, 0.2)) * height
        name = f"{_CITY_NAMES[index]}市"
        cities.append(_City(name, lon, lat, f"R-C{index + 1:02d}"))

    counties = []
    names = iter(_county_names(num_counties, rng))
    for city_index, group in enumerate(
        np.array_split(np.arange(num_counties), num_cities)
    ):
        city = cities[city_index]
        for number in range(1, len(group) + 1):
            short = next(names)
            lon = city.lon + rng.uniform(-0.3, 0.3) * width
            lat = city.lat + rng.uniform(-0.3, 0.3) * height
            lon = float(np.clip(lon, west + 0.2, east - 0.2))
            lat = float(np.clip(lat, south + 0.2, north - 0.2))
            body_id = f"{city.body_id}-{number:02d}"
            full = city.name + short
            county = _County(city_index, short, full, lon, lat, body_id)
            counties.append(county)

    return cities, counties


def _county_names(count: int, rng: np.random.Generator) -> list[str]:
    """Return unique two-character county names with their suffix."""
    pool = [
        first + second
        for first in "".join(_COUNTY_FIRST)
        for second in "".join(_COUNTY_SECOND)
        if first != second
    ]
    picks = rng.choice(len(pool), size=count, replace=False)
    kinds = ["县", "区", "市"]
    suffixes = rng.choice(kinds, size=count, p=[0.8, 0.12, 0.08])
    return [
        pool[pick] + suffix
        for pick, suffix in zip(picks, suffixes, strict=True)
    ]


def _mines(
    num_mines: int,
    cities: list[_City],
    counties: list[_County],
    rng: np.random.Generator,
) -> list[_Mine]:
    """Return the mines, sorted by county, kind and type, with ids."""
    mines = [
        _Mine(county) for county in _mine_counties(num_mines, counties, rng)
    ]
    _choose_kinds(mines, cities, counties, rng)
    for kind, shares in CATEGORY_SHARES.items():
        group = [mine for mine in mines if mine.kind == kind]
        for mine, category in zip(
            group, _shuffled_labels(len(group), shares, rng), strict=True
        ):
            mine.category = category

    non_coal = [mine for mine in mines if mine.kind == "non_coal"]
    type_shares = {key: kind.share for key, kind in _NON_COAL_TYPES.items()}
    labels = _shuffled_labels(len(non_coal), type_shares, rng)
    for mine, mine_type in zip(non_coal, labels, strict=True):
        mine.mine_type = mine_type

    for mine in mines:
        _describe(mine, counties[mine.county], rng)

    mines.sort(key=lambda mine: (mine.county, mine.kind, mine.mine_type))
    _name(mines, counties, rng)
    return mines


def _mine_counties(
    num_mines: int, counties: list[_County], rng: np.random.Generator
) -> list[int]:
    """Return the county of each mine: one each first, then by weight."""
    # Mines cluster in mining counties; the clip keeps any one county
    # small enough for its regulator to cover its floors.
    weights = np.minimum(rng.gamma(2.0, size=len(counties)), 10.0)
    base = min(num_mines, len(counties))
    extra = rng.multinomial(num_mines - base, weights / weights.sum())
    counts = extra + np.array(
        [1 if index < base else 0 for index in range(len(counties))]
    )
    return [index for index, count in enumerate(counts) for _ in range(count)]


def _choose_kinds(
    mines: list[_Mine],
    cities: list[_City],
    counties: list[_County],
    rng: np.random.Generator,
) -> None:
    """Make about 35 % of the mines coal mines, more in coal-field cities."""
    num_coal = round(COAL_SHARE * len(mines))
    propensity = rng.gamma(2.0, size=len(cities)) + 0.3
    weights = np.array(
        [propensity[counties[mine.county].city] for mine in mines]
    )
    coal = rng.choice(
        len(mines), size=num_coal, replace=False, p=weights / weights.sum()
    )
    for index in sorted(coal.tolist()):
        mines[index].kind = "coal"
        mines[index].mine_type = "coal"


def _shuffled_labels(
    count: int, shares: dict[str, float], rng: np.random.Generator
) -> list[str]:
    """Return labels in exact shares (largest remainder), shuffled."""
    raw = {label: count * share for label, share in shares.items()}
    counts = {label: math.floor(value) for label, value in raw.items()}
    left = count - sum(counts.values())
    by_remainder = sorted(shares, key=lambda label: counts[label] - raw[label])
    for label in by_remainder[:left]:
        counts[label] += 1

    labels = [label for label in shares for _ in range(counts[label])]
    return [labels[index] for index in rng.permutation(count)]


def _describe(mine: _Mine, county: _County, rng: np.random.Generator) -> None:
    """Draw a mine's disasters, risk score and place."""
    mine_type = (
        _COAL_TYPE if mine.kind == "coal" else _NON_COAL_TYPES[mine.mine_type]
    )
    draws = rng.random(len(mine_type.disasters))
    mine.disasters = tuple(
        name
        for (name, odds), draw in zip(mine_type.disasters, draws, strict=True)
        if draw < odds
    )

    mean, spread = _RISK[(mine.kind, mine.category)]
    risk = rng.normal(mean, spread) + 1.5 * len(mine.disasters)
    mine.risk = round(float(np.clip(risk, 0.0, 100.0)), 1)

    (west, east), (south, north) = _BOX
    lon, lat = rng.normal((county.lon, county.lat), 0.06)
    mine.lon = round(float(np.clip(lon, west, east)), 4)
    mine.lat = round(float(np.clip(lat, south, north)), 4)


def _name(
    mines: list[_Mine], counties: list[_County], rng: np.random.Generator
) -> None:
    """Give each mine its id and a name unique in the province."""
    width = max(4, len(str(len(mines))))
    used: dict[str, int] = {}
    for number, mine in enumerate(mines, start=1):
        mine.mine_id = f"M{number:0{width}d}"
        mine_type = (
            _COAL_TYPE
            if mine.kind == "coal"
            else _NON_COAL_TYPES[mine.mine_type]
        )
        suffix = mine_type.suffixes[rng.integers(len(mine_type.suffixes))]
        stem = (
            counties[mine.county].short
            + _MINE_WORDS[rng.integers(len(_MINE_WORDS))]
        )
        seen = used.get(stem + suffix, 0) + 1
        used[stem + suffix] = seen
        mark = "" if seen == 1 else f"{_chinese_number(seen)}号"
        mine.name = stem + mark + suffix


def _chinese_number(number: int) -> str:
    """Return 1 to 99 in Chinese numerals (一, 十二, 二十三)."""
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _NUMERALS[ones]

    head = "" if tens == 1 else _NUMERALS[tens]
    tail = "" if ones == 0 else _NUMERALS[ones]
    return f"{head}十{tail}"


def _bodies(
    cities: list[_City], counties: list[_County], num_mines: int
) -> list[_Body]:
    """Return the regulator bodies, the bureau and its divisions."""
    bodies = [
        _Body(
            PROVINCE_BODY,
            f"{PROVINCE}应急管理厅",
            "regulator",
            "province",
        )
    ]
    for index, city in enumerate(cities):
        name = f"{city.name}应急管理局"
        bodies.append(_Body(city.body_id, name, "regulator", "city"))
        for county in counties:
            if county.city == index:
                name = f"{county.full}应急管理局"
                bodies.append(
                    _Body(county.body_id, name, "regulator", "county")
                )

    bureau = f"国家矿山安全监察局{PROVINCE[:-1]}局"
    bodies.append(_Body(BUREAU_BODY, bureau, "supervisor", "bureau"))
    num_divisions = max(2, round(num_mines / _MINES_PER_DIVISION))
    for number in range(1, num_divisions + 1):
        name = f"{bureau}监察执法{_chinese_number(number)}处"
        division = _Body(f"S-D{number:02d}", name, "supervisor", "division")
        bodies.append(division)

    return bodies


def _assign_regulators(
    mines: list[_Mine],
    cities: list[_City],
    counties: list[_County],
    rng: np.random.Generator,
) -> None:
    """Give each mine one regulator body, mostly its county's (R3)."""
    for mine, draw in zip(mines, rng.random(len(mines)), strict=True):
        county = counties[mine.county]
        big = mine.category == "C" or mine.risk >= 70.0
        if mine.kind == "coal" and big:
            to_province, to_city = 0.15, 0.45
        elif mine.kind == "coal":
            to_province, to_city = 0.0, 0.05
        else:
            to_province, to_city = 0.0, 0.1

        if draw < to_province:
            mine.regulator_id = PROVINCE_BODY
        elif draw < to_city:
            mine.regulator_id = cities[county.city].body_id
        else:
            mine.regulator_id = county.body_id


def _assign_supervisors(
    mines: list[_Mine], counties: list[_County], bodies: list[_Body]
) -> None:
    """Give each coal mine the division that covers its county (R3)."""
    # Counties are in city order, so cutting that order into runs of
    # about equal coal counts gives each division a region of its own.
    divisions = [body.body_id for body in bodies if body.level == "division"]
    coal_by_county = [0] * len(counties)
    for mine in mines:
        coal_by_county[mine.county] += mine.kind == "coal"

    total = max(sum(coal_by_county), 1)
    division_of = []
    before = 0
    for count in coal_by_county:
        middle = (before + count / 2) / total
        division_of.append(
            min(int(middle * len(divisions)), len(divisions) - 1)
        )
        before += count

    for mine in mines:
        if mine.kind == "coal":
            mine.supervisor_id = divisions[division_of[mine.county]]


def _companies(
    mines: list[_Mine], rng: np.random.Generator
) -> list[dict[str, str]]:
    """Return parent companies and mark the coal mines they own."""
    count = max(2, round(len(mines) / _MINES_PER_COMPANY))
    coal = [mine for mine in mines if mine.kind == "coal"]
    owned = round(_OWNED_COAL_SHARE * len(coal))
    picks = rng.permutation(len(coal))[:owned]
    weights = rng.gamma(2.0, size=count)
    owners = list(range(min(count, owned)))
    owners += rng.choice(
        count, size=owned - len(owners), p=weights / weights.sum()
    ).tolist()
    for pick, owner in zip(picks, owners, strict=True):
        coal[pick].company_id = f"G{owner + 1:02d}"

    rows = []
    for index in range(count):
        body_id = PROVINCE_BODY if index % 2 == 0 else BUREAU_BODY
        row = {
            "company_id": f"G{index + 1:02d}",
            "name": _company_name(index),
            "body_id": body_id,
            "visits_wanted": str(int(rng.integers(1, 3))),
        }
        rows.append(row)

    return rows


def _company_name(index: int) -> str:
    """Return the name of the index-th parent company (集团)."""
    cities = len(_CITY_NAMES)
    trade, city = divmod(index, cities)
    name = _CITY_NAMES[city] + _COMPANY_TRADES[trade % len(_COMPANY_TRADES)]
    rounds = trade // len(_COMPANY_TRADES)
    mark = "" if rounds == 0 else _chinese_number(rounds + 1)
    return f"{PROVINCE[:-1]}{name}{mark}集团有限公司"


def _hazards(
    mines: list[_Mine], year: int, rng: np.random.Generator
) -> list[dict[str, str]]:
    """Return open major hazards at riskier working mines (R13)."""
    # Deadlines end by October so that each re-check fits in the year.
    # Non-coal A mines are left out: their R7 cap of one visit is taken by
    # the floor, so a capped re-check would not fit (R13).
    working = [
        mine
        for mine in mines
        if not _idle(mine)
        and not (mine.kind == "non_coal" and mine.category == "A")
    ] or mines
    count = min(max(1, round(len(mines) / _MINES_PER_HAZARD)), len(working))
    risk = np.array([mine.risk + 1.0 for mine in working])
    picks = rng.choice(
        len(working), size=count, replace=False, p=risk / risk.sum()
    )

    rows = []
    start = date(year, 1, 1)
    for number, pick in enumerate(sorted(picks.tolist()), start=1):
        mine = working[pick]
        by_supervisor = mine.kind == "coal" and rng.random() < 0.5
        found_by = mine.supervisor_id if by_supervisor else mine.regulator_id
        deadline = start + timedelta(days=int(rng.integers(0, 304)))
        rows.append(
            {
                "hazard_id": f"H{number:03d}",
                "mine_id": mine.mine_id,
                "found_by": found_by,
                "deadline": deadline.isoformat(),
            }
        )

    return rows


def _idle(mine: _Mine) -> bool:
    """Whether the mine is a long-term shut-down coal mine (coal D, R1)."""
    return mine.kind == "coal" and mine.category == "D"


def _campaigns(mines: list[_Mine]) -> list[dict[str, str]]:
    """Return the flood-season campaign and, in big provinces, a gas one."""
    flood = {
        "campaign_id": "CP-FLOOD",
        "name": "汛期防治水专项检查",
        "body_id": PROVINCE_BODY,
        "months": "5-9",
        "max_visits": str(max(3, round(_FLOOD_SHARE * len(mines)))),
        "kinds": "",
        "categories": "",
        "disasters": "water",
        "counties": "",
    }
    if len(mines) < _GAS_CAMPAIGN_FROM:
        return [flood]

    gassy = sum(1 for mine in mines if "gas" in mine.disasters)
    gas = {
        "campaign_id": "CP-GAS",
        "name": "煤矿瓦斯防治专项监察",
        "body_id": BUREAU_BODY,
        "months": "3-10",
        "max_visits": str(max(3, round(_GAS_SHARE * gassy))),
        "kinds": "coal",
        "categories": "",
        "disasters": "gas",
        "counties": "",
    }
    return [flood, gas]


def _staff(
    bodies: list[_Body],
    mines: list[_Mine],
    companies: list[dict[str, str]],
    campaigns: list[dict[str, str]],
    rng: np.random.Generator,
) -> None:
    """Set officers and off-days of each body from the work it must do."""
    by_id = {body.body_id: body for body in bodies}
    for mine in mines:
        by_id[mine.regulator_id].demand += _floor_days(mine)
        if mine.supervisor_id and mine.category != "D":
            # Supervisors have no floor; plan room to see half their mines.
            by_id[mine.supervisor_id].demand += _TEAM * _VISIT_DAYS["coal"] / 2

    for company in companies:
        visits = int(company["visits_wanted"])
        by_id[company["body_id"]].demand += (
            visits * _TEAM * _COMPANY_VISIT_DAYS
        )

    for campaign in campaigns:
        visits = int(campaign["max_visits"])
        by_id[campaign["body_id"]].demand += (
            visits * _TEAM * _VISIT_DAYS["coal"]
        )

    joint = _QUARTERS * JOINT_MINIMUM * _TEAM * _VISIT_DAYS["coal"]
    for body in bodies:
        if body.level in ("province", "division"):
            body.demand += joint

        _staff_body(body, rng)


def _floor_days(mine: _Mine) -> float:
    """Person-days of the regulator visits the default floors require."""
    if _idle(mine):
        return 0.0

    return float(_TEAM * _VISIT_DAYS[mine.kind])


def _staff_body(body: _Body, rng: np.random.Generator) -> None:
    """Set a body's officers so its demand takes its target share."""
    staffing = _STAFFING[body.level]
    off_share = 1.0 - INSPECTION_SHARE + rng.uniform(-0.03, 0.03)
    reserve = 1.0 - RESERVE_SHARE
    per_officer = WORKDAYS_PER_YEAR * (1.0 - off_share) * reserve
    target = rng.uniform(*staffing.target)

    needed = math.ceil(body.demand / (target * per_officer))
    usual = staffing.least + int(rng.integers(staffing.spread + 1))
    officers = max(needed, usual)
    if staffing.most is not None:
        officers = min(officers, staffing.most)

    off_days = round(officers * WORKDAYS_PER_YEAR * off_share)
    body.officers = officers
    body.other_days = round(off_days * rng.uniform(0.45, 0.65))
    body.non_days = off_days - body.other_days


def _mine_row(mine: _Mine, counties: list[_County]) -> dict[str, str]:
    """Return the text cells of a mine."""
    return {
        "mine_id": mine.mine_id,
        "name": mine.name,
        "kind": mine.kind,
        "category": mine.category,
        "regulator_id": mine.regulator_id,
        "supervisor_id": mine.supervisor_id,
        "company_id": mine.company_id,
        "risk_score": f"{mine.risk:.1f}",
        "county": counties[mine.county].full,
        "lon": f"{mine.lon:.4f}",
        "lat": f"{mine.lat:.4f}",
        "disasters": ";".join(mine.disasters),
    }


def _body_row(body: _Body) -> dict[str, str]:
    """Return the text cells of a body."""
    return {
        "body_id": body.body_id,
        "name": body.name,
        "side": body.side,
        "level": body.level,
        "officers": str(body.officers),
        "other_enforcement_days": str(body.other_days),
        "non_enforcement_days": str(body.non_days),
    }
