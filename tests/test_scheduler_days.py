"""Anki day numbering across a daylight-saving change (pure computation, local time zone switched for the test)."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

from polar_bridge.scheduler import AnkiDays


@pytest.fixture
def berlin_time():
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def local(*args: int) -> float:
    return datetime(*args).timestamp()


def test_days_start_at_rollover_hour_across_dst_change(berlin_time) -> None:
    # today = day 100 runs from 2026-03-28 04:00 to 2026-03-29 04:00; the clocks jump forward at 02:00 on the 29th,
    # so day 100 is only 23 hours long
    days = AnkiDays(today=100, day_cutoff=int(local(2026, 3, 29, 4)), now=local(2026, 3, 28, 12))
    assert days.day_start(100) == local(2026, 3, 28, 4)
    assert days.day_start(102) == local(2026, 3, 30, 4)
    assert days.day_start(101) - days.day_start(100) == 23 * 3600
    assert days.day_start(102) - days.day_start(101) == 24 * 3600
    assert days.day_of(local(2026, 3, 29, 3, 59)) == 100
    assert days.day_of(local(2026, 3, 29, 4, 0)) == 101
    assert days.day_of(local(2026, 3, 28, 3, 30)) == 99  # 24-hour steps back from the cutoff would say 100
    assert days.day_of(local(2026, 3, 28, 4, 30)) == 100
    assert days.day_of(local(2026, 3, 30, 4, 0)) == 102
    assert days.day_of(local(2026, 4, 10, 4, 0) - 1) == 112
    assert days.day_of(local(2026, 3, 1, 4, 0)) == 73
    assert days.day_of(local(2026, 3, 1, 3, 59)) == 72
