"""The filing workbook 计划.xlsx: every table of a plan, one sheet each.

The workbook is for the planners and the approving office. It states the
policy used with the rule behind each setting, the method 2017 capacity
arithmetic, every visit, each mine's visits against its caps, each body's
monthly load and the checker's recount. Every figure is recounted here
from the visits and the scenario, so the sheets agree with ``plan.csv``.

The words and recounts that the official document (``document.py``) and
the public version (``public.py``) share with the workbook live here too,
so the three files of the filing package name and count things alike.
"""

from __future__ import annotations

import io
import logging
import math
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.excel import ExcelWriter

from models.plan import Visit
from models.policy import Caps
from models.records import CATEGORIES, KINDS, VISIT_KINDS, Mine, Scenario
from scheduler.report.labels import LANGUAGES, label
from scheduler.summary import used_by_month

logger = logging.getLogger(__name__)

WORDS: dict[str, tuple[str, str]] = {
    # Sheet names.
    "sheet.notes": ("编制说明", "Notes"),
    "sheet.capacity": ("工作日测算", "Workdays"),
    "sheet.visits": ("检查计划明细", "Visits"),
    "sheet.mines": ("分矿汇总", "Per mine"),
    "sheet.months": ("月度安排", "By month"),
    "sheet.joint": ("联合执法", "Joint"),
    "sheet.special": ("专项检查与复查", "Special and re-checks"),
    "sheet.company": ("上级公司检查", "Parent companies"),
    "sheet.checks": ("合规校验", "Checks"),
    # Category meanings: coal by safety assurance (R1), non-coal by risk
    # (R2); a coal D mine is idle, a non-coal D mine the riskiest.
    "meaning.coal.A": ("较高", "higher assurance"),
    "meaning.coal.B": ("一般", "general"),
    "meaning.coal.C": ("较低", "lower assurance"),
    "meaning.coal.D": ("长期停工停产", "long-term shutdown"),
    "meaning.non_coal.A": ("低风险", "low risk"),
    "meaning.non_coal.B": ("一般风险", "general risk"),
    "meaning.non_coal.C": ("较大风险", "significant risk"),
    "meaning.non_coal.D": ("重大风险", "major risk"),
    # Must-check items (R19) and disaster types.
    "item.major_risk": ("重大风险防控", "major risk control"),
    "item.disaster": ("重大灾害治理（{}）", "major disaster management ({})"),
    "item.major_hazards": (
        "重大事故隐患排查整治",
        "major hazard investigation",
    ),
    "item.principal_duty": (
        "企业主要负责人履职",
        "principal's performance of duty",
    ),
    "item.hazard": ("重大事故隐患复查（{}）", "re-check of major hazard {}"),
    "item.campaign": ("专项检查：{}", "campaign: {}"),
    "disaster.gas": ("瓦斯", "gas"),
    "disaster.water": ("水害", "water"),
    "disaster.coal_dust": ("煤尘", "coal dust"),
    "disaster.fire": ("火灾", "fire"),
    "disaster.roof": ("顶板", "roof"),
    "disaster.rock_burst": ("冲击地压", "rock burst"),
    "disaster.tailings": ("尾矿库溃坝", "tailings dam"),
    # Levels of bodies.
    "level.province": ("省级", "province"),
    "level.city": ("市级", "city"),
    "level.county": ("县级", "county"),
    "level.bureau": ("省级局", "bureau"),
    "level.division": ("监察执法处", "division"),
    # Cell words.
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "joint.yes": ("是（牵头：{}；配合：{}）", "yes (lead: {}; partner: {})"),
    "method": ("四不两直", "unannounced (四不两直)"),
    "target.company": ("上级公司", "parent company"),
    "pass": ("通过", "pass"),
    "fail": ("未通过", "fail"),
    "total": ("合计", "Total"),
    "whole_province": ("全省", "whole province"),
    "default_table": ("全省（默认）", "whole province (default)"),
    "separator": ("、", "; "),
    "status.optimal": ("最优解", "optimal"),
    "status.feasible": ("可行解", "feasible"),
    "status.infeasible": ("无解", "infeasible"),
    "status.unknown": ("未求得", "unknown"),
    "source.cp-sat": ("整体模型求解（CP-SAT）", "one CP-SAT model"),
    "source.parts": (
        "贪心初始方案后分片区逐片优化（CP-SAT）",
        "greedy plan, then improved part by part (CP-SAT)",
    ),
    "source.warm start": (
        "贪心初始方案（经模型校验）",
        "greedy plan, checked by the model",
    ),
    "stopped.yes": (
        "用户中止求解，为中止时的最好方案",
        "stopped by the user: the best plan found so far",
    ),
    "stopped.no": ("求解未被中止", "the search was not stopped early"),
    "mode.strict": ("严格", "strict"),
    "mode.elastic": ("弹性（说明未满足事项）", "elastic (shortfalls stated)"),
    "calendar.package": ("法定节假日日历", "statutory holiday calendar"),
    "calendar.override": ("自定义日历文件", "calendar override file"),
    "calendar.estimate": ("估算", "estimate"),
    "scope.province": ("全省合计", "whole province"),
    "scope.division": ("各监察执法处分别计算", "each supervisor division"),
    "clause.method 2017": ("安监总政法〔2017〕150号", "method 2017"),
    "clause.policy": ("政策设置", "policy setting"),
    # Items of 编制说明.
    "note.plan": ("计划名称", "Plan"),
    "note.year": ("计划年度", "Year"),
    "note.digest": ("数据摘要（SHA-256）", "Data digest (SHA-256)"),
    "note.calendar": ("工作日历来源", "Calendar"),
    "note.workdays": ("全年法定工作日", "Legal workdays of the year"),
    "note.status": ("求解状态", "Solver status"),
    "note.mode": ("求解模式", "Mode"),
    "note.objective": ("目标值（风险覆盖）", "Objective (risk covered)"),
    "note.best_bound": ("最优界", "Best bound"),
    "note.gap": ("相对差距", "Gap"),
    "note.seconds": ("求解用时（秒）", "Solve seconds"),
    "note.source": ("求解方法", "Method"),
    "note.stopped": ("求解是否中止", "Stopped early"),
    "note.seed": ("随机种子", "Seed"),
    "note.visits": ("计划检查总次数", "Planned visits"),
    "note.total_cap": ("每处矿山年度总频次上限", "Total cap per mine"),
    "note.company_cap": ("上级公司年度频次上限", "Parent company cap"),
    "note.joint_minimum": (
        "每季度最低联合执法次数",
        "Joint visits per quarter, at least",
    ),
    "note.joint_scope": ("联合执法统计范围", "Scope of the joint minimum"),
    "note.min_gap": (
        "同一矿山检查最小间隔（月）",
        "Minimum gap between visits to a mine (months)",
    ),
    "note.reserve": ("预留执法力量比例", "Reserve share"),
    "note.method": ("检查方式", "Method"),
    "note.shortfall": ("未满足事项", "Shortfall"),
    # The adjustment mark of a re-filed plan (R23).
    "note.adjusts": ("调整说明", "Adjustment"),
    "note.as_of": ("已实施检查", "Inspections done"),
    "adjusts.filed": (
        "本计划是对{filed}报送的计划（版本{version}）的调整稿，因矿山或"
        "其分类发生变化，依据R23（《通知》第一条）调整后重新报批。",
        "This plan adjusts version {version} of the plan, filed on "
        "{filed}; it is adjusted and filed again because mines or their "
        "categories changed (R23, §1).",
    ),
    "adjusts.facts": (
        "{as_of}前已实施的检查作为事实保留，不作调整（R23）。",
        "Inspections done before {as_of} are facts and are kept as they "
        "were (R23).",
    ),
}

