"""`read_ahead`: the next chunk is read in a helper thread, in order, errors reach the caller, nothing is left
running when the caller stops."""

from __future__ import annotations

import threading
import time

import pytest

from polar_bridge.read_ahead import read_ahead


def test_chunks_come_in_order_with_their_loads_and_the_next_is_read_while_the_caller_works() -> None:
    events: list[str] = []
    caller = threading.current_thread()

    loaded_events = {chunk: threading.Event() for chunk in (1, 2, 3)}

    def load(chunk: int) -> int:
        assert threading.current_thread() is not caller  # the reads happen off the caller's thread
        events.append(f"load {chunk}")
        loaded_events[chunk].set()
        return chunk * 10

    def settle(loaded: int) -> None:
        assert threading.current_thread() is caller
        events.append(f"settle {loaded}")

    got = []
    for chunk, loaded in read_ahead(iter([1, 2, 3]), load, settle):
        if chunk < 3:  # the caller works on this chunk; the next one is read meanwhile
            assert loaded_events[chunk + 1].wait(5)
        events.append(f"work {chunk}")
        got.append((chunk, loaded))
    assert got == [(1, 10), (2, 20), (3, 30)]
    # each chunk is settled before the next read starts, and read before the caller is done with the one before
    assert events == ["load 1", "settle 10", "load 2", "work 1", "settle 20", "load 3", "work 2", "settle 30", "work 3"]


def test_an_error_of_a_read_reaches_the_caller_after_the_chunks_before_it() -> None:
    def load(chunk: int) -> int:
        if chunk == 2:
            raise ValueError("the collection is closed")
        return chunk

    got = []
    with pytest.raises(ValueError, match="the collection is closed"):
        for chunk, _ in read_ahead(iter([1, 2, 3]), load):
            got.append(chunk)
    assert got == [1]


def test_a_caller_that_stops_early_leaves_no_read_running() -> None:
    running = threading.Event()
    finished: list[int] = []

    def load(chunk: int) -> int:
        running.set()
        time.sleep(0.1)
        finished.append(chunk)
        return chunk

    chunks = read_ahead(iter(range(100)), load)
    for chunk, _ in chunks:
        if chunk == 0:
            running.clear()
            running.wait(1)  # the read of chunk 1 is under way
            break
    chunks.close()
    assert finished == [0, 1]  # the read under way was finished, none was started after
    assert not [t for t in threading.enumerate() if t.name.startswith("polar-bridge-read-ahead")]


def test_reading_several_chunks_ahead_keeps_the_order_and_a_caller_that_stops_early_starts_no_more_reads() -> None:
    """With ``depth`` 3 (apply's re-read of the cards, so the reads are done before the writes start): the next
    three chunks are read while the caller still works on the first, and a caller that stops early leaves the reads
    not yet started unread."""
    three_ahead = threading.Event()
    five_started = threading.Event()
    release = threading.Event()
    loaded: list[int] = []

    def load(chunk: int) -> int:
        if chunk == 5:
            five_started.set()
            release.wait(5)  # a slow read: under way when the caller stops
        loaded.append(chunk)
        if chunk == 3:
            three_ahead.set()
        return chunk * 10

    chunks = read_ahead(iter(range(100)), load, depth=3)
    assert next(chunks) == (0, 0)
    assert three_ahead.wait(5)  # chunks 1..3 read while the caller has not asked for them
    assert loaded == [0, 1, 2, 3]
    assert [next(chunks) for _ in range(3)] == [(1, 10), (2, 20), (3, 30)]  # 5 is being read, 6 is queued
    assert five_started.wait(5)
    threading.Timer(0.2, release.set).start()
    chunks.close()  # waits for the read under way (5); the queued read (6) never starts
    assert loaded == [0, 1, 2, 3, 4, 5]
