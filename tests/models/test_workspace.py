"""The workspace: plan versions, changes, actual inspections, event log."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from workspace_factories import StepClock, demo_scenario, routine, write_plan

from models.actuals import Actual
from models.plan import read_plan_csv
from models.workspace import (
    DATABASE,
    SCHEMA_VERSION,
    Workspace,
    WorkspaceError,
)

TABLES = ("versions", "files", "changes", "imports", "actuals", "events")


@pytest.fixture
def space(tmp_path: Path):
    """A new workspace with a clock that ticks a minute a call."""
    with Workspace.create(tmp_path / "ws", StepClock()) as workspace:
        yield workspace


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    """A copy of the demo scenario folder."""
    return demo_scenario(tmp_path / "scenario")


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    """A plan folder of three visits."""
    visits = [routine(1, "M0001"), routine(4, "M0001"), routine(2, "M0003")]
    return write_plan(tmp_path / "plan", visits)


def _counts(folder: Path) -> dict[str, int]:
    """Rows in each table of a workspace, read with a fresh connection."""
    db = sqlite3.connect(folder / DATABASE)
    try:
        return {
            name: db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
            for name in TABLES
        }
    finally:
        db.close()


def _actual(number: int, day: int = 1, mine: str = "M0001") -> Actual:
    """A routine inspection of a demo mine in March 2027."""
    return Actual(
        f"A{number}", date(2027, 3, day), mine, ("R-C01-01",), "routine"
    )


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_create_makes_the_folder_and_open_reads_it(tmp_path):
    """`create` makes a missing folder; `open` finds the workspace."""
    folder = tmp_path / "a" / "b"
    Workspace.create(folder).close()

    assert [p.name for p in folder.iterdir()] == [DATABASE]
    with Workspace.open(folder) as space:
        assert space.versions() == []

    db = sqlite3.connect(folder / DATABASE)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_create_refuses_a_folder_with_a_workspace(tmp_path):
    """A second `create` in the same folder is an error."""
    Workspace.create(tmp_path).close()

    with pytest.raises(WorkspaceError, match="already holds a workspace"):
        Workspace.create(tmp_path)


def test_open_without_workspace_says_to_run_init(tmp_path):
    """Opening a folder without a workspace names it and `minesched init`."""
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(tmp_path / "none")

    message = str(caught.value)
    assert str(tmp_path / "none") in message
    assert f"minesched init {tmp_path / 'none'}" in message
    assert not (tmp_path / "none").exists()


def test_open_refuses_a_file_that_is_no_workspace(tmp_path):
    """A database file of something else is refused, not read."""
    (tmp_path / DATABASE).write_bytes(b"not a database at all" * 100)

    with pytest.raises(WorkspaceError, match="not a minesched workspace"):
        Workspace.open(tmp_path)


def test_foreign_keys_are_on(space):
    """The connection enforces references between tables."""
    db = space._db
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_add_version_stores_a_draft_with_digest_and_visits(
    space, scenario, plan
):
    """A new version is a draft with its author, reason, digest, visits."""
    first = space.add_version(scenario, plan, "王工", "initial plan")
    second = space.add_version(
        scenario, plan, "李工", "new mine", parent_id=first, label="R23-1"
    )

    infos = space.versions()
    assert [info.id for info in infos] == [first, second]
    assert infos[0].status == infos[1].status == "draft"
    assert infos[0].created_at == "2027-01-02T08:01:00+00:00"
    assert (infos[1].author, infos[1].reason) == ("李工", "new mine")
    assert (infos[1].parent_id, infos[1].label) == (first, "R23-1")
    assert infos[1].digest == "d" * 64
    assert infos[1].visits == 3
    assert space.current() is None
    assert space.current(filed=False) == infos[1]


def test_filing_a_version_supersedes_the_filed_one(space, scenario, plan):
    """Filing marks a version filed and the one filed before superseded."""
    ids = [space.add_version(scenario, plan, "王工", "v") for _ in range(3)]
    space.file_version(ids[0], "王工", "annual plan")
    space.file_version(ids[1], "李工", "R23 re-filing")

    statuses = [info.status for info in space.versions()]
    assert statuses == ["superseded", "filed", "draft"]
    assert space.current().id == ids[1]
    assert space.current(filed=False).id == ids[2]
    log = [event.what for event in space.history()]
    assert log[-1] == (
        f"filed version {ids[1]}, superseding version {ids[0]}: R23 re-filing"
    )
    assert space.history()[-1].who == "李工"


def test_filing_refuses_a_filed_or_unknown_version(space, scenario, plan):
    """Filing the filed version again, or a missing one, changes nothing."""
    version = space.add_version(scenario, plan, "王工", "v")
    space.file_version(version, "王工", "")
    before = _counts(space.folder)

    with pytest.raises(WorkspaceError, match="already filed"):
        space.file_version(version, "王工", "")

    with pytest.raises(WorkspaceError, match="no version 9"):
        space.file_version(9, "王工", "")

    assert _counts(space.folder) == before
    assert space.current().id == version


def test_snapshots_round_trip_byte_for_byte(space, scenario, plan, tmp_path):
    """Extracted scenario and plan folders equal the originals, byte for
    byte, except for hidden folders."""
    (scenario / "extra").mkdir()
    (scenario / "extra" / "calendar.csv").write_bytes(b"\xef\xbb\xbfdate\n")
    version = space.add_version(scenario, plan, "王工", "v")

    got_scenario = space.extract_scenario(version, tmp_path / "s")
    got_plan = space.extract_plan(version, tmp_path / "p")

    assert _files(got_scenario) == _files(scenario)
    expected = _files(plan)
    del expected[".staging-1/plan.csv"]
    assert _files(got_plan) == expected
    assert "调整说明.md" in expected
    assert "charts/load.png" in expected


def test_extract_refuses_a_folder_that_is_not_empty(space, scenario, plan):
    """A snapshot is never mixed with files already in a folder."""
    version = space.add_version(scenario, plan, "王工", "v")

    with pytest.raises(WorkspaceError, match="not empty"):
        space.extract_plan(version, scenario)


def test_plan_visits_reads_the_stored_plan(space, scenario, plan):
    """The stored plan.csv reads back as the visits of the plan folder."""
    version = space.add_version(scenario, plan, "王工", "v")
    (plan / "plan.csv").unlink()

    visits = space.plan_visits(version)

    assert len(visits) == 3
    assert [visit.month for visit in visits] == [1, 2, 4]


def test_plan_visits_equal_those_of_the_plan_file(space, scenario, plan):
    """Visits of a version are those `read_plan_csv` reads from the plan."""
    version = space.add_version(scenario, plan, "王工", "v")

    assert space.plan_visits(version) == read_plan_csv(plan / "plan.csv")


def test_add_version_without_a_plan_changes_nothing(space, scenario, tmp_path):
    """A plan folder without a readable plan.csv is refused."""
    empty = tmp_path / "empty"
    empty.mkdir()
    before = _counts(space.folder)

    with pytest.raises(WorkspaceError, match="no readable plan.csv"):
        space.add_version(scenario, empty, "王工", "v")

    with pytest.raises(WorkspaceError, match="does not exist"):
        space.add_version(tmp_path / "missing", empty, "王工", "v")

    assert _counts(space.folder) == before


def test_add_version_with_unknown_parent_changes_nothing(
    space, scenario, plan
):
    """A parent that does not exist is refused and nothing is stored."""
    before = _counts(space.folder)

    with pytest.raises(WorkspaceError, match="no version 7"):
        space.add_version(scenario, plan, "王工", "v", parent_id=7)

    assert _counts(space.folder) == before


def test_changes_are_recorded_with_their_content(space, scenario, plan):
    """A changes file is kept with its version, reason and bytes."""
    version = space.add_version(scenario, plan, "王工", "v")
    content = b"mines:\n  M0061: added\n"
    name = "changes-0301.yaml"
    space.add_change(version, name, content, "new mine", "王工")

    (change,) = space.changes()
    assert (change.version_id, change.name) == (version, "changes-0301.yaml")
    assert (change.reason, change.author) == ("new mine", "王工")
    assert change.content == content
    assert "changes-0301.yaml" in space.history()[-1].what


def test_change_of_unknown_version_is_refused(space):
    """A changes file must belong to a stored version."""
    with pytest.raises(WorkspaceError, match="no version 3"):
        space.add_change(3, "changes.yaml", b"", "r")

    assert space.changes() == []


def test_actuals_come_back_by_date_then_as_recorded(space):
    """Inspections read back in date order, ties as recorded."""
    batch = space.add_actuals(
        [_actual(1, 9), _actual(2, 3, "M0002"), _actual(3, 3)], "a.csv", "x"
    )
    space.add_actuals([_actual(4, 1)], "b.csv", "y", author="王工")

    ids = [actual.inspection_id for actual in space.actuals()]
    assert ids == ["A4", "A2", "A3", "A1"]
    assert space.actuals()[1] == _actual(2, 3, "M0002")
    counts = [(info.id, info.source, info.count) for info in space.imports()]
    assert counts == [(batch, "a.csv", 3), (batch + 1, "b.csv", 1)]
    assert space.imports()[1].author == "王工"


def test_actuals_keep_every_field(space):
    """Bodies, hazard, campaign and note survive storage."""
    actual = Actual(
        "J1",
        date(2027, 5, 6),
        "M0044",
        ("R-C02", "S-D02"),
        "recheck",
        hazard_id="H001",
        campaign_id="",
        note="复查",
    )
    space.add_actuals([actual], "a.csv", "x")

    assert space.actuals() == [actual]


def test_recording_a_duplicate_changes_nothing(space):
    """A batch with an inspection already recorded stores none of it."""
    space.add_actuals([_actual(1)], "a.csv", "x")
    before = _counts(space.folder)

    with pytest.raises(WorkspaceError, match="already recorded"):
        space.add_actuals([_actual(2, 5), _actual(1, 9)], "b.csv", "y")

    with pytest.raises(WorkspaceError, match="already recorded"):
        space.add_actuals([_actual(3, 1)], "c.csv", "z")

    assert _counts(space.folder) == before


def test_import_failing_mid_way_leaves_the_workspace_intact(
    space, monkeypatch
):
    """An error after some rows are written rolls the whole batch back."""
    space.add_actuals([_actual(1)], "a.csv", "x")
    before = _counts(space.folder)
    insert = Workspace._insert_actual
    written = []

    def failing(self, import_id, actual):
        if len(written) == 2:
            raise OSError("disk full")

        insert(self, import_id, actual)
        written.append(actual)

    monkeypatch.setattr(Workspace, "_insert_actual", failing)
    batch = [_actual(number, number) for number in range(2, 6)]
    with pytest.raises(OSError, match="disk full"):
        space.add_actuals(batch, "b.csv", "y")

    assert len(written) == 2
    assert _counts(space.folder) == before
    monkeypatch.undo()
    space.add_actuals(batch, "b.csv", "y")
    assert len(space.actuals()) == 5


CHILD = """
import sys, time
from pathlib import Path
from datetime import date
from models.actuals import Actual
from models.workspace import Workspace

