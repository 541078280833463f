"""The statement of what changed between two versions of a plan (R23).

When mines or their categories change materially, the plan is adjusted
and filed again with a statement of what changed (R23, §1), and every
change keeps its reason (R25, §9). ``diff_plans`` lists exactly the
differences between the filed version and the adjusted one,
``explain_changes`` gives each its reason, and ``write_statement`` writes
the statement 调整说明 as a CSV table and as a GB/T 9704 document.

A visit is known by its identity: target, kind, side, bodies, hazard and
campaign. Within one identity the two versions are matched by month, so
a visit whose month did not change is no change at all; one that did is
a change of month, and what is left over was added or removed.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from models.plan import Visit
from models.plan_diff import identity
from models.records import VISIT_KINDS, Scenario
from models.tables import csv_text, write_text_atomic
from scheduler.report.document import (
    WIDE_TABLE_SIZE,
    OfficialDocument,
    plan_title,
)
from scheduler.report.labels import label
from scheduler.report.workbook import (
    adjustment_lines,
    check_lang,
    date_text,
    word,
)

logger = logging.getLogger(__name__)

ACTIONS = ("added", "removed", "moved")

HEADER_KEYS = (
    "version",
    "filed",
    "as_of",
    "applied",
    "total_before",
    "total_after",
    "total_kept",
)

FILE_NAMES = {
    "zh": ("调整说明.csv", "调整说明.docx"),
    "en": ("change-statement.csv", "change-statement.docx"),
}

COLUMNS = {
    "zh": (
        "序号",
        "调整类型",
        "检查对象",
        "所属县",
        "检查类别",
        "执法主体",
        "原计划月份",
        "调整后月份",
        "调整原因",
    ),
    "en": (
        "No.",
        "Change",
        "Target",
        "County",
        "Inspection kind",
        "Bodies",
        "Month planned",
        "Month adjusted",
        "Reason",
    ),
}

TEXT: dict[str, tuple[str, str]] = {
    "action.added": ("新增", "added"),
    "action.removed": ("取消", "removed"),
    "action.moved": ("调整月份", "month changed"),
    "title": ("{title}调整说明", "Statement of changes: {title}"),
    "h.basis": ("调整依据", "Basis of the adjustment"),
    "basis.text": (
        "本说明逐项列明对{filed}报送的计划（版本{version}）所作的全部"
        "调整。矿山或其分类发生变化，依据R23（《通知》第一条）调整计划"
        "并重新报批，每项调整及其原因均予记录（R25，《通知》第九条）。",
        "This statement lists every change made to version {version} "
        "of the plan, filed on {filed}. Mines or their categories "
        "changed, so the plan is adjusted and filed again (R23, §1); "
        "every change and its reason are kept (R25, §9).",
    ),
    "h.applied": ("调整事项", "Changes applied"),
    "applied.item": ("{number}．{item}", "{number}. {item}"),
    "applied.none": ("无。", "None."),
    "h.summary": ("调整情况", "Summary of the adjustment"),
    "summary.counts": (
        "本次调整新增检查{added}次、取消检查{removed}次、调整检查月份"
        "{moved}次，共{total}项，逐项列于调整明细。",
        "Visits added: {added}; removed: {removed}; moved to another "
        "month: {moved}; {total} changes in all, each listed in the "
        "table below.",
    ),
    "summary.totals": (
        "原批准计入频次上限的检查总数{before}次，调整后{after}次。{kept}",
        "The approved total of visits counting toward the caps was "
        "{before}; the adjusted plan holds {after}. {kept}",
    ),
    "kept.yes": (
        "调整后保持原批准总数。",
        "The approved total is kept.",
    ),
    "kept.no": (
        "调整后总数与原批准总数不同，随本说明重新报批。",
        "The total differs from the approved one and is filed again "
        "with this statement.",
    ),
    "h.table": ("调整明细", "Changes in detail"),
    "table.none": (
        "本次调整未改变任何检查安排。",
        "The adjustment changes no visit.",
    ),
    "reference": ("{kind}（{reference}）", "{kind} ({reference})"),
}


@dataclass(frozen=True)
class PlanChange:
    """One difference between the filed plan and the adjusted one.

    Parameters
    ----------
    action
        ``added``, ``removed`` or ``moved`` (to another month).
    visit
        The visit of the adjusted plan for ``added`` and ``moved``, of
        the filed plan for ``removed``.
    old_month
        The month in the filed plan; ``None`` for ``added``.
    new_month
        The month in the adjusted plan; ``None`` for ``removed``.
    reason
        Why the visit changed, citing the rule (R23, R25).
    """

    action: str
    visit: Visit
    old_month: int | None
    new_month: int | None
    reason: str = ""

    def __post_init__(self):
        """Refuse an action other than added, removed or moved."""
        if self.action not in ACTIONS:
            msg = f"action must be one of {', '.join(ACTIONS)}."
            raise ValueError(msg)

    @property
    def month(self) -> int:
        """The month the change is listed under: the filed one if any."""
        if self.old_month is not None:
            return self.old_month

        return self.new_month


def diff_plans(old: list[Visit], new: list[Visit]) -> list[PlanChange]:
    """Return exactly the differences between two versions of a plan.

    Parameters
    ----------
    old
        The visits of the filed version.
    new
        The visits of the adjusted version.

    Returns
    -------
    list[PlanChange]
        Within each identity (see ``identity``), visits in the same month
        in both versions are unchanged; the remaining old and new visits
        are paired in month order as ``moved``, and what is left over is
        ``removed`` or ``added``. Applying the changes to ``old`` gives
        ``new`` as a multiset of identity and month. Sorted by action,
        then month, kind and target.
    """
    old_groups, new_groups = _by_identity(old), _by_identity(new)
    keys = sorted(old_groups.keys() | new_groups.keys())

    changes = []
    for key in keys:
        changes += _diff_identity(
            old_groups.get(key, []), new_groups.get(key, [])
        )

    return sorted(changes, key=_change_order)


def _by_identity(visits: list[Visit]) -> dict[tuple, list[Visit]]:
    """Group visits by identity, each group in month order."""
    groups = defaultdict(list)
    for visit in sorted(visits, key=lambda v: (v.month, v.visit_id)):
        groups[identity(visit)].append(visit)

    return groups


def _diff_identity(old: list[Visit], new: list[Visit]) -> list[PlanChange]:
    """Return the changes of one identity between its old and new visits."""
    common = Counter(v.month for v in old) & Counter(v.month for v in new)
    old_rest, new_rest = _drop(old, common), _drop(new, common)
    paired = min(len(old_rest), len(new_rest))

    moved = [
        PlanChange("moved", after, before.month, after.month)
        for before, after in zip(
            old_rest[:paired], new_rest[:paired], strict=True
        )
    ]
    removed = [
        PlanChange("removed", visit, visit.month, None)
        for visit in old_rest[paired:]
    ]
    added = [
        PlanChange("added", visit, None, visit.month)
        for visit in new_rest[paired:]
    ]
    return moved + removed + added


def _drop(visits: list[Visit], months: Counter) -> list[Visit]:
    """Return the visits left after taking out the given months once each."""
    left = Counter(months)
    kept = []
    for visit in visits:
        if left[visit.month] > 0:
            left[visit.month] -= 1
        else:
            kept.append(visit)

    return kept


def _change_order(change: PlanChange) -> tuple:
    """Key that orders a statement: action, month, then the visit."""
    return (ACTIONS.index(change.action), change.month, *_visit_order(change))


def _visit_order(change: PlanChange) -> tuple:
    """Key of the changed visit: kind, target, bodies, hazard, campaign."""
    visit = change.visit
    return (
        VISIT_KINDS.index(visit.kind),
        visit.target_id,
        visit.body_ids,
        visit.hazard_id,
        visit.campaign_id,
        change.new_month or 0,
    )


def explain_changes(
    changes: list[PlanChange], reasons: dict[str, str], default: str
) -> list[PlanChange]:
    """Return the changes, each with its reason (R23, R25).

    Parameters
    ----------
    changes
        The changes of ``diff_plans``.
    reasons
        Reasons by target id, for the mines and companies whose change
        caused the adjustment, such as ``"R23: mine M1 reclassified
        A→C from 2027-04-01"``.
    default
        The reason of every other change, such as ``"R22: value
        rebalanced after the changes above"``.

    Returns
    -------
    list[PlanChange]
        The same changes in the same order, with ``reason`` set.
    """
    return [
        replace(change, reason=reasons.get(change.visit.target_id, default))
        for change in changes
    ]


def write_statement(
    folder: Path | str,
    scenario: Scenario,
    changes: list[PlanChange],
    header: dict,
    lang: str = "zh",
) -> list[Path]:
    """Write the statement of changes 调整说明 as CSV and DOCX (R23).

    Parameters
    ----------
    folder
        The folder to write into; created if missing.
    scenario
        The adjusted scenario, for the title and the names of counties,
        bodies and campaigns; targets it no longer holds keep their
        names from the visits.
    changes
        The changes, with their reasons (``explain_changes``).
    header
        What the statement says before its table: ``version`` and
        ``filed`` (the filed version it adjusts, ``YYYY-MM-DD``),
        ``as_of`` (``YYYY-MM-DD``), ``applied`` (the changes of mines
        and categories applied, as sentences), ``total_before`` and
        ``total_after`` (the approved total of visits counting toward
        the caps, before and after) and ``total_kept`` (whether it was
        kept).
    lang
        ``"zh"`` (``调整说明.csv`` and ``.docx``, the default) or ``"en"``
        (``change-statement.csv`` and ``.docx``).

    Returns
    -------
    list[Path]
        The CSV file (UTF-8 with BOM, so Excel opens it) and the document.

    Raises
    ------
    ValueError
        If the language is unknown, or the header lacks a key or holds a
        date that is not ``YYYY-MM-DD``.
    """
    check_lang(lang)
    _check_header(header, lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_name, docx_name = FILE_NAMES[lang]
    rows = statement_rows(scenario, changes, lang)

    table = folder / csv_name
    write_text_atomic(table, csv_text(COLUMNS[lang], rows), bom=True)

    document = _write_document(
        folder / docx_name, scenario, changes, rows, header, lang
    )
    logger.info(
        "change statement: %d changes in %s and %s",
        len(changes),
        table,
        document,
    )
    return [table, document]


def _check_header(header: dict, lang: str) -> None:
    """Raise ``ValueError`` unless the header has every key and date."""
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        msg = "The statement's header lacks " + ", ".join(missing) + "."
        raise ValueError(msg)

    adjustment_lines(header, lang)


def statement_rows(
    scenario: Scenario, changes: list[PlanChange], lang: str
) -> list[list]:
    """Return the rows of the statement's table, one per change.

    Parameters
    ----------
    scenario
        The adjusted scenario, for counties, bodies and campaigns.
    changes
        The changes, in the order to list them.
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list[list]
        Number, action, target, county, inspection kind, bodies, month
        planned, month adjusted and reason, as text.
    """
    counties = {mine.mine_id: mine.county for mine in scenario.mines}
    bodies = {body.body_id: body.name for body in scenario.bodies}
    separator = word("separator", lang)
    return [
        [
            number,
            _text(f"action.{change.action}", lang),
            change.visit.target_name,
            counties.get(change.visit.target_id, ""),
            _kind_text(scenario, change.visit, lang),
            separator.join(bodies.get(b, b) for b in change.visit.body_ids),
            _month_text(change.old_month, lang),
            _month_text(change.new_month, lang),
            change.reason,
        ]
        for number, change in enumerate(changes, start=1)
    ]


def _text(key: str, lang: str, **values) -> str:
    """Return a sentence of the statement in one language, filled in."""
    return TEXT[key][0 if lang == "zh" else 1].format(**values)


def _kind_text(scenario: Scenario, visit: Visit, lang: str) -> str:
    """Return the kind of a visit with its hazard or campaign, if any."""
    kind = word(f"visit.{visit.kind}", lang)
    campaigns = {c.campaign_id: c.name for c in scenario.campaigns}
    reference = visit.hazard_id or campaigns.get(
        visit.campaign_id, visit.campaign_id
    )
    if not reference:
        return kind

    return _text("reference", lang, kind=kind, reference=reference)


def _month_text(month: int | None, lang: str) -> str:
    """Return a month as ``3月`` or ``Mar``; none as an empty cell."""
    return "" if month is None else label(f"month.{month}", lang)


def _write_document(path, scenario, changes, rows, header, lang) -> Path:
    """Write 调整说明.docx in the look of the official document."""
    doc = OfficialDocument(lang)
    title = _text("title", lang, title=plan_title(scenario, lang))
    doc.title(title)

    _basis(doc, header)
    _applied(doc, header["applied"])
    _summary(doc, changes, header)
    _table(doc, rows)
    doc.approval()

    as_of = datetime.fromisoformat(str(header["as_of"]))
    doc.properties(title, as_of)
    return doc.save(Path(path))


def _basis(doc, header: dict) -> None:
    """Write 调整依据: the filed version adjusted and the as-of date."""
    lang = doc.lang
    doc.heading(_text("h.basis", lang))
    doc.paragraph(
        _text(
            "basis.text",
            lang,
            filed=date_text(header["filed"], lang),
            version=header["version"],
        )
    )

    # The as-of sentence is the one the adjusted plan itself carries.
    _, facts = adjustment_lines(header, lang)
    doc.paragraph(facts)


def _applied(doc, applied: list[str]) -> None:
    """Write 调整事项: the changes of mines and categories, numbered."""
    lang = doc.lang
    doc.heading(_text("h.applied", lang))
    if not applied:
        doc.paragraph(_text("applied.none", lang))
        return

    for number, item in enumerate(applied, start=1):
        doc.paragraph(_text("applied.item", lang, number=number, item=item))


def _summary(doc, changes: list[PlanChange], header: dict) -> None:
    """Write 调整情况: changes by action and the approved totals."""
    lang = doc.lang
    counts = Counter(change.action for change in changes)
    doc.heading(_text("h.summary", lang))
    doc.paragraph(
        _text(
            "summary.counts",
            lang,
            total=len(changes),
            **{action: counts[action] for action in ACTIONS},
        )
    )

    kept = "kept.yes" if header["total_kept"] else "kept.no"
    doc.paragraph(
        _text(
            "summary.totals",
            lang,
            before=header["total_before"],
            after=header["total_after"],
            kept=_text(kept, lang),
        )
    )


def _table(doc, rows: list[list]) -> None:
    """Write 调整明细: the statement's table, or a line if it is empty."""
    lang = doc.lang
    doc.heading(_text("h.table", lang))
    if not rows:
        doc.paragraph(_text("table.none", lang))
        return

    doc.table(COLUMNS[lang], rows, WIDE_TABLE_SIZE)
