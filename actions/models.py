"""Note type actions: modelNames, modelNamesAndIds, modelFieldNames, createModel.

"Basic" and "Cloze" always appear, mapped to the collection's stock-kind types whatever their localized names
(and those stock types are added if the collection has none), so clients that look for the English names work
in every language. See note_types.py.
"""

from __future__ import annotations

from typing import Any

from anki.models import NotetypeDict

from .. import note_types
from .registry import ActionContext, ActionError, action, array, flag, text


# Both list "Basic" and "Cloze" and add Anki's stock type when a collection has none: they may write.
@action("modelNames", writes=True)
def model_names(ctx: ActionContext, params: dict) -> list[str]:
    return list(note_types.client_names_and_ids(ctx.col))


@action("modelNamesAndIds", writes=True)
def model_names_and_ids(ctx: ActionContext, params: dict) -> dict[str, int]:
    return note_types.client_names_and_ids(ctx.col)


@action("modelFieldNames", text("modelName", "a note type name"))
def model_field_names(ctx: ActionContext, params: dict) -> list[str]:
    name = params["modelName"]
    notetype = note_types.find_notetype(ctx.col, name)
    if notetype is None:
        raise ActionError(f"model was not found: {name}")
    return [field["name"] for field in notetype["flds"]]


def _templates(params: dict) -> list[dict[str, Any]]:
    templates = params["cardTemplates"]
    if not templates:
        raise ActionError('parameter "cardTemplates" must contain at least one template')
    for i, template in enumerate(templates):
        if not (
            isinstance(template, dict)
            and isinstance(template.get("Front"), str)
            and isinstance(template.get("Back"), str)
        ):
            raise ActionError(f'cardTemplates[{i}] must be an object with "Front" and "Back" strings')
        if "Name" in template and not isinstance(template["Name"], str):
            raise ActionError(f'cardTemplates[{i}].Name must be a string')
    return templates


def _fields(params: dict) -> list[str]:
    fields = params["inOrderFields"]
    if not fields or not all(isinstance(f, str) and f.strip() for f in fields):
        raise ActionError('parameter "inOrderFields" must be a non-empty list of field names')
    if len({f.strip().lower() for f in fields}) != len(fields):
        raise ActionError('parameter "inOrderFields" names a field twice')
    return [f.strip() for f in fields]


@action(
    "createModel",
    text("modelName", "a note type name"),
    array("inOrderFields", "a list of field names"),
    array("cardTemplates", "a list of {Name, Front, Back} objects"),
    text("css", "a string", default=None),
    flag("isCloze", False),
    writes=True,
)
def create_model(ctx: ActionContext, params: dict) -> NotetypeDict:
    """Create a note type. A name that already resolves (e.g. "Basic" in a German collection) is a no-op that
    returns the existing note type; "Cloze", ``isCloze`` or a ``{{cloze:`` template make a cloze type."""
    col = ctx.col
    name = params["modelName"].strip()
    if not name:
        raise ActionError('parameter "modelName" must be a note type name')
    fields = _fields(params)
    templates = _templates(params)
    css = params["css"]
    is_cloze = params["isCloze"]

    existing = note_types.find_notetype(col, name)
    if existing is not None:
        return existing
    is_cloze = is_cloze or note_types.uses_cloze(templates)
    notetype = col.models.new(name)
    notetype["type"] = note_types.MODEL_CLOZE if is_cloze else 0
    for field_name in fields:
        col.models.add_field(notetype, col.models.new_field(field_name))
    # A cloze type has exactly one template: its cards come from the c1, c2… numbers.
    for i, template in enumerate(templates[:1] if is_cloze else templates):
        card = col.models.new_template(template.get("Name") or f"Card {i + 1}")
        card["qfmt"], card["afmt"] = template["Front"], template["Back"]
        col.models.add_template(notetype, card)
    if css is not None:
        notetype["css"] = css
    col.models.add(notetype)
    return note_types.notetype_by_id(col, notetype["id"])
