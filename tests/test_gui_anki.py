"""End-to-end in a real Anki with the add-on installed: menu actions are triggered by a test script that the
add-on runs when POLAR_BRIDGE_TEST_SCRIPT is set (see tests/driver_addon/); afterwards the collection is checked."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from anki.collection import Collection
from gui_helpers import add_cards, answer, run_script_in_anki

from polar_bridge.due_shaping import constrained_fuzz_bounds

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def reviewed_collection(count: int = 8):
    def prepare(col: Collection) -> None:
        card_ids = add_cards(col, count)
        answer(col, card_ids, 3)

    return prepare


def db_rows(collection_path: Path) -> dict[str, list]:
    col = Collection(str(collection_path))
    try:
        return {str(r[0]): list(r[1:]) for r in col.db.all("select id, type, queue, due, ivl from cards order by id")}
    finally:
        col.close()


def test_tools_reschedule_preview_apply_is_one_undo_step(start_anki, tmp_path: Path):
    ARTIFACTS.mkdir(exist_ok=True)
    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        f"""
        results["before"] = card_rows()
        results["menu"] = [a.text() for a in mw.form.menuTools.actions()]
        addon.state.menu_actions["Reschedule…"].trigger()
        dialog = wait_until(lambda: addon.state.current_preview, what="the preview dialog")
        pump(0.5)
        dialog.grab().save({str(ARTIFACTS / "anki_preview_dialog.png")!r})
        results["summary"] = dialog.summary.text()
        results["unchanged_while_previewing"] = card_rows() == results["before"]
        dialog.apply_button().click()
        wait_until(lambda: idle() and undo_text() != "Undo Grade Now", what="the apply op")
        results["after"] = card_rows()
        results["undo"] = undo_text()
        # One Undo takes everything back; Redo puts it back (what a user does with Edit > Undo / Redo).
        mw.undo()
        wait_until(idle)
        results["after_undo"] = card_rows()
        mw.redo()
        wait_until(idle)
        results["after_redo"] = card_rows()
        finish()
    """,
        config={"scheduler": "example"},
        prepare=reviewed_collection(),
    )

    assert "Reschedule…" in results["menu"] and "Restore original schedule…" in results["menu"]
    assert "8 cards get a new due date" in results["summary"]
    assert results["unchanged_while_previewing"]
    assert results["undo"] == "Undo Reschedule (example)"
    assert results["after"] != results["before"]
    assert all(row[0] == 2 for row in results["after"].values())
    assert results["after_undo"] == results["before"]
    assert results["after_redo"] == results["after"]
    assert db_rows(running.collection_path) == results["after"], "the write reached the collection file"


SLOW_PLUGIN = {
    "slow": """
    import time

    def interval(card):
        time.sleep(0.001)
        return 3 * 86400
"""
}


def test_cancel_during_reschedule_writes_nothing_and_anki_stays_responsive(start_anki, tmp_path: Path):
    ARTIFACTS.mkdir(exist_ok=True)
    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        from aqt.qt import QPushButton
        results["before"] = card_rows()
        undo_before = undo_text()
        addon.state.menu_actions["Reschedule…"].trigger()
        button = wait_until(lambda: mw.progress._win and mw.progress._win.findChild(QPushButton, "polarBridgeCancel"),
                            what="the progress window's Cancel button")
        ticks = []
        timer_start = time.monotonic()
        while time.monotonic() - timer_start < 0.5:   # the main thread keeps handling events meanwhile
            QApplication.processEvents()
            ticks.append(1)
            time.sleep(0.01)
        results["events_handled_while_running"] = len(ticks)
        results["op_still_running"] = bool(mw._background_op_count)
        wait_until(lambda: mw.progress._win.isVisible(), what="the progress window")
        pump(0.3)
        mw.progress._win.grab().save(ARTIFACT)
        button.click()
        wait_until(idle, timeout=120, what="the op to stop")
        results["unchanged"] = card_rows() == results["before"]
        results["undo_unchanged"] = undo_text() == undo_before
        results["no_error_dialog"] = not message_boxes()
        finish()
    """,
        config={"scheduler": "slow:interval", "showPreview": False},
        plugins=SLOW_PLUGIN,
        variables={"ARTIFACT": str(ARTIFACTS / "progress_cancel.png")},
        prepare=reviewed_collection(5000),
        timeout=300,
    )
    assert results["events_handled_while_running"] > 10 and results["op_still_running"]
    assert results["unchanged"] and results["undo_unchanged"] and results["no_error_dialog"]


