"""The official document 计划（报批稿）.docx, laid out after GB/T 9704.

The document is what the approving office reads and signs: the basis of
the plan, the enforcement staff and their workdays (method 2017), the
mines by category, the year's arrangement by month and body, joint
enforcement by quarter, special inspections and re-checks, safeguards and
an approval block. Every number is counted here from the visits and the
scenario; only the document number and the signatures are left blank.

The page follows GB/T 9704-2012: A4, margins 37/35/28/26 mm, title in
方正小标宋简体 22 pt, body in 仿宋_GB2312 16 pt, headings 一、 in 黑体 and
（一） in 楷体_GB2312, page numbers "— 1 —" in the footer. The East Asian
font is set on every run, since Word and WPS otherwise fall back to the
Latin font's CJK substitute.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Mm, Pt

from models.capacity import body_capacity
from models.plan import Visit
from models.records import CATEGORIES, Scenario, quarter_of
from scheduler.report.labels import LABELS, label
from scheduler.report.workbook import (
    adjustment_lines,
    body_month_visits,
    caps_table_rows,
    caps_text,
    check_lang,
    disaster_text,
    display_width,
    group_counts,
    mine_caps,
    mine_counts,
    word,
)
from scheduler.summary import used_by_month

logger = logging.getLogger(__name__)

# GB/T 9704-2012 page and type; 三号 is 16 pt, 二号 22 pt, 四号 14 pt.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE = 22, 16, 14
TABLE_SIZE, WIDE_TABLE_SIZE = 10.5, 9
TEXT_WIDTH = Mm(210 - 28 - 26)
FOOTER_DISTANCE = Mm(23)
LINE_SPACING = Pt(28)
CHART_WIDTH = Cm(15)
TITLE_STYLE = "小标宋"

# East Asian fonts by role; the Latin font is the same in Chinese and
# Times New Roman in English, where names of mines and bodies stay
# Chinese and still need the East Asian font.
EAST_ASIAN_FONTS = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading": "黑体",
    "subheading": "楷体_GB2312",
    "page": "宋体",
}
LATIN_FONT_EN = "Times New Roman"

NUMERALS = "一二三四五六七八九十"

TEXT: dict[str, tuple[str, str]] = {
    "suffix.approval": ("（报批稿）", " (for approval)"),
    "suffix.adjusted": ("（调整稿）", " (adjusted)"),
    "title": (
        "{name}{year}年度矿山安全执法检查计划",
        "{name}: mine safety inspection plan for {year}",
    ),
    "doc_number": ("〔    〕    号", "Document No. [        ]"),
    "intro": (
        "为严格规范矿山领域安全生产行政执法行为，实施差异化检查，根据"
        "《国家矿山安全监察局关于严格规范矿山领域安全生产行政执法行为"
        "的通知》（矿安〔2025〕14号，以下简称《通知》）和《安全生产年度"
        "监督检查计划编制办法》（安监总政法〔2017〕150号，以下简称"
        "《编制办法》），结合本辖区矿山数量、灾害程度、风险等级和执法"
        "力量，制定本计划。",
        "This plan differentiates inspections by risk as required by the "
        "notice 矿安〔2025〕14号 of the National Mine Safety "
        "Administration (the notice) and the method for annual "
        "inspection plans 安监总政法〔2017〕150号 (method 2017), taking "
        "account of the number of mines, their disasters, their risk and "
        "the enforcement staff.",
    ),
    "h.basis": ("编制依据", "Basis of the plan"),
    "basis.rules": (
        "频次上限执行《通知》第三条（R4—R9），联合执法、重复检查和计划外"
        "核查执行《通知》第三条（R10—R15），执法力量按《编制办法》以持证"
        "执法人员和法定工作日测算（R16、R17，《通知》第四条）。",
        "Caps follow §3 of the notice (R4-R9); joint enforcement, spacing "
        "and unplanned checks follow §3 (R10-R15); capacity is counted "
        "from certified officers and legal workdays by method 2017 (R16, "
        "R17, §4).",
    ),
    "basis.data": (
        "计划依据{name}数据编制（数据摘要{digest}），全年法定工作日{days}"
        "天（{calendar}）。求解方法为{source}，求解状态为{status}，相对"
        "差距为{gap}；{stopped}。",
        "The plan uses the data of {name} (digest {digest}); the year has "
        "{days} legal workdays ({calendar}). Method: {source}; status "
        "{status} with a relative gap of {gap}; {stopped}.",
    ),
    "basis.check": (
        "经独立校验程序对照{rules}项规则逐条复核，共校验{checked}项，"
        "发现违规{violations}处。",
        "An independent checker recounted the plan against {rules} rules "
        "on {checked} items; violations found: {violations}.",
    ),
    "h.capacity": ("执法力量和工作日测算", "Enforcement staff and workdays"),
    "capacity.text": (
        "全省共有执法主体{bodies}个，其中监管部门{regulators}个、监察执法"
        "主体{supervisors}个，持证执法人员{officers}人。按《编制办法》，"
        "各执法主体检查能力为持证执法人员数乘以法定工作日，减去其他执法"
        "工作日和非执法工作日，再按{reserve}预留计划外核查力量（R15、"
        "R17）。全年可用于计划检查{inspection}人日，本计划安排{used}"
        "人日，占{share}。",
        "The province has {bodies} enforcement bodies: {regulators} "
        "regulator and {supervisors} supervisor bodies, with {officers} "
        "certified officers. By method 2017 a body's capacity is its "
        "officers times the legal workdays, less other enforcement and "
        "non-enforcement days, less a reserve of {reserve} for unplanned "
        "checks (R15, R17). The year offers {inspection} person-days for "
        "planned inspections; the plan uses {used} ({share}).",
    ),
    "h.mines": ("检查对象和分类情况", "Mines and their categories"),
    "mines.text": (
        "纳入计划的矿山共{mines}处，其中煤矿{coal}处、非煤矿山{non_coal}"
        "处；上级公司{companies}家；待复查的重大事故隐患{hazards}项；专项"
        "检查{campaigns}项。煤矿按安全保障程度分为A类（较高）、B类（一般）"
        "、C类（较低）、D类（长期停工停产），非煤矿山按安全风险等级分为"
        "A类（低风险）、B类（一般风险）、C类（较大风险）、D类（重大风险）"
        "（R1、R2，《通知》第二条）。",
        "The plan covers {mines} mines: coal {coal}, non-coal "
        "{non_coal}; parent companies: {companies}; open major hazards "
        "to re-check: {hazards}; campaigns: {campaigns}. Coal mines are "
        "classed by safety assurance A (higher), B (general), C (lower), "
        "D (long-term shutdown); non-coal mines by risk A (low), B "
        "(general), C (significant), D (major) (R1, R2, §2).",
    ),
    "h.arrangement": ("年度检查安排", "Annual arrangement"),
    "h.overall": ("总体安排", "Overall"),
    "overall.text": (
        "全年计划现场执法检查{total}次，其中常规检查{routine}次、联合执法"
        "{joint}次、专项检查{special}次、重大事故隐患复查{recheck}次、上级"
        "公司检查{company}次；计入频次上限{counted}次，不计入频次上限"
        "{outside}次（R9、R13、R14）。{caps}",
        "On-site inspections planned: {total}; routine {routine}, joint "
        "{joint}, special {special}, major hazard re-checks {recheck}, "
        "parent company {company}. Counting toward the caps: {counted}; "
        "outside them: {outside} (R9, R13, R14). {caps}",
    ),
    "overall.within": (
        "每处矿山和上级公司的计划检查次数均未超过频次上限（R4—R8）。",
        "No mine or parent company is planned above its caps (R4-R8).",
    ),
    "overall.over": (
        "有{over}处矿山或上级公司的计划检查次数超过频次上限，见合规校验。",
        "Mines or parent companies planned above a cap: {over}; see the "
        "checks.",
    ),
    "h.caps": ("频次上限", "Caps"),
    "caps.text": (
        "每处矿山年度累计现场执法检查不超过{total}次（R4），对上级公司"
        "不超过{company}次（R8）；联合执法按一次计入，分别计入监管、监察"
        "双方频次（R9）。各类矿山频次上限如下：",
        "Each mine gets at most {total} on-site inspections a year (R4) "
        "and each parent company at most {company} (R8); a joint visit "
        "counts once, and once on each side (R9). The caps by category:",
    ),
    "h.by_category": ("分类计划检查次数", "Planned visits by category"),
    "h.by_month": ("分月安排", "By month"),
    "h.by_body": ("分执法主体安排", "By body"),
    "by_body.text": (
        "各执法主体逐月检查次数如下（联合执法分别计入双方）：",
        "Visits of each body by month (a joint visit counts for both):",
    ),
    "h.charts": ("图表", "Charts"),
    "h.joint": ("联合执法安排", "Joint enforcement"),
    "joint.text": (
        "省级矿山安全监管部门会同省级局每季度至少开展{minimum}次联合执法"
        "（R10，《通知》第三条；统计范围：{scope}）。全年计划联合执法"
        "{joint}次，涉及矿山{mines}处，按季度安排如下：",
        "The provincial regulator and the supervisor hold at least "
        "{minimum} joint inspection(s) every quarter (R10, §3; scope: "
        "{scope}). Joint visits planned: {joint}, to {mines} mine(s).",
    ),
    "h.special": (
        "专项检查和重大事故隐患复查",
        "Special inspections and major hazard re-checks",
    ),
    "h.campaigns": ("专项检查", "Special inspections"),
    "campaigns.text": (
        "专项检查按经批准的专项方案在规定时间和数量内实施，不计入频次上限"
        "（R14）。全年计划专项检查{visits}次：",
        "Campaigns follow their approved plans within their window and "
        "bound, outside the caps (R14). Campaign visits planned: "
        "{visits}.",
    ),
    "campaigns.none": ("本年度无专项检查。", "No campaign this year."),
    "h.rechecks": ("重大事故隐患复查", "Major hazard re-checks"),
    "rechecks.text": (
        "重大事故隐患在整改期限届满后现场复查；省级局发现的重大事故隐患"
        "复查不计入频次上限（R13）。一般事故隐患在下次检查时一并核查，不"
        "单独安排复查（R12）。全年计划复查{visits}次：",
        "Each major hazard is re-checked on site after its deadline; "
        "re-checks of hazards found by the supervisor are outside the "
        "caps (R13). General hazards are checked at the next inspection, "
        "never in a visit of their own (R12). Re-checks planned: "
        "{visits}.",
    ),
    "rechecks.none": (
        "本年度无待复查的重大事故隐患。",
        "No major hazard awaits a re-check this year.",
    ),
    "not_planned": ("未安排", "not planned"),
    "h.safeguards": ("保障措施", "Safeguards"),
    "h.reserve": ("预留执法力量", "Reserve"),
    "reserve.text": (
        "各执法主体按{share}预留执法力量共{days}人日，用于投诉举报、转办"
        "交办、数据监测、隐蔽工作面和企业申请等计划外核查，不计入频次上限"
        "（R15，《通知》第三条）。",
        "The bodies keep {share} of their capacity, {days} person-days, "
        "for unplanned checks on complaints, referrals, monitoring data, "
        "hidden working faces and enterprise requests, outside the caps "
        "(R15, §3).",
    ),
    "h.unannounced": ("严格执行“四不两直”", "Unannounced inspections"),
    "unannounced.text": (
        "执法检查原则上采用“四不两直”方式。计划中的检查月份仅供内部掌握，"
        "对外公开和向矿山提供的公示版不含日期和周次（R18，《通知》第五条）"
        "。",
        "Inspections are unannounced (四不两直). The months in this plan "
        "are internal; the public version carries no dates or weeks "
        "(R18, §5).",
    ),
    "h.items": ("落实必查项", "Must-check items"),
    "items.text": (
        "每次常规检查均列明必查项：重大风险防控、重大灾害治理、重大事故"
        "隐患排查整治和企业主要负责人履职情况（R19，《通知》第六条）。本"
        "计划{visits}次检查列明必查项，涉及重大灾害{disasters}。",
        "Every regular inspection lists its must-check items: major risk "
        "control, major disaster management, major hazard investigation "
        "and the principal's performance of duty (R19, §6). {visits} "
        "visits list them; the disasters covered: {disasters}.",
    ),
    "h.recusal": ("执法回避", "Recusal"),
    "recusal.text": (
        "执法人员与检查对象有利害关系的应当回避，不得安排其参加对该矿山"
        "的检查（R20，《通知》第十条）。",
        "An officer with an interest in a mine recuses and is never "
        "assigned to it (R20, §10).",
    ),
    "h.quotas": ("不下达检查指标", "No quotas"),
    "quotas.text": (
        "严禁下达检查指标，不将考核考评与检查频次、罚款数额挂钩；计划以"
        "风险覆盖为目标，富余执法力量不视为缺口（R22，《通知》第七条）。"
        "矿山数量或分类发生较大变化时，及时调整计划并重新报批（R23）。",
        "No quota of inspections or fines is set, and no appraisal is "
        "tied to them; the plan aims at risk covered, and spare capacity "
        "is no defect (R22, §7). When mines or categories change "
        "materially, the plan is adjusted and filed again (R23).",
    ),
    "approval.sign": ("签字：", "Signature:"),
    "approval.date": ("日期：    年  月  日", "Date:"),
    "approval.prepared": ("编制", "Prepared by"),
    "approval.reviewed": ("审核", "Reviewed by"),
    "approval.approved": ("审批", "Approved by"),
    "range": ("至", "–"),
    "figure": ("图{number} {caption}", "Figure {number}. {caption}"),
}

HEADS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "capacity": (
        ("执法主体", "持证人员", "工作日", "总人日", "其他执法", "非执法",
         "预留", "可检查", "计划使用", "使用率"),
        ("Body", "Officers", "Workdays", "Total", "Other", "Non-enf.",
         "Reserve", "Inspection", "Planned", "Share"),
    ),
    "mines": (
        ("矿山类型", "A类", "B类", "C类", "D类", "合计"),
        ("Mine type", "A", "B", "C", "D", "Total"),
    ),
    "caps": (
        ("矿山类型", "执法方", "适用范围", "A类", "B类", "C类", "D类",
         "依据"),
        ("Mine type", "Side", "Scope", "A", "B", "C", "D", "Basis"),
    ),
    "groups": (
        ("矿山类型", "分类", "矿山数", "监管方上限", "监管方计划",
         "监察方上限", "监察方计划", "不计入频次"),
        ("Mine type", "Category", "Mines", "Regulator cap",
         "Regulator visits", "Supervisor cap", "Supervisor visits",
         "Outside caps"),
    ),
    "months": (
        ("月份", "常规检查", "联合执法", "专项检查", "隐患复查",
         "上级公司", "合计", "计划人日", "可用人日"),
        ("Month", "Routine", "Joint", "Special", "Re-check", "Company",
         "Total", "Planned", "Capacity"),
    ),
    "campaigns": (
        ("专项检查", "承办单位", "实施月份", "数量上限", "计划次数",
         "涉及矿山"),
        ("Campaign", "Body", "Months", "Bound", "Planned", "Mines"),
    ),
    "rechecks": (
        ("隐患编号", "矿山", "发现单位", "整改期限", "复查月份",
         "计入频次"),
        ("Hazard", "Mine", "Found by", "Deadline", "Re-check month",
         "Counts toward caps"),
    ),
    "approval": (("环节", "签字", "日期"), ("Step", "Signature", "Date")),
    "joint": (("范围", "合计", "最低要求"), ("Scope", "Total", "Minimum")),
}  # fmt: skip


def text(key: str, lang: str, **values) -> str:
    """Return a sentence of the document in one language, filled in."""
    sentence = TEXT[key][0 if lang == "zh" else 1]
    return sentence.format(**values)


def heads(key: str, lang: str) -> tuple[str, ...]:
    """Return the header cells of a document table."""
    return HEADS[key][0 if lang == "zh" else 1]


def plan_title(scenario: Scenario, lang: str) -> str:
    """Return the title of the plan: the scenario's name when it is one.

    A scenario named like a plan (``…计划…``) keeps its name; otherwise
    the title is made from the name and the year.
    """
    if "计划" in scenario.name or "plan" in scenario.name.lower():
        return scenario.name

    return text("title", lang, name=scenario.name, year=scenario.year)


class OfficialDocument:
    """A GB/T 9704-style document under construction.

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``; English keeps the layout and the East Asian
        fonts (names stay Chinese) with a Latin font for the text.
    """

    def __init__(self, lang: str = "zh"):
        check_lang(lang)
        self.lang = lang
        self.document = Document()
        self.headings = 0
        self.subheadings = 0
        self.figures = 0

        self._page_setup()
        self._base_styles()
        self._page_numbers()

    def font(self, run, role: str, size: float, bold: bool = False) -> None:
        """Set the Latin and East Asian fonts, size and weight of a run.

        Parameters
        ----------
        run
            A run, or a style, whose font to set.
        role
            ``title``, ``body``, ``heading``, ``subheading`` or ``page``.
        size
            Size in points.
        bold
            Whether the text is bold.
        """
        east_asian = EAST_ASIAN_FONTS[role]
        run.font.name = east_asian if self.lang == "zh" else LATIN_FONT_EN
        run.font.size = Pt(size)
        if bold:
            run.font.bold = True

        run._element.rPr.rFonts.set(qn("w:eastAsia"), east_asian)

    def title(self, line: str) -> None:
        """Add the title in 方正小标宋简体 22 pt, centred."""
        paragraph = self.document.add_paragraph(style=TITLE_STYLE)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._spacing(paragraph, Pt(36))
        self.font(paragraph.add_run(line), "title", TITLE_SIZE)

    def centred(self, line: str, role: str = "body") -> None:
        """Add a centred line, such as the document number."""
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._spacing(paragraph, LINE_SPACING)
        self.font(paragraph.add_run(line), role, BODY_SIZE)

    def heading(self, name: str) -> None:
        """Add a first-level heading, ``一、…`` in 黑体."""
        self.headings += 1
        self.subheadings = 0
        number = self.headings
        if self.lang == "zh":
            prefix = f"{NUMERALS[number - 1]}、"
        else:
            prefix = f"{number}. "

        self._heading(prefix + name, "heading", level=0)

    def subheading(self, name: str) -> None:
        """Add a second-level heading, ``（一）…`` in 楷体_GB2312."""
        self.subheadings += 1
        number = self.subheadings
        if self.lang == "zh":
            prefix = f"（{NUMERALS[number - 1]}）"
        else:
            prefix = f"{self.headings}.{number} "

        self._heading(prefix + name, "subheading", level=1)

    def paragraph(self, line: str) -> None:
        """Add a body paragraph in 仿宋_GB2312 16 pt, indented two chars."""
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        self._spacing(paragraph, LINE_SPACING)
        paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_SIZE)
        self.font(paragraph.add_run(line), "body", BODY_SIZE)

    def table(
        self,
        header: Iterable[str],
        rows: list[list],
        size: float = TABLE_SIZE,
    ) -> None:
        """Add a grid table whose header row repeats on each page."""
        header = list(header)
        table = self.document.add_table(rows=len(rows) + 1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _repeat_header(table.rows[0])
        texts = [header, *([_cell_text(v) for v in row] for row in rows)]
        widths = column_widths(texts)
        lines = zip(table.rows, texts, strict=True)
        for index, (row, values) in enumerate(lines):
            cells = zip(row.cells, values, widths, strict=True)
            for cell, value, width in cells:
                cell.width = width
                self._cell(cell, value, size, index == 0)

        self._after_table()

    def picture(self, path: Path, caption: str) -> None:
        """Add a chart 15 cm wide with a numbered caption below it."""
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run()
        self.font(run, "body", BODY_SIZE)
        run.add_picture(str(path), width=CHART_WIDTH)

        self.figures += 1
        line = text("figure", self.lang, number=self.figures, caption=caption)
        self.centred(line)

    def approval(self) -> None:
        """Add the approval block: 编制, 审核, 审批 with blanks to sign."""
        self.centred("")
        sign = text("approval.sign", self.lang) + " " * 16
        day = text("approval.date", self.lang)
        rows = [
            [text(f"approval.{step}", self.lang), sign, day]
            for step in ("prepared", "reviewed", "approved")
        ]
        self.table(heads("approval", self.lang), rows, BODY_SIZE)

    def properties(self, title: str, created: datetime | None) -> None:
        """Set the core properties; ``None`` removes every date (R18)."""
        core = self.document.core_properties
        core.author = "minesched"
        core.last_modified_by = "minesched"
        core.title = title
        core.comments = ""
        if created is not None:
            core.created = created
            core.modified = created
            core.revision = 1
            return

        element = core._element
        for name in ("created", "modified", "lastPrinted", "revision"):
            for child in element.findall(f".//{{*}}{name}"):
                element.remove(child)

    def save(self, path: Path) -> Path:
        """Save the document and return its path."""
        self.document.save(str(path))
        return path

    def _page_setup(self) -> None:
        """Set A4 portrait and the GB/T 9704 margins on every section."""
        for section in self.document.sections:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width = PAGE_WIDTH
            section.page_height = PAGE_HEIGHT
            section.top_margin = MARGINS["top"]
            section.bottom_margin = MARGINS["bottom"]
            section.left_margin = MARGINS["left"]
            section.right_margin = MARGINS["right"]

            # The page number's line sits 7 mm below the text block.
            section.footer_distance = FOOTER_DISTANCE

    def _base_styles(self) -> None:
        """Set the fonts of Normal and add the 小标宋 title style."""
        styles = self.document.styles
        normal = styles["Normal"]
        self.font(normal, "body", BODY_SIZE)

        title = styles.add_style(TITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        title.base_style = normal
        self.font(title, "title", TITLE_SIZE)

    def _page_numbers(self) -> None:
        """Put "— PAGE —" in 宋体 14 pt at the foot of every page."""
        footer = self.document.sections[0].footer
        paragraph = footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.font(paragraph.add_run("— "), "page", PAGE_NUMBER_SIZE)
        for part in _page_field():
            run = paragraph.add_run()
            self.font(run, "page", PAGE_NUMBER_SIZE)
            run._element.append(part)

        self.font(paragraph.add_run(" —"), "page", PAGE_NUMBER_SIZE)

    def _heading(self, line: str, role: str, level: int) -> None:
        """Add a heading paragraph with an outline level for navigation."""
        paragraph = self.document.add_paragraph()
        self._spacing(paragraph, LINE_SPACING)
        paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_SIZE)
        paragraph.paragraph_format.keep_with_next = True
        # The outline level comes last among these paragraph properties,
        # as the schema orders them, so Word's navigation pane lists it.
        outline = OxmlElement("w:outlineLvl")
        outline.set(qn("w:val"), str(level))
        paragraph._p.get_or_add_pPr().append(outline)
        bold = self.lang == "en"
        self.font(paragraph.add_run(line), role, BODY_SIZE, bold)

    def _cell(self, cell, value: str, size: float, bold: bool) -> None:
        """Write one table cell, centred, in the body font."""
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.font(paragraph.add_run(value), "body", size, bold)

    def _after_table(self) -> None:
        """Add a small empty line so text does not touch the table."""
        paragraph = self.document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        self.font(paragraph.add_run(""), "body", TABLE_SIZE)

    @staticmethod
    def _spacing(paragraph, line) -> None:
        """Set exact line spacing and no space before or after."""
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)


def _page_field() -> list:
    """Return the parts of a PAGE field: begin, code, separate, 1, end."""
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    return [begin, code, separate, shown, end]


def _repeat_header(row) -> None:
    """Mark a table row as the header that repeats on every page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def column_widths(texts: list[list[str]]) -> list[Length]:
    """Return column widths that share the text width by content.

    Parameters
    ----------
    texts
        The table's rows of cell texts, header first.

    Returns
    -------
    list[Length]
        One width per column, together the width of the text block. A
        column gets a share by its widest value; headers count half, as
        they may wrap onto two lines.
    """
    header, *rows = texts
    needs = [
        max([display_width(h) / 2, *(display_width(r[i]) for r in rows)])
        for i, h in enumerate(header)
    ]
    needs = [min(max(need, 4), 40) for need in needs]
    return [Emu(int(TEXT_WIDTH * need / sum(needs))) for need in needs]


