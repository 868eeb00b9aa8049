"""Note type actions through the protocol layer on a real collection."""

from __future__ import annotations

from actions_helpers import err, ok, undo_name


def test_finding_note_types(col):
    ids = ok(col, "modelNamesAndIds")
    found = ok(col, "findModelsById", modelIds=[ids["Basic"]])
    assert found[0]["name"] == "Basic"
    assert err(col, "findModelsById", modelIds=[1]) == "model was not found: 1"
    assert [m["id"] for m in ok(col, "findModelsByName", modelNames=["Basic", "Cloze"])] == [ids["Basic"], ids["Cloze"]]
    assert err(col, "findModelsByName", modelNames=["Nope"]) == "model was not found: Nope"
    assert ok(col, "modelNameFromId", modelId=ids["Cloze"]) == "Cloze"


def test_reading_fields_templates_styling(col):
    assert ok(col, "modelFieldDescriptions", modelName="Basic") == ["", ""]
    assert ok(col, "modelFieldFonts", modelName="Basic")["Front"] == {"font": "Arial", "size": 20}
    assert ok(col, "modelFieldsOnTemplates", modelName="Basic (and reversed card)") == {
        "Card 1": [["Front"], ["Back"]],
        "Card 2": [["Back"], ["Front"]],
    }
    assert ok(col, "modelTemplates", modelName="Basic")["Card 1"]["Front"] == "{{Front}}"
    assert ".card" in ok(col, "modelStyling", modelName="Basic")["css"]
    assert err(col, "modelStyling", modelName="Nope") == "model was not found: Nope"


def test_updating_templates_and_styling(col):
    ok(col, "updateModelTemplates", model={"name": "Basic", "templates": {"Card 1": {"Front": "Q: {{Front}}"}}})
    assert ok(col, "modelTemplates", modelName="Basic")["Card 1"] == {
        "Front": "Q: {{Front}}",
        "Back": col.models.by_name("Basic")["tmpls"][0]["afmt"],
    }
    assert undo_name(col) == "Update Note Type"
    ok(col, "updateModelStyling", model={"name": "Basic", "css": ".card {color: red}"})
    assert ok(col, "modelStyling", modelName="Basic") == {"css": ".card {color: red}"}
    assert (
        err(col, "updateModelTemplates", model={"name": "Basic", "templates": {"Nope": {"Front": "x"}}})
        == "template was not found in Basic: Nope"
    )
    assert ok(col, "findAndReplaceInModels", modelName="Basic", findText="red", replaceText="blue") == 1
    assert "blue" in ok(col, "modelStyling", modelName="Basic")["css"]
    # The README's nested shape, across every note type.
    assert (
        ok(
            col,
            "findAndReplaceInModels",
            model={"modelName": "", "findText": "{{Front}}", "replaceText": "{{Front}}", "front": True},
        )
        >= 1
    )


def test_a_template_anki_refuses_gets_ankis_reason_and_changes_nothing(col):
    """Anki's own operation fails (and empties Edit > Undo, as it does for its own failed operations): the client
    hears Anki's reason, not that the request's undo step has gone."""
    before = ok(col, "modelTemplates", modelName="Basic")
    broken = {"name": "Basic", "templates": {"Card 1": {"Front": "{{#Front}}never closed"}}}
    message = err(col, "updateModelTemplates", model=broken)
    assert message.startswith("updateModelTemplates: Card template") and "has a problem" in message
    assert ok(col, "modelTemplates", modelName="Basic") == before


def test_template_and_field_changes(col):
    ok(col, "modelTemplateAdd", modelName="Basic", template={"Name": "Rev", "Front": "{{Back}}", "Back": "{{Front}}"})
    assert list(ok(col, "modelTemplates", modelName="Basic")) == ["Card 1", "Rev"]
    ok(col, "modelTemplateRename", modelName="Basic", oldTemplateName="Rev", newTemplateName="Reverse")
    ok(col, "modelTemplateReposition", modelName="Basic", templateName="Reverse", index=0)
    assert list(ok(col, "modelTemplates", modelName="Basic")) == ["Reverse", "Card 1"]
    ok(col, "modelTemplateRemove", modelName="Basic", templateName="Reverse")
    assert (
        err(col, "modelTemplateRemove", modelName="Basic", templateName="Card 1")
        == "Basic needs at least one card type"
    )
    ok(col, "modelFieldAdd", modelName="Basic", fieldName="Extra", index=0)
    assert ok(col, "modelFieldNames", modelName="Basic") == ["Extra", "Front", "Back"]
    ok(col, "modelFieldRename", modelName="Basic", oldFieldName="Extra", newFieldName="Notes")
    ok(col, "modelFieldReposition", modelName="Basic", fieldName="Notes", index=2)
    assert ok(col, "modelFieldNames", modelName="Basic") == ["Front", "Back", "Notes"]
    ok(col, "modelFieldSetFont", modelName="Basic", fieldName="Notes", font="Courier")
    ok(col, "modelFieldSetFontSize", modelName="Basic", fieldName="Notes", fontSize=12)
    assert ok(col, "modelFieldSetDescription", modelName="Basic", fieldName="Notes", description="d") is True
    assert ok(col, "modelFieldFonts", modelName="Basic")["Notes"] == {"font": "Courier", "size": 12}
    assert ok(col, "modelFieldDescriptions", modelName="Basic") == ["", "", "d"]
    ok(col, "modelFieldRemove", modelName="Basic", fieldName="Notes")
    assert err(col, "modelFieldRemove", modelName="Basic", fieldName="Notes") == "field was not found in Basic: Notes"
    assert (
        err(col, "modelFieldSetFontSize", modelName="Basic", fieldName="Front", fontSize="big")
        == 'parameter "fontSize" must be a font size'
    )
