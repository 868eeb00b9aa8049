"""Reading the next chunk of a bulk read while the caller works on this one.

Anki's backend lets other Python threads run while it executes a query (the SQL runs in Rust without Python's
lock), so a query for the next chunk run in a helper thread proceeds on the second core while the caller's Python
works through the current chunk; a reschedule of 100,000 cards spends seconds in such queries. Only reads go to the
helper thread, one at a time and in order; the collection's own lock serialises them with the caller's queries.
Pure domain code.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

Chunk = TypeVar("Chunk")
Loaded = TypeVar("Loaded")


def read_ahead(
    chunks: Iterator[Chunk],
    load: Callable[[Chunk], Loaded],
    settle: Callable[[Loaded], None] | None = None,
    depth: int = 1,
) -> Iterator[tuple[Chunk, Loaded]]:
    """Each of ``chunks`` with ``load(chunk)``, in order; the next chunk and its load (the next ``depth`` ones) are
    read in a helper thread while the caller works on the one it was given.

    ``settle(loaded)`` runs in the caller's thread before the next read starts (with ``depth`` 1): queries the
    caller cannot avoid for a chunk (e.g. a second, dependent query) go there, so they do not wait behind the next
    chunk's read.
    An error of the helper thread is raised here; if the caller stops early, the read in progress is finished
    (never abandoned half-way in the backend) before this generator closes.
    """

    def fetch() -> tuple[Chunk, Loaded] | None:
        chunk = next(chunks, None)
        return None if chunk is None else (chunk, load(chunk))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="polar-bridge-read-ahead") as pool:
        # one worker: the reads run one at a time, in order
        pending: deque[Future[tuple[Chunk, Loaded] | None]] = deque(pool.submit(fetch) for _ in range(depth))
        try:
            while True:
                item = pending.popleft().result()
                if item is None:
                    return
                if settle is not None:
                    settle(item[1])
                pending.append(pool.submit(fetch))
                yield item
        finally:
            for future in pending:
                future.cancel()  # reads not started yet; the one in progress is finished by the pool's shutdown
