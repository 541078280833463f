"""What changed between two plan versions, counted visit by visit (R23).

A visit is known by its identity: target, kind, side, bodies, hazard and
campaign. A visit whose identity is in both plans in the same month is
kept; one in both but in another month has moved; the rest were added or
removed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from models.plan import Visit

Identity = tuple[str, str, str, tuple[str, ...], str, str]


@dataclass(frozen=True)
class PlanDiff:
    """Counts of visits added, removed, moved and kept between two plans."""

    added: int
    removed: int
    moved: int
    kept: int

    def text(self) -> str:
        """Return the counts as a phrase for a reader."""
        return (
            f"{self.added} added, {self.removed} removed, "
            f"{self.moved} moved, {self.kept} unchanged"
        )


def identity(visit: Visit) -> Identity:
    """Return what makes a visit the same visit in another plan."""
    return (
        visit.target_id,
        visit.kind,
        visit.side,
        visit.body_ids,
        visit.hazard_id,
        visit.campaign_id,
    )


def diff_plans(old: list[Visit], new: list[Visit]) -> PlanDiff:
    """Count visits added, removed and moved from ``old`` to ``new``.

    Visits of one identity are matched month for month first; those left
    over are paired in month order as moved, and any still left over were
    added or removed.
    """
    before, after = _months(old), _months(new)
    added = removed = moved = kept = 0
    for key in before.keys() | after.keys():
        same = before[key] & after[key]
        gone = (before[key] - same).total()
        came = (after[key] - same).total()
        kept += same.total()
        moved += min(gone, came)
        removed += max(gone - came, 0)
        added += max(came - gone, 0)

    return PlanDiff(added, removed, moved, kept)


def _months(visits: list[Visit]) -> defaultdict[Identity, Counter[int]]:
    """Return the months of the visits of each identity."""
    months: defaultdict[Identity, Counter[int]] = defaultdict(Counter)
    for visit in visits:
        months[identity(visit)][visit.month] += 1

    return months
