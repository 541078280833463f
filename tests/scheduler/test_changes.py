"""Tests of the statement of changes and the adjustment mark (R23, R25).

The plans here are made by hand from the small province, so no solver
runs: the statement only compares and writes visits, and the package
needs only visits consistent with the scenario. Charts are stubbed with
one tiny PNG file; they have tests of their own.
"""

from __future__ import annotations

import base64
import csv
from collections import Counter
from dataclasses import replace
from pathlib import Path

import docx
import openpyxl
import pytest
from factories import small_province
from hypothesis import given, settings
from hypothesis import strategies as st

from models.plan import Visit, number_visits
from scheduler.changes import (
    PlanChange,
    diff_plans,
    explain_changes,
    identity,
    write_statement,
)
from scheduler.checker import check_plan
from scheduler.report import package
from scheduler.report.document import write_document
from scheduler.report.package import write_package
from scheduler.summary import capacity_table

COLUMNS_ZH = [
    "序号",
    "调整类型",
    "检查对象",
    "所属县",
    "检查类别",
    "执法主体",
    "原计划月份",
    "调整后月份",
    "调整原因",
]
ADJUSTS = {"version": 3, "filed": "2026-01-20", "as_of": "2026-04-01"}
HEADER = {
    **ADJUSTS,
    "applied": [
        "二号煤矿由B类调整为C类，自2026年4月1日起执行。",
        "尾矿库闭库，不再纳入计划。",
    ],
    "total_before": 5,
    "total_after": 5,
    "total_kept": True,
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4"
    "//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)


def _visit(target: str, month: int, **fields) -> Visit:
    """Return a routine regulator visit by 平安县应急管理局, or as given."""
    values = {
        "kind": "routine",
        "target_name": f"{target}矿",
        "body_ids": ("REG-C",),
        "side": "regulator",
        "counts_toward_caps": True,
        "person_days": 4.0,
        **fields,
    }
    return Visit(month=month, target_id=target, **values)


def _plan_of_small_province() -> list[Visit]:
    """Return one visit of each kind to the small province, numbered."""
    return number_visits(
        [
            _visit("M1", 2, target_name="一号煤矿"),
            _visit(
                "M2",
                3,
                kind="joint",
                target_name="二号煤矿",
                body_ids=("REG-C", "SUP-1"),
                side="joint",
            ),
            _visit(
                "M2",
                5,
                kind="recheck",
                target_name="二号煤矿",
                body_ids=("SUP-1",),
                side="supervisor",
                counts_toward_caps=False,
                hazard_id="H1",
            ),
            _visit(
                "M3",
                6,
                kind="special",
                target_name="三号煤矿",
                body_ids=("REG-P",),
                counts_toward_caps=False,
                campaign_id="CP1",
            ),
            _visit(
                "CO1",
                4,
                kind="company",
                target_name="示范煤业集团",
                body_ids=("REG-P",),
            ),
        ]
    )


def _adjusted_plan(old: list[Visit]) -> list[Visit]:
    """Return the plan with one visit moved, one removed and one added."""
    moved = replace(old[1], month=7)
    added = _visit("N1", 9, target_name="一号铁矿")
    return number_visits([moved, *old[2:], added])


@pytest.fixture(scope="module")
def plans():
    """The small province with a filed plan and its adjusted version."""
    old = _plan_of_small_province()
    return small_province(), old, _adjusted_plan(old)


@pytest.fixture(scope="module")
def changes(plans):
    """The changes between the two plans, explained."""
    _, old, new = plans
    reasons = {"N1": "R23：一号铁矿新纳入计划"}
    return explain_changes(diff_plans(old, new), reasons, "R22：价值重新平衡")


@pytest.fixture(scope="module")
def statement(plans, changes, tmp_path_factory):
    """The Chinese statement, written once; its two paths."""
    folder = tmp_path_factory.mktemp("statement")
    return write_statement(folder, plans[0], changes, HEADER)


def _stub_charts(folder, scenario, visits, summary, lang="zh"):
    """Stand in for render_charts: write one tiny PNG file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "caps.png"
    path.write_bytes(PNG)
    return {"caps": path}


def _package(folder: Path, plans, adjusts) -> Path:
    """Write the Chinese package of the adjusted plan with stub charts."""
    scenario, _, visits = plans
    summary = {
        "status": "feasible",
        "mode": "strict",
        "gap": 0.0,
        "capacity": capacity_table(scenario, visits),
    }
    rows = check_plan(scenario, visits).rule_rows()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package, "render_charts", _stub_charts)
        write_package(folder, scenario, visits, summary, rows, "zh", adjusts)

    return folder


@pytest.fixture(scope="module")
def adjusted(plans, tmp_path_factory) -> Path:
    """The package of the adjusted plan, marked as adjusting version 3."""
    return _package(tmp_path_factory.mktemp("adjusted"), plans, ADJUSTS)


@pytest.fixture(scope="module")
def unmarked(plans, tmp_path_factory) -> Path:
    """The same package without the adjustment mark."""
    return _package(tmp_path_factory.mktemp("unmarked"), plans, None)


def _texts(document) -> list[str]:
    """Return the text of every paragraph, tables included."""
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)

    return texts


def _notes(folder: Path) -> list[tuple]:
    """Return the rows of the workbook's 编制说明 sheet."""
    book = openpyxl.load_workbook(folder / "计划.xlsx")
    return list(book["编制说明"].iter_rows(values_only=True))


def _plan_multiset(visits) -> Counter:
    """Return a plan as a multiset of identity and month."""
    return Counter((identity(visit), visit.month) for visit in visits)


def _apply(old: list[Visit], changes: list[PlanChange]) -> Counter:
    """Apply changes to a plan's multiset; fail on removing a missing one."""
    plan = _plan_multiset(old)
    for change in changes:
        key = identity(change.visit)
        if change.old_month is not None:
            assert plan[key, change.old_month] > 0, change
            plan[key, change.old_month] -= 1

        if change.new_month is not None:
            plan[key, change.new_month] += 1

    return +plan


def test_diff_plans_same_plan_has_no_changes(plans):
    """A plan compared with itself, renumbered, has no change."""
    _, old, _ = plans

    assert diff_plans(old, number_visits(list(reversed(old)))) == []


def test_diff_plans_pairs_leftover_months_in_order():
    """Equal months stay; the rest pair in month order; extras are added."""
    old = [_visit("M1", month) for month in (2, 5, 9)]
    new = [_visit("M1", month) for month in (12, 5, 3, 11)]

    changes = diff_plans(old, new)

    assert [(c.action, c.old_month, c.new_month) for c in changes] == [
        ("added", None, 12),
        ("moved", 2, 3),
        ("moved", 9, 11),
    ]


def test_diff_plans_removes_leftover_old_visits():
    """Old visits beyond the new ones are removed, latest months last."""
    old = [_visit("M1", month) for month in (1, 4, 8)]
    new = [_visit("M1", 6)]

    changes = diff_plans(old, new)

    assert [(c.action, c.old_month, c.new_month) for c in changes] == [
        ("removed", 4, None),
        ("removed", 8, None),
        ("moved", 1, 6),
    ]


def test_diff_plans_other_side_is_another_visit():
    """A visit by another side is removed and added, never moved."""
    old = [_visit("M1", 3)]
    new = [_visit("M1", 3, body_ids=("SUP-1",), side="supervisor")]

    changes = diff_plans(old, new)

    assert [(c.action, c.visit) for c in changes] == [
        ("added", new[0]),
        ("removed", old[0]),
    ]


def test_diff_plans_moved_carries_the_new_visit(plans):
    """A moved visit is the adjusted plan's, with both months."""
    _, old, new = plans

    moved = [c for c in diff_plans(old, new) if c.action == "moved"]

    assert len(moved) == 1
    assert moved[0].visit in new
    assert (moved[0].old_month, moved[0].new_month) == (3, 7)


visits = st.builds(
    _visit,
    st.sampled_from(["M1", "M2"]),
    st.integers(1, 12),
    side=st.sampled_from(["regulator", "supervisor"]),
    hazard_id=st.sampled_from(["", "H1"]),
)


@settings(deadline=None)
@given(st.lists(visits, max_size=12), st.lists(visits, max_size=12))
def test_diff_plans_changes_rebuild_the_new_plan(old, new):
    """Applying the changes to the old plan gives exactly the new one."""
    changes = diff_plans(old, new)

    assert _apply(old, changes) == _plan_multiset(new)
    for change in changes:
        source = old if change.action == "removed" else new
        assert change.visit in source
        assert change.old_month != change.new_month


@settings(deadline=None)
@given(st.lists(visits, max_size=12), st.lists(visits, max_size=12))
def test_diff_plans_lists_only_differences(old, new):
    """Each identity has as many changes as its larger leftover side."""
    before, after = _plan_multiset(old), _plan_multiset(new)
    gone, came = before - after, after - before
    wanted = Counter()
    for (key, _), count in gone.items():
        wanted[key, "old"] += count

    for (key, _), count in came.items():
        wanted[key, "new"] += count

    keys = {key for key, _ in wanted}
    changes = diff_plans(old, new)

    assert len(changes) == sum(
        max(wanted[key, "old"], wanted[key, "new"]) for key in keys
    )


def test_plan_change_rejects_unknown_action(plans):
    """An action other than added, removed or moved is refused."""
    _, old, _ = plans

    with pytest.raises(ValueError, match="action"):
        PlanChange("cancelled", old[0], 2, None)


def test_explain_changes_by_target_else_default(changes):
    """A change of a named target gets its reason, the others the default."""
    reasons = {c.visit.target_id: c.reason for c in changes}

    assert reasons == {
        "N1": "R23：一号铁矿新纳入计划",
        "M1": "R22：价值重新平衡",
        "M2": "R22：价值重新平衡",
    }


def test_write_statement_writes_both_files(statement):
    """The Chinese statement is 调整说明.csv and 调整说明.docx."""
    assert [path.name for path in statement] == [
        "调整说明.csv",
        "调整说明.docx",
    ]
    assert statement[0].read_bytes().startswith(b"\xef\xbb\xbf")


def test_write_statement_csv_rows_match_changes(statement, changes):
    """The CSV has the columns and one row per change, in words."""
    with statement[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert list(rows[0]) == COLUMNS_ZH
    assert [r["调整类型"] for r in rows] == ["新增", "取消", "调整月份"]
    assert [r["检查对象"] for r in rows] == [
        "一号铁矿",
        "一号煤矿",
        "二号煤矿",
    ]
    assert [(r["原计划月份"], r["调整后月份"]) for r in rows] == [
        ("", "9月"),
        ("2月", ""),
        ("3月", "7月"),
    ]
    assert rows[2]["执法主体"] == "平安县应急管理局、监察执法一处"
    assert rows[2]["检查类别"] == "联合执法"
    assert [r["调整原因"] for r in rows] == [c.reason for c in changes]


def test_write_statement_document_states_header(statement):
    """The document names the version, dates, items applied and totals."""
    texts = _texts(docx.Document(str(statement[1])))
    body = "\n".join(texts)

    assert texts[0] == "测试省2026年度矿山安全执法检查计划调整说明"
    assert "2026年1月20日报送的计划（版本3）" in body
    assert "2026年4月1日前已实施的检查作为事实保留" in body
    assert "1．二号煤矿由B类调整为C类" in body
    assert "2．尾矿库闭库" in body
    assert "新增检查1次、取消检查1次、调整检查月份1次，共3项" in body
    assert (
        "原批准计入频次上限的检查总数5次，调整后5次。调整后保持原批准总数。"
    ) in body


def test_write_statement_document_table_matches_csv(statement):
    """The document's table holds the same rows as the CSV."""
    document = docx.Document(str(statement[1]))
    table = next(t for t in document.tables if t.cell(0, 0).text == "序号")
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    with statement[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))

    assert cells == rows


def test_write_statement_without_changes_says_so(plans, tmp_path):
    """With no change the document says so and the CSV has its header."""
    scenario, old, _ = plans
    header = {**HEADER, "applied": []}

    paths = write_statement(tmp_path, scenario, [], header)

    texts = _texts(docx.Document(str(paths[1])))
    assert "本次调整未改变任何检查安排。" in texts
    assert "无。" in texts
    assert paths[0].read_text("utf-8-sig").splitlines() == [
        ",".join(COLUMNS_ZH)
    ]


def test_write_statement_in_english(plans, changes, tmp_path):
    """lang='en' writes English file names, columns and actions."""
    header = {**HEADER, "total_after": 6, "total_kept": False}

    paths = write_statement(tmp_path, plans[0], changes, header, "en")

    assert [p.name for p in paths] == [
        "change-statement.csv",
        "change-statement.docx",
    ]
    with paths[0].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert [r["Change"] for r in rows] == ["added", "removed", "month changed"]
    assert rows[0]["Month adjusted"] == "Sep"
    body = "\n".join(_texts(docx.Document(str(paths[1]))))
    assert "version 3 of the plan, filed on 2026-01-20" in body
    assert "The total differs from the approved one" in body


def test_write_statement_rejects_incomplete_header(plans, tmp_path):
    """A header without the approved totals is refused, naming them."""
    header = {key: HEADER[key] for key in ("version", "filed", "as_of")}

    with pytest.raises(ValueError, match="total_before"):
        write_statement(tmp_path, plans[0], [], header)

    assert list(tmp_path.iterdir()) == []


def test_document_marks_adjusted_plan(adjusted):
    """The title reads 调整稿, followed by the version and the as-of date."""
    document = docx.Document(str(adjusted / "计划（报批稿）.docx"))
    texts = [p.text for p in document.paragraphs]
    title = next(i for i, t in enumerate(texts) if t.endswith("（调整稿）"))

    assert texts[title] == "测试省2026年度矿山安全执法检查计划（调整稿）"
    assert "2026年1月20日报送的计划（版本3）" in texts[title + 1]
    assert "R23" in texts[title + 1]
    assert "2026年4月1日前已实施的检查" in texts[title + 1]
    assert not any("报批稿" in t for t in texts)


def test_workbook_notes_mark_adjusted_plan(adjusted):
    """编制说明 gives the same lines, cited to R23."""
    rows = _notes(adjusted)
    marked = [row for row in rows if row[2] == "R23 §1"]

    assert [row[0] for row in marked] == ["调整说明", "已实施检查"]
    assert "2026年1月20日报送的计划（版本3）" in marked[0][1]
    assert "2026年4月1日前已实施的检查" in marked[1][1]


def test_package_without_adjusts_has_no_mark(unmarked):
    """Without adjusts the title reads 报批稿 and nothing cites R23 §1."""
    document = docx.Document(str(unmarked / "计划（报批稿）.docx"))
    texts = [p.text for p in document.paragraphs]
    rows = _notes(unmarked)

    assert any(t.endswith("（报批稿）") for t in texts)
    assert not any("调整稿" in t or "版本3" in t for t in texts)
    assert [row for row in rows if row[2] == "R23 §1"] == []


def test_document_marks_adjusted_plan_in_english(plans, tmp_path):
    """In English the title ends in (adjusted) and names the version."""
    scenario, _, visits = plans
    summary = {"status": "feasible", "gap": None}
    path = write_document(
        tmp_path / "plan.docx",
        scenario,
        visits,
        summary,
        [],
        {},
        "en",
        ADJUSTS,
    )

    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    title = next(i for i, t in enumerate(texts) if t.endswith("(adjusted)"))
    assert "version 3 of the plan, filed on 2026-01-20" in texts[title + 1]


def test_write_package_rejects_malformed_adjusts(plans, tmp_path):
    """An adjustment mark without its as-of date is refused up front."""
    scenario, _, visits = plans
    adjusts = {"version": 3, "filed": "2026-01-20"}

    with pytest.raises(ValueError, match="as_of"):
        write_package(tmp_path, scenario, visits, {}, [], "zh", adjusts)

    assert list(tmp_path.iterdir()) == []
