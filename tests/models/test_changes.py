"""Reading and applying a changes file (R23)."""

from datetime import date

import pytest
from factories import small_province

from models.changes import read_changes
from models.errors import ScenarioError
from scheduler.replan import prorated_caps


def _write(tmp_path, text: str):
    """Write a changes file and return its path."""
    path = tmp_path / "changes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_changes_reads_every_section(tmp_path):
    """Each section becomes typed changes."""
    path = _write(
        tmp_path,
        "reason: 调整\n"
        "category_changes:\n"
        "  - {mine_id: M1, category: c, effective: 2026-04-01}\n"
        "mines_closed:\n"
        "  - {mine_id: N1, effective: 2026-05-01}\n"
        "officers:\n"
        "  - {body_id: REG-C, officers: 3}\n"
        "hazards:\n"
        "  - {hazard_id: H7, mine_id: M2, found_by: SUP-1,\n"
        "     deadline: 2026-06-30}\n"
        "campaigns:\n"
        "  - {campaign_id: CP7, name: 雨季, body_id: REG-P, months: 6-8,\n"
        "     max_visits: 2, disasters: water}\n",
    )
    changes = read_changes(path, small_province())

    assert changes.category_changes[0].category == "C"
    assert changes.mines_closed[0].effective == date(2026, 5, 1)
    assert changes.officers[0].officers == 3
    assert changes.hazards[0].found_by == "SUP-1"
    assert changes.campaigns[0].months == (6, 7, 8)
    assert len(changes.describe()) == 5


def test_read_changes_reports_every_problem_with_its_key(tmp_path):
    """Unknown ids, bad categories and dates are all named by key."""
    path = _write(
        tmp_path,
        "category_changes:\n"
        "  - {mine_id: NOPE, category: Z, effective: someday}\n"
        "officers:\n"
        "  - {body_id: REG-C, officers: 0}\n"
        "surprise: 1\n",
    )
    with pytest.raises(ScenarioError) as caught:
        read_changes(path, small_province())

    keys = {issue.column for issue in caught.value.issues}
    assert {
        "category_changes[0].mine_id",
        "category_changes[0].category",
        "category_changes[0].effective",
        "officers[0].officers",
        "surprise",
    } <= keys
    assert all(issue.file == "changes.yaml" for issue in caught.value.issues)


def test_read_changes_rejects_a_coal_mine_without_supervisor(tmp_path):
    """An added coal mine needs a supervisor body (R3)."""
    path = _write(
        tmp_path,
        "mines_added:\n"
        "  - {mine_id: M9, name: 新矿, kind: coal, category: B,\n"
        "     regulator_id: REG-C, risk_score: 50, county: 平安县}\n",
    )
    with pytest.raises(ScenarioError) as caught:
        read_changes(path, small_province())

    assert "mines_added[0].supervisor_id" in {
        issue.column for issue in caught.value.issues
    }


def test_apply_changes_sets_categories_officers_and_prorated_caps(tmp_path):
    """Applying gives the new category, officers and prorated caps."""
    path = _write(
        tmp_path,
        "category_changes:\n"
        "  - {mine_id: M1, category: C, effective: 2026-07-01}\n"
        "officers:\n"
        "  - {body_id: REG-C, officers: 3}\n",
    )
    scenario = small_province()
    changes = read_changes(path, scenario)
    changed, caps, reasons = changes.apply(
        scenario, date(2026, 7, 1), False, prorated_caps
    )

    assert changed.mine("M1").category == "C"
    assert changed.body("REG-C").officers == 3
    assert caps["M1"] == prorated_caps(
        scenario, "M1", "A", "C", date(2026, 7, 1)
    )
    assert "A→C" in reasons["M1"]