# Chinese titles of the checker's rules (scheduler.checker.RULE_TITLES);
# English titles come with the check rows themselves.
RULE_TITLES_ZH = {
    "R3": "只由矿山本级监管、监察执法主体检查",
    "R4": "每处矿山年度总频次上限",
    "R5": "监管部门对煤矿的频次上限",
    "R6": "省级局对煤矿的频次上限",
    "R7": "非煤矿山频次上限",
    "R8": "上级公司频次上限",
    "R9": "联合执法每方只计一次",
    "R10": "每季度联合执法",
    "R11": "每月至多一次及最小间隔",
    "R12": "一般事故隐患不单独复查",
    "R13": "重大事故隐患整改期满后复查",
    "R14": "专项检查在时间窗和数量内",
    "R16": "每组至少两名持证执法人员",
    "R17": "各执法主体各月执法能力",
    "R19": "常规检查列明必查项",
    "floor": "每处矿山最低检查次数",
}

# Characters that make a spreadsheet read a text cell as a formula; OWASP
# adds tab and carriage return, which some programs also honour.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
DAYS_FORMAT = "0.0"
SHARE_FORMAT = "0.0%"
LETTERS = [get_column_letter(position) for position in range(1, 65)]

# Office files are zip packages; the public version keeps no clock time,
# so its members get the zip format's earliest time and its properties a
# stand-in time that is then taken out (R18).
CORE_PART = "docProps/core.xml"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
STAND_IN_TIME = datetime(*ZIP_EPOCH)


def check_lang(lang: str) -> None:
    """Raise ``ValueError`` unless the language is ``zh`` or ``en``."""
    if lang not in LANGUAGES:
        msg = f"lang must be 'zh' or 'en', not {lang!r}."
        raise ValueError(msg)


def word(key: str, lang: str) -> str:
    """Return a filing word in one language.

    Parameters
    ----------
    key
        Key of ``WORDS``, or of the chart labels (``labels.LABELS``).
    lang
        ``"zh"`` or ``"en"``.
    """
    if key in WORDS:
        return WORDS[key][LANGUAGES.index(lang)]

    return label(key, lang)


def safe_text(value: str) -> str:
    """Return text a spreadsheet shows as text, never runs as a formula.

    Parameters
    ----------
    value
        Text of a cell, such as a mine name from the input.

    Returns
    -------
    str
        The text with a leading apostrophe when it begins with ``=``,
        ``+``, ``-``, ``@``, a tab or a carriage return.
    """
    if value.startswith(FORMULA_STARTS):
        return "'" + value

    return value


ADJUSTS_KEYS = ("version", "filed", "as_of")


def date_text(value: date | str, lang: str) -> str:
    """Return a date as written in a filing: ``2027年4月1日`` or ISO.

    Parameters
    ----------
    value
        A date, or its ISO text ``YYYY-MM-DD``.
    lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    ValueError
        If the text is not an ISO date.
    """
    day = value if isinstance(value, date) else date.fromisoformat(value)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"

    return day.isoformat()


def adjustment_lines(adjusts: dict, lang: str) -> list[str]:
    """Return the two sentences that mark a plan as adjusted (R23).

    Parameters
    ----------
    adjusts
        The filed version adjusted: ``version`` (its id), ``filed`` and
        ``as_of`` (dates, ``YYYY-MM-DD``).
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list[str]
        What version is adjusted and why; that inspections done before
        the as-of date are kept as facts.

    Raises
    ------
    ValueError
        If a key is missing or a date is not ``YYYY-MM-DD``.
    """
    missing = [key for key in ADJUSTS_KEYS if key not in adjusts]
    if missing:
        msg = "adjusts lacks " + ", ".join(missing) + "."
        raise ValueError(msg)

    filed = word("adjusts.filed", lang).format(
        filed=date_text(adjusts["filed"], lang), version=adjusts["version"]
    )
    facts = word("adjusts.facts", lang).format(
        as_of=date_text(adjusts["as_of"], lang)
    )
    return [filed, facts]


