"""The notebooks run top to bottom in a fresh kernel and show their results.

Each notebook is executed once per test session with nbclient, from the
``notebooks/`` folder as a planner would open it; the tests then read the
outputs of the cells tagged ``checker``, ``chart`` and so on.
"""

from __future__ import annotations

import functools
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = (
    "01-annual-plan.ipynb",
    "02-what-if.ipynb",
    "03-mid-year-replan.ipynb",
)
CELL_TIMEOUT = 300  # seconds per cell


@functools.cache
def executed(name: str) -> tuple[nbformat.NotebookNode, frozenset[Path]]:
    """Run a notebook in a fresh kernel; return it and files it left."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    before = _files_near_notebooks()
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()

    return notebook, frozenset(_files_near_notebooks() - before)


def _files_near_notebooks() -> set[Path]:
    """Files under notebooks/ and scenarios/, where a stray write lands."""
    root = NOTEBOOKS.parent
    return {
        path
        for folder in (root / "notebooks", root / "scenarios")
        for path in folder.rglob("*")
        if ".ipynb_checkpoints" not in path.parts
    }


def tagged(notebook: nbformat.NotebookNode, tag: str) -> list:
    """Return the code cells carrying a tag."""
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and tag in cell.metadata.get("tags", [])
    ]


def output_text(cells: list) -> str:
    """Return the printed and displayed text of some cells, joined.

    Displayed tables give both their plain text, which pandas shortens,
    and their HTML, which holds every cell in full.
    """
    parts = []
    for cell in cells:
        for output in cell.outputs:
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
                parts.append(output.data.get("text/html", ""))

    return "\n".join(parts)


def images(cells: list) -> int:
    """Return how many PNG images some cells displayed."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in cells
        for output in cell.outputs
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_stored_without_outputs(name):
    """A committed notebook holds no outputs and no execution counts."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]

    assert code
    assert all(cell.outputs == [] for cell in code)
    assert all(cell.execution_count is None for cell in code)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_uses_python_api_not_command_line(name):
    """No notebook cell shells out to the minesched command line."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    sources = [cell.source for cell in notebook.cells]

    assert not [s for s in sources if "!minesched" in s or "%%bash" in s]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_without_error_or_stray_files(name):
    """A notebook runs top to bottom and writes nothing into the repo."""
    notebook, left = executed(name)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]

    assert not errors
    assert not left


def test_annual_plan_checker_finds_zero_violations():
    """The annual plan notebook's checker cell reports 0 violations."""
    notebook, _ = executed("01-annual-plan.ipynb")
    text = output_text(tagged(notebook, "checker"))

    assert "checker: 0 violations" in text
    assert "R17" in text


def test_annual_plan_draws_every_chart_inline():
    """Load, caps, heat map, risk, joint and map charts are all shown."""
    notebook, _ = executed("01-annual-plan.ipynb")
    charts = tagged(notebook, "chart")

    assert len(charts) == 6
    assert images(charts) == len(charts)


def test_annual_plan_shows_summary_figures():
    """The summary cell states the number of visits planned."""
    notebook, _ = executed("01-annual-plan.ipynb")
    text = output_text(tagged(notebook, "summary"))

    assert "visits in all:" in text
    assert "routine" in text


def test_what_if_shows_comparison_and_marginal_ranking():
    """The what-if notebook shows the table, a chart and a ranking."""
    notebook, _ = executed("02-what-if.ipynb")
    table = output_text(tagged(notebook, "comparison"))
    ranking = output_text(tagged(notebook, "marginal"))

    assert "demo" in table
    assert "county-cut" in table
    assert "R-PROV" in ranking
    assert images(tagged(notebook, "chart")) >= 1


def test_replan_flags_inspection_outside_plan():
    """The re-plan notebook's status lists the unplanned one (R24)."""
    notebook, _ = executed("03-mid-year-replan.ipynb")
    text = output_text(tagged(notebook, "status"))

    assert "Q1-X01" in text
    assert "outside the plan" in text


def test_replan_lists_changes_with_reasons():
    """The diff table gives reclassification reasons (R23)."""
    notebook, _ = executed("03-mid-year-replan.ipynb")
    text = output_text(tagged(notebook, "diff"))

    assert "R23: mine" in text
    assert "reclassified A→C" in text


def test_replan_checker_finds_zero_violations():
    """The adjusted plan, checked with its adjustment, breaks no rule."""
    notebook, _ = executed("03-mid-year-replan.ipynb")
    text = output_text(tagged(notebook, "checker"))

    assert "checker: 0 violations" in text


def test_replan_keeps_approved_total():
    """The statement says the approved total of capped visits is kept."""
    notebook, _ = executed("03-mid-year-replan.ipynb")
    text = output_text(tagged(notebook, "statement"))

    assert "调整后保持原批准总数" in text
    assert ": kept" in text
