"""Tests of the charts of the filing package (scheduler.report).

The visits are built by hand for the small province, so every bar and cell
can be counted on paper. The whole set is rendered once per language; the
chart functions are also drawn one by one on bare axes and inspected.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import replace

import matplotlib
import numpy as np
import pytest
from factories import small_province
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from models.plan import Visit
from models.records import Scenario
from scheduler.report import charts
from scheduler.report.figures import most_loaded, render_charts
from scheduler.report.fonts import cjk_font_path, use_cjk_font
from scheduler.report.labels import LABELS, label
from scheduler.summary import capacity_table

CHART_NAMES = {"caps", "heatmap", "risk", "joint", "map", "load-province"}


def visit(month, kind, target, bodies, side, capped=True, days=4.0):
    """Return a hand-made visit of the small province."""
    return Visit(month, kind, target, target, bodies, side, capped, days)


VISITS = [
    visit(1, "routine", "M1", ("REG-C",), "regulator"),
    visit(2, "joint", "M2", ("REG-C", "SUP-1"), "joint", days=8.0),
    visit(5, "recheck", "M2", ("SUP-1",), "supervisor", capped=False),
    visit(6, "special", "M3", ("REG-P",), "regulator", capped=False),
    visit(6, "routine", "M3", ("REG-P",), "regulator"),
    visit(3, "company", "CO1", ("REG-P",), "regulator", days=2.0),
    visit(8, "routine", "N2", ("REG-C",), "regulator", days=2.0),
]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """The small province."""
    return small_province()


@pytest.fixture(scope="module")
def summary(scenario) -> dict:
    """A summary holding only the capacity section, as charts need."""
    return {"capacity": capacity_table(scenario, VISITS)}


@pytest.fixture(scope="module", params=["zh", "en"])
def rendered(request, scenario, summary, tmp_path_factory):
    """Every chart rendered once per language, with the warnings raised."""
    folder = tmp_path_factory.mktemp(f"charts-{request.param}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = render_charts(
            folder, scenario, VISITS, summary, request.param, top_bodies=1
        )

    return paths, [str(w.message) for w in caught]


@pytest.fixture
def ax():
    """A fresh axes on a figure of its own."""
    return Figure().add_subplot()


def bar_heights(ax) -> list[float]:
    """Return the heights of the bars of an axes, in drawing order."""
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    return [bar.get_height() for bar in bars]


def test_fonts_cjk_font_path_is_inside_mplfonts():
    """The font file is Noto Sans CJK SC shipped by mplfonts."""
    path = cjk_font_path()

    assert path.is_file()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert "mplfonts" in path.parts


def test_fonts_use_cjk_font_registers_once():
    """The font is registered, named, and a repeat call changes nothing."""
    family = use_cjk_font()
    registered = len(font_manager.fontManager.ttflist)

    assert family == "Noto Sans CJK SC"
    assert use_cjk_font() == family
    assert len(font_manager.fontManager.ttflist) == registered
    assert str(cjk_font_path()) in {
        font.fname for font in font_manager.fontManager.ttflist
    }
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_fonts_default_font_lacks_chinese():
    """Without the CJK font, Chinese text raises the warning tests look for."""
    figure = Figure()
    figure.text(0.5, 0.5, "月", family="DejaVu Sans")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")

    assert any("missing from font" in str(w.message) for w in caught)


def test_labels_label_gives_both_languages():
    """Months, quarters, kinds, sides and categories read in both languages."""
    assert label("month.1", "zh") == "1月"
    assert label("month.12", "en") == "Dec"
    assert label("quarter.1", "zh") == "第一季度"
    assert label("quarter.4", "en") == "Q4"
    assert label("visit.recheck", "zh") == "重大事故隐患复查"
    assert label("visit.joint", "zh") == "联合执法"
    assert label("side.supervisor", "zh") == "省级局(监察)"
    assert label("mine.non_coal", "zh") == "非煤矿山"
    assert label("category.A", "zh") == "A类"


def test_labels_every_key_has_both_languages():
    """No label lacks its Chinese or its English text."""
    for key, texts in LABELS.items():
        assert set(texts) == {"zh", "en"}, key
        assert texts["zh"] and texts["en"], key


def test_labels_label_refuses_unknown_language_and_key():
    """An unknown language or key is refused, not guessed."""
    with pytest.raises(ValueError, match="lang"):
        label("month.1", "fr")

    with pytest.raises(KeyError, match="no.such.key"):
        label("no.such.key", "zh")


def test_render_charts_has_no_missing_glyphs(rendered):
    """Chinese and English charts render with every glyph in the font."""
    _, messages = rendered

    missing = [m for m in messages if "missing from font" in m]
    glyphs = [m for m in messages if "Glyph" in m]
    assert missing == []
    assert glyphs == []


def test_render_charts_writes_every_chart(rendered, summary):
    """Each chart is a PNG file named by its chart, with a picture in it."""
    paths, _ = rendered

    busiest = most_loaded(summary["capacity"], 1)[0]
    assert set(paths) == CHART_NAMES | {f"load-{busiest}"}
    for name, path in paths.items():
        assert path.name == f"chart-{name}.png"
        assert path.stat().st_size > 10_000
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.width > 800
            assert "Software" not in image.info
            assert len(image.getcolors(maxcolors=1_000_000)) > 10


def test_render_charts_refuses_unknown_language(scenario, summary, tmp_path):
    """A language other than zh or en is refused before anything is drawn."""
    with pytest.raises(ValueError, match="lang"):
        render_charts(tmp_path, scenario, VISITS, summary, lang="fr")

    assert list(tmp_path.iterdir()) == []


def test_most_loaded_ranks_by_share_of_capacity(summary):
    """Bodies are ranked by planned share of capacity, ties by id."""
    table = summary["capacity"]

    ranked = most_loaded(table, 10)
    shares = [
        sum(table[b]["used_by_month"]) / sum(table[b]["by_month"])
        for b in ranked
    ]
    assert len(ranked) == len(table)
    assert shares == sorted(shares, reverse=True)
    assert most_loaded(table, 2) == ranked[:2]
    assert most_loaded(table, 0) == []


def test_monthly_load_draws_province_sum(ax, summary):
    """The province chart sums the planned person-days of all bodies."""
    charts.monthly_load(ax, summary)

    used = np.sum(
        [row["used_by_month"] for row in summary["capacity"].values()], 0
    )
    assert ax.get_title().endswith("全省")
    assert bar_heights(ax) == pytest.approx(list(used))


def test_monthly_load_draws_one_body(ax, summary):
    """A body's chart shows its own name and use."""
    charts.monthly_load(ax, summary, "REG-C", lang="en")

    row = summary["capacity"]["REG-C"]
    assert ax.get_title().startswith("Monthly capacity")
    assert ax.get_title().endswith("平安县应急管理局")
    assert bar_heights(ax) == pytest.approx(row["used_by_month"])


