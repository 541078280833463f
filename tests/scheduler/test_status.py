"""Tests of the status report: actual inspections against the plan (R24).

Each test builds a few planned visits and actual inspections of the small
province by hand and checks that one kind of finding appears when it
should, and not otherwise.

In the small province (year 2026), M1 is coal A of REG-C and SUP-1
(regulator cap 2, supervisor cap 1), M2 is coal B (caps 4 and 2) with the
major hazard H1 found by SUP-1, N1 is non-coal B of REG-C (cap 2), and
the parent company CO1 is visited by REG-P (cap 2).
"""

from __future__ import annotations

from datetime import date
from itertools import count

from factories import small_province, with_policy

from models.actuals import Actual
from models.plan import Visit
from models.policy import Caps
from models.records import Hazard
from scheduler.status import status_report

_ids = count(1)


def planned(target_id, month, *body_ids, kind="", hazard_id="") -> Visit:
    """Return a planned visit; routine or joint from its bodies."""
    joint = len(body_ids) == 2
    kind = kind or ("joint" if joint else "routine")
    side = "joint" if joint else body_ids[0].split("-")[0]
    return Visit(
        month=month,
        kind=kind,
        target_id=target_id,
        target_name=target_id,
        body_ids=body_ids,
        side={"REG": "regulator", "SUP": "supervisor"}.get(side, side),
        counts_toward_caps=kind in ("routine", "joint", "company"),
        person_days=4.0,
        hazard_id=hazard_id,
    )


def actual(day, target_id, *body_ids, kind="", hazard_id="") -> Actual:
    """Return an actual inspection; routine or joint from its bodies."""
    kind = kind or ("joint" if len(body_ids) == 2 else "routine")
    return Actual(
        inspection_id=f"I{next(_ids):03d}",
        day=day,
        target_id=target_id,
        body_ids=body_ids,
        kind=kind,
        hazard_id=hazard_id,
    )


def subjects(report, topic) -> set[str]:
    """Return the subjects of the findings on one topic."""
    return {finding.subject for finding in report.about(topic)}


def caps_found(report) -> dict[tuple[str, str], str]:
    """Return the severity of each cap finding by (rule, subject)."""
    return {(f.rule, f.subject): f.severity for f in report.about("cap")}


def test_status_report_actual_outside_plan_is_warned():
    """R24: an inspection with no planned visit there that month is warned."""
    plan = [planned("M1", 3, "REG-C")]
    on_plan = actual(date(2026, 3, 10), "M1", "REG-C")
    off_month = actual(date(2026, 4, 2), "M1", "REG-C")
    other_body = actual(date(2026, 3, 12), "M1", "SUP-1")

    report = status_report(
        small_province(),
        plan,
        [on_plan, off_month, other_body],
        date(2026, 4, 5),
    )

    found = report.about("outside_plan")
    assert {f.subject for f in found} == {
        off_month.inspection_id,
        other_body.inspection_id,
    }
    assert all(f.rule == "R24" and f.severity == "warning" for f in found)


def test_status_report_planned_visit_matches_one_actual_only():
    """R24: two inspections cannot both fulfil one planned visit."""
    plan = [planned("M2", 2, "REG-C")]
    first = actual(date(2026, 2, 3), "M2", "REG-C")
    second = actual(date(2026, 2, 20), "M2", "REG-C")

    report = status_report(
        small_province(), plan, [first, second], date(2026, 3, 1)
    )

    assert len(report.about("outside_plan")) == 1


def test_status_report_joint_actual_fulfils_routine_plan():
    """R24: planned routine visits may be made jointly, pairing the most."""
    plan = [planned("M3", 5, "SUP-1"), planned("M3", 5, "REG-P")]
    joint = actual(date(2026, 5, 6), "M3", "REG-P", "SUP-1")
    routine = actual(date(2026, 5, 20), "M3", "SUP-1")

    report = status_report(
        small_province(), plan, [joint, routine], date(2026, 6, 2)
    )

    assert report.about("outside_plan") == []
    assert report.about("behind_plan") == []


def test_status_report_special_does_not_stand_for_routine():
    """R14, R24: a campaign inspection is no planned routine visit."""
    plan = [planned("M3", 6, "REG-P")]
    special = actual(date(2026, 6, 9), "M3", "REG-P", kind="special")

    report = status_report(small_province(), plan, [special], date(2026, 7, 2))

    assert subjects(report, "outside_plan") == {special.inspection_id}
    assert subjects(report, "behind_plan") == {"M3"}
    assert report.about("cap") == []


def test_status_report_complaint_never_counted_or_flagged():
    """R15: complaint checks are exempt, outside both plan and caps."""
    checks = [
        actual(date(2026, month, 8), "M1", "SUP-1", kind="complaint")
        for month in (1, 2, 3)
    ]

    report = status_report(small_province(), [], checks, date(2026, 3, 20))

    assert report.findings == ()
    assert report.exempt == tuple(checks)
    assert sum("exempt R15" in line for line in report.lines()) == 3


