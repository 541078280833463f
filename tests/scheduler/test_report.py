"""Tests of the filing package: workbook, document and public version.

The small province is solved once, with one mine renamed to a formula so
the workbook's guard against formula injection is tested on real visits.
Charts are stubbed with tiny PNG files: the charts have tests of their
own, and the package needs only files to embed.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from factories import small_province
from lxml import etree

from scheduler.checker import check_plan
from scheduler.report import package
from scheduler.report.package import write_package
from scheduler.report.public import write_public
from scheduler.report.workbook import safe_text, write_workbook
from scheduler.solve import SolveOptions, solve
from scheduler.summary import build_summary

INJECTED = '=HYPERLINK("http://example.com","click")'
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SHEETS_ZH = [
    "编制说明",
    "工作日测算",
    "检查计划明细",
    "分矿汇总",
    "月度安排",
    "联合执法",
    "专项检查与复查",
    "上级公司检查",
    "合规校验",
]
SECTIONS_ZH = [
    "一、编制依据",
    "二、执法力量和工作日测算",
    "三、检查对象和分类情况",
    "四、年度检查安排",
    "五、联合执法安排",
    "六、专项检查和重大事故隐患复查",
    "七、保障措施",
]


def _png() -> bytes:
    """Return a valid one-pixel PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        crc = struct.pack(">I", zlib.crc32(body))
        return struct.pack(">I", len(data)) + body + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _stub_charts(folder, scenario, visits, summary, lang="zh"):
    """Stand in for render_charts: write two tiny PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    charts = {}
    for name in ("load-province", "caps"):
        charts[name] = folder / f"chart-{name}.png"
        charts[name].write_bytes(_png())

    return charts


@pytest.fixture(scope="module")
def plan():
    """The small province with a formula-named mine, solved once."""
    scenario = small_province()
    mines = (replace(scenario.mines[0], name=INJECTED), *scenario.mines[1:])
    scenario = replace(scenario, mines=mines)
    result = solve(scenario, SolveOptions(time_limit=3))
    visits = list(result.visits)
    rows = check_plan(scenario, visits).rule_rows()
    return scenario, visits, build_summary(scenario, result), rows


def _write(folder: Path, plan, lang: str) -> list[Path]:
    """Write the package with stub charts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package, "render_charts", _stub_charts)
        return write_package(folder, *plan, lang=lang)


@pytest.fixture(scope="module")
def folder(plan, tmp_path_factory) -> Path:
    """The Chinese package, written once."""
    folder = tmp_path_factory.mktemp("package")
    _write(folder, plan, "zh")
    return folder


@pytest.fixture(scope="module")
def workbook(folder):
    """The Chinese workbook, read back."""
    return openpyxl.load_workbook(folder / "计划.xlsx")


@pytest.fixture(scope="module")
def document(folder):
    """The Chinese document for approval, read back."""
    return docx.Document(str(folder / "计划（报批稿）.docx"))


