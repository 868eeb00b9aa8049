"""The one action registry: each action's declaration drives validation, preparation, dispatch and the
"changes the collection" refresh."""

from __future__ import annotations

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
    assert refreshes == [1]  # ...and Anki's screens are told


def test_note_writes_on_the_server_thread_still_refresh_anki_once_on_its_main_thread(server_with_refresh_count):
    server, refreshes = server_with_refresh_count
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "new", "Back": ""}}
    assert invoke(server.port, "addNote", {"note": note})["error"] is None
    deadline = time.monotonic() + 10
    while not refreshes and time.monotonic() < deadline:
        time.sleep(0.01)
    assert refreshes == [1]
