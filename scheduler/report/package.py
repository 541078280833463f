"""The filing package: charts, workbook, document and public version.

``write_package`` writes everything a province files with its plan into
one folder: the charts as PNG files, the workbook 计划.xlsx, the document
for approval 计划（报批稿）.docx with the charts embedded, and the public
version without dates (R18).
"""

from __future__ import annotations

import logging
from pathlib import Path

from models.plan import Visit
from models.records import Scenario
from scheduler.report.document import write_document
from scheduler.report.figures import render_charts
from scheduler.report.public import write_public
from scheduler.report.workbook import (
    adjustment_lines,
    check_lang,
    write_workbook,
)

logger = logging.getLogger(__name__)

FILE_NAMES = {
    "zh": {"workbook": "计划.xlsx", "document": "计划（报批稿）.docx"},
    "en": {
        "workbook": "plan.xlsx",
        "document": "plan-for-approval.docx",
    },
}
CHARTS_FOLDER = "charts"


def write_package(
    folder: Path | str,
    scenario: Scenario,
    visits: list[Visit],
    summary: dict,
    check_rows: list[dict],
    lang: str = "zh",
    adjusts: dict | None = None,
) -> list[Path]:
    """Write the filing package of a plan into a folder.

    Parameters
    ----------
    folder
        The folder to write into; created if missing. Charts go to its
        ``charts`` subfolder.
    scenario
        The scenario planned.
    visits
        The numbered visits of the plan.
    summary
        The plan summary (``summary.json``).
    check_rows
        The checker's rows: rule, clause, title, checked, violations.
    lang
        ``"zh"`` (Chinese file names and text, the default) or ``"en"``.
    adjusts
        For a plan filed again after mines or categories changed (R23),
        the filed version it adjusts: ``{"version": id, "filed":
        "YYYY-MM-DD", "as_of": "YYYY-MM-DD"}``. The document's title
        then reads 计划（调整稿） and the document and the workbook's
        编制说明 state the version adjusted and that inspections done
        before the as-of date stay as facts. ``None`` (the default) for
        a first filing.

    Returns
    -------
    list[Path]
        Every file written: the charts, the workbook, the document and
        the two files of the public version.

    Raises
    ------
    ValueError
        If the language is unknown, or ``adjusts`` lacks a key or holds
        a date that is not ``YYYY-MM-DD``; nothing is written then.
    """
    check_lang(lang)
    if adjusts is not None:
        # A malformed mark is refused before any file is written.
        adjustment_lines(adjusts, lang)

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = FILE_NAMES[lang]

    logger.info("drawing charts…")
    charts = render_charts(
        folder / CHARTS_FOLDER, scenario, visits, summary, lang
    )

    logger.info("writing workbook…")
    workbook = write_workbook(
        folder / names["workbook"],
        scenario,
        visits,
        summary,
        check_rows,
        lang,
        adjusts,
    )

    logger.info("writing the document for approval…")
    document = write_document(
        folder / names["document"],
        scenario,
        visits,
        summary,
        check_rows,
        charts,
        lang,
        adjusts,
    )

    logger.info("writing the public version…")
    public = write_public(folder, scenario, visits, summary, lang)
    return [*charts.values(), workbook, document, *public]