def _records(sheet) -> list[dict]:
    """Return the rows of a sheet's main table as dicts by header."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    records = []
    for row in rows:
        if all(value is None for value in row):
            break

        records.append(dict(zip(header, row, strict=True)))

    return records


def _recount(scenario, visits) -> dict[str, Counter]:
    """Recount visits per mine: capped per side, capped, all."""
    sides = {body.body_id: body.side for body in scenario.bodies}
    counts = {mine.mine_id: Counter() for mine in scenario.mines}
    for visit in visits:
        if visit.kind == "company":
            continue

        count = counts[visit.target_id]
        count["all"] += 1
        if visit.counts_toward_caps:
            count["capped"] += 1
            for side in {sides[b] for b in visit.body_ids}:
                count[side] += 1

    return counts


def test_package_writes_every_file(folder):
    """The Chinese package holds the charts and the four documents."""
    names = {path.name for path in folder.iterdir()}

    assert {
        "计划.xlsx",
        "计划（报批稿）.docx",
        "计划（公示版）.docx",
        "计划（公示版）.xlsx",
        "charts",
    } <= names


def test_package_logs_each_step(plan, tmp_path, caplog):
    """Each step of the package is logged as it starts."""
    caplog.set_level("INFO", logger="scheduler.report.package")
    _write(tmp_path, plan, "zh")

    messages = [record.getMessage() for record in caplog.records]
    assert "writing workbook…" in messages
    assert "drawing charts…" in messages


def test_workbook_has_every_sheet(workbook):
    """The workbook holds the nine sheets, Chinese names by default."""
    assert workbook.sheetnames == SHEETS_ZH


def test_workbook_visit_rows_match_plan(workbook, plan):
    """检查计划明细 has one row per visit, in plan order."""
    _, visits, _, _ = plan
    records = _records(workbook["检查计划明细"])

    assert len(records) == len(visits)
    assert [r["计划编号"] for r in records] == [v.visit_id for v in visits]
    assert [r["计划月份"] for r in records] == [v.month for v in visits]


def test_workbook_mine_counts_match_visits(workbook, plan):
    """分矿汇总 counts per mine and side equal a recount of the visits."""
    scenario, visits, _, _ = plan
    counts = _recount(scenario, visits)
    records = _records(workbook["分矿汇总"])

    assert [r["矿山编号"] for r in records] == [
        mine.mine_id for mine in scenario.mines
    ]
    for record in records:
        count = counts[record["矿山编号"]]
        assert record["监管方计划次数"] == count["regulator"]
        assert record["监察方计划次数"] == count["supervisor"]
        assert record["计入频次合计"] == count["capped"]
        assert record["检查总次数"] == count["all"]


def test_workbook_caps_come_from_policy(workbook, plan):
    """分矿汇总 caps per side equal the policy's caps of each mine."""
    scenario, _, _, _ = plan
    records = _records(workbook["分矿汇总"])

    for record, mine in zip(records, scenario.mines, strict=True):
        caps = scenario.policy.caps(
            mine.kind, mine.category, mine.regulator_id
        )
        assert record["监管方频次上限"] == caps.regulator
        assert record["监察方频次上限"] == caps.supervisor
        assert record["监管方计划次数"] <= caps.regulator


def test_workbook_numbers_are_numeric_cells(workbook):
    """Counts, months and person-days are numbers, not text."""
    visits = workbook["检查计划明细"]
    mines = workbook["分矿汇总"]
    capacity = workbook["工作日测算"]

    numeric = [
        *visits["A"][1:],
        *visits["I"][1:],
        *visits["N"][1:],
        *(
            cell
            for row in mines.iter_rows(min_row=2, min_col=9)
            for cell in row
        ),
        *(
            cell
            for row in capacity.iter_rows(min_row=2, min_col=5)
            for cell in row
            if cell.value is not None
        ),
    ]
    assert numeric
    assert {cell.data_type for cell in numeric} == {"n"}


def test_workbook_guards_formula_injection(workbook):
    """A mine named like a formula is written as text, never run."""
    names = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    formulas = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]

    assert names
    assert {cell.value for cell in names} == {"'" + INJECTED}
    assert formulas == []


def test_safe_text_prefixes_every_formula_start():
    """Text starting with =, +, - or @ gets a leading apostrophe."""
    for text in ("=1+1", "+1", "-1", "@SUM(A1)"):
        assert safe_text(text) == "'" + text

    assert safe_text("一号煤矿") == "一号煤矿"


def test_workbook_freezes_headers_and_filters_tables(workbook):
    """Every sheet freezes its header row and filters its table."""
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title


def test_workbook_has_fixed_properties(workbook, plan):
    """The workbook names minesched and the plan year's first day."""
    scenario, _, _, _ = plan

    assert workbook.properties.creator == "minesched"
    assert workbook.properties.created == datetime(scenario.year, 1, 1)


def test_workbook_states_policy_with_rules(workbook, plan):
    """编制说明 gives each setting with its rule and clause."""
    scenario, _, _, _ = plan
    rows = list(workbook["编制说明"].iter_rows(values_only=True))
    bases = {row[2] for row in rows if row[0] is not None}
    caps = [row for row in rows if row[-1] in ("R5 §3", "R6 §3", "R7 §3")]

    assert {"R4 §3", "R8 §3", "R10 §3", "R11 §3"} <= bases
    assert any(str(b).startswith("R15 §3") for b in bases)
    non_coal = [row for row in caps if row[-1] == "R7 §3"]
    assert non_coal[0][3:7] == tuple(
        scenario.policy.non_coal_caps[c] for c in "ABCD"
    )


