"""What a reschedule run computed: per-card new states (columnar, so 1M cards stay small) and the run's counts."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from .card_reader import CardRow


@dataclass
class RescheduleReport:
    """Counts of a run. rescheduled = exact_time + by_day; due_now counts those whose time had already passed
    (they are due now/today); skipped = cards left alone (new, no real reviews, or the scheduler returned None)."""

    rescheduled: int = 0
    due_now: int = 0
    exact_time: int = 0
    by_day: int = 0
    skipped: int = 0
    # rescheduled cards per scheduler name (several when presets use different schedulers)
    by_scheduler: dict[str, int] = field(default_factory=dict)


class RescheduleCancelled(Exception):
    """`should_cancel()` returned True; nothing was written."""


@dataclass
class ReschedulePlan:
    """New states computed by `plan_reschedule`; `apply_plan` writes them. Columnar arrays keep 1M cards small."""

    scheduler_name: str
    report: RescheduleReport
    card_ids: array = field(default_factory=lambda: array("q"), repr=False)
    # hash of each card's whole row when planned: any change before apply_plan (even within the same second,
    # which cards.mod cannot tell) leaves the card alone
    fingerprints: array = field(default_factory=lambda: array("q"), repr=False)
    types: array = field(default_factory=lambda: array("b"), repr=False)
    queues: array = field(default_factory=lambda: array("b"), repr=False)
    dues: array = field(default_factory=lambda: array("q"), repr=False)
    ivls: array = field(default_factory=lambda: array("q"), repr=False)
    lefts: array = field(default_factory=lambda: array("q"), repr=False)
    odues: array = field(default_factory=lambda: array("q"), repr=False)

    def __len__(self) -> int:
        return len(self.card_ids)

    def extend(self, cards: Sequence[CardRow], states: Sequence[tuple[int, int, int, int, int, int]]) -> None:
        """Add cards with their new (type, queue, due, ivl, left, odue), each with its row's fingerprint (the engine
        adds each chunk's planned cards together)."""
        if not cards:
            return
        self.card_ids.extend([card.id for card in cards])
        self.fingerprints.extend(map(hash, cards))
        columns = (self.types, self.queues, self.dues, self.ivls, self.lefts, self.odues)
        for column, values in zip(columns, zip(*states)):
            column.extend(values)

    def new_state(self, card_id: int) -> dict[str, int] | None:
        """The planned fields of one card (for previews and tests), or None if the plan leaves it alone."""
        try:
            i = self.card_ids.index(card_id)
        except ValueError:
            return None
        return dict(
            type=self.types[i],
            queue=self.queues[i],
            due=self.dues[i],
            ivl=self.ivls[i],
            left=self.lefts[i],
            odue=self.odues[i],
        )
