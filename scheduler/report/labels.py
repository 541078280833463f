"""Chinese and English words of the charts and filing documents.

One plain dict maps a key to its Chinese (``zh``) and English (``en``)
text, so charts and documents name things the same way. Keys are grouped
by a prefix: ``month.1``, ``quarter.1``, ``visit.routine``,
``side.regulator``, ``mine.coal``, ``category.A``; the rest name chart
titles, axes and legends.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

_MONTHS_EN = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_QUARTERS_ZH = ("第一季度", "第二季度", "第三季度", "第四季度")

LABELS: dict[str, dict[str, str]] = {
    **{
        f"month.{month}": {"zh": f"{month}月", "en": name}
        for month, name in enumerate(_MONTHS_EN, start=1)
    },
    **{
        f"quarter.{quarter}": {"zh": name, "en": f"Q{quarter}"}
        for quarter, name in enumerate(_QUARTERS_ZH, start=1)
    },
    **{
        f"category.{category}": {
            "zh": f"{category}类",
            "en": f"Category {category}",
        }
        for category in "ABCD"
    },
    # Visit kinds (plan.csv column ``kind``).
    "visit.routine": {"zh": "常规检查", "en": "routine"},
    "visit.joint": {"zh": "联合执法", "en": "joint"},
    "visit.recheck": {"zh": "重大事故隐患复查", "en": "major hazard re-check"},
    "visit.special": {"zh": "专项检查", "en": "special"},
    "visit.company": {"zh": "上级公司检查", "en": "parent company"},
    # Sides (plan.csv column ``side``).
    "side.regulator": {"zh": "监管部门", "en": "regulator"},
    "side.supervisor": {"zh": "省级局(监察)", "en": "supervisor"},
    "side.joint": {"zh": "联合", "en": "joint"},
    # Mine kinds.
    "mine.coal": {"zh": "煤矿", "en": "coal"},
    "mine.non_coal": {"zh": "非煤矿山", "en": "non-coal"},
    # Quantities.
    "month": {"zh": "月份", "en": "Month"},
    "quarter": {"zh": "季度", "en": "Quarter"},
    "category": {"zh": "分类", "en": "Category"},
    "mine": {"zh": "矿山", "en": "Mine"},
    "capacity": {"zh": "执法能力", "en": "Capacity"},
    "load": {"zh": "计划用量", "en": "Planned load"},
    "over_capacity": {"zh": "超出执法能力", "en": "Over capacity"},
    "cap": {"zh": "频次上限", "en": "Cap"},
    "planned_visits": {"zh": "计划检查次数", "en": "Planned visits"},
    "joint_visits": {"zh": "联合执法次数", "en": "Joint visits"},
    "risk_score": {"zh": "风险分值", "en": "Risk score"},
    "person_days": {"zh": "人日", "en": "Person-days"},
    "visits": {"zh": "检查次数", "en": "Visits"},
    "province": {"zh": "全省", "en": "Province"},
    "longitude": {"zh": "经度", "en": "Longitude"},
    "latitude": {"zh": "纬度", "en": "Latitude"},
    "joint_minimum": {
        "zh": "每季度最低联合执法次数(R10)",
        "en": "R10 minimum per quarter",
    },
    "joint_minimum_divisions": {
        "zh": "各监察处最低次数之和(R10)",
        "en": "R10 minimum, summed over divisions",
    },
    "several_visits": {"zh": "数字为当月检查次数", "en": "numbers: visits"},
    "no_coordinates": {
        "zh": "矿山均无坐标，无法绘制分布图",
        "en": "No mine has coordinates; no map can be drawn",
    },
    "without_coordinates": {
        "zh": "无坐标矿山",
        "en": "mines without coordinates",
    },
    "size_visits": {
        "zh": "点大小表示计划检查次数",
        "en": "marker size: planned visits",
    },
    # Chart titles.
    "title.load": {
        "zh": "月度执法能力与计划用量",
        "en": "Monthly capacity and planned load",
    },
    "title.caps": {
        "zh": "计入频次上限的检查次数与上限(R5-R7、R9)",
        "en": "Visits counting toward caps against the caps (R5-R7, R9)",
    },
    "title.heatmap": {
        "zh": "高风险矿山逐月检查安排",
        "en": "Monthly visits to the highest-risk mines",
    },
    "title.risk": {
        "zh": "风险分值与计划检查次数(R21)",
        "en": "Risk score and planned visits (R21)",
    },
    "title.joint": {
        "zh": "各季度联合执法次数(R10)",
        "en": "Joint visits per quarter (R10)",
    },
    "title.map": {
        "zh": "矿山分布与计划检查次数",
        "en": "Mines and planned visits",
    },
}


def label(key: str, lang: str) -> str:
    """Return the text of a label in one language.

    Parameters
    ----------
    key
        Key of the label, such as ``"month.3"`` or ``"visit.joint"``.
    lang
        ``"zh"`` (Chinese) or ``"en"`` (English).

    Raises
    ------
    ValueError
        If the language is not ``zh`` or ``en``.
    KeyError
        If no label has this key.
    """
    if lang not in LANGUAGES:
        msg = f"lang must be 'zh' or 'en', not {lang!r}."
        raise ValueError(msg)

    if key not in LABELS:
        msg = f"No label has the key {key!r}; add it to LABELS."
        raise KeyError(msg)

    return LABELS[key][lang]