def test_workbook_checks_list_every_rule(workbook, plan):
    """合规校验 lists every rule the checker tests with its counts."""
    _, _, _, rows = plan
    records = _records(workbook["合规校验"])

    assert [r["规则"] for r in records] == [row["rule"] for row in rows]
    assert [r["校验项数"] for r in records] == [row["checked"] for row in rows]


def test_workbook_month_sheet_counts_visits(workbook, plan):
    """月度安排 counts each body's visits per month, joint for both."""
    scenario, visits, _, _ = plan
    records = [
        r for r in _records(workbook["月度安排"]) if r["指标"] == "检查次数"
    ]
    expected = Counter(
        (body_id, visit.month)
        for visit in visits
        for body_id in visit.body_ids
    )

    for record in records:
        for month in range(1, 13):
            wanted = expected[record["编号"], month]
            assert record[f"{month}月"] == wanted


def test_write_workbook_rejects_unknown_language(plan, tmp_path):
    """A language other than zh or en is refused."""
    with pytest.raises(ValueError, match="lang"):
        write_workbook(tmp_path / "x.xlsx", *plan, lang="fr")


def _texts(document) -> list[str]:
    """Return the text of every paragraph, tables included."""
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)

    return texts


def test_document_has_every_section(document):
    """The document holds the sections in order and the approval block."""
    texts = _texts(document)
    headings = [t for t in texts if t in SECTIONS_ZH]

    assert headings == SECTIONS_ZH
    assert {"编制", "审核", "审批"} <= set(texts)
    assert any("矿安〔2025〕14号" in t for t in texts)
    assert any("安监总政法〔2017〕150号" in t for t in texts)


def test_document_title_in_xiaobiaosong(document):
    """The title is 方正小标宋简体 22 pt, centred, in the 小标宋 style."""
    title = next(p for p in document.paragraphs if "报批稿" in p.text)
    run = title.runs[0]

    assert title.style.name == "小标宋"
    assert run.font.name == "方正小标宋简体"
    assert run.font.size.pt == 22
    assert title.alignment == 1


def test_document_page_number_field(document):
    """The footer shows "— PAGE —" with a PAGE field."""
    footer = document.sections[0].footer
    xml = footer._element.xml

    assert "PAGE" in "".join(footer._element.itertext())
    assert 'w:fldCharType="begin"' in xml
    assert footer.paragraphs[0].text.startswith("— ")
    assert footer.paragraphs[0].text.endswith(" —")


def test_document_sets_east_asian_font_on_every_run(folder):
    """Every run of the body and footer names its East Asian font."""
    with zipfile.ZipFile(folder / "计划（报批稿）.docx") as archive:
        parts = [
            name
            for name in archive.namelist()
            if re.fullmatch(r"word/(document|footer\d+)\.xml", name)
        ]
        trees = [archive.read(name) for name in parts]

    runs = [
        run for tree in trees for run in etree.fromstring(tree).iter(f"{W}r")
    ]
    missing = [
        run
        for run in runs
        if run.find(f"{W}rPr/{W}rFonts") is None
        or not run.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia")
    ]
    assert runs
    assert missing == []


def test_document_page_is_a4_with_gbt_margins(document):
    """A4 with margins 37, 35, 28 and 26 mm (GB/T 9704)."""
    section = document.sections[0]
    sizes = {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }
    for name, millimetres in sizes.items():
        assert getattr(section, name).mm == pytest.approx(millimetres, 0.01)


def test_document_numbers_match_visits(document, plan):
    """The month table's total and each body's year equal a recount."""
    scenario, visits, _, _ = plan
    month_table = next(
        t for t in document.tables if t.rows[0].cells[0].text == "月份"
    )
    body_table = next(
        t for t in document.tables if t.rows[0].cells[1].text == "1月"
    )
    per_body = Counter(b for visit in visits for b in visit.body_ids)

    assert month_table.rows[-1].cells[6].text == str(len(visits))
    for row, body in zip(body_table.rows[1:], scenario.bodies, strict=True):
        assert row.cells[0].text == body.name
        assert row.cells[-1].text == str(per_body[body.body_id])