def _cell_text(value) -> str:
    """Return a table value as text: days with one decimal."""
    if value is None:
        return ""

    if isinstance(value, float):
        return f"{value:.1f}"

    return str(value)


def _share(part: float, whole: float) -> str:
    """Return a share as a percentage with one decimal."""
    return f"{part / whole:.1%}" if whole else "—"


def write_document(
    path: Path | str,
    scenario: Scenario,
    visits: list[Visit],
    summary: dict,
    check_rows: list[dict],
    charts: dict[str, Path],
    lang: str = "zh",
    adjusts: dict | None = None,
) -> Path:
    """Write the plan for approval, 计划（报批稿）.docx.

    Parameters
    ----------
    path
        The ``.docx`` file to write.
    scenario
        The scenario planned.
    visits
        The numbered visits of the plan; every number of the document is
        counted from them and the scenario.
    summary
        The plan summary, for the solver's status and gap.
    check_rows
        The checker's rows: rule, clause, title, checked, violations.
    charts
        PNG charts by key, embedded 15 cm wide in the arrangement.
    lang
        ``"zh"`` (the default) or ``"en"``.
    adjusts
        For a re-filed plan (R23), the filed version it adjusts:
        ``version``, ``filed`` and ``as_of`` (``YYYY-MM-DD``). The title
        then reads 计划（调整稿） and a paragraph after it states what is
        adjusted. ``None`` (the default) for a first filing.

    Returns
    -------
    Path
        The file written.
    """
    doc = OfficialDocument(lang)
    title = plan_title(scenario, lang)
    doc.centred(text("doc_number", lang))
    _title(doc, title, adjusts)
    doc.paragraph(text("intro", lang))

    _basis(doc, scenario, summary, check_rows)
    _capacity(doc, scenario, visits)
    _mines(doc, scenario)
    _arrangement(doc, scenario, visits, charts)
    _joint(doc, scenario, visits)
    _special(doc, scenario, visits)
    _safeguards(doc, scenario, visits)
    doc.approval()

    doc.properties(title, datetime(scenario.year, 1, 1))
    path = doc.save(Path(path))
    logger.info("document: %d charts in %s", len(charts), path.name)
    return path