def display_width(value) -> int:
    """Return the width of a value's text: two for a CJK character."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in str(value))


def category_text(kind: str, category: str, lang: str) -> str:
    """Return a category with its meaning, such as ``B类（一般）`` (R1, R2)."""
    meaning = word(f"meaning.{kind}.{category}", lang)
    if lang == "zh":
        return f"{category}类（{meaning}）"

    return f"{category} ({meaning})"


def disaster_text(name: str, lang: str) -> str:
    """Return a disaster type in words; unknown types as given."""
    key = f"disaster.{name}"
    return word(key, lang) if key in WORDS else name


def item_text(code: str, scenario: Scenario, lang: str) -> str:
    """Return one must-check code in words (R19, docs/output-format.md)."""
    head, _, reference = code.partition(":")
    if head == "disaster":
        return word("item.disaster", lang).format(
            disaster_text(reference, lang)
        )

    if head == "campaign":
        names = {c.campaign_id: c.name for c in scenario.campaigns}
        return word("item.campaign", lang).format(
            names.get(reference, reference)
        )

    if head == "hazard":
        return word("item.hazard", lang).format(reference)

    key = f"item.{code}"
    return word(key, lang) if key in WORDS else code


def items_translator(
    scenario: Scenario, lang: str
) -> Callable[[tuple[str, ...]], str]:
    """Return a function that writes a visit's must-check codes in words.

    Parameters
    ----------
    scenario
        The scenario, for campaign names.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    Callable
        Maps a tuple of codes to one text; remembers each tuple, since a
        plan repeats few combinations many thousand times.
    """
    memo: dict[tuple[str, ...], str] = {}
    separator = word("separator", lang)

    def translate(codes: tuple[str, ...]) -> str:
        if codes not in memo:
            memo[codes] = separator.join(
                item_text(code, scenario, lang) for code in codes
            )

        return memo[codes]

    return translate


@dataclass
class MineCount:
    """Visits to one mine: capped per side and in total, and uncapped.

    Parameters
    ----------
    regulator, supervisor
        Visits counting toward the cap of each side; a joint visit counts
        once on each (R9).
    counted
        Visits counting toward the total cap (R4).
    outside
        Visits outside the caps: supervisor re-checks and special
        inspections (R13, R14).
    """

    regulator: int = 0
    supervisor: int = 0
    counted: int = 0
    outside: int = 0

    @property
    def visits(self) -> int:
        """All visits to the mine."""
        return self.counted + self.outside


def mine_counts(scenario: Scenario, visits: list[Visit]) -> dict:
    """Return the visits of every mine, counted as the caps count them.

    Parameters
    ----------
    scenario
        The scenario planned.
    visits
        The visits of the plan.

    Returns
    -------
    dict[str, MineCount]
        One count per mine of the scenario, in scenario order.
    """
    sides = {body.body_id: body.side for body in scenario.bodies}
    counts = {mine.mine_id: MineCount() for mine in scenario.mines}
    for visit in visits:
        if visit.kind == "company":
            continue

        count = counts[visit.target_id]
        if not visit.counts_toward_caps:
            count.outside += 1
            continue

        # A joint visit is one visit: once in the total, once per side.
        visit_sides = {sides[body_id] for body_id in visit.body_ids}
        count.counted += 1
        count.regulator += "regulator" in visit_sides
        count.supervisor += "supervisor" in visit_sides

    return counts


def mine_caps(scenario: Scenario, mine: Mine) -> Caps:
    """Return the yearly caps of a mine under the scenario's policy."""
    return scenario.policy.caps(mine.kind, mine.category, mine.regulator_id)


@dataclass
class GroupCount:
    """Mines of one kind and category, their visits and their caps.

    Parameters
    ----------
    mines
        Mines in the group.
    regulator, supervisor
        Capped visits of each side to the group's mines (R9).
    outside
        Visits outside the caps (R13, R14).
    regulator_caps, supervisor_caps
        The distinct caps of the group's mines; non-coal caps may differ
        between regulator bodies (R7).
    """

    mines: int = 0
    regulator: int = 0
    supervisor: int = 0
    outside: int = 0
    regulator_caps: frozenset[int] = frozenset()
    supervisor_caps: frozenset[int] = frozenset()


def group_counts(scenario: Scenario, visits: list[Visit]) -> dict:
    """Return counts per mine kind and category, every pair present.

    Returns
    -------
    dict[tuple[str, str], GroupCount]
        Keyed by ``(kind, category)`` for each kind in the scenario.
    """
    kinds = [k for k in KINDS if any(m.kind == k for m in scenario.mines)]
    groups = {(k, c): GroupCount() for k in kinds for c in CATEGORIES}
    counts = mine_counts(scenario, visits)
    for mine in scenario.mines:
        group = groups[mine.kind, mine.category]
        count = counts[mine.mine_id]
        caps = mine_caps(scenario, mine)
        group.mines += 1
        group.regulator += count.regulator
        group.supervisor += count.supervisor
        group.outside += count.outside
        group.regulator_caps |= {caps.regulator}
        group.supervisor_caps |= {caps.supervisor}

    return groups


def caps_text(caps: frozenset[int]) -> int | str | None:
    """Return one cap as a number, several as a range, none as ``None``."""
    if not caps:
        return None

    if len(caps) == 1:
        return next(iter(caps))

    return f"{min(caps)}–{max(caps)}"


def body_month_visits(scenario: Scenario, visits: list[Visit]) -> dict:
    """Return visits per body and month; a joint visit counts for both."""
    table = {body.body_id: [0] * 12 for body in scenario.bodies}
    for visit in visits:
        for body_id in visit.body_ids:
            table[body_id][visit.month - 1] += 1

    return table


