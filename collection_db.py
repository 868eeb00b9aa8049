"""The open collection's database, typed: ``Collection.db`` is ``None`` only once the collection is closed.

Domain code runs on an open collection (the GUI and the server check first), so a closed one here is a bug and
raises instead of failing later with ``'NoneType' object has no attribute``. Pure domain code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.dbproxy import DBProxy


def db(col: Collection) -> DBProxy:
    database = col.db
    if database is None:
        raise RuntimeError("the collection is closed")
    return database