def test_restore_original_schedule_after_reschedule(start_anki, tmp_path: Path):
    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        addon.gui.update_menu_state(mw, addon.state)
        results["restore_enabled_at_start"] = addon.state.menu_actions["Restore original schedule…"].isEnabled()
        results["train_enabled"] = addon.state.menu_actions["Train scheduler…"].isEnabled()
        results["before"] = card_rows()
        addon.state.menu_actions["Reschedule…"].trigger()          # showPreview false: writes directly
        wait_until(lambda: idle() and undo_text() == "Undo Reschedule (example)", what="reschedule")
        results["rescheduled"] = card_rows()
        addon.gui.update_menu_state(mw, addon.state)
        results["restore_enabled_after"] = addon.state.menu_actions["Restore original schedule…"].isEnabled()
        addon.state.menu_actions["Restore original schedule…"].trigger()
        results["question"] = click_message_box("Restore")
        wait_until(lambda: idle() and undo_text() != "Undo Reschedule (example)", what="restore")
        results["restored"] = card_rows()
        results["undo"] = undo_text()
        finish()
    """,
        config={"scheduler": "example", "showPreview": False},
        prepare=reviewed_collection(),
    )
    assert results["restore_enabled_at_start"] is False
    assert results["train_enabled"] is False, "the example scheduler has no train()"
    assert results["restore_enabled_after"] is True
    assert "back on the due date" in results["question"]
    assert results["rescheduled"] != results["before"]
    assert results["restored"] == results["before"]
    assert results["undo"].startswith("Undo ") and "Reschedule (example)" not in results["undo"]
    assert db_rows(running.collection_path) == results["before"]


def test_browser_reschedules_only_the_selected_cards(start_anki, tmp_path: Path):
    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        import aqt
        from aqt.qt import QMenu
        results["before"] = card_rows()
        browser = aqt.dialogs.open("Browser", mw)
        wait_until(lambda: browser.table.len() > 0, what="browser rows")
        from aqt.qt import QItemSelectionModel
        view = browser.table._view
        view.selectRow(0)
        view.selectionModel().select(view.model().index(2, 0), QItemSelectionModel.SelectionFlag.Select
                                     | QItemSelectionModel.SelectionFlag.Rows)
        pump(0.2)
        selected = [int(c) for c in browser.selected_cards()]
        results["selected"] = [str(c) for c in selected]
        [cards_action] = [a for a in browser.form.menu_Cards.actions()
                          if a.objectName() == "polarBridgeRescheduleSelected"]
        results["cards_menu_text"] = cards_action.text()
        menu = QMenu()
        addon.gui.browser_glue.on_browser_will_show_context_menu(addon.state, browser, menu)
        results["context_menu"] = [a.text() for a in menu.actions() if a.text()]
        cards_action.trigger()
        dialog = wait_until(lambda: addon.state.current_preview, what="the preview dialog")
        results["summary"] = dialog.summary.text()
        dialog.apply_button().click()
        wait_until(lambda: idle() and undo_text() == "Undo Reschedule (example)", what="apply")
        results["after"] = card_rows()
        browser.close()
        finish()
    """,
        config={"scheduler": "example"},
        prepare=reviewed_collection(5),
    )
    assert results["cards_menu_text"] == "Reschedule selected cards…"
    assert "Reschedule selected cards…" in results["context_menu"]
    assert len(results["selected"]) == 2
    assert "2 cards get a new due date" in results["summary"]
    changed = {cid for cid in results["before"] if results["before"][cid] != results["after"][cid]}
    assert changed == set(results["selected"])


BAD_PLUGIN = {
    "bad": """
    def interval(card):
        return float("nan") if card.card_id % 2 else -1
"""
}


