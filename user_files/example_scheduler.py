"""Example scheduler plug-in for Polar Bridge. Copy this file (e.g. to my_scheduler.py) in this folder and edit it.

Select it in the add-on's settings as "my_scheduler:interval" (file name without .py, a colon, function name).

The engine calls ``interval(card, params)`` once per card that has at least one real review. ``card`` is a
read-only CardHistory:

    card.card_id, card.note_id, card.deck_id (home deck), card.ordinal, card.created (epoch seconds)
    card.type (1 learning, 2 review, 3 relearning), card.queue, card.due, card.interval_days, card.factor,
    card.reps, card.lapses
    card.reviews      tuple of Review, oldest first: .time (epoch s), .ease (1 Again .. 4 Easy), .interval and
                      .last_interval (seconds Anki gave), .factor, .taken (seconds), .kind (LEARN/REVIEW/RELEARN/
                      FILTERED), .day (the Anki day of the answer, as Anki counts it: the "next day starts at"
                      hour respected) and .elapsed_days (Anki days since the previous answer, 0 on the same day).
                      Answers since the card's last reset only, as Anki's own FSRS sees them: Set Due Date, reset,
                      reschedule and cram (filtered decks that don't reschedule) entries are not answers.
    card.last_review  the newest Review
    card.history_complete, card.starting_state   False / the SM-2 state Anki starts from when the log does not
                      reach back to the card's learning steps (e.g. an imported deck)
    card.log          every entry of the card's review log, resets and manual changes included
    card.tags, card.fields, card.deck_config   the note's tags and fields, the deck's options (loaded on demand)
    card.days         .now, .today, .day_of(timestamp), .day_start(day): Anki's day numbering

Return the number of SECONDS after the last review when the card should be due next, or None to leave the card
as it is. More than 2 days: due on that day (like a normal review). 2 days or less: due at exactly that time (the
card shows up as a (re)learning card then). Times already past make the card due now. Anything else (an error,
a negative number, NaN, infinity, text, True/False) stops the whole run and nothing is changed.

``params`` is optional: leave it out (``def interval(card):``) if you don't train. If this module defines
``train(histories)`` (or ``interval_train``), "Train" in the add-on calls it with every card's history; the dict
it returns is saved and given back as ``params`` on every later run.

``recall(card, elapsed_seconds, params)`` is optional too: your memory model, the probability (0..1) that the card
is remembered ``elapsed_seconds`` after its last review. Tools > Compare schedulers scores it against your own
answers (log loss, RMSE, AUC) next to FSRS-6; without it the scheduler gets no prediction figures.
"""

from __future__ import annotations

MINUTE = 60.0
DAY = 86_400.0


def interval(card, params):
    growth = params.get("growth", 2.5)  # learned by train() below; 2.5 until trained
    streak = 0
    for review in card.reviews:
        # answers on the same Anki day as the previous one (learning steps, a second look) don't add to the streak
        if review.ease == 1:
            streak = 0
        elif review.elapsed_days or streak == 0:
            streak += 1
    if streak == 0:
        return 10 * MINUTE  # forgot it: see it again in 10 minutes
    if "leech" in card.tags:
        return None  # leave cards tagged "leech" alone
    # remembered after a longer gap than planned? grow from the gap that really passed (in Anki days)
    gap = card.last_review.elapsed_days or 0
    return max(growth**streak, gap * growth) * DAY


def train(histories):
    """Learn one number from all histories: grow faster when you rarely press Again."""
    answers = lapses = 0
    for card in histories:
        for review in card.reviews:
            answers += 1
            lapses += review.ease == 1
    if not answers:
        return {}
    success = 1 - lapses / answers
    return {"growth": round(1.5 + 2.0 * success, 3)}


def recall(card, elapsed_seconds, params):
    """This scheduler's idea of memory: 90 % recall at the interval it gives, fading exponentially with time."""
    given = interval(card, params)
    if given is None:
        return None
    return 0.9 ** (elapsed_seconds / max(given, MINUTE))
