"""Charts of the filing package, one function per chart.

Each function draws on a matplotlib ``ax`` it is given, from plain data:
scenario records, the planned visits and the summary dict of
``summary.json``. None shows or saves a figure; ``figures.render_charts``
assembles and saves them. Text is Chinese by default and English with
``lang="en"``; draw inside ``matplotlib.rc_context(fonts.font_rc())`` so
the Chinese glyphs have a font.

Every function goes over the visits once and aggregates with counters or
numpy arrays, so the time to draw grows with the number of visits, not
with mines times visits.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from models.plan import Visit
from models.policy import Caps
from models.records import (
    CATEGORIES,
    KINDS,
    MONTHS,
    SIDES,
    VISIT_KINDS,
    Mine,
    Scenario,
)
from scheduler.report.labels import label

QUARTERS = (1, 2, 3, 4)

# Colour-blind-safe colours (Okabe-Ito), fixed so every filing looks alike.
VISIT_COLOURS = {
    "routine": "#0072B2",
    "joint": "#009E73",
    "recheck": "#D55E00",
    "special": "#CC79A7",
    "company": "#E69F00",
}
CATEGORY_COLOURS = {
    "A": "#009E73",
    "B": "#0072B2",
    "C": "#E69F00",
    "D": "#D55E00",
}
MINE_KIND_COLOURS = {"coal": "#333333", "non_coal": "#E69F00"}
MINE_KIND_MARKERS = {"coal": "o", "non_coal": "^"}
GROUP_COLOURS = {
    ("coal", "regulator"): "#0072B2",
    ("coal", "supervisor"): "#D55E00",
    ("non_coal", "regulator"): "#E69F00",
    ("non_coal", "supervisor"): "#CC79A7",
}
LOAD_COLOUR = "#56B4E9"
OVER_COLOUR = "#D55E00"
CAPACITY_COLOUR = "#333333"

# Kinds a mine-month cell of the heat map can show, in colour order; code
# 0 is an empty cell.
HEATMAP_KINDS = tuple(kind for kind in VISIT_KINDS if kind != "company")

# Seed of the jitter in the risk scatter, fixed so charts are repeatable.
JITTER_SEED = 0


def monthly_load(
    ax, summary: dict, body_id: str | None = None, lang: str = "zh"
) -> None:
    """Draw planned person-days against capacity, month by month (R17).

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    summary
        The summary dict of ``summary.json``; its ``capacity`` section
        gives ``by_month`` and ``used_by_month`` of each body.
    body_id
        The body to draw, or ``None`` for the whole province (the sum of
        all bodies).
    lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    KeyError
        If ``body_id`` is not in the summary's capacity section.
    """
    capacity, used, name = _load_of(summary["capacity"], body_id, lang)
    months = np.arange(1, 13)
    over = used > capacity + 1e-9

    colours = np.where(over, OVER_COLOUR, LOAD_COLOUR).tolist()
    ax.bar(months, used, 0.7, color=colours)
    ax.stairs(
        capacity,
        np.arange(0.5, 13),
        baseline=None,
        color=CAPACITY_COLOUR,
        linewidth=1.8,
    )

    handles = [
        Line2D([], [], color=CAPACITY_COLOUR, label=label("capacity", lang)),
        Patch(color=LOAD_COLOUR, label=label("load", lang)),
    ]
    if over.any():
        handles.append(
            Patch(color=OVER_COLOUR, label=label("over_capacity", lang))
        )
    _legend(ax, handles=handles)

    ax.set_xticks(months, _month_labels(lang))
    ax.set_ylabel(label("person_days", lang))
    ax.set_ylim(0, max(capacity.max(), used.max(), 1.0) * 1.1)
    ax.set_title(f"{label('title.load', lang)} — {name}")


def _load_of(
    table: dict, body_id: str | None, lang: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """Return capacity and use by month, and the name, of a body or all."""
    if body_id is None:
        rows = list(table.values())
        name = label("province", lang)
    elif body_id in table:
        rows = [table[body_id]]
        name = table[body_id].get("name") or body_id
    else:
        msg = f"body_id {body_id!r} is not in the summary's capacity table."
        raise KeyError(msg)

    capacity = np.zeros(12)
    used = np.zeros(12)
    for row in rows:
        capacity += np.asarray(row["by_month"], dtype=float)
        used += np.asarray(row["used_by_month"], dtype=float)

    return capacity, used, name


def visits_vs_caps(
    ax, scenario: Scenario, visits: list[Visit], lang: str = "zh"
) -> None:
    """Draw visits counting toward caps, by category and side, against caps.

    A group is a mine kind and a side. Its cap per category is the sum of
    the side's caps (R5-R7) over the mines of that kind and category; its
    planned visits are the visits that count toward caps, a joint visit
    counting once on each side (R9). Parent company visits (R8) are left
    out.

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    scenario
        The scenario whose mines and policy give the caps.
    visits
        The planned visits.
    lang
        ``"zh"`` or ``"en"``.
    """
    caps = _cap_sums(scenario)
    planned = _capped_visits(scenario, visits)
    groups = [
        group
        for group in GROUP_COLOURS
        if any(caps[(*group, c)] or planned[(*group, c)] for c in CATEGORIES)
    ]

    x = np.arange(len(CATEGORIES))
    width = 0.8 / max(len(groups), 1)
    for index, group in enumerate(groups):
        offset = (index - (len(groups) - 1) / 2) * width
        colour = GROUP_COLOURS[group]
        cap_row = [caps[(*group, c)] for c in CATEGORIES]
        planned_row = [planned[(*group, c)] for c in CATEGORIES]
        ax.bar(
            x + offset, cap_row, width, fill=False, edgecolor=colour, lw=1.2
        )
        ax.bar(x + offset, planned_row, width * 0.6, color=colour)

    handles = [
        Patch(color=GROUP_COLOURS[group], label=_group_label(group, lang))
        for group in groups
    ]
    cap_handle = Patch(
        fill=False, edgecolor="#333333", label=label("cap", lang)
    )
    _legend(ax, handles=[*handles, cap_handle])

    ax.set_xticks(x, [label(f"category.{c}", lang) for c in CATEGORIES])
    ax.set_ylabel(label("visits", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(label("title.caps", lang))


def _cap_sums(scenario: Scenario) -> Counter:
    """Return the sum of caps per mine kind, side and category."""
    caps_of: dict[tuple[str, str, str], Caps] = {}
    sums: Counter = Counter()
    for mine in scenario.mines:
        key = (mine.kind, mine.category, mine.regulator_id)
        if key not in caps_of:
            caps_of[key] = scenario.policy.caps(*key)

        caps = caps_of[key]
        sums[mine.kind, "regulator", mine.category] += caps.regulator
        sums[mine.kind, "supervisor", mine.category] += caps.supervisor

    return sums


def _capped_visits(scenario: Scenario, visits: list[Visit]) -> Counter:
    """Return visits counting toward caps per mine kind, side, category."""
    counts: Counter = Counter()
    for visit in _mine_visits(visits):
        if not visit.counts_toward_caps:
            continue

        mine = scenario.mine(visit.target_id)
        sides = SIDES if visit.side == "joint" else (visit.side,)
        for side in sides:
            counts[mine.kind, side, mine.category] += 1

    return counts


def _group_label(group: tuple[str, str], lang: str) -> str:
    """Return the legend text of a mine kind and side."""
    kind, side = group
    return f"{label(f'mine.{kind}', lang)} · {label(f'side.{side}', lang)}"


def risk_heatmap(
    ax,
    scenario: Scenario,
    visits: list[Visit],
    top: int = 30,
    lang: str = "zh",
) -> None:
    """Draw a mine-by-month map of visits to the highest-risk mines (R21).

    Rows are the ``top`` mines by risk score, highest first (ties by mine
    id); columns are months. A cell's colour is the kind of its visit;
    where a cell holds several, the colour is the kind listed last in
    ``VISIT_KINDS`` and the cell shows how many.

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    scenario
        The scenario whose mines are ranked.
    visits
        The planned visits.
    top
        How many mines to show.
    lang
        ``"zh"`` or ``"en"``.

    Raises
    ------
    ValueError
        If ``top`` is below 1.
    """
    if top < 1:
        msg = f"top must be at least 1, not {top}."
        raise ValueError(msg)

    mines = sorted(scenario.mines, key=lambda m: (-m.risk_score, m.mine_id))
    mines = mines[:top]
    codes, counts = _heatmap_cells(mines, visits)

    colours = ["#FFFFFF", *(VISIT_COLOURS[k] for k in HEATMAP_KINDS)]
    ax.imshow(
        codes,
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=len(colours) - 0.5,
        aspect="auto",
        interpolation="nearest",
    )
    for row, column in zip(*np.nonzero(counts > 1), strict=True):
        ax.text(
            column,
            row,
            str(counts[row, column]),
            ha="center",
            va="center",
            color="white",
            fontsize=7,
        )

    _grid_lines(ax, len(mines))
    ax.set_xticks(np.arange(12), _month_labels(lang))
    ax.set_yticks(np.arange(len(mines)), [_mine_label(m, lang) for m in mines])
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(label("title.heatmap", lang))

    shown = sorted({int(c) for c in np.unique(codes) if c > 0})
    handles = [
        Patch(
            color=colours[code],
            label=label(f"visit.{HEATMAP_KINDS[code - 1]}", lang),
        )
        for code in shown
    ]
    if handles:
        _legend(ax, handles=handles, title=label("several_visits", lang))


def _heatmap_cells(
    mines: list[Mine], visits: list[Visit]
) -> tuple[np.ndarray, np.ndarray]:
    """Return the kind code and the visit count of each mine-month cell."""
    rows = {mine.mine_id: index for index, mine in enumerate(mines)}
    codes = np.zeros((len(mines), 12), dtype=int)
    counts = np.zeros((len(mines), 12), dtype=int)
    for visit in _mine_visits(visits):
        row = rows.get(visit.target_id)
        if row is None:
            continue

        code = HEATMAP_KINDS.index(visit.kind) + 1
        codes[row, visit.month - 1] = max(codes[row, visit.month - 1], code)
        counts[row, visit.month - 1] += 1

    return codes, counts


def _grid_lines(ax, num_rows: int) -> None:
    """Draw thin grey lines between the cells of a heat map."""
    # Plain lines rather than a minor-tick grid: each tick is a full
    # artist with its own label, and a tall map has many.
    style = {"color": "#DDDDDD", "linewidth": 0.6}
    ax.hlines(np.arange(-0.5, num_rows), -0.5, 11.5, **style)
    ax.vlines(np.arange(-0.5, 12), -0.5, num_rows - 0.5, **style)


def _mine_label(mine: Mine, lang: str) -> str:
    """Return a mine's row label: its name, or its id in English."""
    return mine.name if lang == "zh" else mine.mine_id


