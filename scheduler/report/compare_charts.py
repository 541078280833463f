"""Charts comparing the plans of several scenarios, one function per chart.

Each function draws on a matplotlib ``ax`` it is given, from the labels of
the scenarios and their key figures (``scheduler.whatif.key_figures``;
``None`` for a scenario without a plan), and neither shows nor saves a
figure; ``save_comparison_charts`` assembles them into figures and saves
those as PNG files. Text is Chinese by default and English with
``lang="en"``; draw inside ``matplotlib.rc_context(fonts.font_rc())`` so
Chinese glyphs have a font.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from scheduler.report.figures import DPI, PNG_METADATA
from scheduler.report.fonts import font_rc

KEY_FIGURES = ("coverage", "high_risk_at_cap_share", "visits", "floors_unmet")

# Figures that are shares, drawn in per cent.
SHARES = frozenset({"high_risk_at_cap_share"})

WORDS = {
    "coverage": (
        "风险加权覆盖(R21、R22)",
        "Risk-weighted coverage (R21, R22)",
    ),
    "high_risk_at_cap_share": (
        "高风险矿山达监管上限比例(%)",
        "High-risk mines at regulator cap (%)",
    ),
    "visits": ("计划检查总次数", "Visits planned"),
    "floors_unmet": ("未满足保底检查数", "Floors unmet"),
    "no_plan": ("无计划", "no plan"),
    "title.load": (
        "各执法主体执法能力使用率(R17)",
        "Capacity used by each body (R17)",
    ),
    "capacity_used": ("执法能力使用率(%)", "Capacity used (%)"),
    "full": ("执法能力(100%)", "Full capacity (100%)"),
}

# The base is dark grey; variants take colour-blind-safe colours
# (Okabe-Ito) in a fixed order, so every comparison looks alike.
BASE_COLOUR = "#555555"
VARIANT_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
)
FULL_COLOUR = "#D55E00"
LABEL_WIDTH = 18


def scenario_colour(index: int) -> str:
    """Return the colour of the scenario at a position, the base first.

    Parameters
    ----------
    index
        Position of the scenario; 0 is the base.

    Returns
    -------
    str
        A hex colour; variants cycle through ``VARIANT_COLOURS``.
    """
    if index == 0:
        return BASE_COLOUR

    return VARIANT_COLOURS[(index - 1) % len(VARIANT_COLOURS)]


def key_figure_bars(
    ax,
    labels: Sequence[str],
    figures: Sequence[dict | None],
    key: str,
    lang: str = "zh",
) -> None:
    """Draw one key figure of each scenario as a bar, the base first.

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    labels
        Names of the scenarios.
    figures
        Key figures of each scenario, ``None`` for one without a plan,
        which is marked "no plan" instead of a bar.
    key
        One of ``KEY_FIGURES``; shares are drawn in per cent.
    lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    ValueError
        If ``key`` is not one of ``KEY_FIGURES`` or the labels and
        figures differ in number.
    """
    if key not in KEY_FIGURES:
        msg = f"key must be one of {', '.join(KEY_FIGURES)}, not {key!r}."
        raise ValueError(msg)

    _check_lengths(labels, figures)
    pick = _pick(lang)
    values = [_value(item, key) for item in figures]
    heights = [0.0 if value is None else value for value in values]
    x = np.arange(len(labels))
    colours = [scenario_colour(index) for index in range(len(labels))]

    bars = ax.bar(x, heights, 0.6, color=colours)
    texts = [_value_text(value, pick) for value in values]
    ax.bar_label(bars, labels=texts, padding=2, fontsize=8)

    ax.set_xticks(x, [_wrapped(text) for text in labels], fontsize=8)
    ax.set_ylim(0, max([*heights, 1.0]) * 1.2)
    ax.set_title(WORDS[key][pick])


def body_load_bars(
    ax,
    labels: Sequence[str],
    figures: Sequence[dict | None],
    lang: str = "zh",
) -> None:
    """Draw each body's capacity used, one bar per scenario (R17).

    Bodies are grouped along the x axis in the order the plans list them;
    within a group, one bar per scenario with a plan, the base first. A
    dashed line marks full capacity; scenarios without a plan are named
    in the legend.

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    labels
        Names of the scenarios.
    figures
        Key figures of each scenario, ``None`` for one without a plan.
    lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    ValueError
        If the labels and figures differ in number.
    """
    _check_lengths(labels, figures)
    pick = _pick(lang)
    bodies = _bodies(figures)
    planned = [i for i, item in enumerate(figures) if item is not None]
    x = np.arange(len(bodies))
    width = 0.8 / max(len(planned), 1)

    for slot, index in enumerate(planned):
        used = figures[index]["capacity_used"]
        offset = (slot - (len(planned) - 1) / 2) * width
        values = [100 * used.get(body_id, 0.0) for body_id in bodies]
        colour = scenario_colour(index)
        ax.bar(x + offset, values, width, color=colour, label=labels[index])

    full = ax.axhline(100, color=FULL_COLOUR, linestyle="--", linewidth=1)
    full.set_label(WORDS["full"][pick])
    handles, _ = ax.get_legend_handles_labels()
    handles += _no_plan_handles(labels, figures, pick)
    ax.legend(handles=handles, fontsize=8, loc="upper right")

    ax.set_xticks(x, bodies, rotation=45, ha="right")
    ax.set_ylabel(WORDS["capacity_used"][pick])
    tallest = max((p.get_height() for p in ax.patches), default=0.0)
    ax.set_ylim(0, max(125.0, tallest * 1.1))
    ax.set_title(WORDS["title.load"][pick])


def _pick(lang: str) -> int:
    """Return the index of a language in ``WORDS``."""
    if lang not in ("zh", "en"):
        msg = f"lang must be 'zh' or 'en', not {lang!r}."
        raise ValueError(msg)

    return 0 if lang == "zh" else 1


def _check_lengths(labels: Sequence[str], figures: Sequence) -> None:
    """Refuse labels and figures that do not pair up."""
    if len(labels) != len(figures):
        msg = (
            f"{len(labels)} labels but {len(figures)} sets of figures; "
            "give one label per scenario."
        )
        raise ValueError(msg)


def _value(figures: dict | None, key: str) -> float | None:
    """Return a figure to draw, shares in per cent; None without one."""
    if figures is None or figures[key] is None:
        return None

    value = figures[key]
    return 100 * value if key in SHARES else value


def _value_text(value: float | None, pick: int) -> str:
    """Return the text over a bar."""
    if value is None:
        return WORDS["no_plan"][pick]

    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def _wrapped(text: str) -> str:
    """Return a scenario label wrapped under its bar, a setting a line."""
    lines = [
        line
        for part in text.split(", ")
        for line in textwrap.wrap(part, LABEL_WIDTH)
    ]
    return "\n".join(lines) or text


def _bodies(figures: Sequence[dict | None]) -> list[str]:
    """Return every body of the plans, in the order first listed."""
    seen: dict[str, None] = {}
    for item in figures:
        if item is not None:
            seen.update(dict.fromkeys(item["capacity_used"]))

    return list(seen)


def _no_plan_handles(labels, figures, pick: int) -> list[Patch]:
    """Return legend entries naming the scenarios without a plan."""
    return [
        Patch(
            fill=False,
            edgecolor="none",
            label=f"{label}: {WORDS['no_plan'][pick]}",
        )
        for label, item in zip(labels, figures, strict=True)
        if item is None
    ]


def save_comparison_charts(
    paths: Sequence[Path],
    labels: Sequence[str],
    figures: Sequence[dict | None],
    lang: str = "zh",
) -> None:
    """Draw the comparison charts and save them as PNG files.

    Parameters
    ----------
    paths
        Two files: the key figures (a 2 x 2 grid of ``key_figure_bars``)
        and the capacity used per body (``body_load_bars``).
    labels
        Names of the scenarios, the base first.
    figures
        Key figures of each scenario, ``None`` for one without a plan.
    lang
        ``"zh"`` or ``"en"``.
    """
    bodies = len(_bodies(figures))
    key_size = (max(8.0, 1.6 * len(labels) + 4), 7.5)
    load_size = (min(max(8.0, 0.25 * bodies * len(labels) + 3), 24.0), 5.0)
    data = {"labels": labels, "figures": figures, "lang": lang}

    # Text picks its font when made and tick labels are made when saved,
    # so both happen inside the font settings.
    with matplotlib.rc_context(font_rc()):
        _save(paths[0], key_size, partial(_key_grid, **data))
        _save(paths[1], load_size, partial(_load_chart, **data))


def _key_grid(figure: Figure, labels, figures, lang: str) -> None:
    """Draw each key figure on its own axes of a 2 x 2 grid."""
    grid = figure.subplots(2, 2).flat
    for ax, key in zip(grid, KEY_FIGURES, strict=True):
        key_figure_bars(ax, labels, figures, key, lang)


def _load_chart(figure: Figure, labels, figures, lang: str) -> None:
    """Draw the capacity used per body and scenario on one axes."""
    body_load_bars(figure.add_subplot(), labels, figures, lang)


def _save(path: Path, size, draw: Callable[[Figure], None]) -> None:
    """Make a figure of this size, draw on it and save it as PNG."""
    figure = Figure(figsize=size, layout="constrained")
    draw(figure)
    figure.savefig(path, dpi=DPI, metadata=PNG_METADATA)

    # The figure belongs to no pyplot list; clearing it frees its artists
    # now rather than at the next garbage collection.
    figure.clear()