def _title(doc, title: str, adjusts: dict | None) -> None:
    """Write the title, marked as adjusted for a re-filed plan (R23)."""
    if adjusts is None:
        doc.title(title + text("suffix.approval", doc.lang))
        return

    doc.title(title + text("suffix.adjusted", doc.lang))
    doc.paragraph("".join(adjustment_lines(adjusts, doc.lang)))


def _basis(doc, scenario, summary, check_rows) -> None:
    """Write 编制依据: the notice, method 2017, the data and the checks."""
    lang = doc.lang
    doc.heading(text("h.basis", lang))
    doc.paragraph(text("basis.rules", lang))

    gap = summary.get("gap")
    stopped = "yes" if summary.get("stopped_early") else "no"
    doc.paragraph(
        text(
            "basis.data",
            lang,
            name=scenario.name,
            digest=scenario.digest[:16] or "—",
            days=sum(scenario.workdays),
            calendar=word(f"calendar.{scenario.calendar_source}", lang),
            status=word(f"status.{summary['status']}", lang),
            gap="—" if gap is None else f"{gap:.2%}",
            source=word(f"source.{summary.get('source', 'cp-sat')}", lang),
            stopped=word(f"stopped.{stopped}", lang),
        )
    )
    doc.paragraph(
        text(
            "basis.check",
            lang,
            rules=len(check_rows),
            checked=sum(row["checked"] for row in check_rows),
            violations=sum(row["violations"] for row in check_rows),
        )
    )


