"""Assemble the charts of the filing package and save them as PNG files.

Figures are made with ``matplotlib.figure.Figure`` rather than pyplot, so
no window opens and no global figure list grows, whatever backend is
active; PNG files are written by the Agg renderer either way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from models.plan import Visit
from models.records import Scenario
from scheduler.report import charts
from scheduler.report.fonts import font_rc
from scheduler.report.labels import LANGUAGES

logger = logging.getLogger(__name__)

DPI = 150
HEATMAP_TOP = 30
LOAD_SIZE = (8.0, 4.5)

# PNG metadata would otherwise name the matplotlib version, so the same
# plan would give different bytes after an upgrade.
PNG_METADATA = {"Software": None}

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def render_charts(
    folder: Path,
    scenario: Scenario,
    visits: list[Visit],
    summary: dict,
    lang: str = "zh",
    top_bodies: int = 6,
) -> dict[str, Path]:
    """Draw every chart of the filing package and save it as a PNG file.

    The files are ``chart-load-province.png``, ``chart-load-<body>.png``
    for the most loaded bodies, ``chart-caps.png``, ``chart-heatmap.png``,
    ``chart-risk.png``, ``chart-joint.png`` and ``chart-map.png``.

    Parameters
    ----------
    folder
        Folder to write into; made if missing.
    scenario
        The scenario of the plan.
    visits
        The planned visits.
    summary
        The summary dict of ``summary.json``; only ``capacity`` is read.
    lang
        ``"zh"`` (default) or ``"en"`` for titles and labels.
    top_bodies
        How many bodies get a load chart of their own: those with the
        highest share of yearly capacity planned, ties by body id.

    Returns
    -------
    dict
        File path of each chart by name: ``load-province``,
        ``load-<body>``, ``caps``, ``heatmap``, ``risk``, ``joint``,
        ``map``.

    Raises
    ------
    ValueError
        If ``lang`` is not ``zh`` or ``en``, or ``top_bodies`` is
        negative.
    """
    if lang not in LANGUAGES:
        msg = f"lang must be 'zh' or 'en', not {lang!r}."
        raise ValueError(msg)

    if top_bodies < 0:
        msg = f"top_bodies must be 0 or more, not {top_bodies}."
        raise ValueError(msg)

    folder.mkdir(parents=True, exist_ok=True)
    plan = _chart_plan(scenario, visits, summary, lang, top_bodies)

    # The fonts are read when text is made and tick labels are made when
    # the figure is saved, so both happen inside the font settings.
    paths = {}
    with matplotlib.rc_context(font_rc()):
        for name, (size, draw) in plan.items():
            paths[name] = _save(folder / f"chart-{name}.png", size, draw)

    logger.info("%d charts in %s/", len(paths), folder.name)
    return paths


def _chart_plan(
    scenario: Scenario,
    visits: list[Visit],
    summary: dict,
    lang: str,
    top_bodies: int,
) -> dict[str, tuple[tuple[float, float], Callable]]:
    """Return each chart's name, figure size and drawing of an ``ax``."""
    data = {"scenario": scenario, "visits": visits, "lang": lang}
    plan = {
        "load-province": (
            LOAD_SIZE,
            partial(charts.monthly_load, summary=summary, lang=lang),
        )
    }
    for body_id in most_loaded(summary["capacity"], top_bodies):
        plan[f"load-{_safe(body_id)}"] = (
            LOAD_SIZE,
            partial(
                charts.monthly_load,
                summary=summary,
                body_id=body_id,
                lang=lang,
            ),
        )

    rows = min(HEATMAP_TOP, len(scenario.mines))
    plan["caps"] = ((9, 5), partial(charts.visits_vs_caps, **data))
    plan["heatmap"] = (
        (10, max(4.0, 0.26 * rows + 1.6)),
        partial(charts.risk_heatmap, top=HEATMAP_TOP, **data),
    )
    plan["risk"] = ((8, 5), partial(charts.risk_vs_visits, **data))
    plan["joint"] = (
        (7, 4.5),
        partial(
            charts.joint_by_quarter,
            visits=visits,
            minimum=scenario.policy.joint_minimum,
            lang=lang,
            divisions=_joint_divisions(scenario),
        ),
    )
    plan["map"] = ((9, 7), partial(charts.mine_map, **data))

    return plan


def most_loaded(capacity: dict, count: int) -> list[str]:
    """Return the bodies with the highest share of capacity planned.

    Parameters
    ----------
    capacity
        The ``capacity`` section of the summary.
    count
        How many bodies to return at most.

    Returns
    -------
    list of str
        Body ids, most loaded first; ties go by body id.
    """
    shares = {body_id: _load_share(row) for body_id, row in capacity.items()}
    ranked = sorted(shares, key=lambda body_id: (-shares[body_id], body_id))

    return ranked[:count]


def _load_share(row: dict) -> float:
    """Return planned person-days over capacity of one body's year."""
    used = sum(row["used_by_month"])
    available = sum(row["by_month"])
    if available > 0:
        return used / available

    return float("inf") if used > 0 else 0.0


def _joint_divisions(scenario: Scenario) -> int | None:
    """Return the number of R10 divisions, or None for province scope."""
    if scenario.policy.joint_scope != "division":
        return None

    return len({m.supervisor_id for m in scenario.mines if m.is_coal})


def _save(path: Path, size: tuple[float, float], draw: Callable) -> Path:
    """Make a figure of this size, draw one chart on it and save it."""
    figure = Figure(figsize=size, layout="constrained")
    draw(figure.add_subplot())
    figure.savefig(path, dpi=DPI, metadata=PNG_METADATA)

    # The figure belongs to no pyplot list; clearing it frees its artists
    # now rather than at the next garbage collection.
    figure.clear()

    return path


def _safe(text: str) -> str:
    """Return text usable in a file name on every system."""
    return _UNSAFE.sub("_", text)
