"""The public version of a plan, 计划（公示版）.docx and .xlsx (R18).

Inspections are unannounced (四不两直, R18, §5), so the version made for
publication and for the mines says who inspects, how many mines of each
category there are, how many visits are planned against which caps, and
what every inspection checks (R19), but carries no month, quarter, week,
date or per-mine schedule. That holds for the document properties too:
the files are written without creation or modification times.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from pathlib import Path

from models.plan import Visit
from models.records import Scenario
from scheduler.report.document import (
    OfficialDocument,
    disaster_list,
    group_table_rows,
    mine_table_rows,
    plan_title,
)
from scheduler.report.workbook import (
    Column,
    TableBook,
    check_lang,
    display_width,
    rewrite_package,
    word,
)

logger = logging.getLogger(__name__)

FILE_NAMES = {
    "zh": ("计划（公示版）.docx", "计划（公示版）.xlsx"),
    "en": ("plan-public.docx", "plan-public.xlsx"),
}

# Every sentence and header below is free of months, quarters, weeks and
# dates; the test of this module scans the written files for them.
PUBLIC_TEXT: dict[str, tuple[str, str]] = {
    "suffix": ("（公示版）", " (public version)"),
    "intro": (
        "根据《国家矿山安全监察局关于严格规范矿山领域安全生产行政执法行为"
        "的通知》（矿安〔2025〕14号），现将本年度矿山安全执法检查计划主要"
        "内容公示如下。执法检查采用“四不两直”方式，公示内容不含检查日期"
        "和对具体矿山的安排（R18）。",
        "Under the notice 矿安〔2025〕14号 of the National Mine Safety "
        "Administration, the main content of this year's mine safety "
        "inspection plan is published here. Inspections are unannounced "
        "(四不两直), so nothing here says when a mine is inspected (R18).",
    ),
    "h.bodies": ("执法主体", "Enforcement bodies"),
    "bodies.text": (
        "全省共有执法主体{bodies}个。每处矿山对应一个层级的监管执法主体，"
        "每处煤矿对应一个监察执法主体（R3，《通知》第二条）。",
        "The province has {bodies} enforcement bodies. Each mine has one "
        "regulator body and each coal mine one supervisor body (R3, §2).",
    ),
    "h.mines": ("检查对象", "Mines"),
    "mines.text": (
        "纳入计划的矿山共{mines}处，按分级分类检查（R1、R2，《通知》"
        "第二条）：",
        "The plan covers {mines} mines, inspected by category (R1, R2, §2):",
    ),
    "h.caps": ("检查频次", "Inspection caps and planned visits"),
    "caps.text": (
        "每处矿山年度累计现场执法检查不超过{total}次（R4），对上级公司"
        "不超过{company}次（R8）。联合执法按一次检查分别计入监管、监察"
        "双方频次（R9）。各类矿山频次上限和计划检查次数如下：",
        "Each mine gets at most {total} on-site inspections a year (R4) "
        "and each parent company at most {company} (R8). A joint "
        "inspection counts once on each side (R9). Caps and planned "
        "visits by category:",
    ),
    "kinds.text": (
        "全年计划现场执法检查{total}次，按检查类别如下：",
        "The plan holds {total} on-site inspections in the year:",
    ),
    "h.method": ("检查方式", "Method"),
    "method.text": (
        "执法检查原则上采用“四不两直”方式，即不发通知、不打招呼、不听"
        "汇报、不用陪同接待，直奔基层、直插现场（R18，《通知》第五条）。",
        "Inspections are unannounced (四不两直): no notice, no greeting, "
        "no briefing, no escort; inspectors go straight to the site "
        "(R18, §5).",
    ),
    "h.items": ("必查事项", "Must-check items"),
    "items.text": (
        "每次常规检查均检查以下必查项（R19，《通知》第六条）：",
        "Every regular inspection checks these items (R19, §6):",
    ),
    "h.conduct": ("执法纪律", "Conduct"),
    "conduct.text": (
        "严禁下达检查指标，不将考核考评与检查频次、罚款数额挂钩（R22，"
        "《通知》第七条）；执法人员与检查对象有利害关系的依法回避（R20，"
        "《通知》第十条）。",
        "No quota of inspections or fines is set, and no appraisal is "
        "tied to them (R22, §7); an officer with an interest in a mine "
        "recuses (R20, §10).",
    ),
    "count.routine": ("是", "yes"),
    "count.joint": ("是（监管、监察各计一次）", "yes, once on each side"),
    "count.special": ("否", "no"),
    "count.recheck": (
        "省级局发现的隐患复查不计入",
        "no for hazards found by the supervisor",
    ),
    "count.company": ("是（上级公司频次）", "yes, parent company cap"),
    "disaster_item": ("重大灾害治理", "major disaster management"),
    "disasters": ("涉及：{disasters}", "covering: {disasters}"),
}

PUBLIC_HEADS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bodies": (
        ("执法主体", "执法类别", "层级", "负责矿山数"),
        ("Body", "Side", "Level", "Mines"),
    ),
    "mines": (
        ("矿山类型", "A类", "B类", "C类", "D类", "合计"),
        ("Mine type", "A", "B", "C", "D", "Total"),
    ),
    "groups": (
        ("矿山类型", "分类", "矿山数", "监管方上限", "监管方计划",
         "监察方上限", "监察方计划", "不计入频次"),
        ("Mine type", "Category", "Mines", "Regulator cap",
         "Regulator visits", "Supervisor cap", "Supervisor visits",
         "Outside caps"),
    ),
    "kinds": (
        ("检查类别", "计划次数", "是否计入频次", "依据"),
        ("Inspection kind", "Planned", "Counts toward caps", "Basis"),
    ),
    "items": (
        ("序号", "必查项", "说明"),
        ("No.", "Item", "Note"),
    ),
}  # fmt: skip

SHEETS = {
    "bodies": ("执法主体", "Bodies"),
    "mines": ("检查对象", "Mines"),
    "groups": ("频次与计划次数", "Caps and visits"),
    "kinds": ("检查类别", "Inspection kinds"),
    "items": ("必查事项", "Must-check items"),
}

KIND_RULES = {
    "routine": "R4–R7",
    "joint": "R9",
    "special": "R14",
    "recheck": "R13",
    "company": "R8",
}


def public_text(key: str, lang: str, **values) -> str:
    """Return a sentence of the public version, filled in."""
    return PUBLIC_TEXT[key][0 if lang == "zh" else 1].format(**values)


def public_tables(
    scenario: Scenario, visits: list[Visit], lang: str
) -> dict[str, list[list]]:
    """Return the tables of the public version, none with a date.

    Parameters
    ----------
    scenario
        The scenario planned.
    visits
        The visits of the plan; only counts of them are published.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict[str, list[list]]
        Rows of the tables ``bodies``, ``mines``, ``groups``, ``kinds``
        and ``items``, in that order.
    """
    return {
        "bodies": _body_rows(scenario, lang),
        "mines": mine_table_rows(scenario, lang),
        "groups": group_table_rows(scenario, visits, lang),
        "kinds": _kind_rows(visits, lang),
        "items": _item_rows(scenario, lang),
    }


def _body_rows(scenario: Scenario, lang: str) -> list[list]:
    """Return each body with its side, level and number of mines (R3)."""
    mines = Counter()
    for mine in scenario.mines:
        mines[mine.regulator_id] += 1
        if mine.supervisor_id:
            mines[mine.supervisor_id] += 1

    return [
        [
            body.name,
            word(f"side.{body.side}", lang),
            word(f"level.{body.level}", lang),
            mines[body.body_id],
        ]
        for body in scenario.bodies
    ]


def _kind_rows(visits: list[Visit], lang: str) -> list[list]:
    """Return planned visits of each kind, whether they count, the rule."""
    kinds = Counter(visit.kind for visit in visits)
    rows = [
        [
            word(f"visit.{kind}", lang),
            kinds[kind],
            public_text(f"count.{kind}", lang),
            rule,
        ]
        for kind, rule in KIND_RULES.items()
    ]
    return [*rows, [word("total", lang), len(visits), "", ""]]


def _item_rows(scenario: Scenario, lang: str) -> list[list]:
    """Return the four must-check items of R19 with the disasters."""
    disasters = public_text(
        "disasters", lang, disasters=disaster_list(scenario, lang)
    )
    return [
        [1, word("item.major_risk", lang), ""],
        [2, public_text("disaster_item", lang), disasters],
        [3, word("item.major_hazards", lang), ""],
        [4, word("item.principal_duty", lang), ""],
    ]


def write_public(
    folder: Path | str,
    scenario: Scenario,
    visits: list[Visit],
    summary: dict,
    lang: str = "zh",
) -> list[Path]:
    """Write the public version of a plan: a document and a workbook.

    Parameters
    ----------
    folder
        The folder to write into; created if missing.
    scenario
        The scenario planned.
    visits
        The visits of the plan; only counts of them are published.
    summary
        The plan summary; not published, taken for a like signature with
        the other writers of the filing package.
    lang
        ``"zh"`` (``计划（公示版）.docx`` and ``.xlsx``, the default) or
        ``"en"`` (``plan-public.docx`` and ``.xlsx``).

    Returns
    -------
    list[Path]
        The document and the workbook written.
    """
    check_lang(lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = public_tables(scenario, visits, lang)
    docx_name, xlsx_name = FILE_NAMES[lang]
    paths = [
        _write_docx(folder / docx_name, scenario, visits, tables, lang),
        _write_xlsx(folder / xlsx_name, scenario, tables, lang),
    ]
    logger.info("public version: %s", ", ".join(p.name for p in paths))
    return paths


def _write_docx(path, scenario, visits, tables, lang) -> Path:
    """Write the public document, with no date in its properties."""
    doc = OfficialDocument(lang)
    title = plan_title(scenario, lang) + public_text("suffix", lang)
    doc.title(title)
    doc.paragraph(public_text("intro", lang))

    sections = (
        ("bodies", {"bodies": len(scenario.bodies)}),
        ("mines", {"mines": len(scenario.mines)}),
        (
            "caps",
            {
                "total": scenario.policy.total_cap,
                "company": scenario.policy.company_cap,
            },
        ),
    )
    for key, values in sections:
        doc.heading(public_text(f"h.{key}", lang))
        doc.paragraph(public_text(f"{key}.text", lang, **values))
        table = "groups" if key == "caps" else key
        doc.table(_heads(table, lang), tables[table])

    doc.paragraph(public_text("kinds.text", lang, total=len(visits)))
    doc.table(_heads("kinds", lang), tables["kinds"])
    _closing_sections(doc, tables, lang)

    doc.properties(title, None)
    buffer = io.BytesIO()
    doc.document.save(buffer)
    rewrite_package(buffer, path, {})
    return path


def _closing_sections(doc: OfficialDocument, tables: dict, lang) -> None:
    """Write the method, the must-check items and the conduct."""
    doc.heading(public_text("h.method", lang))
    doc.paragraph(public_text("method.text", lang))

    doc.heading(public_text("h.items", lang))
    doc.paragraph(public_text("items.text", lang))
    doc.table(_heads("items", lang), tables["items"])

    doc.heading(public_text("h.conduct", lang))
    doc.paragraph(public_text("conduct.text", lang))


def _heads(table: str, lang: str) -> tuple[str, ...]:
    """Return the header cells of a public table."""
    return PUBLIC_HEADS[table][0 if lang == "zh" else 1]


def _write_xlsx(path, scenario, tables, lang) -> Path:
    """Write the public workbook, one table a sheet, with no dates."""
    title = plan_title(scenario, lang) + public_text("suffix", lang)
    book = TableBook(title, created=None)
    for key, rows in tables.items():
        heads = _heads(key, lang)
        cols = [
            Column(head, _width([head, *(row[i] for row in rows)]))
            for i, head in enumerate(heads)
        ]
        sheet = book.sheet(SHEETS[key][0 if lang == "zh" else 1], cols)
        sheet.table(rows)

    return book.save(path)


def _width(values: list) -> float:
    """Return a column width that fits its longest value, within reason."""
    longest = max(display_width(value) for value in values)
    return min(max(longest + 2, 8), 60)
