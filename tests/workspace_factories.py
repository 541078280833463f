"""Plan folders, scenarios and clocks for the workspace tests."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models.plan import Visit, number_visits, plan_csv_text

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"


class StepClock:
    """A clock that starts on 2 January 2027 and ticks a minute a call."""

    def __init__(self) -> None:
        self.now = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def demo_scenario(folder: Path) -> Path:
    """Copy the bundled demo scenario into a folder and return it."""
    shutil.copytree(DEMO, folder)
    return folder


def routine(month: int, mine: str, body: str = "R-C01-01") -> Visit:
    """Return a routine regulator visit of a demo mine."""
    return Visit(month, "routine", mine, mine, (body,), "regulator", True, 2)


def write_plan(
    folder: Path, visits: list[Visit], digest: str = "d" * 64
) -> Path:
    """Write a plan folder as ``minesched plan`` would, with a package.

    Besides the plan files it holds a chart, a changes statement and a
    hidden staging folder, which a snapshot must leave out.
    """
    folder.mkdir(parents=True)
    text = plan_csv_text(number_visits(visits))
    (folder / "plan.csv").write_bytes(text.encode("utf-8-sig"))
    summary = {"digest": digest, "mode": "strict"}
    (folder / "summary.json").write_text(json.dumps(summary), "utf-8")
    (folder / "check.json").write_text('{"ok": true}\n', "utf-8")
    (folder / "plan.log").write_text("solved\n", "utf-8")
    (folder / "调整说明.md").write_text("新增一处矿山\n", "utf-8")
    (folder / "charts").mkdir()
    (folder / "charts" / "load.png").write_bytes(bytes(range(256)))
    (folder / ".staging-1").mkdir()
    (folder / ".staging-1" / "plan.csv").write_text("half", "utf-8")
    return folder
