"""The one action registry: each action's declaration drives validation, preparation, dispatch and the
"changes the collection" refresh."""

from __future__ import annotations

import threading
import time

import pytest
from server_helpers import MainThreadLoop, invoke

from polar_bridge.actions import all_specs, get_spec
from polar_bridge.config import load_config
from polar_bridge.connect_server import ConnectServer

# Every action that only reads (exportPackage writes a file, not the collection).
READS = {
    "version",
    "requestPermission",
    "apiReflect",
    "deckNames",
    "deckNamesAndIds",
    "deckNameFromId",
    "getDecks",
    "getDeckConfig",
    "getDeckStats",
    "modelFieldNames",
    "modelNameFromId",
    "findModelsById",
    "findModelsByName",
    "modelFieldDescriptions",
    "modelFieldFonts",
    "modelFieldsOnTemplates",
    "modelTemplates",
    "modelStyling",
    "findNotes",
    "findCards",
    "notesInfo",
    "notesModTime",
    "cardsInfo",
    "cardsModTime",
    "cardsToNotes",
    "canAddNote",
    "canAddNoteWithErrorDetail",
    "canAddNotes",
    "canAddNotesWithErrorDetail",
    "getNoteTags",
    "getTags",
    "suspended",
    "areSuspended",
    "areDue",
    "getIntervals",
    "getEaseFactors",
    "cardReviews",
    "getReviewsOfCards",
    "getLatestReviewID",
    "getNumCardsReviewedToday",
    "getNumCardsReviewedByDay",
    "getCollectionStatsHTML",
    "exportPackage",
    "retrieveMediaFile",
    "getMediaFilesNames",
    "getMediaDirPath",
}


def test_every_action_says_whether_it_writes():
    # The collection actions (the GUI's own actions are declared in gui/ and checked in the GUI tests).
    specs = {spec.name: spec for spec in all_specs() if spec.handler.__module__.startswith("polar_bridge.actions")}
    assert READS < set(specs)
    assert {name for name, spec in specs.items() if not spec.writes} == READS
    # modelNames lists "Basic"/"Cloze" and adds Anki's stock type when a collection lacks one.
    assert specs["modelNames"].writes and specs["modelNamesAndIds"].writes


def test_only_collection_actions_run_off_the_main_thread():
    import polar_bridge.gui.gui_actions  # noqa: F401  (declares the GUI and profile actions)

    off_main = {spec.name for spec in all_specs() if spec.off_main}
    # Never a GUI or profile action (they drive Anki's windows), nor one that writes a file outside the media folder.
    assert all(get_spec(name).handler.__module__.startswith("polar_bridge.actions") for name in off_main)
    assert "exportPackage" not in off_main and "sync" not in off_main
    # What the clients send most runs off it: Polar's whole sync, Yomitan's checks, asbplayer's picture.
    assert {"version", "findNotes", "canAddNotes", "addNote", "notesInfo", "storeMediaFile", "updateNoteFields"} <= (
        off_main
    )


def test_declared_parameters_are_checked_before_anything_runs():
    spec = get_spec("addTags")
    assert spec is not None
    assert spec.validate({"notes": [1], "tags": "a", "extra": 1}) == {"notes": [1], "tags": "a"}
    with pytest.raises(Exception, match='parameter "notes" must be a list of ids'):
        spec.validate({"notes": "1", "tags": "a"})


@pytest.fixture
def server_with_refresh_count(col):
    loop = MainThreadLoop()
    refreshes: list[int] = []
    server = ConnectServer(
        load_config({"webBindPort": 0}), loop.post, lambda: col, after_writes=lambda: refreshes.append(1)
    )
    server.start()
    yield server, refreshes
    server.stop()
    loop.close()


def test_model_names_that_adds_a_note_type_refreshes_anki(server_with_refresh_count, col):
    server, refreshes = server_with_refresh_count
    for notetype in list(col.models.all_names_and_ids()):
        if notetype.name == "Basic":
            col.models.remove(notetype.id)
    assert invoke(server.port, "deckNames")["result"] == ["Default"]
    assert refreshes == []  # reads never refresh
    assert "Basic" in invoke(server.port, "modelNames")["result"]
    assert col.models.by_name("Basic") is not None  # it was added...
    _wait_for(lambda: refreshes == [1])  # ...and Anki's screens are told


def test_note_writes_on_the_server_thread_still_refresh_anki_once_on_its_main_thread(server_with_refresh_count):
    server, refreshes = server_with_refresh_count
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "new", "Back": ""}}
    assert invoke(server.port, "addNote", {"note": note})["error"] is None
    _wait_for(lambda: refreshes == [1])


def _wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


QUIET_S = 1.0  # longer than any pause between two requests of a burst, even on a loaded machine


class _CountingMainThread(MainThreadLoop):
    """The stand-in main thread, counting how often the server woke it, with a timer like Anki's single_shot."""

    def __init__(self) -> None:
        super().__init__()
        self.posts = 0

    def post(self, fn) -> None:
        self.posts += 1
        super().post(fn)

    def call_later(self, seconds: float, fn) -> None:
        threading.Timer(seconds, super().post, (fn,)).start()  # a timer firing is not a wake-up by the server


def test_a_burst_of_writes_refreshes_anki_once_after_its_last_write_and_wakes_its_main_thread_once(col):
    loop = _CountingMainThread()
    refreshed: list[tuple[float, int]] = []  # (when, notes in the collection then)
    server = ConnectServer(
        load_config({"webBindPort": 0}),
        loop.post,
        lambda: col,
        after_writes=lambda: refreshed.append((time.monotonic(), col.note_count())),
        call_later=loop.call_later,
        refresh_quiet_s=QUIET_S,
    )
    server.start()
    try:
        for burst in range(2):
            for i in range(20):
                note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": f"{burst} {i}", "Back": ""}}
                assert invoke(server.port, "addNote", {"note": note})["error"] is None
            last_write = time.monotonic()
            assert len(refreshed) == burst  # nothing redrawn while the burst goes on
            _wait_for(lambda n=burst + 1: len(refreshed) == n)
            when, notes = refreshed[-1]
            assert when - last_write >= QUIET_S * 0.9  # once the burst has ended...
            assert notes == 20 * (burst + 1)  # ...with every note of it in the collection
            assert loop.posts == burst + 1  # the main thread was woken once per burst, not once per write
        time.sleep(QUIET_S * 2)
        assert len(refreshed) == 2  # and only once
    finally:
        server.stop()
        loop.close()