def test_plugin_error_shows_one_dialog_and_writes_nothing(start_anki, tmp_path: Path):
    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        results["before"] = card_rows()
        addon.state.menu_actions["Reschedule…"].trigger()
        wait_until(lambda: idle() and message_boxes(), what="the error dialog")
        box = message_boxes()[0]
        results["title"] = box.windowTitle()
        results["boxes"] = len(message_boxes())
        results["message"] = click_message_box()
        pump(0.3)
        results["unchanged"] = card_rows() == results["before"]
        results["undo"] = undo_text()
        results["still_running"] = mw.col is not None and mw.isVisible()
        finish()
    """,
        config={"scheduler": "bad:interval"},
        plugins=BAD_PLUGIN,
        prepare=reviewed_collection(3),
    )
    assert results["boxes"] == 1
    assert "bad:interval" in results["message"]
    assert "Card: " in results["message"] and ("nan" in results["message"] or "-1" in results["message"])
    assert "Nothing was changed" in results["message"]
    assert results["unchanged"] and results["still_running"]
    assert "Reschedule" not in results["undo"]


def review_script(artifact: str, answer_ease: int) -> str:
    return f"""
        from aqt.qt import QPushButton
        mw.col.decks.select(mw.col.decks.id("Default"))
        mw.col.set_config("estTimes", True)
        mw.moveToState("review")
        wait_until(lambda: mw.state == "review" and mw.reviewer.card is not None, what="the reviewer")
        card = mw.reviewer.card
        results["card"] = str(card.id)
        results["before"] = card_rows()[str(card.id)]
        # the intervals of the card's preset's scheduler, and the day shaping the reschedule will apply
        config = addon.gui.settings.current_config()
        intervals, day_for = addon.gui.review.plugin_intervals(addon.state, mw.col, card, config)
        results["intervals"] = {{str(k): v for k, v in intervals.items()}}
        label = addon.gui.review.format_interval
        results["expected_labels"] = {{str(k): label(mw.col, v, None, day_for) for k, v in intervals.items()}}
        wait_until(lambda: mw.reviewer.state == "question", what="the question")
        pump(0.5)
        mw.reviewer._showAnswer()
        seen = []
        def read_buttons():
            mw.reviewer.bottom.web.evalWithCallback(
                "Array.from(document.querySelectorAll('button[data-ease]')).map(b => "
                "[b.dataset.ease, (b.querySelector('.polar-ivl') || {{}}).textContent || null, "
                "Array.from(b.querySelectorAll('.nobold')).filter(s => getComputedStyle(s).display != 'none')"
                ".map(s => s.textContent)])",
                lambda value: seen.append(value))
        polls = []
        def buttons_ready():
            if not seen:
                read_buttons()
                pump(0.1)
                return False
            value = seen.pop()
            if not value:
                polls.append(1)
                if len(polls) % 20 == 0:
                    # on a busy machine the reviewer's page may not have been ready for the first show-answer
                    mw.reviewer._showAnswer()
            return value if value else False
        buttons = wait_until(buttons_ready, what="the answer buttons")
        results["buttons"] = buttons
        pump(0.5)
        mw.grab().save({artifact!r})
        answered_at = time.time()
        mw.reviewer._answerCard({answer_ease})
        wait_until(lambda: idle() and card_rows()[str(card.id)] != results["before"], what="the answer")
        pump(0.3)
        results["after"] = card_rows()[str(card.id)]
        results["today"] = mw.col.sched.today
        from importlib import import_module
        days = import_module(addon.__name__ + ".scheduler").AnkiDays.from_collection(mw.col)
        good = results["intervals"].get("3")
        results["exact_ivl"] = days.day_of(answered_at + good) - days.today if good else None
        from anki.lang import FormatTimeSpan
        results["good_label_for_written_ivl"] = mw.col.format_timespan(
            results["after"][3] * 86400, context=FormatTimeSpan.ANSWER_BUTTONS)
        results["answered_at"] = answered_at
        results["undo"] = undo_text()
        mw.undo()
        wait_until(lambda: idle() and card_rows()[str(card.id)] == results["before"], timeout=20, what="undo")
        results["after_undo"] = card_rows()[str(card.id)]
        results["redo"] = mw.form.actionRedo.text()
        finish()
    """


def test_reviewer_buttons_show_plugin_intervals_and_answer_follows_them_in_one_undo_step(start_anki, tmp_path: Path):
    ARTIFACTS.mkdir(exist_ok=True)

    def prepare(col: Collection) -> None:
        add_cards(col, 3)

    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        review_script(str(ARTIFACTS / "reviewer_answer_buttons.png"), 3),
        config={"scheduler": "example", "rescheduleAfterReview": True},
        prepare=prepare,
    )

    expected = results["expected_labels"]
    shown = {ease: (own, visible) for ease, own, visible in results["buttons"]}
    assert set(shown) == {"1", "2", "3", "4"}
    for ease, (own, visible) in shown.items():
        assert own == expected[ease], f"button {ease} shows the plug-in's interval"
        assert visible == [expected[ease]], f"button {ease}: Anki's own interval is hidden"
    # Good on a new card: example gives 2.5 days -> a review card due on the day that contains answer + 2.5 d,
    # and the Good button said exactly that many days.
    ctype, queue, due, ivl = results["after"]
    good = results["intervals"]["3"]
    assert (ctype, queue) == (2, 2)
    assert due - results["today"] == ivl
    assert abs(results["exact_ivl"] * 86400 - good) <= 86400
    lower, upper = constrained_fuzz_bounds(float(results["exact_ivl"]), 1, 36_500)
    assert lower <= ivl <= upper, "the exact day or Anki's fuzz range around it (due-day shaping is on)"
    assert results["good_label_for_written_ivl"] == expected["3"]
    assert results["undo"] == "Undo Answer Card"
    assert results["after_undo"] == results["before"], "one Undo takes back the answer and the reschedule"
    assert db_rows(running.collection_path)[results["card"]] == results["before"]


def test_without_after_review_setting_buttons_and_answers_are_ankis(start_anki, tmp_path: Path):
    def prepare(col: Collection) -> None:
        add_cards(col, 2)

    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        review_script(str(tmp_path / "unused.png"), 3),
        config={"scheduler": "example", "rescheduleAfterReview": False},
        prepare=prepare,
    )
    assert all(own is None for _, own, _ in results["buttons"])
    assert results["after"][0] == 1, "Anki's own learning step, not the plug-in's 2.5 days"


TRAINABLE_PLUGIN = {
    "trainable": """
    def interval(card, params):
        return params.get("days", 1) * 86400

    def train(histories):
        return {"days": 10 + len(list(histories))}
