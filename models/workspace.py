"""A workspace: every plan version, change and actual inspection (R25).

A workspace is a folder holding one SQLite file, ``minesched.sqlite``.
Each plan version keeps a snapshot of its scenario folder and of its plan
folder, byte for byte, so a filed plan can always be shown and remade.
Actual inspections arrive in import batches (R24). An event log records
who did what and when.

Every write is one transaction: a failure, or a killed process, leaves the
database as it was before the write began. Hidden files and folders (names
starting with a dot, such as staging folders) are not part of a snapshot.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath

from models.actuals import Actual
from models.plan import PlanFileError, Visit, read_plan_csv
from models.tables import write_bytes_atomic

DATABASE = "minesched.sqlite"
SCHEMA_VERSION = 1
PLAN_FILE = "plan.csv"
SUMMARY_FILE = "summary.json"

Clock = Callable[[], datetime]

SCHEMA = """
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'filed', 'superseded')),
    created_at TEXT NOT NULL,
    author TEXT NOT NULL,
    reason TEXT NOT NULL,
    parent_id INTEGER REFERENCES versions (id),
    digest TEXT NOT NULL,
    visits INTEGER NOT NULL
);
CREATE UNIQUE INDEX one_filed ON versions (status) WHERE status = 'filed';
CREATE TABLE files (
    version_id INTEGER NOT NULL REFERENCES versions (id),
    part TEXT NOT NULL CHECK (part IN ('scenario', 'plan')),
    path TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (version_id, part, path)
);
CREATE TABLE changes (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES versions (id),
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    reason TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    digest TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE actuals (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports (id),
    inspection_id TEXT NOT NULL UNIQUE,
    day TEXT NOT NULL,
    target_id TEXT NOT NULL,
    body_ids TEXT NOT NULL,
    body_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    hazard_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    note TEXT NOT NULL,
    UNIQUE (day, target_id, body_key, kind)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    version_id INTEGER REFERENCES versions (id)
);
"""


class WorkspaceError(Exception):
    """The workspace is missing, damaged, or refuses an operation."""


@dataclass(frozen=True)
class VersionInfo:
    """One plan version as the workspace lists it.

    Parameters
    ----------
    id
        Number of the version, counting from 1.
    label
        A short name the planner gave the version, or empty.
    status
        ``draft``, ``filed`` (the plan on file) or ``superseded``.
    created_at
        When the version was added, UTC, ISO 8601.
    author
        Who added it.
    reason
        Why it was made (R23: what changed).
    parent_id
        The version it was made from, if any.
    digest
        Digest of the scenario data, from the plan's ``summary.json``.
    visits
        Number of visits in the plan.
    """

    id: int
    label: str
    status: str
    created_at: str
    author: str
    reason: str
    parent_id: int | None
    digest: str
    visits: int


@dataclass(frozen=True)
class ChangeInfo:
    """A changes file applied to make a version (R23, R25)."""

    id: int
    version_id: int
    name: str
    reason: str
    author: str
    created_at: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class ImportInfo:
    """One batch of actual inspections imported together."""

    id: int
    source: str
    digest: str
    author: str
    created_at: str
    count: int


@dataclass(frozen=True)
class Event:
    """One line of the event log: who did what, and when."""

    id: int
    at: str
    who: str
    what: str
    version_id: int | None


def utc_now() -> datetime:
    """Return the current time in UTC; the workspace's default clock."""
    return datetime.now(UTC)


class Workspace:
    """A workspace folder and its database.

    Use :meth:`create` or :meth:`open`, not the constructor. A workspace
    is a context manager that closes its database on exit.
    """

    def __init__(
        self, folder: Path, db: sqlite3.Connection, clock: Clock = utc_now
    ):
        self.folder = folder
        self._db = db
        self._clock = clock

    # ------------------------------------------------------ open, close

    @classmethod
    def create(cls, folder: Path, clock: Clock = utc_now) -> Workspace:
        """Make a new workspace in a folder, creating the folder if needed.

        The database file is written whole or not at all, so a failed
        ``create`` leaves no half-made workspace.

        Raises
        ------
        WorkspaceError
            If the folder already holds a workspace or cannot be written.
        """
        folder = Path(folder)
        path = folder / DATABASE
        if path.exists():
            raise WorkspaceError(f"{folder} already holds a workspace")

        try:
            write_bytes_atomic(path, _empty_database())
        except OSError as err:
            raise WorkspaceError(
                f"cannot make a workspace in {folder}: {err.strerror}"
            ) from err

        return cls.open(folder, clock)

    @classmethod
    def open(cls, folder: Path, clock: Clock = utc_now) -> Workspace:
        """Open the workspace in a folder.

        Raises
        ------
        WorkspaceError
            If the folder holds no workspace, or one this version of
            minesched cannot read.
        """
        folder = Path(folder)
        path = folder / DATABASE
        if not path.is_file():
            raise WorkspaceError(
                f"{folder} holds no workspace ({DATABASE} is missing); "
                f"run `minesched init {folder}` to make one"
            )

        db = sqlite3.connect(
            path.resolve().as_uri() + "?mode=rw", uri=True, timeout=10
        )
        try:
            _check_schema(db, folder)
        except BaseException:
            db.close()
            raise

        db.execute("PRAGMA foreign_keys = ON")
        db.isolation_level = None
        return cls(folder, db, clock)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------- versions

    def add_version(
        self,
        scenario_folder: Path,
        plan_folder: Path,
        author: str,
        reason: str,
        parent_id: int | None = None,
        label: str = "",
    ) -> int:
        """Store a snapshot of a scenario and its plan as a draft version.

        Parameters
        ----------
        scenario_folder
            The scenario folder; every file in it is stored.
        plan_folder
            The plan folder; every file in it is stored, and it must hold
            a readable ``plan.csv``.
        author, reason
            Who adds the version and why (R23, R25).
        parent_id
            The version this one was made from, if any.
        label
            A short name for the version.

        Returns
        -------
        int
            The id of the new version.
        """
        scenario_files = _snapshot(Path(scenario_folder), "scenario")
        plan_files = _snapshot(Path(plan_folder), "plan")
        visits = _count_visits(Path(plan_folder))
        digest = _summary_digest(plan_files)
        row = (label, self._now(), author, reason, parent_id, digest, visits)
        with self._write():
            self._require_parent(parent_id)
            cursor = self._db.execute(
                "INSERT INTO versions (label, created_at, author, reason, "
                "parent_id, digest, visits, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'draft')",
                row,
            )
            version_id = _last_id(cursor)
            self._insert_files(version_id, "scenario", scenario_files)
            self._insert_files(version_id, "plan", plan_files)
            what = f"added version {version_id} ({visits} visits)"
            self._event(author, _because(what, reason), version_id)

        return version_id

    def versions(self) -> list[VersionInfo]:
        """Return every version, oldest first."""
        rows = self._db.execute(
            f"SELECT {_VERSION_FIELDS} FROM versions ORDER BY id"
        )
        return [VersionInfo(*row) for row in rows]

    def version(self, version_id: int) -> VersionInfo:
        """Return one version.

        Raises
        ------
        WorkspaceError
            If there is no such version.
        """
        row = self._db.execute(
            f"SELECT {_VERSION_FIELDS} FROM versions WHERE id = ?",
            (version_id,),
        ).fetchone()
        if row is None:
            raise WorkspaceError(self._no_version(version_id))

        return VersionInfo(*row)

    def file_version(self, version_id: int, author: str, reason: str) -> None:
        """Mark a version filed; the version filed before is superseded.

        Raises
        ------
        WorkspaceError
            If there is no such version, or it is already filed.
        """
        with self._write():
            info = self.version(version_id)
            if info.status == "filed":
                raise WorkspaceError(f"version {version_id} is already filed")

            previous = self.current(filed=True)
            if previous is not None:
                self._set_status(previous.id, "superseded")

            self._set_status(version_id, "filed")
            what = f"filed version {version_id}"
            if previous is not None:
                what += f", superseding version {previous.id}"

            self._event(author, _because(what, reason), version_id)

    def current(self, filed: bool = True) -> VersionInfo | None:
        """Return the filed version, or the latest of any status.

        Parameters
        ----------
        filed
            Return the version on file when true; the latest version,
            whatever its status, when false.
        """
        where = "WHERE status = 'filed'" if filed else ""
        row = self._db.execute(
            f"SELECT {_VERSION_FIELDS} FROM versions {where} "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else VersionInfo(*row)

    def extract_scenario(self, version_id: int, folder: Path) -> Path:
        """Write the scenario snapshot of a version into an empty folder."""
        return self._extract(version_id, "scenario", Path(folder))

    def extract_plan(self, version_id: int, folder: Path) -> Path:
        """Write the plan snapshot of a version into an empty folder."""
        return self._extract(version_id, "plan", Path(folder))

    def plan_visits(self, version_id: int) -> list[Visit]:
        """Return the visits of the stored ``plan.csv`` of a version."""
        content = self._file(version_id, "plan", PLAN_FILE)
        with tempfile.TemporaryDirectory(prefix="minesched-") as temp:
            path = Path(temp) / PLAN_FILE
            path.write_bytes(content)
            return read_plan_csv(path)

    # ----------------------------------------------------------- changes

    def add_change(
        self,
        version_id: int,
        name: str,
        content: bytes,
        reason: str,
        author: str = "",
    ) -> int:
        """Store a changes file that was applied to make a version (R23).

        Returns
        -------
        int
            The id of the stored change.
        """
        with self._write():
            self.version(version_id)
            cursor = self._db.execute(
                "INSERT INTO changes (version_id, name, content, reason, "
                "author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (version_id, name, content, reason, author, self._now()),
            )
            what = f"recorded changes file {name} for version {version_id}"
            self._event(author, _because(what, reason), version_id)

        return _last_id(cursor)

    def changes(self) -> list[ChangeInfo]:
        """Return every recorded changes file, oldest first."""
        rows = self._db.execute(
            "SELECT id, version_id, name, reason, author, created_at, "
            "content FROM changes ORDER BY id"
        )
        return [ChangeInfo(*row) for row in rows]

    # ----------------------------------------------------------- actuals

    def add_actuals(
        self,
        actuals: Sequence[Actual],
        source: str,
        digest: str,
        author: str = "",
    ) -> int:
        """Record a batch of actual inspections, all or none.

        Parameters
        ----------
        actuals
            The inspections, already checked against the scenario.
        source
            Where they came from, such as the file name.
        digest
            Digest of the source file.
        author
            Who imported them.

        Returns
        -------
        int
            The id of the import batch.

        Raises
        ------
        WorkspaceError
            If an inspection is already recorded; nothing is then stored.
        """
        try:
            with self._write():
                cursor = self._db.execute(
                    "INSERT INTO imports (source, digest, author, "
                    "created_at) VALUES (?, ?, ?, ?)",
                    (source, digest, author, self._now()),
                )
                import_id = _last_id(cursor)
                for actual in actuals:
                    self._insert_actual(import_id, actual)

                self._event(
                    author,
                    f"imported {len(actuals)} actual inspections from "
                    f"{source} (batch {import_id})",
                )
        except sqlite3.IntegrityError as err:
            raise WorkspaceError(
                f"nothing recorded from {source}: an inspection in it is "
                f"already recorded ({err})"
            ) from err

        return import_id

    def actuals(self) -> list[Actual]:
        """Return every recorded inspection, by date, then as recorded."""
        rows = self._db.execute(
            "SELECT inspection_id, day, target_id, body_ids, kind, "
            "hazard_id, campaign_id, note FROM actuals ORDER BY day, id"
        )
        return [_actual_from(row) for row in rows]

    def imports(self) -> list[ImportInfo]:
        """Return every import batch, oldest first."""
        rows = self._db.execute(
            "SELECT imports.id, source, digest, author, created_at, "
            "COUNT(actuals.id) FROM imports "
            "LEFT JOIN actuals ON actuals.import_id = imports.id "
            "GROUP BY imports.id ORDER BY imports.id"
        )
        return [ImportInfo(*row) for row in rows]

    def history(self) -> list[Event]:
        """Return the event log, oldest first."""
        rows = self._db.execute(
            "SELECT id, at, who, what, version_id FROM events ORDER BY id"
        )
        return [Event(*row) for row in rows]

    # ----------------------------------------------------------- private

    @contextmanager
    def _write(self) -> Iterator[None]:
        """Run a block as one transaction; roll it back on any error."""
        self._db.execute("BEGIN IMMEDIATE")
        with self._db:
            yield

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")

    def _event(
        self, who: str, what: str, version_id: int | None = None
    ) -> None:
        self._db.execute(
            "INSERT INTO events (at, who, what, version_id) "
            "VALUES (?, ?, ?, ?)",
            (self._now(), who, what, version_id),
        )

    def _set_status(self, version_id: int, status: str) -> None:
        self._db.execute(
            "UPDATE versions SET status = ? WHERE id = ?",
            (status, version_id),
        )

    def _require_parent(self, parent_id: int | None) -> None:
        if parent_id is not None:
            self.version(parent_id)

    def _no_version(self, version_id: int) -> str:
        known = [str(info.id) for info in self.versions()]
        listing = ", ".join(known) if known else "none yet"
        where = f"no version {version_id} in {self.folder}"
        return f"{where} (versions: {listing})"

    def _insert_files(
        self, version_id: int, part: str, files: list[tuple[str, bytes]]
    ) -> None:
        self._db.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?)",
            [(version_id, part, name, content) for name, content in files],
        )

    def _insert_actual(self, import_id: int, actual: Actual) -> None:
        self._db.execute(
            "INSERT INTO actuals (import_id, inspection_id, day, target_id, "
            "body_ids, body_key, kind, hazard_id, campaign_id, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                import_id,
                actual.inspection_id,
                actual.day.isoformat(),
                actual.target_id,
                ";".join(actual.body_ids),
                ";".join(sorted(actual.body_ids)),
                actual.kind,
                actual.hazard_id,
                actual.campaign_id,
                actual.note,
            ),
        )

    def _file(self, version_id: int, part: str, name: str) -> bytes:
        self.version(version_id)
        row = self._db.execute(
            "SELECT content FROM files "
            "WHERE version_id = ? AND part = ? AND path = ?",
            (version_id, part, name),
        ).fetchone()
        if row is None:
            raise WorkspaceError(
                f"version {version_id} has no {part} file {name}"
            )

        return row[0]

    def _extract(self, version_id: int, part: str, folder: Path) -> Path:
        """Write a snapshot into a folder that is missing or empty."""
        self.version(version_id)
        if folder.exists() and any(folder.iterdir()):
            raise WorkspaceError(
                f"cannot write version {version_id} into {folder}: the "
                "folder is not empty; name a new folder"
            )

        rows = self._db.execute(
            "SELECT path, content FROM files "
            "WHERE version_id = ? AND part = ? ORDER BY path",
            (version_id, part),
        )
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in rows:
            target = folder / _safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

        return folder


