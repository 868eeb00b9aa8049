"""Writing new scheduling fields to cards: whole rows kept, batches merged into one undo step, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from anki import cards_pb2

from .anki_compat import update_cards_undoable
from .card_reader import CardRow, json_loads

if TYPE_CHECKING:
    from anki.collection import Collection

WRITE_BATCH = 25_000  # cards per update call: one is written while the next is built; each call costs ~60 ms more
FIRST_WRITE_BATCH = 10_000  # the first batch is built while nothing is written yet

# A card to write: its cards-table row and new (type, queue, due, ivl, left, odue, ease factor or None to keep it)
CardUpdate = tuple[CardRow, int, int, int, int, int, int, "int | None"]


def backend_card(
    row: CardRow,
    ctype: int,
    queue: int,
    due: int,
    ivl: int,
    left: int,
    odue: int,
    factor: int | None = None,
    into: Any = None,
) -> cards_pb2.Card:
    """A backend Card message from a cards-table row with new scheduling fields (everything else kept); ``into``:
    the repeated field of a request to add it to (built in place, not copied there later)."""
    extra = _parse_card_data(row.data)
    card = (cards_pb2.Card if into is None else into.add)(
        id=row.id,
        note_id=row.nid,
        deck_id=row.did,
        template_idx=row.ord,
        ctype=ctype,
        queue=queue,
        due=due,
        interval=ivl,
        ease_factor=row.factor if factor is None else factor,
        reps=row.reps,
        lapses=row.lapses,
        remaining_steps=left,
        original_due=odue,
        original_deck_id=row.odid,
        flags=row.flags,
        custom_data=extra.get("cd", ""),
    )
    if "pos" in extra:
        card.original_position = extra["pos"]
    if "s" in extra and "d" in extra:
        card.memory_state.stability = extra["s"]
        card.memory_state.difficulty = extra["d"]
    if "dr" in extra:
        card.desired_retention = extra["dr"]
    if "decay" in extra:
        card.decay = extra["decay"]
    if "lrt" in extra:
        card.last_review_time_secs = extra["lrt"]
    return card


def _parse_card_data(data: str) -> dict:
    # the cards.data column: {"pos":.., "s":.., "d":.., "dr":.., "decay":.., "lrt":.., "cd":"..."}
    if not data or data == "{}":
        return {}
    try:
        parsed = json_loads(data)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def write_as_one_step(
    col: Collection,
    label: str,
    batches: Iterable[cards_pb2.UpdateCardsRequest],
    *,
    merge_into_caller_step: bool = False,
    before_first_write: Callable[[], object] | None = None,
) -> None:
    """Write batches of cards (`batched`) as one undo step ``label`` (or merged into the caller's latest step), all
    or nothing.

    Each batch is an ordinary undoable write merged into the step at once (``skip_undo_entry=True`` is never used:
    Anki clears the whole undo history on non-undoable writes). The writes run in a helper thread, one at a time and
    in order, while this thread builds the next batch (Anki's backend lets other threads run while it writes). If a
    batch fails, or building one does, the batches already written are undone before the error is raised, so the
    collection is as it was. ``before_first_write()`` runs once the first batch is built, before it is written
    (e.g. waits for a snapshot taken meanwhile); if it raises, nothing is written.
    """
    caller_step = col.undo_status().last_step if merge_into_caller_step else 0
    undo_target = col.add_custom_undo_entry(label)

    def write(batch: cards_pb2.UpdateCardsRequest) -> None:
        update_cards_undoable(col, batch)
        col.merge_undo_entries(undo_target)

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="polar-bridge-write") as writer:
            writing: Future[None] | None = None
            for batch in batches:
                if writing is not None:
                    writing.result()  # in order, and a failed write stops the run here
                elif before_first_write is not None:
                    before_first_write()
                writing = writer.submit(write, batch)
            if writing is not None:
                writing.result()
    except BaseException:
        if col.undo_status().last_step == undo_target:
            col.undo()  # takes back every batch written so far (they were merged into this step)
        raise
    if caller_step:
        col.merge_undo_entries(caller_step)


def batched(
    updates: Iterable[CardUpdate], size: int | None = None
) -> Callable[[], Iterable[cards_pb2.UpdateCardsRequest]]:
    """The write batches of a stream of card updates: update requests of ``size`` (default WRITE_BATCH) cards each,
    every card built in place in its request (`backend_card` ``into``)."""

    def batches() -> Iterable[cards_pb2.UpdateCardsRequest]:
        limit = size or WRITE_BATCH
        first = min(limit, FIRST_WRITE_BATCH)  # a smaller first batch: the writes start sooner
        request = cards_pb2.UpdateCardsRequest(skip_undo_entry=False)
        for update in updates:
            backend_card(*update, into=request.cards)
            if len(request.cards) >= first:
                yield request
                request = cards_pb2.UpdateCardsRequest(skip_undo_entry=False)
                first = limit
        if len(request.cards):
            yield request

    return batches