def _capacity(doc, scenario, visits) -> None:
    """Write 执法力量和工作日测算 with the method 2017 table (R17)."""
    lang = doc.lang
    rows = _capacity_rows(scenario, visits)
    inspection = sum(row[7] for row in rows)
    used = sum(row[8] for row in rows)
    doc.heading(text("h.capacity", lang))
    doc.paragraph(
        text(
            "capacity.text",
            lang,
            bodies=len(scenario.bodies),
            regulators=_count_side(scenario, "regulator"),
            supervisors=_count_side(scenario, "supervisor"),
            officers=sum(body.officers for body in scenario.bodies),
            reserve=f"{scenario.policy.reserve_share:.0%}",
            inspection=f"{inspection:.1f}",
            used=f"{used:.1f}",
            share=_share(used, inspection),
        )
    )
    doc.table(heads("capacity", lang), rows, WIDE_TABLE_SIZE)


def _count_side(scenario, side: str) -> int:
    """Return how many bodies are on one side."""
    return sum(1 for body in scenario.bodies if body.side == side)


def _capacity_rows(scenario, visits) -> list[list]:
    """Return each body's method 2017 arithmetic and planned use."""
    used = used_by_month(scenario, visits)
    rows = []
    for body in scenario.bodies:
        capacity = body_capacity(
            body, scenario.workdays, scenario.policy.reserve_share
        )
        planned = round(sum(used[body.body_id]), 2)
        rows.append(
            [
                body.name,
                capacity.officers,
                capacity.workdays,
                capacity.total_days,
                float(capacity.other_enforcement_days),
                float(capacity.non_enforcement_days),
                capacity.reserve_days,
                capacity.inspection_days,
                planned,
                _share(planned, capacity.inspection_days),
            ]
        )

    return rows