def caps_table_rows(scenario: Scenario, lang: str) -> list[list]:
    """Return the caps table: kind, side, scope, A-D and the rule (R5-R7).

    Non-coal caps appear only when set: they are input, never invented
    (R7). Caps a regulator body sets for its own mines get a row each.
    """
    policy = scenario.policy
    coal, non_coal = word("mine.coal", lang), word("mine.non_coal", lang)
    regulator = word("side.regulator", lang)
    province = word("whole_province", lang)
    rows = [
        [coal, regulator, province, policy.coal_regulator_caps, "R5 §3"],
        [
            coal,
            word("side.supervisor", lang),
            province,
            policy.coal_supervisor_caps,
            "R6 §3",
        ],
    ]
    if policy.non_coal_caps is not None:
        rows.append(
            [
                non_coal,
                regulator,
                word("default_table", lang),
                policy.non_coal_caps,
                "R7 §3",
            ]
        )

    for body_id, table in sorted(policy.non_coal_caps_by_body.items()):
        name = _body_name(scenario, body_id)
        rows.append([non_coal, regulator, name, table, "R7 §3"])

    return [
        [*row[:3], *(row[3].get(c) for c in CATEGORIES), row[4]]
        for row in rows
    ]


def _body_name(scenario: Scenario, body_id: str) -> str:
    """Return a body's name, or its id when the scenario lacks it."""
    names = {body.body_id: body.name for body in scenario.bodies}
    return names.get(body_id, body_id)


@dataclass(frozen=True)
class Column:
    """A table column: header, width in characters, number format."""

    header: str
    width: float = 12
    number_format: str | None = None


@dataclass(frozen=True)
class Styled:
    """A cell value with its own number format, such as a share."""

    value: object
    number_format: str


HEADERS = {
    "notes": (
        ("项目", "Item", 30),
        ("内容", "Value", 48),
        ("依据", "Basis", 26),
    ),
    "caps": (
        ("矿山类型", "Mine type", 14),
        ("执法方", "Side", 14),
        ("适用范围", "Scope", 24),
        ("A类", "A", 8),
        ("B类", "B", 8),
        ("C类", "C", 8),
        ("D类", "D", 8),
        ("依据", "Basis", 12),
    ),
    "capacity": (
        ("编号", "Body ID", 12),
        ("执法主体", "Body", 28),
        ("执法方", "Side", 12),
        ("层级", "Level", 10),
        ("持证执法人员", "Certified officers", 10),
        ("法定工作日", "Legal workdays", 10),
        ("总人日", "Total person-days", 11),
        ("其他执法人日", "Other enforcement days", 11),
        ("非执法人日", "Non-enforcement days", 11),
        ("预留人日（R15）", "Reserve (R15)", 11),
        ("检查可用人日", "Inspection person-days", 11),
        ("计划使用人日", "Planned use", 11),
        ("使用率", "Share used", 9),
    ),
    "visits": (
        ("序号", "No.", 8),
        ("计划编号", "Visit ID", 10),
        ("单位名称", "Target", 30),
        ("所属县(市、区)", "County", 20),
        ("上级公司", "Parent company", 24),
        ("矿山类型", "Mine type", 10),
        ("分类/风险等级", "Category", 18),
        ("检查类别", "Inspection kind", 16),
        ("计划月份", "Month", 8),
        ("检查方式", "Method", 12),
        ("执法主体/承办单位", "Bodies", 30),
        ("是否联合执法", "Joint", 36),
        ("是否计入频次", "Counts toward caps", 10),
        ("人日", "Person-days", 8),
        ("必查事项", "Must-check items", 60),
    ),
    "mines": (
        ("序号", "No.", 8),
        ("矿山编号", "Mine ID", 10),
        ("单位名称", "Mine", 30),
        ("所属县(市、区)", "County", 20),
        ("矿山类型", "Mine type", 10),
        ("分类/风险等级", "Category", 18),
        ("监管执法主体", "Regulator body", 24),
        ("监察执法主体", "Supervisor body", 24),
        ("监管方计划次数", "Regulator visits", 10),
        ("监管方频次上限", "Regulator cap", 10),
        ("监察方计划次数", "Supervisor visits", 10),
        ("监察方频次上限", "Supervisor cap", 10),
        ("计入频次合计", "Capped visits", 10),
        ("总频次上限（R4）", "Total cap (R4)", 10),
        ("不计入频次次数", "Visits outside caps", 10),
        ("检查总次数", "All visits", 10),
    ),
    "joint": (
        ("序号", "No.", 8),
        ("计划编号", "Visit ID", 10),
        ("单位名称", "Mine", 30),
        ("所属县(市、区)", "County", 20),
        ("分类/风险等级", "Category", 18),
        ("季度", "Quarter", 10),
        ("计划月份", "Month", 8),
        ("牵头单位", "Lead body", 24),
        ("配合单位", "Partner body", 24),
        ("必查事项", "Must-check items", 60),
    ),
    "special": (
        ("序号", "No.", 8),
        ("计划编号", "Visit ID", 10),
        ("检查类别", "Inspection kind", 16),
        ("单位名称", "Mine", 30),
        ("所属县(市、区)", "County", 20),
        ("专项检查/隐患编号", "Campaign or hazard", 28),
        ("整改期限", "Rectification deadline", 12),
        ("执法主体", "Body", 24),
        ("计划月份", "Month", 8),
        ("是否计入频次", "Counts toward caps", 10),
        ("依据", "Basis", 10),
    ),
    "company": (
        ("序号", "No.", 8),
        ("计划编号", "Visit ID", 10),
        ("上级公司", "Parent company", 30),
        ("执法主体", "Body", 24),
        ("计划月份", "Month", 8),
        ("该公司全年计划次数", "Visits in the year", 12),
        ("频次上限（R8）", "Cap (R8)", 10),
    ),
    "checks": (
        ("规则", "Rule", 8),
        ("条款", "Clause", 24),
        ("校验内容", "What is checked", 44),
        ("校验项数", "Items checked", 10),
        ("违规数", "Violations", 10),
        ("结果", "Result", 10),
    ),
}


