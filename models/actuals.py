"""Actual inspections, as recorded from an enforcement system (R24, R25).

An actual inspection is a fact: it happened on a date, at a mine or parent
company, by one or more bodies. Some kinds never count toward the caps:
special campaigns (R14), re-checks of hazards a supervisor found (R13), and
the unplanned verifications of R15.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.records import quarter_of

PLANNED_KINDS = ("routine", "joint", "recheck", "special", "company")

# R15: checks on complaints, referrals, monitoring data, hidden working
# faces and enterprise requests are outside the caps.
UNPLANNED_KINDS = (
    "complaint",
    "referral",
    "monitoring",
    "hidden_face",
    "enterprise_request",
)
ACTUAL_KINDS = PLANNED_KINDS + UNPLANNED_KINDS

ACTUAL_COLUMNS = ("inspection_id", "date", "target_id", "body_ids", "kind")
OPTIONAL_ACTUAL_COLUMNS = ("hazard_id", "campaign_id", "note")


@dataclass(frozen=True)
class Actual:
    """One inspection that took place.

    Parameters
    ----------
    inspection_id
        The enforcement system's id of the inspection; unique.
    day
        The date of the inspection.
    target_id
        The mine, or the parent company for ``company`` inspections.
    body_ids
        Bodies that took part; a joint inspection lists a regulator and a
        supervisor body.
    kind
        One of ``ACTUAL_KINDS``.
    hazard_id
        The major hazard re-checked, for ``recheck``.
    campaign_id
        The campaign, for ``special``.
    note
        Free text from the enforcement system.
    """

    inspection_id: str
    day: date
    target_id: str
    body_ids: tuple[str, ...]
    kind: str
    hazard_id: str = ""
    campaign_id: str = ""
    note: str = ""

    @property
    def month(self) -> int:
        """Month of the inspection."""
        return self.day.month

    @property
    def quarter(self) -> int:
        """Quarter of the inspection."""
        return quarter_of(self.day.month)
