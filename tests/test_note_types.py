"""Note types in any language: Basic/Cloze by stock kind, English field names, createModel."""

from __future__ import annotations

import pytest
from notes_helpers import call, call_error, open_collection, polar_cloze, polar_note


@pytest.fixture
def german(tmp_path):
    col = open_collection(tmp_path / "de.anki2", "de_DE")
    yield col
    col.close()


def test_german_collection_has_german_stock_names(german):
    names = {entry.name for entry in german.models.all_names_and_ids()}
    assert {"Einfach", "Lückentext"} <= names and "Basic" not in names


def test_model_names_always_list_basic_and_cloze(german):
    names_and_ids = call(german, "modelNamesAndIds")
    assert names_and_ids["Basic"] == names_and_ids["Einfach"]
    assert names_and_ids["Cloze"] == names_and_ids["Lückentext"]
    assert {"Basic", "Cloze", "Einfach"} <= set(call(german, "modelNames"))


def test_model_names_do_not_duplicate_english_names(col):
    names = call(col, "modelNames")
    assert names.count("Basic") == 1 and names.count("Cloze") == 1


def test_polar_basic_note_lands_in_einfach_with_english_field_names(german):
    nid = call(german, "addNote", {"note": polar_note()})
    note = german.get_note(nid)
    assert note.note_type()["name"] == "Einfach"
    assert note["Vorderseite"] == "<p>What does <b>ls</b> do?</p>"
    assert note["Rückseite"].startswith("<p>Lists files")


def test_polar_cloze_note_lands_in_lueckentext(german):
    nid = call(german, "addNote", {"note": polar_cloze()})
    note = german.get_note(nid)
    assert note.note_type()["name"] == "Lückentext"
    assert note["Text"] == "<p>The {{c1::kernel}} schedules processes.</p>"
    assert len(note.cards()) == 1


def test_back_extra_maps_to_german_cloze_field(german):
    note = polar_cloze(fields={"text": "{{c1::a}}", "back extra": "extra"})
    assert german.get_note(call(german, "addNote", {"note": note}))["Rückseite Extra"] == "extra"


def test_renamed_stock_types_still_resolve(col):
    basic = col.models.by_name("Basic")
    basic["name"] = "My cards"
    col.models.update_dict(basic)
    nid = call(col, "addNote", {"note": polar_note()})
    assert col.get_note(nid).note_type()["name"] == "My cards"
    assert call(col, "modelNamesAndIds")["Basic"] == basic["id"]


def test_missing_stock_type_is_added(col):
    col.models.remove(col.models.by_name("Cloze")["id"])
    assert "Cloze" in call(col, "modelNames")
    nid = call(col, "addNote", {"note": polar_cloze()})
    assert col.get_note(nid).note_type()["type"] == 1


def test_model_field_names(german):
    assert call(german, "modelFieldNames", {"modelName": "Basic"}) == ["Vorderseite", "Rückseite"]
    assert call_error(german, "modelFieldNames", {"modelName": "Nope"}) == "model was not found: Nope"


def test_unknown_model_is_refused(col):
    assert call_error(col, "addNote", {"note": polar_note(modelName="Fancy")}) == "model was not found: Fancy"


def test_polar_create_model_requests_are_no_ops_when_types_exist(german):
    before = len(german.models.all_names_and_ids())
    basic = call(
        german,
        "createModel",
        {
            "modelName": "Basic",
            "inOrderFields": ["Front", "FrontSide", "Back"],
            "cardTemplates": [{"Front": "{{Front}}", "Back": "{{Back}}"}],
        },
    )
    cloze = call(
        german,
        "createModel",
        {
            "modelName": "Cloze",
            "inOrderFields": ["Text", "Back Extra"],
            "cardTemplates": [{"Front": "{{cloze:Text}}", "Back": "{{cloze:Text}}"}],
        },
    )
    assert (basic["name"], cloze["name"]) == ("Einfach", "Lückentext")
    assert len(german.models.all_names_and_ids()) == before


def test_create_model_with_cloze_template_makes_cloze_type(col):
    model = call(
        col,
        "createModel",
        {
            "modelName": "My Cloze",
            "inOrderFields": ["Text", "Extra"],
            "css": ".card {}",
            "cardTemplates": [{"Name": "C", "Front": "{{cloze:Text}}", "Back": "{{cloze:Text}}<br>{{Extra}}"}],
        },
    )
    assert model["type"] == 1 and model["css"] == ".card {}"
    nid = call(
        col,
        "addNote",
        {"note": {"modelName": "my cloze", "deckName": "Default", "fields": {"Text": "{{c1::a}} {{c2::b}}"}}},
    )
    assert len(col.get_note(nid).cards()) == 2


