"""Which cards were reviewed on other devices, found by comparing the review log before and after a sync.

Pure collection code (no aqt), so it is tested with two real collections syncing through Anki's sync server.

Why update sequence numbers (usn) and not timestamps: a review's id is the time it happened on the other device,
which can be older than our last sync (reviewed offline, synced later). Its usn, though, is stamped by the server
when that device syncs, and the server's usn only grows; so every row that arrives has a usn at least the highest
usn we already had. Our own unsynced rows (usn -1) get stamped during the sync too, so we remember their ids and
leave them out, together with rows already at that highest usn (see KNOWN_ROWS_LIMIT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anki.collection import Collection

from .collection_db import db

# revlog.type values that are real answers (learn, review, relearn, filtered); 4/5 are manual reschedules.
ANSWER_KINDS = (0, 1, 2, 3)


# Remembering the ids of the rows at the highest usn guards against a server stamping two uploads alike; after a
# full sync every row has the same usn, so past this many rows we rely on the server's usn always growing.
KNOWN_ROWS_LIMIT = 100_000


@dataclass(frozen=True)
class SyncMarker:
    floor_usn: int  # rows that arrive have a usn >= this
    known_ids: frozenset[int]  # rows at or above floor_usn that were here before the sync (ours)


def mark_before_sync(col: Collection) -> SyncMarker:
    """Cheap (indexed on usn): call on the main thread just before the sync starts."""
    max_usn = int(db(col).scalar("select coalesce(max(usn), -1) from revlog where usn >= 0"))
    rows_at_max = db(col).scalar("select count() from revlog where usn = ?", max_usn)
    if rows_at_max <= KNOWN_ROWS_LIMIT:
        known = db(col).list("select id from revlog where usn = -1 or usn >= ?", max_usn)
        return SyncMarker(max_usn, frozenset(known))
    return SyncMarker(max_usn + 1, frozenset(db(col).list("select id from revlog where usn = -1")))


def cards_reviewed_elsewhere(col: Collection, marker: SyncMarker) -> list[int]:
    """Ids of existing cards with answers that arrived in the sync after `marker` was taken, oldest first."""
    kinds = ",".join(str(k) for k in ANSWER_KINDS)
    rows = db(col).all(
        f"select r.id, r.cid from revlog r join cards c on c.id = r.cid "
        f"where r.usn >= ? and r.ease > 0 and r.type in ({kinds}) order by r.id",
        marker.floor_usn,
    )
    seen: dict[int, None] = {}
    for revlog_id, card_id in rows:
        if revlog_id not in marker.known_ids:
            seen.setdefault(card_id, None)
    return list(seen)


def reschedule_reviewed_elsewhere(
    col: Collection, scheduler: Any, marker: SyncMarker, shaping: bool = False
) -> Any | None:
    """After a sync: reschedule the cards answered on other devices, as one undo step. None when there were none."""
    from .reschedule_ops import plan_and_apply

    card_ids = cards_reviewed_elsewhere(col, marker)
    if not card_ids:
        return None
    return plan_and_apply(col, scheduler, card_ids, name=f"Reschedule after sync ({scheduler.name})", shaping=shaping)
