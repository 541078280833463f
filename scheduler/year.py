"""Running the year: re-planned versions on disk and in the workspace.

A re-planned plan folder holds, besides the plan, the changes file it
applied (``changes.yaml``) and an ``adjustment`` section in its
``summary.json``: the caps it counted against, the mines closed and the
first month it could change. With the scenario of the filed plan, that is
enough to recheck it, to record inspections against it and to re-plan it
again.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import yaml

from models.changes import read_changes
from models.loading import load_scenario
from models.policy import Caps
from models.records import Scenario
from scheduler.checker import Adjustment
from scheduler.replan import ReplanResult, prorated_caps

CHANGES_FILE = "changes.yaml"


def adjustment_json(replanned: ReplanResult, options, base_id) -> dict:
    """Return the ``adjustment`` section of a re-plan's summary."""
    adjustment = replanned.adjustment
    return {
        "adjusts_version": base_id,
        "as_of": options.as_of.isoformat(),
        "whole_year": options.whole_year,
        "open_from": adjustment.open_from,
        "closed": sorted(adjustment.closed),
        "caps": {
            mine_id: {
                "total": caps.total,
                "regulator": caps.regulator,
                "supervisor": caps.supervisor,
            }
            for mine_id, caps in sorted(adjustment.caps.items())
        },
        "approved_total": replanned.approved_total,
        "new_total": replanned.new_total,
        "changes_file": CHANGES_FILE,
    }


def adjusted(scenario: Scenario, plan_dir: Path):
    """Return the scenario and adjustment a plan folder was made for.

    A first plan returns the scenario unchanged and no adjustment; a
    re-plan has its changes file applied again and its caps restored.
    """
    summary_path = plan_dir / "summary.json"
    try:
        summary = json.loads(summary_path.read_text("utf-8"))
    except (OSError, ValueError):
        return scenario, None

    section = summary.get("adjustment")
    if not section:
        return scenario, None

    changes = read_changes(plan_dir / section["changes_file"], scenario)
    as_of = date.fromisoformat(section["as_of"])
    changed, _, _ = changes.apply(
        scenario, as_of, section["whole_year"], prorated_caps
    )
    adjustment = Adjustment(
        caps={
            mine_id: Caps(c["total"], c["regulator"], c["supervisor"])
            for mine_id, c in section["caps"].items()
        },
        closed=frozenset(section["closed"]),
        open_from=section["open_from"],
    )
    return changed, adjustment


def version_scenario(space, version_id: int, folder: Path):
    """Extract a workspace version and return scenario, plan and frame.

    Returns
    -------
    tuple
        The scenario the version was made for (changes applied), the
        folder of its plan files, the base scenario folder, and its
        adjustment (``None`` for a first plan).
    """
    scenario_dir = space.extract_scenario(version_id, folder / "scenario")
    plan_dir = space.extract_plan(version_id, folder / "plan")
    base = load_scenario(scenario_dir)
    scenario, adjustment = adjusted(base, plan_dir)
    return scenario, plan_dir, scenario_dir, adjustment


def carry_changes(previous: Path, changes_file: Path, out: Path) -> None:
    """Put the changes a re-plan applies into its plan folder.

    A re-plan of a re-plan holds the earlier changes too, section by
    section, so the folder says everything applied to the filed scenario.
    """
    out.mkdir(parents=True, exist_ok=True)
    merged = _changes_dict(previous / CHANGES_FILE)
    for key, value in _changes_dict(changes_file).items():
        if isinstance(value, list):
            merged[key] = list(merged.get(key) or []) + value
        elif key == "reason" and merged.get("reason"):
            merged[key] = f"{merged['reason']}; {value}"
        else:
            merged[key] = value

    text = yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)
    (out / CHANGES_FILE).write_text(text, encoding="utf-8")


def _changes_dict(path: Path) -> dict:
    """Return the YAML mapping of a changes file, or an empty one."""
    if not path.is_file():
        return {}

    data = yaml.safe_load(path.read_text("utf-8-sig"))
    return data if isinstance(data, dict) else {}