def _mines(doc, scenario) -> None:
    """Write 检查对象和分类情况: mines per kind and category (R1, R2)."""
    lang = doc.lang
    kinds = Counter(mine.kind for mine in scenario.mines)
    doc.heading(text("h.mines", lang))
    doc.paragraph(
        text(
            "mines.text",
            lang,
            mines=len(scenario.mines),
            coal=kinds["coal"],
            non_coal=kinds["non_coal"],
            companies=len(scenario.companies),
            hazards=len(scenario.hazards),
            campaigns=len(scenario.campaigns),
        )
    )
    doc.table(heads("mines", lang), mine_table_rows(scenario, lang))


def mine_table_rows(scenario: Scenario, lang: str) -> list[list]:
    """Return mines per kind and category, with totals (R1, R2).

    Parameters
    ----------
    scenario
        The scenario planned.
    lang
        ``"zh"`` or ``"en"``.
    """
    counts = Counter((mine.kind, mine.category) for mine in scenario.mines)
    rows = []
    for kind in ("coal", "non_coal"):
        cells = [counts[kind, category] for category in CATEGORIES]
        rows.append([word(f"mine.{kind}", lang), *cells, sum(cells)])

    totals = [sum(row[i] for row in rows) for i in range(1, 6)]
    return [*rows, [word("total", lang), *totals]]