def test_create_model_normal_type_and_field_names(col):
    call(
        col,
        "createModel",
        {
            "modelName": "Vocab",
            "inOrderFields": ["Word", "Meaning"],
            "cardTemplates": [
                {"Front": "{{Word}}", "Back": "{{Meaning}}"},
                {"Front": "{{Meaning}}", "Back": "{{Word}}"},
            ],
        },
    )
    assert call(col, "modelFieldNames", {"modelName": "Vocab"}) == ["Word", "Meaning"]
    nid = call(col, "addNote", {"note": {"modelName": "Vocab", "fields": {"word": "a", "MEANING": "b"}}})
    assert len(col.get_note(nid).cards()) == 2


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"inOrderFields": ["A"], "cardTemplates": [{"Front": "x", "Back": "y"}]},
            'missing parameter "modelName" (a note type name)',
        ),
        (
            {"modelName": "X", "inOrderFields": [], "cardTemplates": [{"Front": "x", "Back": "y"}]},
            "Must provide at least one field for inOrderFields",
        ),
        (
            {"modelName": "Basic", "inOrderFields": [], "cardTemplates": []},
            "Must provide at least one field for inOrderFields",
        ),
        (
            {"modelName": "X", "inOrderFields": ["A", ""], "cardTemplates": [{"Front": "x", "Back": "y"}]},
            'parameter "inOrderFields" must be a list of field names',
        ),
        (
            {"modelName": "X", "inOrderFields": ["A", "a"], "cardTemplates": [{"Front": "x", "Back": "y"}]},
            'parameter "inOrderFields" names a field twice',
        ),
        (
            {"modelName": "X", "inOrderFields": ["A"], "cardTemplates": [{"Front": "x"}]},
            'cardTemplates[0] must be an object with "Front" and "Back" strings',
        ),
        (
            {"modelName": "X", "inOrderFields": ["A"], "cardTemplates": []},
            "Must provide at least one card for cardTemplates",
        ),
        (
            {"modelName": "Basic", "inOrderFields": ["A"], "cardTemplates": []},
            "Must provide at least one card for cardTemplates",
        ),
    ],
)
def test_create_model_validates_and_writes_nothing(col, params, message):
    before = len(col.models.all_names_and_ids())
    assert call_error(col, "createModel", params) == message
    assert len(col.models.all_names_and_ids()) == before


_VOCAB = {
    "modelName": "Vocab",
    "inOrderFields": ["Word", "Meaning"],
    "cardTemplates": [{"Front": "{{Word}}", "Back": "{{Meaning}}"}],
}


@pytest.mark.parametrize("name", ["Basic", "Cloze", "Vocab", " Vocab "])
def test_create_model_refuses_an_existing_name_as_ankiconnect_and_changes_nothing(col, name):
    call(col, "createModel", _VOCAB)
    before = {entry.name: entry.id for entry in col.models.all_names_and_ids()}
    vocab = col.models.by_name("Vocab")
    request = {**_VOCAB, "modelName": name, "inOrderFields": ["Other"], "css": ".x {}"}
    assert call_error(col, "createModel", request) == "Model name already exists"
    assert {entry.name: entry.id for entry in col.models.all_names_and_ids()} == before
    assert col.models.by_name("Vocab") == vocab


def test_create_model_refuses_a_german_stock_name_but_not_its_english_alias(german):
    before = len(german.models.all_names_and_ids())
    request = {"inOrderFields": ["Front", "Back"], "cardTemplates": [{"Front": "{{Front}}", "Back": "{{Back}}"}]}
    assert call_error(german, "createModel", {**request, "modelName": "Einfach"}) == "Model name already exists"
    assert call(german, "createModel", {**request, "modelName": "Basic"})["name"] == "Einfach"
    assert len(german.models.all_names_and_ids()) == before


def test_english_field_names_work_for_other_german_stock_types(german):
    note = {"modelName": "Einfach (und die umgekehrte Richtung)", "fields": {"Front": "Hund", "Back": "dog"}}
    stored = german.get_note(call(german, "addNote", {"note": note}))
    assert stored.fields == ["Hund", "dog"] and len(stored.cards()) == 2