def columns(table: str, lang: str, formats: dict | None = None) -> list:
    """Return the columns of a table in one language.

    Parameters
    ----------
    table
        Key of ``HEADERS``.
    lang
        ``"zh"`` or ``"en"``.
    formats
        Number formats by column position.
    """
    formats = formats or {}
    index = LANGUAGES.index(lang)
    return [
        Column(spec[index], spec[2], formats.get(position))
        for position, spec in enumerate(HEADERS[table])
    ]


class _Styles:
    """Style ids of a workbook: the header's and one per number format."""

    def __init__(self, workbook: Workbook):
        # A cell reaches the workbook's style table through its sheet; a
        # scratch sheet serves and is removed before anything is saved.
        self.sheet = workbook.create_sheet("styles")
        workbook.remove(self.sheet)
        self.ids: dict[str, int] = {}

        header = WriteOnlyCell(self.sheet)
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.alignment = HEADER_ALIGNMENT
        self.header = header.style_id

    def number(self, number_format: str | None) -> int:
        """Return the style id of a number format; 0 for none."""
        if number_format is None:
            return 0

        if number_format not in self.ids:
            # Asking a cell for its style id registers the style with
            # the workbook, so the saved stylesheet holds it.
            cell = WriteOnlyCell(self.sheet)
            cell.number_format = number_format
            self.ids[number_format] = cell.style_id

        return self.ids[number_format]


