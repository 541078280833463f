"""The CJK font of the charts, taken from the installed ``mplfonts`` package.

Charts carry Chinese titles, labels and mine names. No system font can be
assumed and nothing may be fetched at run time, so the font file is the
Noto Sans CJK SC shipped inside the ``mplfonts`` package, which the
project depends on.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import matplotlib
from matplotlib import font_manager

FONT_PACKAGE = "mplfonts"
FONT_FILE = "NotoSansCJKsc-Regular.otf"

# Latin fallback for any glyph the CJK font lacks; it ships with
# matplotlib, so it is always there.
FALLBACK_FAMILY = "DejaVu Sans"


def cjk_font_path() -> Path:
    """Return the Noto Sans CJK SC file inside the installed mplfonts.

    Returns
    -------
    Path
        Path of ``NotoSansCJKsc-Regular.otf`` in ``mplfonts/fonts/``.

    Raises
    ------
    FileNotFoundError
        If ``mplfonts`` is not installed or lacks the font file.
    """
    # find_spec locates the package without running its __init__, which
    # would import more than a path lookup needs.
    spec = importlib.util.find_spec(FONT_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.is_file():
            return path

    msg = (
        f"The chart font {FONT_FILE} was not found; install the "
        f"'{FONT_PACKAGE}' package (pip install {FONT_PACKAGE})."
    )
    raise FileNotFoundError(msg)


@functools.cache
def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and return its family name.

    Also turns off the Unicode minus sign, which the CJK font lacks. The
    font is parsed once; later calls return the cached name.

    Returns
    -------
    str
        The family name to give matplotlib, ``"Noto Sans CJK SC"``.
    """
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["axes.unicode_minus"] = False

    return font_manager.FontProperties(fname=path).get_name()


def font_rc() -> dict[str, object]:
    """Return matplotlib settings that draw text in the CJK font.

    Use them with ``matplotlib.rc_context`` around both drawing and
    saving: matplotlib picks a text's font when the text is made, and
    makes tick labels only when the figure is drawn.

    Returns
    -------
    dict
        ``font.family``, ``font.sans-serif`` and ``axes.unicode_minus``.
    """
    family = use_cjk_font()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [family, FALLBACK_FAMILY],
        "axes.unicode_minus": False,
    }
