"""Scenario variants: a scenario that ``extends:`` another one.

A variant says only what differs from its base: settings of
``scenario.yaml`` merged over the base ones, changed cells of bodies, and
mines set, removed or added (the format is ``docs/variants.md``). This
module holds the part that reads no file: merging settings and editing
table rows as text. The loader reads the files and then checks the merged
tables exactly like those of a plain scenario, so a value a variant sets
meets the same rules as one typed in a table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from models.records import CATEGORIES, KINDS
from models.tables import Table

logger = logging.getLogger(__name__)

# Settings merged one key deep (each table replaced whole) or all the way
# down (nested policy mappings); any other key is replaced whole.
MERGED_BY_KEY = ("tables",)
MERGED_DEEP = ("policy",)

BODY_FIELDS = (
    "name",
    "officers",
    "other_enforcement_days",
    "non_enforcement_days",
    "team_size",
)
MINE_FIELDS = (
    "name",
    "kind",
    "category",
    "regulator_id",
    "supervisor_id",
    "company_id",
    "risk_score",
    "county",
    "lon",
    "lat",
    "disasters",
    "person_days",
)
FILTER_FIELDS = (
    "kind",
    "category",
    "county",
    "regulator_id",
    "supervisor_id",
    "disasters",
    "company_id",
)
# Filter fields whose cells are words of a fixed list, read in any case.
WORD_FIELDS = {"kind": KINDS, "category": CATEGORIES}
MINES_KEYS = ("set", "remove", "add")
SELECT_KEYS = ("ids", "filter")

Report = Callable[[str, object, str], None]
Origins = dict[tuple[str, int], dict[str, str]]


@dataclass(frozen=True)
class MergedTable(Table):
    """A table whose rows may come from several files.

    Parameters
    ----------
    row_files
        The file of each row, for messages; rows added by a variant name
        the variant's table.
    """

    row_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variant:
    """One variant file, as its edits see it.

    Parameters
    ----------
    label
        The variant's ``scenario.yaml`` as messages name it.
    report
        Reports a problem with a key of that file: key path, value, fix.
    origins
        Filled with the cells the variant sets, by file and row, so that
        a problem later found in such a cell can name the key behind it.
    """

    label: str
    report: Report
    origins: Origins


def row_file(table: Table, index: int) -> str:
    """Return the file a row of a table comes from.

    Parameters
    ----------
    table
        A table as read, or as edited by variants.
    index
        The row's index in ``table.rows``.

    Returns
    -------
    str
        The file as messages name it.
    """
    if isinstance(table, MergedTable):
        return table.row_files[index]

    return table.file


# -------------------------------------------------------------- settings


def merge_settings(
    base: Mapping[str, object], over: Mapping[str, object]
) -> tuple[dict[str, object], list[str]]:
    """Merge the settings of a variant over those of its base.

    Parameters
    ----------
    base
        The settings so far, as read from YAML.
    over
        The variant's settings, without its own keys such as ``mines``.

    Returns
    -------
    tuple
        The merged settings, and the key paths (e.g. ``policy.weights.decay``)
        that ``over`` set, so that a problem can name the file behind it.
    """
    merged = dict(base)
    given: list[str] = []
    for name, value in over.items():
        key = str(name)
        depth = _depth(key)
        merged[key], paths = _merged(base.get(key), value, key, depth)
        given += paths

    return merged, given


def _depth(key: str) -> int | None:
    """How deep a top-level key is merged; ``None`` for all the way."""
    if key in MERGED_DEEP:
        return None

    return 1 if key in MERGED_BY_KEY else 0


def _merged(
    base: object, over: object, path: str, depth: int | None
) -> tuple[object, list[str]]:
    """Merge one value; mappings key by key while depth lasts."""
    if depth == 0 or not isinstance(over, dict):
        return over, [path]

    deeper = None if depth is None else depth - 1
    merged = dict(base) if isinstance(base, dict) else {}
    given: list[str] = []
    for name, value in over.items():
        key = str(name)
        merged[key], paths = _merged(
            merged.get(key), value, f"{path}.{key}", deeper
        )
        given += paths

    return merged, given


# ---------------------------------------------------------------- bodies


def edit_bodies(table: Table, value: object, variant: Variant) -> Table:
    """Change cells of bodies named by id, as the variant's ``bodies`` says.

    Parameters
    ----------
    table
        The bodies table inherited from the base.
    value
        The variant's ``bodies`` mapping: body id to fields to set.
    variant
        The variant, for its problems and the cells it sets.

    Returns
    -------
    Table
        The table with the cells changed; the rows keep their numbers.
    """
    if not isinstance(value, dict):
        fix = "write body ids, each with its fields, e.g. R-1: {officers: 3}"
        variant.report("bodies", value, fix)
        return table

    if "body_id" not in table.columns:
        return table

    rows = [dict(cells) for cells in table.rows]
    index = {cells["body_id"]: number for number, cells in enumerate(rows)}
    columns = list(table.columns)
    for name, fields in value.items():
        key = f"bodies.{name}"
        where = index.get(str(name))
        if where is None:
            fix = f"use a body_id listed in {table.file}"
            variant.report(key, name, fix)
            continue

        cells = _cells(fields, key, BODY_FIELDS, variant, "officers: 3")
        _set_cells(table, rows, where, cells, variant)
        columns += [column for column in cells if column not in columns]

    return replace(table, columns=tuple(columns), rows=tuple(rows))


def _cells(
    fields: object,
    key: str,
    allowed: tuple[str, ...],
    variant: Variant,
    example: str,
) -> dict[str, tuple[str, str]]:
    """Return the cells an entry sets: column to text and key path."""
    if not isinstance(fields, dict) or not fields:
        fix = f"write the fields to set, e.g. {{{example}}}"
        variant.report(key, fields, fix)
        return {}

    cells = {}
    for name, value in fields.items():
        path = f"{key}.{name}"
        if name not in allowed:
            fix = f"set only {', '.join(allowed)}"
            variant.report(path, name, fix)
            continue

        text = _text(value, list_ok=name == "disasters")
        if text is None:
            variant.report(path, value, "give a single value")
        else:
            cells[str(name)] = (text, path)

    return cells


def _text(value: object, list_ok: bool = False) -> str | None:
    """Return a YAML value as a table cell, or ``None`` if it is not one."""
    if value is None:
        return ""

    if list_ok and isinstance(value, list):
        words = [_text(word) for word in value]
        return None if None in words else ";".join(map(str, words))

    if isinstance(value, dict | list):
        return None

    return str(value).strip()


def _set_cells(
    table: Table,
    rows: list[dict[str, str]],
    index: int,
    cells: dict[str, tuple[str, str]],
    variant: Variant,
) -> None:
    """Set cells of one row and note which key set each."""
    place = (row_file(table, index), table.row_numbers[index])
    notes = variant.origins.setdefault(place, {})
    for column, (text, path) in cells.items():
        rows[index][column] = text
        notes[column] = f"{variant.label}, key {path}"


# ----------------------------------------------------------------- mines


def edit_mines(
    table: Table, value: object, added: Table | None, variant: Variant
) -> tuple[Table, set[str]]:
    """Set, remove and add mines, as the variant's ``mines`` says.

    Every entry of ``set`` and ``remove`` selects among the mines as the
    base gives them; then the sets apply in order (a later one wins on the
    same field), the removed mines go, and the added ones are appended.

    Parameters
    ----------
    table
        The mines table inherited from the base.
    value
        The variant's ``mines`` mapping with ``set``, ``remove``, ``add``.
    added
        The table that ``add`` names, already read; ``None`` if none.
    variant
        The variant, for its problems and the cells it sets.

    Returns
    -------
    tuple
        The edited table, and the ids of the mines removed.
    """
    if not isinstance(value, dict):
        fix = "write set, remove and/or add under mines"
        variant.report("mines", value, fix)
        return table, set()

    _check_keys(value, "mines", MINES_KEYS, variant)
    if "mine_id" not in table.columns:
        return table, set()

    changes = _entries(value.get("set"), "mines.set", variant)
    removals = _entries(value.get("remove"), "mines.remove", variant)
    gone: set[int] = set()
    for entry, key in removals:
        _check_keys(entry, key, SELECT_KEYS, variant)
        gone |= _selection(table, entry, key, variant)

    rows = _set_mines(table, changes, variant)
    removed = {rows[index]["mine_id"] for index in gone}
    return _appended(_without(table, rows, gone), added), removed


def _set_mines(
    table: Table,
    changes: list[tuple[dict[str, object], str]],
    variant: Variant,
) -> list[dict[str, str]]:
    """Return the rows with the fields of each ``set`` entry set."""
    chosen = [_selection(table, entry, key, variant) for entry, key in changes]
    rows = [dict(cells) for cells in table.rows]
    for (entry, key), selected in zip(changes, chosen, strict=True):
        fields = {k: v for k, v in entry.items() if k not in SELECT_KEYS}
        if not fields:
            fix = "add the fields to set, e.g. {ids: [M1], category: B}"
            variant.report(key, entry, fix)
            continue

        cells = _cells(fields, key, MINE_FIELDS, variant, "category: B")
        for index in sorted(selected):
            _set_cells(table, rows, index, cells, variant)

    return rows


def _entries(
    value: object, key: str, variant: Variant
) -> list[tuple[dict[str, object], str]]:
    """Return the entries of ``set`` or ``remove``, each with its key."""
    if value is None:
        return []

    if not isinstance(value, list):
        fix = "write a list of entries, each with ids or a filter"
        variant.report(key, value, fix)
        return []

    entries = []
    for number, entry in enumerate(value):
        path = f"{key}[{number}]"
        if isinstance(entry, dict) and any(k in entry for k in SELECT_KEYS):
            entries.append(({str(k): v for k, v in entry.items()}, path))
        else:
            fix = "select mines with ids: [...] and/or filter: {...}"
            variant.report(path, entry, fix)

    return entries


def _selection(
    table: Table, entry: dict[str, object], key: str, variant: Variant
) -> set[int]:
    """Return the rows an entry selects by ``ids`` and by ``filter``."""
    selected: set[int] = set()
    if entry.get("ids") is not None:
        selected |= _by_ids(table, entry["ids"], f"{key}.ids", variant)

    if entry.get("filter") is not None:
        path = f"{key}.filter"
        matched = _by_filter(table, entry["filter"], path, variant)
        selected |= matched or set()
        if matched is not None and not matched:
            logger.warning(
                "%s, key %s: the filter matches no mine, so it changes "
                "nothing",
                variant.label,
                path,
            )

    return selected


def _by_ids(
    table: Table, value: object, key: str, variant: Variant
) -> set[int]:
    """Return the rows of the mines listed by id."""
    index = {cells["mine_id"]: row for row, cells in enumerate(table.rows)}
    listed = [(value, key)]
    if isinstance(value, list):
        listed = [(item, f"{key}[{n}]") for n, item in enumerate(value)]

    selected = set()
    for mine_id, path in listed:
        text = _text(mine_id)
        if text in index:
            selected.add(index[text])
        else:
            fix = f"use a mine_id listed in {table.file}"
            variant.report(path, mine_id, fix)

    return selected


def _by_filter(
    table: Table, value: object, key: str, variant: Variant
) -> set[int] | None:
    """Return the rows a filter matches; ``None`` if it is malformed."""
    if not isinstance(value, dict) or not value:
        fix = "filter on one or more of " + ", ".join(FILTER_FIELDS)
        variant.report(key, value, fix)
        return None

    wanted = {}
    for name, item in value.items():
        words = _wanted(str(name), item, f"{key}.{name}", variant)
        if words is not None:
            wanted[str(name)] = words

    if len(wanted) < len(value):
        return None

    rows = enumerate(table.rows)
    return {row for row, cells in rows if _matches(cells, wanted)}


def _wanted(
    name: str, value: object, key: str, variant: Variant
) -> set[str] | None:
    """Return the values a filter field accepts, compared as cells are."""
    if name not in FILTER_FIELDS:
        fix = "filter only on " + ", ".join(FILTER_FIELDS)
        variant.report(key, name, fix)
        return None

    items = value if isinstance(value, list) else [value]
    words = [_text(item) for item in items]
    if not words or None in words:
        variant.report(key, value, "give a value or a list of values")
        return None

    allowed = WORD_FIELDS.get(name)
    folded = {_fold(name, str(word)) for word in words}
    if allowed is not None and not folded <= {w.lower() for w in allowed}:
        variant.report(key, value, f"use {' or '.join(allowed)}")
        return None

    return folded


def _matches(cells: dict[str, str], wanted: dict[str, set[str]]) -> bool:
    """Whether a row matches every field of a filter (any listed value)."""
    for name, words in wanted.items():
        cell = cells.get(name, "")
        if name == "disasters":
            found = {_fold(name, word) for word in cell.split(";")}
        else:
            found = {_fold(name, cell)}

        if not found & words:
            return False

    return True


def _fold(name: str, text: str) -> str:
    """Return a cell as filters compare it: words in any case."""
    text = text.strip()
    return text.lower() if name in WORD_FIELDS or name == "disasters" else text


def _without(
    table: Table, rows: list[dict[str, str]], gone: set[int]
) -> MergedTable:
    """Return the table with edited rows, less the rows removed."""
    kept = [index for index in range(len(rows)) if index not in gone]
    columns = list(table.columns)
    for cells in rows:
        columns += [column for column in cells if column not in columns]

    return _kept(table, tuple(columns), rows, kept)


def _kept(
    table: Table,
    columns: tuple[str, ...],
    rows: Sequence[dict[str, str]],
    kept: list[int],
) -> MergedTable:
    """Return some rows of a table, each keeping its file and number."""
    return MergedTable(
        file=table.file,
        columns=columns,
        rows=tuple(rows[index] for index in kept),
        row_numbers=tuple(table.row_numbers[index] for index in kept),
        row_files=tuple(row_file(table, index) for index in kept),
    )


def _appended(table: MergedTable, added: Table | None) -> MergedTable:
    """Return the table with the rows of another appended."""
    if added is None:
        return table

    new = [column for column in added.columns if column not in table.columns]
    return MergedTable(
        file=table.file,
        columns=table.columns + tuple(new),
        rows=table.rows + added.rows,
        row_numbers=table.row_numbers + added.row_numbers,
        row_files=table.row_files + (added.file,) * len(added.rows),
    )


def drop_rows(table: Table, column: str, values: Iterable[str]) -> Table:
    """Return a table without the rows whose cell is one of ``values``.

    Used for the open hazards of mines a variant removes: a mine that is
    no longer planned is not re-checked either.

    Parameters
    ----------
    table
        The table to filter.
    column
        The column compared, e.g. ``mine_id``.
    values
        The cells whose rows are left out.

    Returns
    -------
    Table
        The rows kept, with their files and numbers.
    """
    values = set(values)
    kept = [
        index
        for index, cells in enumerate(table.rows)
        if cells.get(column, "") not in values
    ]
    if len(kept) == len(table.rows):
        return table

    logger.info(
        "%s: %d row(s) of removed mines left out",
        table.file,
        len(table.rows) - len(kept),
    )
    return _kept(table, table.columns, table.rows, kept)


def _check_keys(
    mapping: Mapping[str, object],
    key: str,
    allowed: tuple[str, ...],
    variant: Variant,
) -> None:
    """Report each key of a variant's mapping that is not an allowed one."""
    fix = f"rename or remove it: the keys of {key} are {', '.join(allowed)}"
    for name in mapping:
        if name not in allowed:
            variant.report(f"{key}.{name}", name, fix)
