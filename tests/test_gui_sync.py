"""After sync: find the cards answered on other devices, with two collections syncing through Anki's own sync
server on loopback, and reschedule exactly those with the plug-in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from anki.collection import Collection
from gui_helpers import add_cards, answer, card_state, sync, sync_server

from polar_bridge.schedulers import load_scheduler
from polar_bridge.sync_detect import cards_reviewed_elsewhere, mark_before_sync, reschedule_reviewed_elsewhere


@pytest.fixture
def two_devices(tmp_path: Path):
    """Device A (this Anki) and device B (another computer) sharing one account; yields (a, b, auth, card ids)."""
    with sync_server(tmp_path / "server") as endpoint:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        a = Collection(str(tmp_path / "a" / "collection.anki2"))
        b = Collection(str(tmp_path / "b" / "collection.anki2"))
        try:
            auth = a.sync_login("user", "pass", endpoint)
            card_ids = add_cards(a, 6)
            answer(a, card_ids, 3)
            sync(a, auth, upload_if_full=True)
            sync(b, auth, upload_if_full=False)
            assert b.card_count() == 6
            yield a, b, auth, card_ids
        finally:
            a.close()
            b.close()


def test_only_cards_answered_on_the_other_device_are_found(two_devices):
    a, b, auth, card_ids = two_devices
    answer(b, card_ids[:2], 3)  # reviewed on B, not yet synced
    time.sleep(0.01)  # revlog ids are millisecond times; Anki's sync drops a row whose id already exists
    answer(a, [card_ids[5]], 3)  # reviewed here, not yet synced
    sync(b, auth, upload_if_full=False)

    marker = mark_before_sync(a)
    sync(a, auth, upload_if_full=False)
    assert sorted(cards_reviewed_elsewhere(a, marker)) == sorted(card_ids[:2])

    # A second sync with nothing new finds nothing.
    marker = mark_before_sync(a)
    sync(a, auth, upload_if_full=False)
    assert cards_reviewed_elsewhere(a, marker) == []


def test_review_made_offline_before_our_last_sync_still_counts(two_devices):
    """B reviews offline; A syncs later than B's review but before B's upload: the review's time is older than
    A's last sync, yet it must be found when it arrives."""
    a, b, auth, card_ids = two_devices
    answer(b, [card_ids[3]], 3)  # B offline
    marker = mark_before_sync(a)
    sync(a, auth, upload_if_full=False)  # A syncs: nothing from B yet
    assert cards_reviewed_elsewhere(a, marker) == []
    sync(b, auth, upload_if_full=False)  # B comes online
    marker = mark_before_sync(a)
    sync(a, auth, upload_if_full=False)
    assert cards_reviewed_elsewhere(a, marker) == [card_ids[3]]


def test_after_sync_the_receiving_side_shows_the_plugin_due_dates(two_devices, tmp_path: Path):
    a, b, auth, card_ids = two_devices
    scheduler = load_scheduler("example", tmp_path)
    answer(b, card_ids[:3], 3)
    sync(b, auth, upload_if_full=False)

    marker = mark_before_sync(a)
    sync(a, auth, upload_if_full=False)
    anki_states = [card_state(a, cid) for cid in card_ids]
    outcome = reschedule_reviewed_elsewhere(a, scheduler, marker)

    assert outcome is not None and outcome.report.rescheduled == 3
    assert a.undo_status().undo == "Reschedule after sync (example)"
    # Those three now carry the plug-in's schedule (example: two good answers -> review card, 2.5**2 days);
    # the others keep Anki's.
    assert all(card_state(a, cid)[0] == 2 for cid in card_ids[:3])
    assert [card_state(a, cid) for cid in card_ids[:3]] != anki_states[:3]
    assert [card_state(a, cid) for cid in card_ids[3:]] == anki_states[3:]

    # ...and they travel to the other device with the next sync.
    sync(a, auth, upload_if_full=False)
    sync(b, auth, upload_if_full=False)
    assert [card_state(b, cid) for cid in card_ids] == [card_state(a, cid) for cid in card_ids]


def test_after_a_full_sync_the_marker_stays_small_and_still_finds_the_other_devices_reviews(two_devices, monkeypatch):
    from polar_bridge import sync_detect

    a, b, auth, card_ids = two_devices
    monkeypatch.setattr(sync_detect, "KNOWN_ROWS_LIMIT", 3)  # the full upload left 6 rows at one usn
    marker = mark_before_sync(a)
    assert len(marker.known_ids) == 0
    answer(b, [card_ids[0]], 3)
    sync(b, auth, upload_if_full=False)
    sync(a, auth, upload_if_full=False)
    assert cards_reviewed_elsewhere(a, marker) == [card_ids[0]]