"""
}


def test_train_stores_params_that_the_next_reschedule_uses(start_anki, tmp_path: Path):
    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        import json
        addon.gui.update_menu_state(mw, addon.state)
        results["train_enabled"] = addon.state.menu_actions["Train scheduler…"].isEnabled()
        addon.state.menu_actions["Train scheduler…"].trigger()
        params_file = addon.gui.settings.user_files_dir() / "trained_params.json"
        wait_until(lambda: idle() and params_file.exists(), what="training")
        results["stored"] = json.loads(params_file.read_text())
        addon.state.menu_actions["Reschedule…"].trigger()
        wait_until(lambda: idle() and undo_text() == "Undo Reschedule (trainable:interval)", what="reschedule")
        results["ivls"] = sorted({row[3] for row in card_rows().values()})
        finish()
    """,
        config={"scheduler": "trainable:interval", "showPreview": False, "dueShaping": False},
        plugins=TRAINABLE_PLUGIN,
        prepare=reviewed_collection(4),
    )
    assert results["train_enabled"] is True
    assert results["stored"] == {"trainable:interval": {"days": 14}}
    assert results["ivls"] == [14]


def test_plugin_error_after_a_review_keeps_ankis_answer_and_shows_one_dialog(start_anki, tmp_path: Path):
    def prepare(col: Collection) -> None:
        add_cards(col, 2)

    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        """
        mw.col.decks.select(mw.col.decks.id("Default"))
        mw.moveToState("review")
        wait_until(lambda: mw.state == "review" and mw.reviewer.card is not None, what="the reviewer")
        card = mw.reviewer.card
        before = card_rows()[str(card.id)]
        wait_until(lambda: mw.reviewer.state == "question", what="the question")
        pump(0.3)
        mw.reviewer._showAnswer()
        pump(0.5)
        results["boxes_before_answer"] = len(message_boxes())
        mw.reviewer._answerCard(3)
        wait_until(lambda: idle() and message_boxes(), what="the error dialog")
        results["boxes"] = len(message_boxes())
        results["message"] = click_message_box()
        results["after"] = card_rows()[str(card.id)]
        results["undo"] = undo_text()
        results["reviewer_goes_on"] = mw.state == "review"
        finish()
    """,
        config={"scheduler": "bad:interval", "rescheduleAfterReview": True},
        plugins=BAD_PLUGIN,
        prepare=prepare,
    )
    assert results["boxes_before_answer"] == 0, "a failing plug-in does not break showing the answer"
    assert results["boxes"] == 1
    assert "bad:interval" in results["message"] and "Card: " in results["message"]
    assert "Anki's own schedule" in results["message"]
    assert results["after"][0] == 1, "Anki's own answer (learning step) stays"
    assert results["undo"] == "Undo Answer Card"
    assert results["reviewer_goes_on"]


