"""The original schedule: every card's scheduling saved before the add-on first changes it, and its restore.

Stored as a file next to the collection (not in the collection's config): it can be tens of MB for 1M cards and
must not be synced. Format: magic, version, count, then zlib-compressed int64 columns
(id, type, queue, due, ivl, factor, left, odue, odid), sorted by id.
"""

from __future__ import annotations

import os
import struct
import zlib
from array import array
from collections.abc import Iterator
from itertools import islice
from operator import le
from pathlib import Path
from typing import TYPE_CHECKING

from .card_reader import CARD_COLUMNS, CardRow, home_queue, id_lists, int_columns, pages
from .card_writer import CardUpdate, batched, write_as_one_step
from .collection_db import db as collection_db

if TYPE_CHECKING:
    from anki.collection import Collection

_SNAPSHOT_MAGIC = b"PBOS"
_SNAPSHOT_VERSION = 1
_SNAPSHOT_FIELDS = ("id", "type", "queue", "due", "ivl", "factor", "left", "odue", "odid")
_SNAPSHOT_COLUMNS = ", ".join(_SNAPSHOT_FIELDS)


def original_schedule_path(col: Collection) -> Path:
    collection = Path(col.path)
    return collection.with_name(collection.stem + ".polar-bridge-original-schedule.bin")


def has_original_schedule(col: Collection) -> bool:
    return original_schedule_path(col).is_file()


def _read_snapshot(col: Collection) -> list[array]:
    path = original_schedule_path(col)
    raw = path.read_bytes()
    if raw[:4] != _SNAPSHOT_MAGIC:
        raise ValueError(f"{path} is not an original-schedule file")
    version, count = struct.unpack("<II", raw[4:12])
    if version != _SNAPSHOT_VERSION:
        raise ValueError(f"{path}: unsupported version {version}")
    body = zlib.decompress(raw[12:])
    columns = []
    width = count * 8
    for k in range(len(_SNAPSHOT_FIELDS)):
        column = array("q")
        column.frombytes(body[k * width : (k + 1) * width])
        columns.append(column)
    return columns


def _write_snapshot(col: Collection, columns: list[array]) -> None:
    path = original_schedule_path(col)
    body = zlib.compress(b"".join(c.tobytes() for c in columns), 1)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(_SNAPSHOT_MAGIC + struct.pack("<II", _SNAPSHOT_VERSION, len(columns[0])) + body)
    os.replace(tmp, path)


def save_original_schedule(col: Collection) -> None:
    """Record the scheduling of every card not yet recorded (all cards on the first call).

    Cards are only ever added, never overwritten, so the snapshot keeps Anki's own schedule from before the first
    reschedule; cards learned later are added before the run that first touches them.
    """
    if has_original_schedule(col):
        existing = _read_snapshot(col)
        known = set(existing[0])
        missing = [cid for cid in int_columns(col, ["id"], "cards")[0] if cid not in known]
        if not missing:
            return
        for id_list in id_lists(missing):
            rows = collection_db(col).all(f"select {_SNAPSHOT_COLUMNS} from cards where id in {id_list}")
            for column, values in zip(existing, zip(*rows)):
                column.extend(values)
    else:
        existing = [array("q", values) for values in int_columns(col, _SNAPSHOT_FIELDS, "cards")]
    ids = existing[0]
    if not all(map(le, ids, islice(ids, 1, None))):  # in id order already (a table scan's order), checked in C
        order = sorted(range(len(ids)), key=ids.__getitem__)
        existing = [array("q", (column[i] for i in order)) for column in existing]
    _write_snapshot(col, existing)


def restore_original_schedule(col: Collection) -> int:
    """Put every recorded card back to its saved scheduling; one undo step, all or nothing. Returns the number of
    cards restored.

    The snapshot file is kept, so a later run followed by another restore goes back to the same original.
    """
    if not has_original_schedule(col):
        return 0
    columns = _read_snapshot(col)
    saved = {columns[0][i]: i for i in range(len(columns[0]))}
    changed = [card for card in _restored_cards(col, columns, saved)]
    if changed:
        write_as_one_step(col, "Restore original schedule", batched(changed)())
    return len(changed)


def _restored_cards(col: Collection, columns: list[array], saved: dict[int, int]) -> Iterator[CardUpdate]:
    """The saved schedule of the cards whose schedule differs from it, to write."""
    for rows in pages(col, CARD_COLUMNS):
        for row in map(CardRow._make, rows):
            i = saved.get(row.id)
            if i is None:
                continue
            s_type, s_queue, s_due, s_ivl, s_factor, s_left, s_odue, s_odid = (c[i] for c in columns[1:])
            if bool(row.odid) == bool(s_odid):
                queue, due, odue = s_queue, s_due, s_odue
                if row.odid:
                    queue, due = row.queue, row.due  # keep its place in the current filtered deck
            elif s_odid:  # was in a filtered deck, now home: its home schedule was in odue
                due, odue = (s_odue or s_due), 0
                queue = s_queue if s_queue < 0 else home_queue(s_type, s_queue, due)
            else:  # was home, now in a filtered deck: the home schedule goes to odue
                queue, due, odue = row.queue, row.due, s_due
            if (row.type, row.queue, row.due, row.ivl, row.factor, row.left, row.odue) == (
                s_type,
                queue,
                due,
                s_ivl,
                s_factor,
                s_left,
                odue,
            ):
                continue
            yield row, s_type, queue, due, s_ivl, s_left, odue, s_factor