insert = Workspace._insert_actual
def slow(self, import_id, actual):
    insert(self, import_id, actual)
    print("written", flush=True)
    time.sleep(60)

Workspace._insert_actual = slow
space = Workspace.open(Path(sys.argv[1]))
batch = [
    Actual(f"K{n}", date(2027, 4, n), "M0001", ("R-C01-01",), "routine")
    for n in range(1, 4)
]
space.add_actuals(batch, "killed.csv", "k")
"""


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_import_killed_mid_way_leaves_the_workspace_intact(space):
    """A process killed during an import leaves the workspace as it was."""
    space.add_actuals([_actual(1)], "a.csv", "x")
    before = _counts(space.folder)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(space.folder)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()

    assert child.returncode == -signal.SIGKILL
    assert _counts(space.folder) == before
    with Workspace.open(space.folder) as reopened:
        check = reopened._db.execute("PRAGMA integrity_check").fetchone()
        assert check == ("ok",)
        reopened.add_actuals([_actual(2, 2)], "b.csv", "y")
        assert len(reopened.actuals()) == 2


def test_history_logs_who_did_what(space, scenario, plan):
    """Each write adds an event with its author and time."""
    version = space.add_version(scenario, plan, "王工", "initial")
    space.file_version(version, "李工", "annual filing")
    space.add_actuals([_actual(1)], "q1.csv", "x", author="张工")

    events = space.history()
    assert [event.who for event in events] == ["王工", "李工", "张工"]
    assert events[0].what == f"added version {version} (3 visits): initial"
    assert events[0].version_id == version
    assert events[2].what.startswith("imported 1 actual inspections")
    assert [event.at for event in events] == sorted(e.at for e in events)