_VERSION_FIELDS = (
    "id, label, status, created_at, author, reason, parent_id, digest, visits"
)


def _empty_database() -> bytes:
    """Return the bytes of a database file with the tables and no rows."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return db.serialize()
    finally:
        db.close()


def _check_schema(db: sqlite3.Connection, folder: Path) -> None:
    """Refuse a file that is no workspace, or one of another version."""
    try:
        found = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as err:
        raise WorkspaceError(
            f"{folder / DATABASE} is not a minesched workspace ({err})"
        ) from err

    if found == 0:
        raise WorkspaceError(
            f"{folder / DATABASE} is not a minesched workspace"
        )

    if found != SCHEMA_VERSION:
        raise WorkspaceError(
            f"{folder / DATABASE} has schema version {found}; this "
            f"minesched reads version {SCHEMA_VERSION} only"
        )


def _snapshot(folder: Path, part: str) -> list[tuple[str, bytes]]:
    """Return (relative path, content) of every file under a folder.

    Hidden files and folders, and a workspace database, are left out.
    """
    if not folder.is_dir():
        raise WorkspaceError(f"the {part} folder {folder} does not exist")

    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or name.startswith(DATABASE):
                continue

            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            files.append((relative, path.read_bytes()))

    return files


def _count_visits(plan_folder: Path) -> int:
    """Return the number of visits in a plan folder's ``plan.csv``."""
    try:
        return len(read_plan_csv(plan_folder / PLAN_FILE))
    except PlanFileError as err:
        raise WorkspaceError(
            f"the plan folder {plan_folder} has no readable {PLAN_FILE}: "
            f"{err.issues[0]}"
        ) from err


def _summary_digest(files: list[tuple[str, bytes]]) -> str:
    """Return the scenario digest named by ``summary.json``, or ''."""
    content = dict(files).get(SUMMARY_FILE)
    if content is None:
        return ""

    try:
        summary = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""

    digest = summary.get("digest") if isinstance(summary, dict) else None
    return digest if isinstance(digest, str) else ""


def _safe_relative(name: str) -> PurePosixPath:
    """Return a stored path, refusing one that would leave its folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise WorkspaceError(f"the workspace holds a bad file path {name!r}")

    return path


def _because(what: str, reason: str) -> str:
    """Return an event text with its reason, if one was given."""
    return f"{what}: {reason}" if reason else what


def _last_id(cursor: sqlite3.Cursor) -> int:
    # Every insert here is into a table with an integer primary key.
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _actual_from(row: tuple) -> Actual:
    inspection_id, day, target_id, body_ids, kind, *rest = row
    hazard_id, campaign_id, note = rest
    return Actual(
        inspection_id,
        date.fromisoformat(day),
        target_id,
        tuple(body_ids.split(";")),
        kind,
        hazard_id,
        campaign_id,
        note,
    )