def test_document_embeds_the_charts(document):
    """Each chart is embedded about 15 cm wide."""
    shapes = document.inline_shapes

    assert len(shapes) == 2
    assert shapes[0].width.cm == pytest.approx(15, abs=0.1)


FORBIDDEN = (
    r"月",
    r"季度",
    r"星期",
    r"周[一二三四五六日]",
    r"\bQ[1-4]\b",
    r"(?i)month",
    r"(?i)quarter",
    r"(?i)\b(mon|tues|wednes|thurs|fri|satur|sun)day\b",
    r"\d{4}-\d{2}-\d{2}",
)


def _dated_words(path: Path, year: int) -> list[str]:
    """Return every month, quarter, week or date word in the XML parts."""
    patterns = [re.compile(p) for p in (*FORBIDDEN, rf"{year}-")]
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue

            xml = archive.read(name).decode("utf-8")
            found += [
                f"{name}: {match.group()}"
                for pattern in patterns
                for match in pattern.finditer(xml)
            ]

    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_version_has_no_dates(plan, tmp_path, lang):
    """No month, quarter, week or date appears in the public files (R18)."""
    scenario, visits, summary, _ = plan
    paths = write_public(tmp_path, scenario, visits, summary, lang)

    assert len(paths) == 2
    for path in paths:
        assert _dated_words(path, scenario.year) == [], path.name


def test_public_version_lists_caps_and_items(folder, plan):
    """The public workbook gives planned visits and the R19 items."""
    scenario, visits, _, _ = plan
    book = openpyxl.load_workbook(folder / "计划（公示版）.xlsx")
    groups = _records(book["频次与计划次数"])
    items = _records(book["必查事项"])
    counts = _recount(scenario, visits)

    coal_a = next(
        r for r in groups if r["矿山类型"] == "煤矿" and r["分类"] == "A类"
    )
    mines = [
        m for m in scenario.mines if (m.kind, m.category) == ("coal", "A")
    ]
    assert coal_a["矿山数"] == len(mines)
    assert coal_a["监管方计划"] == sum(
        counts[m.mine_id]["regulator"] for m in mines
    )
    assert [r["必查项"] for r in items] == [
        "重大风险防控",
        "重大灾害治理",
        "重大事故隐患排查整治",
        "企业主要负责人履职",
    ]


def test_public_document_has_no_core_dates(folder):
    """The public document's properties carry no creation time (R18)."""
    public = docx.Document(str(folder / "计划（公示版）.docx"))
    core = public.core_properties

    assert core.created is None
    assert core.modified is None
    assert core.last_printed is None


def test_package_in_english(plan, tmp_path):
    """lang='en' writes English file names, sheets and headings."""
    paths = _write(tmp_path, plan, "en")
    names = {path.name for path in paths}
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    document = docx.Document(str(tmp_path / "plan-for-approval.docx"))
    texts = _texts(document)

    assert {
        "plan.xlsx",
        "plan-for-approval.docx",
        "plan-public.docx",
        "plan-public.xlsx",
    } <= names
    assert "Visits" in book.sheetnames
    assert len(_records(book["Visits"])) == len(plan[1])
    assert "1. Basis of the plan" in texts
    assert "7. Safeguards" in texts
    assert "Prepared by" in texts


def test_workbook_states_the_method_and_whether_stopped(workbook):
    """编制说明 says how the plan was solved and that it was not stopped."""
    rows = list(workbook["编制说明"].iter_rows(values_only=True))
    values = {row[0]: row[1] for row in rows if row[0] is not None}

    assert values["求解方法"] == "整体模型求解（CP-SAT）"
    assert values["求解是否中止"] == "求解未被中止"


def test_document_states_the_method_and_whether_stopped(document):
    """The 报批稿 basis names the solving method and any early stop."""
    text = "".join(p.text for p in document.paragraphs)

    assert "求解方法为整体模型求解（CP-SAT）" in text
    assert "求解未被中止" in text