def test_status_report_joint_counts_once_per_side_and_total():
    """R9: a joint inspection counts once per side and once in total."""
    scenario = with_policy(small_province(), total_cap=2)
    plan = [planned("M1", 2, "REG-C", "SUP-1"), planned("M1", 4, "REG-C")]
    made = [
        actual(date(2026, 2, 10), "M1", "REG-C", "SUP-1"),
        actual(date(2026, 4, 10), "M1", "REG-C"),
    ]

    report = status_report(scenario, plan, made, date(2026, 5, 2))

    assert report.about("cap") == []


def test_status_report_supervisor_recheck_not_counted():
    """R13: a re-check of a hazard SUP-1 found is outside the caps."""
    plan = [
        planned("M2", 1, "SUP-1"),
        planned("M2", 4, "SUP-1", kind="recheck", hazard_id="H1"),
        planned("M2", 6, "SUP-1"),
    ]
    made = [
        actual(date(2026, 1, 9), "M2", "SUP-1"),
        actual(
            date(2026, 4, 9), "M2", "SUP-1", kind="recheck", hazard_id="H1"
        ),
    ]

    report = status_report(small_province(), plan, made, date(2026, 5, 2))

    assert report.about("cap") == []
    assert report.about("outside_plan") == []


def test_status_report_regulator_recheck_counted():
    """R13: a re-check of a hazard a regulator found counts toward caps."""
    hazard = Hazard("H2", "M1", "REG-C", date(2026, 2, 28))
    scenario = small_province(hazards=(hazard,))
    plan = [
        planned("M1", 1, "REG-C"),
        planned("M1", 3, "REG-C", kind="recheck", hazard_id="H2"),
        planned("M1", 9, "REG-C"),
    ]
    made = [
        actual(date(2026, 1, 9), "M1", "REG-C"),
        actual(
            date(2026, 3, 9), "M1", "REG-C", kind="recheck", hazard_id="H2"
        ),
    ]

    report = status_report(scenario, plan, made, date(2026, 4, 2))

    assert caps_found(report) == {("R5", "M1"): "warning"}


def test_status_report_cap_breach():
    """R5: three regulator inspections of a coal A mine break its cap."""
    plan = [planned("M1", month, "REG-C") for month in (1, 2)]
    made = [
        actual(date(2026, month, 15), "M1", "REG-C") for month in (1, 2, 3)
    ]

    report = status_report(small_province(), plan, made, date(2026, 3, 31))

    assert caps_found(report) == {("R5", "M1"): "breach"}
    assert report.has_breach
    message = report.about("cap")[0].message
    assert "M1" in message and "regulator" in message
    assert "3" in message and "cap 2" in message


def test_status_report_cap_about_to_be_broken():
    """R7: cap reached with a planned visit still ahead is a warning."""
    plan = [planned("N1", 1, "REG-C"), planned("N1", 8, "REG-C")]
    made = [
        actual(date(2026, 1, 20), "N1", "REG-C"),
        actual(date(2026, 3, 4), "N1", "REG-C"),
    ]

    report = status_report(small_province(), plan, made, date(2026, 3, 10))

    assert caps_found(report) == {("R7", "N1"): "warning"}
    assert not report.has_breach


def test_status_report_cap_with_room_left_is_quiet():
    """R5: made plus planned within the cap is quiet, none counted twice."""
    plan = [planned("M1", 1, "REG-C"), planned("M1", 8, "REG-C")]
    made = [actual(date(2026, 1, 20), "M1", "REG-C")]

    report = status_report(small_province(), plan, made, date(2026, 1, 25))

    assert report.about("cap") == []


def test_status_report_company_over_cap_is_r8():
    """R8: a third inspection of a parent company breaks its cap."""
    plan = [planned("CO1", month, "REG-P", kind="company") for month in (2, 6)]
    made = [
        actual(date(2026, month, 3), "CO1", "REG-P", kind="company")
        for month in (2, 3, 6)
    ]

    report = status_report(small_province(), plan, made, date(2026, 7, 1))

    assert caps_found(report) == {("R8", "CO1"): "breach"}


def test_status_report_cap_override_respected():
    """R23: per-mine caps replace the policy's, e.g. after reclassifying."""
    plan = [planned("M1", month, "REG-C") for month in (1, 2)]
    made = [actual(date(2026, month, 5), "M1", "REG-C") for month in (1, 2)]
    scenario = small_province()

    default = status_report(scenario, plan, made, date(2026, 3, 1))
    tighter = status_report(
        scenario, plan, made, date(2026, 3, 1), caps={"M1": Caps(12, 1, 0)}
    )

    assert default.about("cap") == []
    assert caps_found(tighter) == {("R5", "M1"): "breach"}
    assert "overridden" in tighter.about("cap")[0].message


def test_status_report_quarter_without_joint_is_breach():
    """R10: a quarter that ended without a joint inspection is a breach."""
    scenario = small_province()
    made = [actual(date(2026, 2, 5), "M1", "REG-C")]
    joint = actual(date(2026, 3, 30), "M3", "REG-P", "SUP-1")

    missing = status_report(scenario, [], made, date(2026, 4, 1))
    held = status_report(scenario, [], [*made, joint], date(2026, 4, 1))
    running = status_report(scenario, [], made, date(2026, 3, 31))

    assert [(f.rule, f.severity) for f in missing.about("joint_quarter")] == [
        ("R10", "breach")
    ]
    assert "Q1" in missing.about("joint_quarter")[0].message
    assert held.about("joint_quarter") == []
    assert running.about("joint_quarter") == []