def _arrangement(doc, scenario, visits, charts) -> None:
    """Write 年度检查安排: overall, caps, categories, months, bodies."""
    lang = doc.lang
    doc.heading(text("h.arrangement", lang))
    _overall(doc, scenario, visits)

    doc.subheading(text("h.caps", lang))
    policy = scenario.policy
    doc.paragraph(
        text(
            "caps.text",
            lang,
            total=policy.total_cap,
            company=policy.company_cap,
        )
    )
    doc.table(heads("caps", lang), caps_table_rows(scenario, lang))

    doc.subheading(text("h.by_category", lang))
    doc.table(heads("groups", lang), group_table_rows(scenario, visits, lang))

    doc.subheading(text("h.by_month", lang))
    doc.table(heads("months", lang), _month_rows(scenario, visits, lang))

    doc.subheading(text("h.by_body", lang))
    doc.paragraph(text("by_body.text", lang))
    month_heads = [label(f"month.{m}", lang) for m in range(1, 13)]
    doc.table(
        [heads("capacity", lang)[0], *month_heads, word("total", lang)],
        _body_rows(scenario, visits),
        WIDE_TABLE_SIZE,
    )
    _charts(doc, scenario, charts)


def _overall(doc, scenario, visits) -> None:
    """Write the overall numbers: visits by kind, capped and not."""
    lang = doc.lang
    kinds = Counter(visit.kind for visit in visits)
    counted = sum(1 for visit in visits if visit.counts_toward_caps)
    over = _over_cap(scenario, visits)
    caps = (
        text("overall.within", lang)
        if over == 0
        else text("overall.over", lang, over=over)
    )
    doc.subheading(text("h.overall", lang))
    doc.paragraph(
        text(
            "overall.text",
            lang,
            total=len(visits),
            counted=counted,
            outside=len(visits) - counted,
            caps=caps,
            **{kind: kinds[kind] for kind in kinds_of_visits()},
        )
    )


