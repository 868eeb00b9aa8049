"""What Anki's own FSRS does with a collection: the reference the `fsrs` built-in is compared with.

`enable_anki_fsrs` turns FSRS on for every preset exactly as the deck options screen does (Anki recomputes every
card's memory state from its review log, and with ``reschedule=True`` reschedules every review card: "Reschedule
cards on change"). `anki_fsrs_intervals` reads back Anki's memory states and gives each review card's unfuzzed
FSRS interval (``round(next_interval(stability, desired retention))`` clamped to [1, maximum interval], Anki's
``with_review_fuzz`` without fuzz). `builtin_intervals` gives the built-in's interval (days after the last answer's
Anki day) for the same cards, and `agreement` compares the two.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from anki import deck_config_pb2
from anki.collection import Collection


def save_fsrs_presets(col: Collection, target_deck_id: int, configs: list, *, reschedule: bool = False) -> float:
    """Save deck-options presets with FSRS on, as the deck options screen does (Anki recomputes every card's memory
    state; ``reschedule`` = "Reschedule cards on change"); returns the seconds Anki took. The target deck gets the
    last preset of ``configs``."""
    current = col.decks.get_deck_configs_for_update(target_deck_id)
    request = deck_config_pb2.UpdateDeckConfigsRequest(
        target_deck_id=target_deck_id,
        configs=configs,
        mode=deck_config_pb2.UPDATE_DECK_CONFIGS_MODE_NORMAL,
        card_state_customizer=current.card_state_customizer,
        limits=current.current_deck.limits,
        new_cards_ignore_review_limit=current.new_cards_ignore_review_limit,
        fsrs=True,
        apply_all_parent_limits=current.apply_all_parent_limits,
        fsrs_reschedule=reschedule,
        fsrs_health_check=False,
    )
    started = time.perf_counter()
    col.decks.update_deck_configs(request)
    return time.perf_counter() - started


def enable_anki_fsrs(
    col: Collection, *, reschedule: bool = False, desired_retention: float = 0.9, params: list[float] | None = None
) -> float:
    """Turn FSRS on for all presets (as the deck options screen saves it); returns the seconds Anki took."""
    configs = []
    for entry in col.decks.get_deck_configs_for_update(1).all_config:
        config = entry.config
        config.config.desired_retention = desired_retention
        if params is not None:
            del config.config.fsrs_params_6[:]
            config.config.fsrs_params_6.extend(params)
        configs.append(config)
    return save_fsrs_presets(col, 1, configs, reschedule=reschedule)


def _unfuzzed_interval(stability: float, desired_retention: float, decay: float, maximum: int) -> int:
    factor = 0.9 ** (1 / -decay) - 1
    days = stability / factor * (desired_retention ** (1 / -decay) - 1)
    return min(max(round(days), 1), maximum)


def anki_fsrs_intervals(col: Collection, maximum: int = 36_500) -> dict[int, int]:
    """card id -> Anki's unfuzzed FSRS interval (days), for review cards with a memory state."""
    intervals = {}
    for cid, data in col.db.all("select id, data from cards where type = 2"):
        extra = json.loads(data or "{}")
        if "s" in extra:
            intervals[cid] = _unfuzzed_interval(extra["s"], extra.get("dr", 0.9), extra.get("decay", 0.1542), maximum)
    return intervals


def builtin_intervals(
    col: Collection, card_ids: Iterable[int] | None = None, params: dict | None = None
) -> dict[int, int]:
    """card id -> the `fsrs` built-in's interval in days (counted from the last answer's Anki day)."""
    from polar_bridge.reschedule import card_histories
    from polar_bridge.schedulers import fsrs_builtin

    intervals = {}
    for card in card_histories(col, list(card_ids) if card_ids is not None else None):
        seconds = fsrs_builtin.interval(card, params or {})
        last_time = card.answer_columns.last_time
        if seconds is None or card.days is None:
            continue
        intervals[card.card_id] = card.days.day_of(last_time + seconds) - card.days.revlog_day(last_time)
    return intervals


@dataclass
class Agreement:
    cards: int
    exact: int
    within_one: int
    worst: int
    worst_card: int

    @property
    def exact_share(self) -> float:
        return self.exact / self.cards if self.cards else 1.0

    @property
    def within_one_share(self) -> float:
        return self.within_one / self.cards if self.cards else 1.0


def agreement(anki: dict[int, int], ours: dict[int, int]) -> Agreement:
    """Compare intervals on the cards both have (Anki's review cards)."""
    common = [cid for cid in anki if cid in ours]
    diffs = {cid: abs(anki[cid] - ours[cid]) for cid in common}
    worst_card = max(diffs, key=diffs.__getitem__, default=0)
    return Agreement(
        len(common),
        sum(1 for d in diffs.values() if d == 0),
        sum(1 for d in diffs.values() if d <= 1),
        diffs.get(worst_card, 0),
        worst_card,
    )