def test_sync_in_real_anki_reschedules_cards_reviewed_on_another_device(start_anki, tmp_path: Path):
    """Device B (a plain collection here) reviews; real Anki (device A) presses Sync: the add-on reschedules
    exactly B's cards with the plug-in, as one undo step; A's close-sync carries that back to B."""
    from gui_helpers import card_state, sync, sync_server

    with sync_server(tmp_path / "server") as endpoint:
        (tmp_path / "b").mkdir()
        device_b = Collection(str(tmp_path / "b" / "collection.anki2"))
        shared: dict = {}

        def prepare(col: Collection) -> None:
            card_ids = add_cards(col, 6)
            answer(col, card_ids, 3)
            auth = col.sync_login("user", "pass", endpoint)
            sync(col, auth, upload_if_full=True)
            sync(device_b, auth, upload_if_full=False)
            answer(device_b, card_ids[:2], 3)
            sync(device_b, auth, upload_if_full=False)
            shared.update(card_ids=card_ids, hkey=auth.hkey, auth=auth)

        try:
            script = f"""
                mw.pm.set_custom_sync_url({endpoint!r})
                mw.pm.set_sync_key(HKEY)
                mw.pm.set_sync_username("user")
                mw.pm.profile["syncMedia"] = False
                results["before"] = card_rows()
                mw.on_sync_button_clicked()
                wait_until(lambda: idle() and undo_text().startswith("Undo Reschedule after sync"), timeout=60,
                           what="sync and the after-sync reschedule")
                results["after"] = card_rows()
                results["undo"] = undo_text()
                finish()
            """
            # The hkey is only known after prepare() ran; the script reads it from a file written there.
            results, running = run_script_in_anki(
                start_anki,
                tmp_path,
                "HKEY = open(__file__ + '.hkey').read()\n" + textwrap.dedent(script),
                config={"scheduler": "example", "rescheduleAfterSync": True},
                prepare=lambda col: (prepare(col), (tmp_path / "script.py.hkey").write_text(shared["hkey"])),
            )
            card_ids = [str(cid) for cid in shared["card_ids"]]
            changed = {cid for cid in card_ids if results["before"][cid] != results["after"][cid]}
            assert changed == set(card_ids[:2]), "exactly the cards reviewed on device B"
            assert all(results["after"][cid][0] == 2 for cid in card_ids[:2])
            assert results["undo"] == "Undo Reschedule after sync (example)"

            # Anki synced again when it closed: device B now sees the plug-in's due dates too.
            sync(device_b, shared["auth"], upload_if_full=False)
            for cid in card_ids:
                assert list(card_state(device_b, int(cid))) == results["after"][cid]
        finally:
            device_b.close()


def test_again_on_the_reviewer_gives_the_plugins_exact_minutes(start_anki, tmp_path: Path):
    def prepare(col: Collection) -> None:
        card_ids = add_cards(col, 2)
        answer(col, card_ids, 3)
        answer(col, card_ids, 3)  # review cards with history; example: Again -> 10 minutes, to the second
        col.sched.set_due_date(card_ids, "0")  # due today, so the reviewer shows them

    results, running = run_script_in_anki(
        start_anki,
        tmp_path,
        review_script(str(tmp_path / "unused.png"), 1),
        config={"scheduler": "example", "rescheduleAfterReview": True},
        prepare=prepare,
    )

    def plain(text):
        return text.replace("\u2068", "").replace("\u2069", "")

    assert plain(results["expected_labels"]["1"]) == "10m"
    assert [plain(own) for ease, own, _ in results["buttons"] if ease == "1"] == ["10m"]
    ctype, queue, due, ivl = results["after"]
    assert queue == 1, "intraday learning, due at an exact time"
    assert abs(due - (results["answered_at"] + results["intervals"]["1"])) < 5
    assert results["after_undo"] == results["before"]