def test_monthly_load_refuses_unknown_body(ax, summary):
    """A body missing from the summary is named in the error."""
    with pytest.raises(KeyError, match="NOPE"):
        charts.monthly_load(ax, summary, "NOPE")


def test_visits_vs_caps_counts_joint_on_both_sides(ax, scenario):
    """Joint visits count on both sides; uncapped visits are left out."""
    charts.visits_vs_caps(ax, scenario, VISITS)

    # Per group: the four cap bars (A-D), then the four planned bars.
    heights = bar_heights(ax)
    assert heights[0:8] == [2, 4, 6, 4, 1, 1, 1, 0]
    assert heights[8:16] == [1, 2, 4, 0, 0, 1, 0, 0]
    assert heights[16:24] == [0, 2, 0, 4, 0, 0, 0, 1]
    assert ax.get_title().startswith("计入频次上限")


def test_risk_heatmap_shows_highest_risk_mines(ax, scenario):
    """Rows are the riskiest mines; a double cell shows its count."""
    charts.risk_heatmap(ax, scenario, VISITS, top=3)

    names = [t.get_text() for t in ax.get_yticklabels()]
    cells = ax.images[0].get_array()
    special = charts.HEATMAP_KINDS.index("special") + 1
    assert names == ["尾矿库", "三号煤矿", "二号煤矿"]
    assert cells.shape == (3, 12)
    assert cells[1, 5] == special
    assert "2" in [t.get_text() for t in ax.texts]
    assert ax.get_title() == label("title.heatmap", "zh")


def test_risk_heatmap_refuses_empty_top(ax, scenario):
    """A heat map of no mines is refused."""
    with pytest.raises(ValueError, match="top"):
        charts.risk_heatmap(ax, scenario, VISITS, top=0)


def test_risk_vs_visits_places_each_mine(ax, scenario):
    """Each mine is one point at its risk score and its visit count."""
    charts.risk_vs_visits(ax, scenario, VISITS)

    points = np.vstack([c.get_offsets() for c in ax.collections])
    planned = {(30, 1), (55, 2), (80, 2), (10, 0), (40, 0), (90, 1)}
    assert {(x, round(y)) for x, y in points} == planned
    assert np.all(np.abs(points[:, 1] - np.round(points[:, 1])) < 0.2)
    assert ax.get_xlabel() == "风险分值"


def test_risk_vs_visits_jitter_is_repeatable(scenario):
    """Two drawings of the scatter put every point in the same place."""
    first, second = Figure().add_subplot(), Figure().add_subplot()

    charts.risk_vs_visits(first, scenario, VISITS)
    charts.risk_vs_visits(second, scenario, VISITS)

    for a, b in zip(first.collections, second.collections, strict=True):
        assert np.array_equal(a.get_offsets(), b.get_offsets())


def test_joint_by_quarter_draws_minimum_line(ax):
    """Joint visits per quarter are bars; the R10 minimum is a line."""
    charts.joint_by_quarter(ax, VISITS, minimum=1)

    assert bar_heights(ax) == [1, 0, 0, 0]
    assert ax.lines[0].get_ydata()[0] == 1
    assert ax.get_title() == "各季度联合执法次数(R10)"


def test_joint_by_quarter_sums_minimum_over_divisions(ax):
    """With division scope, the line is the minimum times the divisions."""
    charts.joint_by_quarter(ax, VISITS, minimum=1, lang="en", divisions=3)

    assert ax.lines[0].get_ydata()[0] == 3
    assert ax.get_xticklabels()[0].get_text() == "Q1"


def test_mine_map_places_mines_with_coordinates(ax, scenario):
    """Mines with coordinates are drawn; the others are counted."""
    charts.mine_map(ax, scenario, VISITS)

    points = sum(len(c.get_offsets()) for c in ax.collections)
    notes = [t.get_text() for t in ax.texts]
    assert points == 5
    assert notes == ["无坐标矿山: 1"]


def test_mine_map_notes_missing_coordinates(ax, scenario):
    """Without any coordinates the map is a clear note, not empty axes."""
    mines = tuple(replace(m, lon=None, lat=None) for m in scenario.mines)

    charts.mine_map(ax, replace(scenario, mines=mines), VISITS, lang="en")

    assert len(ax.collections) == 0
    assert [t.get_text() for t in ax.texts] == [label("no_coordinates", "en")]