def cell_xml(reference: str, value, style: int = 0) -> str:
    """Return the XML of one cell: typed number, date or safe text.

    Parameters
    ----------
    reference
        The cell, such as ``"C7"``.
    value
        ``None`` (no cell), a number, a date or text; text that a
        spreadsheet would run as a formula gets a leading apostrophe.
    style
        Style id of the cell, 0 for the default.
    """
    attributes = f' r="{reference}"' + (f' s="{style}"' if style else "")
    if value is None or value == "":
        return ""

    if isinstance(value, bool):
        return f'<c{attributes} t="b"><v>{int(value)}</v></c>'

    if isinstance(value, date):
        value = to_excel(value)

    if isinstance(value, int | float):
        number = value if math.isfinite(value) else None
        return (
            "" if number is None else f"<c{attributes}><v>{number!r}</v></c>"
        )

    text = safe_text(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (
        f'<c{attributes} t="inlineStr"><is><t{space}>{escape(text)}</t>'
        "</is></c>"
    )


class TableSheet:
    """A sheet whose rows are made here as XML and put in after saving.

    openpyxl writes the frame of the sheet (widths, frozen header row,
    autofilter) and the styles; the rows are XML text made here, which
    is about ten times faster than openpyxl's cell objects for the
    40,000 visits of a large province.
    """

    def __init__(self, book: TableBook, title: str, cols: list):
        self.sheet = book.workbook.create_sheet(title)
        self.styles = book.styles
        self.cols = cols
        self.parts: list[str] = []
        self.row = 0

        self.sheet.freeze_panes = "A2"
        for position, column in enumerate(cols, start=1):
            letter = get_column_letter(position)
            self.sheet.column_dimensions[letter].width = column.width

    def header(self, cols: list) -> None:
        """Append a header row in bold on a light fill."""
        self._append(
            [column.header for column in cols],
            [self.styles.header] * len(cols),
        )

    def rows(self, rows: Iterable[list], cols: list | None = None) -> None:
        """Append rows, formatting numbers by their column."""
        styles = [
            self.styles.number(column.number_format)
            for column in cols or self.cols
        ]
        for values in rows:
            cells = [
                self._styled(value, style)
                for value, style in zip(values, styles, strict=True)
            ]
            self._append([v for v, _ in cells], [s for _, s in cells])

    def blank(self) -> None:
        """Append an empty row between two tables."""
        self._append([], [])

    def table(self, rows: Iterable[list]) -> None:
        """Append the sheet's main table and put an autofilter on it."""
        self.header(self.cols)
        self.rows(rows)
        last = get_column_letter(len(self.cols))
        self.sheet.auto_filter.ref = f"A1:{last}{self.row}"

    def xml(self) -> bytes:
        """Return the rows as the content of ``<sheetData>``."""
        return "".join(self.parts).encode("utf-8")

    def _styled(self, value, style: int) -> tuple:
        """Return a value and its style; a ``Styled`` brings its own."""
        if isinstance(value, Styled):
            return value.value, self.styles.number(value.number_format)

        return value, style

    def _append(self, values: list, styles: list[int]) -> None:
        """Append one row of cells."""
        self.row += 1
        cells = "".join(
            cell_xml(f"{letter}{self.row}", value, style)
            for letter, value, style in zip(
                LETTERS[: len(values)], values, styles, strict=True
            )
        )
        self.parts.append(f'<row r="{self.row}">{cells}</row>')


class TableBook:
    """A write-only workbook of tables, saved with rows made as XML.

    Parameters
    ----------
    title
        Title in the document properties.
    created
        Creation time in the document properties, also used as the time
        last modified, so a saved file carries no clock time; ``None``
        leaves both out (the public version carries no dates, R18).
    """

    def __init__(self, title: str, created: datetime | None):
        self.workbook = Workbook(write_only=True)
        self.dated = created is not None
        properties = self.workbook.properties
        properties.creator = "minesched"
        properties.title = title

        # openpyxl cannot write a workbook without these times; an
        # undated workbook has them taken out of the saved file.
        properties.created = created or STAND_IN_TIME
        properties.modified = properties.created
        self.styles = _Styles(self.workbook)
        self.sheets: list[TableSheet] = []

    def sheet(self, title: str, cols: list) -> TableSheet:
        """Return a new sheet with these columns."""
        sheet = TableSheet(self, title, cols)
        self.sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> Path:
        """Save the workbook with each sheet's rows in its part."""
        buffer = io.BytesIO()

        # ExcelWriter, unlike Workbook.save, keeps the time last modified
        # as set instead of stamping the clock time into the file.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            ExcelWriter(self.workbook, archive).save()

        # The sheet parts are named only when the workbook is saved.
        edits = {
            sheet.sheet.path.lstrip("/"): _rows_edit(sheet.xml())
            for sheet in self.sheets
        }
        if not self.dated:
            edits[CORE_PART] = undated_core

        rewrite_package(buffer, path, edits)
        return path


DATED_PROPERTIES = ("created", "modified", "lastPrinted")


def rewrite_package(source, path: Path, edits: dict) -> None:
    """Copy an Office file (a zip package) to ``path``, editing parts.

    Parameters
    ----------
    source
        The package: a path or a binary file object.
    path
        The file to write.
    edits
        Functions from a part's bytes to its new bytes, by part name.

    Every member gets the zip format's earliest time, 1980-01-01, so the
    file carries no clock time of its writing.
    """
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            data = old.read(info)
            edit = edits.get(info.filename)
            if edit is not None:
                data = edit(data)

            member = zipfile.ZipInfo(info.filename, ZIP_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            new.writestr(member, data)


def undated_core(part: bytes) -> bytes:
    """Return core properties without creation, change or print times."""
    root = etree.fromstring(part)
    for name in DATED_PROPERTIES:
        for element in root.findall(f"{{*}}{name}"):
            root.remove(element)

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _rows_edit(rows: bytes) -> Callable[[bytes], bytes]:
    """Return an edit that fills a sheet part's empty ``<sheetData>``."""
    return lambda part: _with_rows(part, rows)


def _with_rows(part: bytes, rows: bytes) -> bytes:
    """Return a sheet part with its empty ``<sheetData>`` filled."""
    for empty in (
        b"<sheetData></sheetData>",
        b"<sheetData />",
        b"<sheetData/>",
    ):
        if empty in part:
            return part.replace(
                empty, b"<sheetData>" + rows + b"</sheetData>", 1
            )

    msg = "openpyxl wrote a sheet without an empty <sheetData>."
    raise RuntimeError(msg)


def write_workbook(
    path: Path | str,
    scenario: Scenario,
    visits: list[Visit],
    summary: dict,
    check_rows: list[dict],
    lang: str = "zh",
    adjusts: dict | None = None,
) -> Path:
    """Write the filing workbook of a plan.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    scenario
        The scenario planned.
    visits
        The numbered visits of the plan.
    summary
        The plan summary (``summary.json``): solver status and the method
        2017 capacity table.
    check_rows
        The checker's rows: rule, clause, title, checked, violations.
    lang
        ``"zh"`` (Chinese sheets, the default) or ``"en"``.
    adjusts
        For a re-filed plan (R23), the filed version it adjusts:
        ``version``, ``filed`` and ``as_of``; 编制说明 then states them.
        ``None`` (the default) for a first filing.

    Returns
    -------
    Path
        The file written.
    """
    check_lang(lang)
    path = Path(path)
    book = TableBook(scenario.name, datetime(scenario.year, 1, 1))
    _notes_sheet(book, scenario, visits, summary, lang, adjusts)
    _capacity_sheet(book, summary, lang)
    _visits_sheet(book, scenario, visits, lang)
    _mines_sheet(book, scenario, visits, lang)
    _months_sheet(book, scenario, visits, summary, lang)
    _joint_sheet(book, scenario, visits, lang)
    _special_sheet(book, scenario, visits, lang)
    _company_sheet(book, scenario, visits, lang)
    _checks_sheet(book, check_rows, lang)

    book.save(path)
    logger.info(
        "workbook: %d visits on %d sheets in %s",
        len(visits),
        len(book.sheets),
        Path(path).name,
    )
    return path


def _notes_sheet(book, scenario, visits, summary, lang, adjusts) -> None:
    """Write 编制说明: the run, the data and the policy with its rules."""
    sheet = book.sheet(word("sheet.notes", lang), columns("notes", lang))
    rows = _notes_rows(scenario, visits, summary, lang)
    if adjusts is not None:
        rows[1:1] = _adjusts_rows(adjusts, lang)

    sheet.table(rows)

    caps_columns = columns("caps", lang)
    sheet.blank()
    sheet.header(caps_columns)
    sheet.rows(caps_table_rows(scenario, lang), caps_columns)


def _notes_rows(scenario, visits, summary, lang) -> list[list]:
    """Return the rows of 编制说明: item, value, basis."""
    gap = summary.get("gap")
    stopped = "yes" if summary.get("stopped_early") else "no"
    source = summary.get("source", "cp-sat")
    method = _clause("method 2017", lang)
    rows = [
        ("note.plan", scenario.name, ""),
        ("note.year", scenario.year, ""),
        ("note.digest", scenario.digest, "R25 §9"),
        (
            "note.calendar",
            word(f"calendar.{scenario.calendar_source}", lang),
            f"R17 {method}",
        ),
        ("note.workdays", sum(scenario.workdays), f"R17 {method}"),
        ("note.status", word(f"status.{summary['status']}", lang), ""),
        ("note.mode", word(f"mode.{summary['mode']}", lang), ""),
        ("note.objective", summary.get("objective"), "R21 §1, R22 §7"),
        ("note.best_bound", summary.get("best_bound"), ""),
        ("note.gap", None if gap is None else Styled(gap, "0.00%"), ""),
        ("note.source", word(f"source.{source}", lang), ""),
        ("note.stopped", word(f"stopped.{stopped}", lang), ""),
        ("note.seconds", summary.get("solve_seconds"), ""),
        ("note.seed", summary.get("seed"), ""),
        ("note.visits", len(visits), ""),
        *_policy_rows(scenario.policy, lang),
    ]
    named = [[word(key, lang), value, basis] for key, value, basis in rows]
    return named + _shortfall_rows(summary, lang)


def _adjusts_rows(adjusts: dict, lang: str) -> list[list]:
    """Return the lines of a re-filed plan's mark, cited to R23."""
    filed, facts = adjustment_lines(adjusts, lang)
    return [
        [word("note.adjusts", lang), filed, "R23 §1"],
        [word("note.as_of", lang), facts, "R23 §1"],
    ]


def _policy_rows(policy, lang) -> list[tuple]:
    """Return the policy settings, each with the rule and clause."""
    return [
        ("note.total_cap", policy.total_cap, "R4 §3"),
        ("note.company_cap", policy.company_cap, "R8 §3"),
        ("note.joint_minimum", policy.joint_minimum, "R10 §3"),
        (
            "note.joint_scope",
            word(f"scope.{policy.joint_scope}", lang),
            "R10 §3",
        ),
        ("note.min_gap", policy.min_gap_months, "R11 §3"),
        (
            "note.reserve",
            Styled(policy.reserve_share, SHARE_FORMAT),
            f"R15 §3, {_clause('method 2017', lang)}",
        ),
        ("note.method", word("method", lang), "R18 §5"),
    ]


def _shortfall_rows(summary, lang) -> list[list]:
    """Return what an elastic plan could not meet, with the rule."""
    head = word("note.shortfall", lang)
    return [
        [head, item["message"], item["rule"]]
        for item in summary.get("shortfalls", [])
    ]


def _clause(clause: str, lang: str) -> str:
    """Return a clause as cited: ``§3`` or the method 2017 document."""
    key = f"clause.{clause}"
    return word(key, lang) if key in WORDS else clause


def _capacity_sheet(book, summary, lang) -> None:
    """Write 工作日测算: the method 2017 arithmetic of each body (R17)."""
    cols = columns(
        "capacity",
        lang,
        {**dict.fromkeys(range(6, 12), DAYS_FORMAT), 12: SHARE_FORMAT},
    )
    sheet = book.sheet(word("sheet.capacity", lang), cols)
    rows = [
        _capacity_row(body_id, row, lang)
        for body_id, row in summary["capacity"].items()
    ]
    sheet.table(rows)
    sheet.rows([_capacity_total(rows, lang)])


def _capacity_row(body_id: str, row: dict, lang: str) -> list:
    """Return one body's line of the method 2017 arithmetic."""
    used = round(sum(row["used_by_month"]), 2)
    share = used / row["inspection_days"] if row["inspection_days"] else 0.0
    return [
        body_id,
        row.get("name", body_id),
        word(f"side.{row['side']}", lang) if "side" in row else "",
        word(f"level.{row['level']}", lang) if "level" in row else "",
        row["officers"],
        row["workdays"],
        row["total_days"],
        row["other_enforcement_days"],
        row["non_enforcement_days"],
        row["reserve_days"],
        row["inspection_days"],
        used,
        share,
    ]


def _capacity_total(rows: list[list], lang: str) -> list:
    """Return the total line below the capacity table."""
    sums = [round(sum(row[i] for row in rows), 2) for i in range(6, 12)]
    share = sums[5] / sums[4] if sums[4] else 0.0
    officers = sum(row[4] for row in rows)
    return [word("total", lang), "", "", "", officers, None, *sums, share]


def _visits_sheet(book, scenario, visits, lang) -> None:
    """Write 检查计划明细: one row per visit."""
    cols = columns("visits", lang, {13: DAYS_FORMAT})
    sheet = book.sheet(word("sheet.visits", lang), cols)
    sheet.table(_visit_rows(scenario, visits, lang))


def _visit_rows(scenario, visits, lang):
    """Yield the rows of 检查计划明细."""
    names = {body.body_id: body.name for body in scenario.bodies}
    companies = {c.company_id: c.name for c in scenario.companies}
    translate = items_translator(scenario, lang)
    separator = word("separator", lang)
    kinds = {kind: word(f"visit.{kind}", lang) for kind in VISIT_KINDS}
    yes, no = word("yes", lang), word("no", lang)
    method = word("method", lang)
    for number, visit in enumerate(visits, start=1):
        target = _target_cells(scenario, visit, companies, lang)
        bodies = [names[body_id] for body_id in visit.body_ids]
        yield [
            number,
            visit.visit_id,
            visit.target_name,
            *target,
            kinds[visit.kind],
            visit.month,
            method,
            separator.join(bodies),
            _joint_text(visit, bodies, lang),
            yes if visit.counts_toward_caps else no,
            visit.person_days,
            translate(visit.must_check),
        ]


def _target_cells(scenario, visit, companies, lang) -> list[str]:
    """Return county, parent company, mine type and category of a target."""
    if visit.kind == "company":
        return ["", "", word("target.company", lang), ""]

    mine = scenario.mine(visit.target_id)
    return [
        mine.county,
        companies.get(mine.company_id, "") if mine.company_id else "",
        word(f"mine.{mine.kind}", lang),
        category_text(mine.kind, mine.category, lang),
    ]


def _joint_text(visit, bodies: list[str], lang: str) -> str:
    """Return 是（牵头：…；配合：…） for a joint visit, else 否 (R9, R10)."""
    if visit.kind != "joint":
        return word("no", lang)

    return word("joint.yes", lang).format(bodies[0], bodies[-1])


def _mines_sheet(book, scenario, visits, lang) -> None:
    """Write 分矿汇总: each mine's capped visits per side against caps."""
    sheet = book.sheet(word("sheet.mines", lang), columns("mines", lang))
    sheet.table(_mine_rows(scenario, visits, lang))


def _mine_rows(scenario, visits, lang):
    """Yield one row per mine: visits per side, caps, uncapped visits."""
    names = {body.body_id: body.name for body in scenario.bodies}
    counts = mine_counts(scenario, visits)
    for number, mine in enumerate(scenario.mines, start=1):
        count = counts[mine.mine_id]
        caps = mine_caps(scenario, mine)
        yield [
            number,
            mine.mine_id,
            mine.name,
            mine.county,
            word(f"mine.{mine.kind}", lang),
            category_text(mine.kind, mine.category, lang),
            names.get(mine.regulator_id, mine.regulator_id),
            names.get(mine.supervisor_id, "") if mine.supervisor_id else "",
            count.regulator,
            caps.regulator,
            count.supervisor,
            caps.supervisor,
            count.counted,
            caps.total,
            count.outside,
            count.visits,
        ]


def _months_sheet(book, scenario, visits, summary, lang) -> None:
    """Write 月度安排: visits and person-days per body and month."""
    zh = lang == "zh"
    cols = [
        Column("编号" if zh else "Body ID", 12),
        Column("执法主体" if zh else "Body", 28),
        Column("指标" if zh else "Figure", 14),
        *(Column(label(f"month.{m}", lang), 9) for m in range(1, 13)),
        Column("全年" if zh else "Year", 10),
    ]
    sheet = book.sheet(word("sheet.months", lang), cols)
    sheet.table(_month_rows(scenario, visits, summary, lang))


def _month_rows(scenario, visits, summary, lang):
    """Yield four rows per body: visits, planned, capacity, share."""
    zh = lang == "zh"
    counts = body_month_visits(scenario, visits)
    used = used_by_month(scenario, visits)
    figures = (
        ("检查次数" if zh else "Visits", None),
        ("计划人日" if zh else "Planned person-days", DAYS_FORMAT),
        ("可用人日" if zh else "Capacity person-days", DAYS_FORMAT),
        ("使用率" if zh else "Share used", SHARE_FORMAT),
    )
    for body in scenario.bodies:
        capacity = summary["capacity"][body.body_id]["by_month"]
        planned = [round(d, 2) for d in used[body.body_id]]
        shares = [
            u / c if c else 0.0 for u, c in zip(planned, capacity, strict=True)
        ]
        year_share = sum(planned) / sum(capacity) if sum(capacity) else 0.0
        values = (
            [*counts[body.body_id], sum(counts[body.body_id])],
            [*planned, round(sum(planned), 2)],
            [*capacity, round(sum(capacity), 2)],
            [*shares, year_share],
        )
        for (name, number_format), row in zip(figures, values, strict=True):
            cells = [_styled(v, number_format) for v in row]
            yield [body.body_id, body.name, name, *cells]


def _styled(value, number_format: str | None):
    """Return a value with a number format, or the value alone."""
    return value if number_format is None else Styled(value, number_format)


def _joint_sheet(book, scenario, visits, lang) -> None:
    """Write 联合执法: every joint visit with its lead and partner (R10)."""
    sheet = book.sheet(word("sheet.joint", lang), columns("joint", lang))
    names = {body.body_id: body.name for body in scenario.bodies}
    translate = items_translator(scenario, lang)
    joint = [v for v in visits if v.kind == "joint"]
    sheet.table(
        [
            number,
            visit.visit_id,
            visit.target_name,
            scenario.mine(visit.target_id).county,
            _mine_category(scenario, visit, lang),
            label(f"quarter.{visit.quarter}", lang),
            visit.month,
            names[visit.body_ids[0]],
            names[visit.body_ids[-1]],
            translate(visit.must_check),
        ]
        for number, visit in enumerate(joint, start=1)
    )


def _mine_category(scenario, visit, lang) -> str:
    """Return the category text of a visit's mine."""
    mine = scenario.mine(visit.target_id)
    return category_text(mine.kind, mine.category, lang)


def _special_sheet(book, scenario, visits, lang) -> None:
    """Write 专项检查与复查: campaign visits and re-checks (R13, R14)."""
    cols = columns("special", lang, {6: "yyyy-mm-dd"})
    sheet = book.sheet(word("sheet.special", lang), cols)
    chosen = [v for v in visits if v.kind in ("special", "recheck")]
    chosen.sort(key=lambda v: (v.kind, v.campaign_id, v.hazard_id, v.month))
    references = _references(scenario)
    sheet.table(
        [
            number,
            visit.visit_id,
            word(f"visit.{visit.kind}", lang),
            visit.target_name,
            scenario.mine(visit.target_id).county,
            *references[visit.campaign_id or visit.hazard_id],
            _body_name(scenario, visit.body_ids[0]),
            visit.month,
            word("yes" if visit.counts_toward_caps else "no", lang),
            "R14 §3" if visit.kind == "special" else "R13 §3",
        ]
        for number, visit in enumerate(chosen, start=1)
    )


def _references(scenario) -> dict[str, tuple]:
    """Return campaign names and hazard ids with deadlines, by id."""
    campaigns = {c.campaign_id: (c.name, None) for c in scenario.campaigns}
    hazards = {
        h.hazard_id: (h.hazard_id, h.deadline) for h in scenario.hazards
    }
    return {**campaigns, **hazards}


def _company_sheet(book, scenario, visits, lang) -> None:
    """Write 上级公司检查: parent company visits against the cap (R8)."""
    cols = columns("company", lang)
    sheet = book.sheet(word("sheet.company", lang), cols)
    chosen = [v for v in visits if v.kind == "company"]
    per_company: dict[str, int] = {}
    for visit in chosen:
        per_company[visit.target_id] = per_company.get(visit.target_id, 0) + 1

    cap = scenario.policy.company_cap
    sheet.table(
        [
            number,
            visit.visit_id,
            visit.target_name,
            _body_name(scenario, visit.body_ids[0]),
            visit.month,
            per_company[visit.target_id],
            cap,
        ]
        for number, visit in enumerate(chosen, start=1)
    )


def _checks_sheet(book, check_rows, lang) -> None:
    """Write 合规校验: each rule the checker tests and what it found."""
    cols = columns("checks", lang)
    sheet = book.sheet(word("sheet.checks", lang), cols)
    sheet.table(
        [
            row["rule"],
            _clause(row["clause"], lang),
            _rule_title(row, lang),
            row["checked"],
            row["violations"],
            word("pass" if row["violations"] == 0 else "fail", lang),
        ]
        for row in check_rows
    )


def _rule_title(row: dict, lang: str) -> str:
    """Return a rule's title: Chinese when known, else the checker's."""
    if lang == "zh":
        return RULE_TITLES_ZH.get(row["rule"], row["title"])

    return row["title"]