def test_status_report_joint_per_division_scope():
    """R10: with division scope, each supervisor body is checked apart."""
    scenario = with_policy(small_province(), joint_scope="division")
    joint = actual(date(2026, 2, 5), "M1", "REG-C", "SUP-1")

    report = status_report(scenario, [], [joint], date(2026, 7, 1))

    found = report.about("joint_quarter")
    assert {f.subject for f in found} == {"SUP-1"}
    assert ["Q2" in f.message for f in found] == [True]


def test_status_report_mine_behind_plan():
    """R24: planned visits of ended months not made are a warning."""
    plan = [
        planned("M1", 1, "REG-C"),
        planned("M1", 3, "SUP-1"),
        planned("N1", 2, "REG-C"),
        planned("N2", 2, "REG-C"),
    ]
    made = [
        actual(date(2026, 1, 12), "M1", "REG-C"),
        actual(date(2026, 2, 12), "N2", "REG-C"),
    ]
    scenario = small_province()

    april = status_report(scenario, plan, made, date(2026, 4, 1))
    march = status_report(scenario, plan, made, date(2026, 3, 31))

    assert subjects(april, "behind_plan") == {"M1", "N1"}
    assert subjects(march, "behind_plan") == {"N1"}
    behind = {f.subject: f.message for f in april.about("behind_plan")}
    assert "2 visit(s) planned" in behind["M1"] and "1 made" in behind["M1"]


def test_status_report_reminds_bodies_of_next_month():
    """R24: each body is reminded of its visits planned next month."""
    plan = [
        planned("M1", 6, "REG-C"),
        planned("N1", 6, "REG-C"),
        planned("M2", 6, "REG-C", "SUP-1"),
        planned("M3", 7, "SUP-1"),
        planned("M3", 5, "REG-P"),
    ]

    report = status_report(small_province(), plan, [], date(2026, 5, 20))

    found = {f.subject: f for f in report.about("reminder")}
    assert set(found) == {"REG-C", "SUP-1"}
    assert all(f.severity == "reminder" for f in found.values())
    assert "3 visit(s)" in found["REG-C"].message
    assert "M1, M2, N1" in found["REG-C"].message
    assert "1 visit(s)" in found["SUP-1"].message


def test_status_report_no_reminders_after_last_month():
    """R24: in December there is no next month of the plan to remind of."""
    plan = [planned("M1", 1, "REG-C"), planned("M1", 12, "REG-C")]

    report = status_report(small_province(), plan, [], date(2026, 12, 1))

    assert report.about("reminder") == []


def test_status_report_counts_only_actuals_up_to_as_of():
    """R24: inspections after the status date, or of another year, wait."""
    plan = [planned("M1", 1, "REG-C")]
    made = [
        actual(date(2026, 1, 5), "M1", "REG-C"),
        actual(date(2026, 2, 5), "M1", "REG-C"),
        actual(date(2026, 3, 5), "M1", "REG-C"),
        actual(date(2025, 12, 5), "M1", "SUP-1"),
    ]
    scenario = small_province()

    early = status_report(scenario, plan, made, date(2026, 2, 4))
    late = status_report(scenario, plan, made, date(2026, 3, 5))

    assert early.about("outside_plan") == []
    assert early.about("cap") == []
    assert len(late.about("outside_plan")) == 2
    assert caps_found(late) == {("R5", "M1"): "breach"}


def test_status_report_lines_put_breaches_first():
    """The English lines open with a headline, then breaches first."""
    plan = [planned("M1", 1, "REG-C"), planned("M2", 5, "REG-C")]
    made = [
        actual(date(2026, 1, 5), "M1", "REG-C"),
        actual(date(2026, 1, 25), "M1", "SUP-1"),
        actual(date(2026, 2, 5), "M1", "SUP-1"),
    ]

    report = status_report(small_province(), plan, made, date(2026, 4, 3))
    lines = report.lines()

    assert lines[0].startswith("Status on 2026-04-03")
    severities = [line.split()[0] for line in lines[1:]]
    assert severities == sorted(
        severities, key=("breach", "warning", "reminder").index
    )
    assert {"breach", "warning", "reminder"} <= set(severities)


def test_status_report_without_findings_has_no_breach():
    """A year going to plan, with the quarter's joint held, is quiet."""
    plan = [planned("M1", 2, "REG-C", "SUP-1"), planned("N1", 3, "REG-C")]
    made = [
        actual(date(2026, 2, 10), "M1", "REG-C", "SUP-1"),
        actual(date(2026, 3, 10), "N1", "REG-C"),
    ]

    report = status_report(small_province(), plan, made, date(2026, 4, 2))

    assert report.findings == ()
    assert not report.has_breach
    assert len(report.lines()) == 1
