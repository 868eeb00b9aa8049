"""Anki's review-log rules: which revlog entries are answers, where a card's history restarts, what day each is on.

Every scheduler sees a card's history through these rules, which follow how Anki itself turns a card's review log
into FSRS input (ankitects/anki ``rslib/src/scheduler/fsrs/params.rs``: ``reviews_for_fsrs`` with ``training =
false``, and ``memory_state.rs``: ``single_card_revlog_to_item``), so a plug-in counts reviews and days as Anki does.

Pure functions over one card's entries (sorted by id); no collection access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from anki.consts import REVLOG_CRAM, REVLOG_LRN
from anki.consts import REVLOG_RESCHED as REVLOG_MANUAL  # Anki's RevlogReviewKind::Manual (set due date, reset)

DAY_SECS = 86_400
REVLOG_RESCHEDULED = 5  # Anki's RevlogReviewKind::Rescheduled (FSRS "reschedule cards on change"); no pylib constant


def is_cram(kind: int, factor: int) -> bool:
    """A filtered-deck answer that did not reschedule the card (Anki: ``Filtered`` with ease factor 0)."""
    return kind == REVLOG_CRAM and factor == 0


def is_answer(kind: int, ease: int, factor: int) -> bool:
    """An entry Anki's FSRS counts as a review: a button was pressed, and it is not manual, rescheduled or cram.

    Anki ``reviews_for_fsrs``: entries are dropped when ``review_kind == Manual || button_chosen == 0`` (set due
    date, reset, rescheduled) or when they are cram (``Filtered`` with ease factor 0) or ``Rescheduled``.
    """
    return 1 <= ease <= 4 and kind not in (REVLOG_MANUAL, REVLOG_RESCHEDULED) and not is_cram(kind, factor)


# The same rule as an SQL condition on the revlog table, for bulk queries.
ANSWER_SQL = "ease between 1 and 4 and (type between 0 and 2 or (type = 3 and factor != 0))"


def days_ago(entry_id_ms: int, next_day_at: int) -> int:
    """Whole Anki days between an entry and the start of tomorrow: Anki's ``RevlogEntry::days_elapsed``
    (``(next_day_at - entry seconds) / 86400``, never negative). Its differences are FSRS's ``delta_t``."""
    return max(0, (next_day_at - entry_id_ms // 1000) // DAY_SECS)


@dataclass(frozen=True, slots=True)
class RestartedHistory:
    """The part of a card's log Anki uses: ``answers`` (indexes into the entries, oldest first), whether the log is
    ``complete`` (it holds the card's last group of learning steps), and, for an incomplete log, the ``first_answer``
    index whose logged interval and ease Anki starts the card from."""

    answers: tuple[int, ...]
    complete: bool
    first_answer: int | None


def restart_history(ids: Sequence[int], eases: Sequence[int], factors: Sequence[int], kinds: Sequence[int],
                    ignore_before_ms: int = 0) -> RestartedHistory:
    """Apply Anki's rules to one card's entries (parallel columns, sorted by id).

    - Walking back from the newest entry, the history starts at the first entry of the last group of learning
      answers; a reset (manual entry with ease factor 0) before any answer of the current history ends it.
    - Entries at or before the preset's "ignore reviews before" date (``ignore_before_ms``) are not used; if the
      learning group starts before it, the history starts at the first answer after it and is incomplete.
    - Without learning entries the history starts at the first answer and is incomplete (a log that starts
      mid-history): Anki then starts the card from the SM-2 state logged with ``first_answer``.
    - Only answers remain (see `is_answer`).
    """
    first_learn: int | None = None
    first_grade: int | None = None
    complete = False
    reset_without_answers = False
    for index in range(len(ids) - 1, -1, -1):
        kind, ease, factor = kinds[index], eases[index], factors[index]
        if is_cram(kind, factor):
            continue
        graded = 1 <= ease <= 4
        if graded and ids[index] > ignore_before_ms:
            first_grade = index
        if graded and kind == REVLOG_LRN:
            first_learn = index
            complete = True
        elif first_learn is not None:
            break
        elif kind == REVLOG_MANUAL and factor == 0:  # Forget / reset to new
            if first_grade is None:
                reset_without_answers = True  # nothing answered since the reset: no history at all
            complete = False
            break
    if reset_without_answers:
        return RestartedHistory((), False, None)
    if first_learn is not None and ids[first_learn] < ignore_before_ms and first_learn < len(ids) - 1:
        # Anki (reviewing, not training): a learning group before the cut-off is ignored; SM-2 fallback below
        complete, first_learn = False, None
    start = first_learn if first_learn is not None else first_grade
    if start is None:
        return RestartedHistory((), False, None)
    answers = tuple(i for i in range(start, len(ids)) if is_answer(kinds[i], eases[i], factors[i]))
    first_answer = None
    if not complete:
        # Anki memory_state.rs: the first entry of the whole log with a button pressed, after the cut-off
        first_answer = next((i for i in range(len(ids)) if eases[i] > 0 and ids[i] > ignore_before_ms), None)
    return RestartedHistory(answers, complete, first_answer)


def ignore_before_ms(date_text: str) -> int:
    """The preset's "ignore reviews before" date (``YYYY-MM-DD``, midnight UTC as Anki reads it) in ms; 0 if unset."""
    if not date_text:
        return 0
    from datetime import datetime, timezone

    try:
        when = datetime.strptime(date_text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return 0
    return int(when.timestamp() * 1000)
