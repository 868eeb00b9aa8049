"""Anki's review-log rules: which revlog entries are answers, where a card's history restarts, what day each is on.

Every scheduler sees a card's history through these rules, which follow how Anki itself turns a card's review log
into FSRS input (ankitects/anki ``rslib/src/scheduler/fsrs/params.rs``: ``reviews_for_fsrs`` with ``training =
false``, and ``memory_state.rs``: ``single_card_revlog_to_item``), so a plug-in counts reviews and days as Anki does.

Pure functions over one card's entries (sorted by id); no collection access.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import NamedTuple

from anki.consts import REVLOG_CRAM, REVLOG_LRN
from anki.consts import REVLOG_RESCHED as REVLOG_MANUAL  # Anki's RevlogReviewKind::Manual (set due date, reset)

DAY_SECS = 86_400
REVLOG_RESCHEDULED = 5  # Anki's RevlogReviewKind::Rescheduled (FSRS "reschedule cards on change"); no pylib constant


def is_cram(kind: int, factor: int) -> bool:
    """A filtered-deck answer that did not reschedule the card (Anki: ``Filtered`` with ease factor 0)."""
    return kind == REVLOG_CRAM and factor == 0


# Which entries are answers, as Anki's FSRS counts them (``reviews_for_fsrs``: entries are dropped when
# ``review_kind == Manual || button_chosen == 0`` -- set due date, reset, rescheduled -- or when they are cram,
# ``Filtered`` with ease factor 0, or ``Rescheduled``): as an SQL condition for bulk queries, and in `_answers`.
ANSWER_SQL = "ease between 1 and 4 and (type between 0 and 2 or (type = 3 and factor != 0))"


def days_ago(entry_id_ms: int, next_day_at: int) -> int:
    """Whole Anki days between an entry and the start of tomorrow: Anki's ``RevlogEntry::days_elapsed``
    (``(next_day_at - entry seconds) / 86400``, never negative). Its differences are FSRS's ``delta_t``."""
    return max(0, (next_day_at - entry_id_ms // 1000) // DAY_SECS)


class RestartedHistory(NamedTuple):  # one per card of a run: a tuple is built in a fraction of a dataclass's time
    """The part of a card's log Anki uses: ``answers`` (indexes into the entries, oldest first) and whether the log
    is ``complete`` (it holds the card's last group of learning answers). An incomplete history starts at an answer
    that set an interval of a day or more; Anki starts the card from the SM-2 state logged with it."""

    answers: Sequence[int]
    complete: bool


def _is_reset(kind: int, factor: int) -> bool:
    """Forget / reset to new (Anki ``RevlogEntry::is_reset``: a manual entry with ease factor 0)."""
    return kind == REVLOG_MANUAL and factor == 0


def _is_interday(ivl: int) -> bool:
    """The answer set an interval of at least a day (revlog ivl: days > 0, -seconds < 0)."""
    return ivl >= 1 or ivl <= -DAY_SECS


def _answers(kinds: Sequence[int], eases: Sequence[int], factors: Sequence[int], start: int) -> tuple[int, ...]:
    """Indexes from ``start`` on of the entries that are answers (the rule of `ANSWER_SQL`, in Python)."""
    return tuple(
        i
        for i, kind, ease in zip(range(start, len(kinds)), kinds[start:], eases[start:])
        if 0 < ease < 5 and kind < REVLOG_MANUAL and (kind != REVLOG_CRAM or factors[i] != 0)
    )


def _has_reset(kinds: Sequence[int], factors: Sequence[int]) -> bool:
    if REVLOG_MANUAL not in kinds:
        return False
    return any(kind == REVLOG_MANUAL and factor == 0 for kind, factor in zip(kinds, factors))


def restart_history(
    ids: Sequence[int],
    eases: Sequence[int],
    ivls: Sequence[int],
    factors: Sequence[int],
    kinds: Sequence[int],
    ignore_before_ms: int = 0,
) -> RestartedHistory:
    """Apply Anki's rules to one card's entries (parallel columns, sorted by id): ``reviews_for_fsrs``.

    - Walking back from the newest entry (cram entries skipped), the history starts at the first entry of the last
      group of learning answers (complete); a reset before any answer of the current history ends the walk.
    - Without such a group, the history starts at the oldest answer after the last reset that set an interval of
      a day or more and lies after the preset's "ignore reviews before" date (incomplete: a log that starts
      mid-history, or learning steps before the ignore date).
    - Only answers remain (`ANSWER_SQL`).
    """
    count = len(ids)
    if ignore_before_ms <= 0 and count and kinds[0] == REVLOG_LRN and not _has_reset(kinds, factors):
        # the usual log, checked at C speed: it starts with learning and was never reset. The walk below would
        # stop at the last learning group; when no learning entry follows the first group, that group starts the
        # history and the history is the whole log.
        kind_bytes = bytes(kinds)
        after_first_group = kind_bytes.lstrip(b"\x00")
        if b"\x00" not in after_first_group:
            if 0 in eases or after_first_group.strip(b"\x01\x02"):  # entries that are not answers to drop
                return RestartedHistory(_answers(kinds, eases, factors, 0), True)
            return RestartedHistory(range(count), True)
    first_learn: int | None = None
    first_grade: int | None = None
    complete = False
    for index in range(count - 1, -1, -1):
        kind, ease, factor = kinds[index], eases[index], factors[index]
        if is_cram(kind, factor):
            continue
        graded = ease > 0
        if graded and ids[index] > ignore_before_ms and _is_interday(ivls[index]):
            first_grade = index
        if graded and kind == REVLOG_LRN:
            first_learn = index
            complete = True
        elif _is_reset(kind, factor):
            if first_learn is not None:
                break
            if first_grade is None:
                return RestartedHistory((), False)  # nothing answered since the reset: no history at all
            complete = False
            break
        elif first_learn is not None:
            break
    if first_learn is not None and ids[first_learn] < ignore_before_ms and first_learn < count - 1:
        # Anki (reviewing, not training): a learning group before the cut-off is ignored; start from a later answer
        complete, first_learn = False, None
    start = first_learn if first_learn is not None else first_grade
    if start is None:
        return RestartedHistory((), False)
    answers = _answers(kinds, eases, factors, start)
    return RestartedHistory(answers, complete)


def ignore_before_ms(date_text: str) -> int:
    """The preset's "ignore reviews before" date (``YYYY-MM-DD``, midnight UTC as Anki reads it) in ms; 0 if unset."""
    if not date_text:
        return 0
    from datetime import datetime

    try:
        when = datetime.strptime(date_text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return 0
    return int(when.timestamp() * 1000)