def kinds_of_visits() -> tuple[str, ...]:
    """Return the visit kinds in the order the document lists them."""
    return ("routine", "joint", "special", "recheck", "company")


def _over_cap(scenario, visits) -> int:
    """Return how many mines and companies are planned above a cap."""
    over = 0
    counts = mine_counts(scenario, visits)
    for mine in scenario.mines:
        count, caps = counts[mine.mine_id], mine_caps(scenario, mine)
        over += (
            count.counted > caps.total
            or count.regulator > caps.regulator
            or count.supervisor > caps.supervisor
        )

    companies = Counter(v.target_id for v in visits if v.kind == "company")
    cap = scenario.policy.company_cap
    return over + sum(1 for n in companies.values() if n > cap)


def group_table_rows(
    scenario: Scenario, visits: list[Visit], lang: str
) -> list[list]:
    """Return mines, caps and capped visits per kind and category (R4-R9).

    Parameters
    ----------
    scenario
        The scenario planned.
    visits
        The visits of the plan.
    lang
        ``"zh"`` or ``"en"``.
    """
    rows = []
    for (kind, category), group in group_counts(scenario, visits).items():
        rows.append(
            [
                word(f"mine.{kind}", lang),
                label(f"category.{category}", lang),
                group.mines,
                caps_text(group.regulator_caps),
                group.regulator,
                caps_text(group.supervisor_caps),
                group.supervisor,
                group.outside,
            ]
        )

    return rows


def _month_rows(scenario, visits, lang) -> list[list]:
    """Return visits by kind, person-days and capacity of each month."""
    kinds = kinds_of_visits()
    by_month = [Counter() for _ in range(12)]
    days = [0.0] * 12
    for visit in visits:
        by_month[visit.month - 1][visit.kind] += 1
        days[visit.month - 1] += visit.person_days

    capacity = _capacity_by_month(scenario)
    rows = [
        [
            label(f"month.{month}", lang),
            *(by_month[month - 1][kind] for kind in kinds),
            sum(by_month[month - 1].values()),
            round(days[month - 1], 2),
            round(capacity[month - 1], 2),
        ]
        for month in range(1, 13)
    ]
    totals = [sum(row[i] for row in rows) for i in range(1, 7)]
    floats = [round(sum(row[i] for row in rows), 2) for i in (7, 8)]
    return [*rows, [word("total", lang), *totals, *floats]]


def _capacity_by_month(scenario) -> list[float]:
    """Return the inspection person-days of all bodies in each month."""
    months = [0.0] * 12
    for body in scenario.bodies:
        capacity = body_capacity(
            body, scenario.workdays, scenario.policy.reserve_share
        )
        for index, days in enumerate(capacity.by_month):
            months[index] += days

    return months


def _body_rows(scenario, visits) -> list[list]:
    """Return each body's visits by month and in the year."""
    table = body_month_visits(scenario, visits)
    return [
        [body.name, *table[body.body_id], sum(table[body.body_id])]
        for body in scenario.bodies
    ]


def _charts(doc, scenario, charts: dict[str, Path]) -> None:
    """Embed the charts, each with its title as the caption."""
    if not charts:
        return

    doc.subheading(text("h.charts", doc.lang))
    for key, path in charts.items():
        doc.picture(path, chart_caption(key, scenario, doc.lang))


def chart_caption(key: str, scenario: Scenario, lang: str) -> str:
    """Return the caption of a chart from its key in ``render_charts``.

    Parameters
    ----------
    key
        ``caps``, ``heatmap``, ``risk``, ``joint``, ``map``,
        ``load-province`` or ``load-<body id>``.
    scenario
        The scenario, for body names.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str
        The chart's title, with the body or the province for a load
        chart; an unknown key as given.
    """
    kind, _, who = key.partition("-")
    title_key = f"title.{kind}"
    if title_key not in LABELS:
        return key

    title = label(title_key, lang)
    if not who:
        return title

    names = {body.body_id: body.name for body in scenario.bodies}
    name = label("province", lang) if who == "province" else None
    name = name or names.get(who, who)
    return f"{title}（{name}）" if lang == "zh" else f"{title} ({name})"