def risk_vs_visits(
    ax, scenario: Scenario, visits: list[Visit], lang: str = "zh"
) -> None:
    """Draw risk score against planned visits, one point per mine (R21).

    Points are coloured by mine kind. Visit counts are whole numbers, so
    each point is moved up or down by a small fixed-seed jitter to show
    how many mines share a count.

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    scenario
        The scenario whose mines are drawn.
    visits
        The planned visits.
    lang
        ``"zh"`` or ``"en"``.
    """
    counts = Counter(visit.target_id for visit in _mine_visits(visits))
    rng = np.random.default_rng(JITTER_SEED)

    for kind in KINDS:
        mines = [mine for mine in scenario.mines if mine.kind == kind]
        if not mines:
            continue

        risk = np.array([mine.risk_score for mine in mines], dtype=float)
        planned = np.array([counts[mine.mine_id] for mine in mines])
        jitter = rng.uniform(-0.18, 0.18, size=len(mines))
        ax.scatter(
            risk,
            planned + jitter,
            s=12,
            alpha=0.6,
            color=MINE_KIND_COLOURS[kind],
            marker=MINE_KIND_MARKERS[kind],
            linewidths=0,
            label=label(f"mine.{kind}", lang),
        )

    ax.set_xlabel(label("risk_score", lang))
    ax.set_ylabel(label("planned_visits", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(label("title.risk", lang))
    if scenario.mines:
        _legend(ax)


def joint_by_quarter(
    ax,
    visits: list[Visit],
    minimum: int,
    lang: str = "zh",
    divisions: int | None = None,
) -> None:
    """Draw joint visits per quarter against the R10 minimum (§3).

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    visits
        The planned visits; those of kind ``joint`` are counted.
    minimum
        Joint visits required in each quarter (``policy.joint_minimum``).
    lang
        ``"zh"`` or ``"en"``.
    divisions
        ``None`` when R10 counts the whole province; with division scope,
        the number of supervisor divisions, and the line shows the
        minimum summed over them. The sum alone cannot show a division
        short of its own minimum; the checker (R10) does.
    """
    held = Counter(v.quarter for v in visits if v.kind == "joint")
    counts = np.array([held[q] for q in QUARTERS])
    line = minimum * (divisions if divisions is not None else 1)
    colours = np.where(
        counts < line, OVER_COLOUR, VISIT_COLOURS["joint"]
    ).tolist()

    bars = ax.bar(QUARTERS, counts, 0.6, color=colours)
    ax.bar_label(bars, padding=2)
    key = "joint_minimum" if divisions is None else "joint_minimum_divisions"
    ax.axhline(
        line, color=CAPACITY_COLOUR, linestyle="--", label=label(key, lang)
    )

    ax.set_xticks(QUARTERS, [label(f"quarter.{q}", lang) for q in QUARTERS])
    ax.set_ylabel(label("joint_visits", lang))
    ax.set_ylim(0, max(int(counts.max()), line, 1) * 1.25)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(label("title.joint", lang))
    _legend(ax)


def mine_map(
    ax, scenario: Scenario, visits: list[Visit], lang: str = "zh"
) -> None:
    """Draw the mines by longitude and latitude, sized by planned visits.

    Colour gives the category, the marker the kind (circle coal, triangle
    non-coal). Mines without coordinates are counted in a note; when no
    mine has coordinates, the axes carry only a note saying so.

    Parameters
    ----------
    ax
        The matplotlib axes to draw on.
    scenario
        The scenario whose mines are drawn.
    visits
        The planned visits.
    lang
        ``"zh"`` or ``"en"``.
    """
    ax.set_title(label("title.map", lang))
    placed = [
        m for m in scenario.mines if m.lon is not None and m.lat is not None
    ]
    if not placed:
        _note_no_coordinates(ax, lang)
        return

    counts = Counter(visit.target_id for visit in _mine_visits(visits))
    for (kind, category), group in _by_kind_category(placed).items():
        # Arrays, not lists: matplotlib converts lists point by point.
        lon = np.array([m.lon for m in group], dtype=float)
        lat = np.array([m.lat for m in group], dtype=float)
        planned = np.array([counts[m.mine_id] for m in group], dtype=float)
        ax.scatter(
            lon,
            lat,
            s=10 + 14 * planned,
            color=CATEGORY_COLOURS[category],
            marker=MINE_KIND_MARKERS[kind],
            alpha=0.7,
            linewidths=0,
        )

    _map_legend(ax, placed, lang)
    _note_unplaced(ax, len(scenario.mines) - len(placed), lang)
    mean_lat = float(np.mean([m.lat for m in placed], dtype=float))
    ax.set_aspect(1 / max(math.cos(math.radians(mean_lat)), 0.1))
    ax.set_xlabel(label("longitude", lang))
    ax.set_ylabel(label("latitude", lang))


def _by_kind_category(mines: Iterable[Mine]) -> dict[tuple, list[Mine]]:
    """Return mines grouped by kind and category, in a fixed order."""
    groups: dict[tuple, list[Mine]] = defaultdict(list)
    for mine in mines:
        groups[mine.kind, mine.category].append(mine)

    return {key: groups[key] for key in sorted(groups)}


def _map_legend(ax, placed: list[Mine], lang: str) -> None:
    """Add a legend of categories (colour) and kinds (marker)."""
    categories = sorted({m.category for m in placed})
    kinds = [k for k in KINDS if any(m.kind == k for m in placed)]
    handles = [
        Patch(color=CATEGORY_COLOURS[c], label=label(f"category.{c}", lang))
        for c in categories
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="",
            marker=MINE_KIND_MARKERS[k],
            color="#777777",
            label=label(f"mine.{k}", lang),
        )
        for k in kinds
    ]
    _legend(ax, handles=handles, title=label("size_visits", lang))


def _note_unplaced(ax, missing: int, lang: str) -> None:
    """Write how many mines lack coordinates, if any do."""
    if missing <= 0:
        return

    ax.text(
        0.01,
        0.01,
        f"{label('without_coordinates', lang)}: {missing}",
        transform=ax.transAxes,
        fontsize=8,
        color="#555555",
    )


def _note_no_coordinates(ax, lang: str) -> None:
    """Fill the axes with a note that no mine has coordinates."""
    ax.text(
        0.5,
        0.5,
        label("no_coordinates", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=12,
        bbox={"boxstyle": "round", "facecolor": "#F2F2F2"},
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _legend(ax, **options) -> None:
    """Put the legend right of the axes, where it hides no data."""
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        title_fontsize=8,
        **options,
    )


def _mine_visits(visits: Iterable[Visit]) -> Iterable[Visit]:
    """Yield the visits to mines, leaving out parent company visits."""
    return (visit for visit in visits if visit.kind != "company")


def _month_labels(lang: str) -> list[str]:
    """Return the labels of the twelve months."""
    return [label(f"month.{month}", lang) for month in MONTHS]
