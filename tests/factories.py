"""Small hand-made provinces for tests, built straight from records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from models.policy import Policy
from models.records import (
    Body,
    Campaign,
    Company,
    Hazard,
    Mine,
    Scenario,
)

WORKDAYS_2026 = (21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23)


def small_province(**changes) -> Scenario:
    """Return a province of six mines, four bodies and one of everything.

    Keyword arguments replace fields of the scenario.
    """
    bodies = (
        Body("REG-P", "省应急管理厅", "regulator", "province", 10, 1500, 600),
        Body("REG-C", "平安县应急管理局", "regulator", "county", 6, 900, 300),
        Body("SUP-B", "省级局", "supervisor", "bureau", 4, 500, 200),
        Body("SUP-1", "监察执法一处", "supervisor", "division", 8, 1200, 400),
    )
    mines = (
        Mine(
            "M1",
            "一号煤矿",
            "coal",
            "A",
            "REG-C",
            "SUP-1",
            "CO1",
            30,
            "平安县",
            112.1,
            36.1,
            ("gas",),
        ),
        Mine(
            "M2",
            "二号煤矿",
            "coal",
            "B",
            "REG-C",
            "SUP-1",
            "CO1",
            55,
            "平安县",
            112.2,
            36.2,
            ("gas", "water"),
        ),
        Mine(
            "M3",
            "三号煤矿",
            "coal",
            "C",
            "REG-P",
            "SUP-1",
            None,
            80,
            "平安县",
            112.3,
            36.3,
            ("water",),
        ),
        Mine(
            "M4",
            "四号煤矿",
            "coal",
            "D",
            "REG-C",
            "SUP-1",
            None,
            10,
            "平安县",
            None,
            None,
            (),
        ),
        Mine(
            "N1",
            "一号铁矿",
            "non_coal",
            "B",
            "REG-C",
            None,
            None,
            40,
            "平安县",
            112.5,
            36.5,
            ("roof",),
        ),
        Mine(
            "N2",
            "尾矿库",
            "non_coal",
            "D",
            "REG-C",
            None,
            None,
            90,
            "平安县",
            112.6,
            36.6,
            ("tailings", "water"),
        ),
    )
    scenario = Scenario(
        name="测试省",
        year=2026,
        seed=1,
        mines=mines,
        bodies=bodies,
        companies=(Company("CO1", "示范煤业集团", "REG-P", 2),),
        hazards=(Hazard("H1", "M2", "SUP-1", date(2026, 3, 31)),),
        campaigns=(
            Campaign(
                "CP1",
                "汛期防治水专项检查",
                "REG-P",
                5,
                9,
                2,
                disasters=("water",),
            ),
        ),
        policy=Policy(non_coal_caps={"A": 1, "B": 2, "C": 3, "D": 4}),
        workdays=WORKDAYS_2026,
        calendar_source="package",
        digest="test",
    )
    return replace(scenario, **changes)


def with_policy(scenario: Scenario, **changes) -> Scenario:
    """Return the scenario with some policy fields replaced."""
    return replace(scenario, policy=replace(scenario.policy, **changes))