def _joint(doc, scenario, visits) -> None:
    """Write 联合执法安排: joint visits per quarter and scope (R10)."""
    lang = doc.lang
    policy = scenario.policy
    joint = [visit for visit in visits if visit.kind == "joint"]
    doc.heading(text("h.joint", lang))
    doc.paragraph(
        text(
            "joint.text",
            lang,
            minimum=policy.joint_minimum,
            scope=word(f"scope.{policy.joint_scope}", lang),
            joint=len(joint),
            mines=len({visit.target_id for visit in joint}),
        )
    )
    scope, total, minimum = heads("joint", lang)
    quarters = [label(f"quarter.{q}", lang) for q in range(1, 5)]
    doc.table(
        [scope, *quarters, total, minimum],
        joint_quarter_rows(scenario, joint, lang),
    )


def joint_quarter_rows(
    scenario: Scenario, joint: list[Visit], lang: str
) -> list[list]:
    """Return joint visits per quarter of each unit of the R10 scope.

    Parameters
    ----------
    scenario
        The scenario planned.
    joint
        The joint visits of the plan.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list[list]
        One row for the whole province, or one per supervisor body when
        the minimum holds for each division: name, four quarters, total,
        minimum.
    """
    minimum = scenario.policy.joint_minimum
    if scenario.policy.joint_scope == "province":
        units = [(word("whole_province", lang), None)]
    else:
        units = [
            (body.name, body.body_id)
            for body in scenario.bodies
            if body.side == "supervisor"
        ]

    rows = []
    for name, body_id in units:
        quarters = [0] * 4
        for visit in joint:
            if body_id is None or body_id in visit.body_ids:
                quarters[quarter_of(visit.month) - 1] += 1

        rows.append([name, *quarters, sum(quarters), minimum])

    return rows


def _special(doc, scenario, visits) -> None:
    """Write 专项检查和重大事故隐患复查 (R12, R13, R14)."""
    lang = doc.lang
    doc.heading(text("h.special", lang))

    doc.subheading(text("h.campaigns", lang))
    special = [visit for visit in visits if visit.kind == "special"]
    if scenario.campaigns:
        doc.paragraph(text("campaigns.text", lang, visits=len(special)))
        rows = _campaign_rows(scenario, special, lang)
        doc.table(heads("campaigns", lang), rows)
    else:
        doc.paragraph(text("campaigns.none", lang))

    doc.subheading(text("h.rechecks", lang))
    rechecks = [visit for visit in visits if visit.kind == "recheck"]
    if scenario.hazards:
        doc.paragraph(text("rechecks.text", lang, visits=len(rechecks)))
        rows = _recheck_rows(scenario, rechecks, lang)
        doc.table(heads("rechecks", lang), rows)
    else:
        doc.paragraph(text("rechecks.none", lang))


def _campaign_rows(scenario, special, lang) -> list[list]:
    """Return each campaign: body, window, bound, visits and mines."""
    rows = []
    for campaign in scenario.campaigns:
        mine = [v for v in special if v.campaign_id == campaign.campaign_id]
        window = text("range", lang).join(
            label(f"month.{month}", lang)
            for month in (campaign.first_month, campaign.last_month)
        )
        rows.append(
            [
                campaign.name,
                scenario.body(campaign.body_id).name,
                window,
                campaign.max_visits,
                len(mine),
                len({visit.target_id for visit in mine}),
            ]
        )

    return rows


def _recheck_rows(scenario, rechecks, lang) -> list[list]:
    """Return each open major hazard with its planned re-check."""
    planned = {visit.hazard_id: visit for visit in rechecks}
    rows = []
    for hazard in scenario.hazards:
        visit = planned.get(hazard.hazard_id)
        month = (
            label(f"month.{visit.month}", lang)
            if visit
            else text("not_planned", lang)
        )
        counts = visit is not None and visit.counts_toward_caps
        rows.append(
            [
                hazard.hazard_id,
                scenario.mine(hazard.mine_id).name,
                scenario.body(hazard.found_by).name,
                hazard.deadline.isoformat(),
                month,
                word("yes" if counts else "no", lang),
            ]
        )

    return rows


def _safeguards(doc, scenario, visits) -> None:
    """Write 保障措施: reserve, 四不两直, must-check items, recusal, quotas."""
    lang = doc.lang
    doc.heading(text("h.safeguards", lang))

    doc.subheading(text("h.reserve", lang))
    reserve = sum(
        body_capacity(
            body, scenario.workdays, scenario.policy.reserve_share
        ).reserve_days
        for body in scenario.bodies
    )
    share = f"{scenario.policy.reserve_share:.0%}"
    doc.paragraph(
        text("reserve.text", lang, share=share, days=f"{reserve:.1f}")
    )

    doc.subheading(text("h.unannounced", lang))
    doc.paragraph(text("unannounced.text", lang))

    doc.subheading(text("h.items", lang))
    listed = sum(1 for visit in visits if "major_risk" in visit.must_check)
    doc.paragraph(
        text(
            "items.text",
            lang,
            visits=listed,
            disasters=disaster_list(scenario, lang),
        )
    )

    for topic in ("recusal", "quotas"):
        doc.subheading(text(f"h.{topic}", lang))
        doc.paragraph(text(f"{topic}.text", lang))


def disaster_list(scenario: Scenario, lang: str) -> str:
    """Return the major disaster types of the scenario's mines, in words."""
    names = sorted(
        {name for mine in scenario.mines for name in mine.disasters}
    )
    words = [disaster_text(name, lang) for name in names]
    return word("separator", lang).join(words) or "—"
