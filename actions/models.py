"""Note type actions: modelNames, modelNamesAndIds, modelFieldNames, createModel.

"Basic" and "Cloze" always appear, mapped to the collection's stock-kind types whatever their localized names
(and those stock types are added if the collection has none), so clients that look for the English names work
in every language. See note_types.py.
"""

from __future__ import annotations

import re
from typing import Any

from anki.models import NotetypeDict

from .. import note_types
from .common import field_of, model_by_name, template_of, undo_step
from .registry import ActionContext, ActionError, Param, action, array, flag, ids, integer, obj, require, strings, text


# Both list "Basic" and "Cloze" and add Anki's stock type when a collection has none: they may write.
@action("modelNames", writes=True)
def model_names(ctx: ActionContext, params: dict) -> list[str]:
    return list(note_types.client_names_and_ids(ctx.col))


@action("modelNamesAndIds", writes=True)
def model_names_and_ids(ctx: ActionContext, params: dict) -> dict[str, int]:
    return note_types.client_names_and_ids(ctx.col)


@action("modelFieldNames", text("modelName", "a note type name"), off_main=True)
def model_field_names(ctx: ActionContext, params: dict) -> list[str]:
    return [field["name"] for field in model_by_name(ctx.col, params["modelName"])["flds"]]


def _templates(params: dict) -> list[dict[str, Any]]:
    templates = params["cardTemplates"]
    if not templates:
        raise ActionError("Must provide at least one card for cardTemplates")
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
    if not fields:
        raise ActionError("Must provide at least one field for inOrderFields")
    if not all(isinstance(f, str) and f.strip() for f in fields):
        raise ActionError('parameter "inOrderFields" must be a list of field names')
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
    """Create a note type; ``Model name already exists`` for a note type's exact name, as AnkiConnect (clients
    match that text). A name that only resolves otherwise (e.g. "Basic" in a German collection, whose stock type
    is "Einfach") is a no-op returning that note type; "Cloze", ``isCloze`` or a ``{{cloze:`` template make a
    cloze type."""
    col = ctx.col
    # AnkiConnect's order: no fields, no templates, then the name.
    fields = _fields(params)
    templates = _templates(params)
    name = params["modelName"].strip()
    if not name:
        raise ActionError('parameter "modelName" must be a note type name')
    names = {entry.name for entry in col.models.all_names_and_ids()}
    if params["modelName"] in names or name in names:
        raise ActionError("Model name already exists")
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


# --- Finding note types -----------------------------------------------------------------------------------------


@action("findModelsById", ids("modelIds"), off_main=True)
def find_models_by_id(ctx: ActionContext, params: dict) -> list[NotetypeDict]:
    known = {entry.id for entry in ctx.col.models.all_names_and_ids()}
    result = []
    for model_id in params["modelIds"]:
        if model_id not in known:
            raise ActionError(f"model was not found: {model_id}")
        result.append(note_types.notetype_by_id(ctx.col, model_id))
    return result


@action("findModelsByName", strings("modelNames", "a list of note type names"), off_main=True)
def find_models_by_name(ctx: ActionContext, params: dict) -> list[NotetypeDict]:
    return [model_by_name(ctx.col, name) for name in params["modelNames"]]


@action("modelNameFromId", integer("modelId", "a note type id"), off_main=True)
def model_name_from_id(ctx: ActionContext, params: dict) -> str:
    for entry in ctx.col.models.all_names_and_ids():
        if entry.id == params["modelId"]:
            return entry.name
    raise ActionError(f"model was not found: {params['modelId']}")


# --- Reading fields, templates, styling ---------------------------------------------------------------------------

_MODEL_NAME = text("modelName", "a note type name")


@action("modelFieldDescriptions", _MODEL_NAME, off_main=True)
def model_field_descriptions(ctx: ActionContext, params: dict) -> list[str]:
    return [field.get("description", "") for field in model_by_name(ctx.col, params["modelName"])["flds"]]


@action("modelFieldFonts", _MODEL_NAME, off_main=True)
def model_field_fonts(ctx: ActionContext, params: dict) -> dict[str, dict[str, Any]]:
    return {
        field["name"]: {"font": field["font"], "size": field["size"]}
        for field in model_by_name(ctx.col, params["modelName"])["flds"]
    }


_FIELD_REF = re.compile(r"{{[^#/^}]+?}}")


def _template_fields(template: str) -> list[str]:
    """Field names a template side shows (``{{Front}}``, ``{{cloze:Text}}``, …), as the card layout screen finds
    them."""
    names = []
    for match in _FIELD_REF.findall(template):
        name = match.strip("{}").split(":")[-1].strip()
        if name:
            names.append(name)
    return names


@action("modelFieldsOnTemplates", _MODEL_NAME, off_main=True)
def model_fields_on_templates(ctx: ActionContext, params: dict) -> dict[str, list[list[str]]]:
    """Per template: [fields on the front, fields on the back that the front does not show]."""
    result = {}
    for template in model_by_name(ctx.col, params["modelName"])["tmpls"]:
        front = [n for n in _template_fields(template["qfmt"]) if n != "FrontSide"]
        back = [n for n in _template_fields(template["afmt"]) if n != "FrontSide" and n not in front]
        result[template["name"]] = [front, back]
    return result


@action("modelTemplates", _MODEL_NAME, off_main=True)
def model_templates(ctx: ActionContext, params: dict) -> dict[str, dict[str, str]]:
    return {
        t["name"]: {"Front": t["qfmt"], "Back": t["afmt"]} for t in model_by_name(ctx.col, params["modelName"])["tmpls"]
    }


@action("modelStyling", _MODEL_NAME, off_main=True)
def model_styling(ctx: ActionContext, params: dict) -> dict[str, str]:
    return {"css": model_by_name(ctx.col, params["modelName"])["css"]}


# --- Changing note types: each request one undo step through Anki's note type update --------------------------


def _save(ctx: ActionContext, notetype: NotetypeDict, name: str) -> None:
    with undo_step(ctx.col, name):
        ctx.col.models.update_dict(notetype)


def _model_object(params: dict) -> tuple[dict, str]:
    model = params["model"]
    return model, require(model, "name", str, "a note type name")


@action("updateModelTemplates", obj("model", "an object with name and templates"), writes=True)
def update_model_templates(ctx: ActionContext, params: dict) -> None:
    """Set the Front/Back of the named templates; templates not named, and empty sides, stay as they are."""
    model, name = _model_object(params)
    templates = require(model, "templates", dict, "an object mapping template names to {Front, Back}")
    notetype = model_by_name(ctx.col, name)
    by_name = {t["name"]: t for t in notetype["tmpls"]}
    for template_name, sides in templates.items():
        if template_name not in by_name:
            raise ActionError(f"template was not found in {notetype['name']}: {template_name}")
        if not isinstance(sides, dict):
            raise ActionError(f'templates["{template_name}"] must be an object with Front and/or Back')
        for side, key in (("Front", "qfmt"), ("Back", "afmt")):
            if sides.get(side):
                if not isinstance(sides[side], str):
                    raise ActionError(f'templates["{template_name}"].{side} must be a string')
                by_name[template_name][key] = sides[side]
    _save(ctx, notetype, "Update Note Type")


@action("updateModelStyling", obj("model", "an object with name and css"), writes=True)
def update_model_styling(ctx: ActionContext, params: dict) -> None:
    model, name = _model_object(params)
    css = require(model, "css", str, "a string")
    notetype = model_by_name(ctx.col, name)
    notetype["css"] = css
    _save(ctx, notetype, "Update Note Type")


@action(
    "findAndReplaceInModels",
    Param("model", (dict, type(None)), "an object", None),
    text("modelName", "a note type name", default=None),
    text("findText", "a string", default=None),
    text("replaceText", "a string", default=None),
    flag("front", True),
    flag("back", True),
    flag("css", True),
    writes=True,
)
def find_and_replace_in_models(ctx: ActionContext, params: dict) -> int:
    """Replace text in the templates and/or styling of one note type (or every one when ``modelName`` is empty);
    returns how many note types changed. Takes the parameters flat or inside ``model`` (both shapes exist)."""
    args = {**params, **(params["model"] or {})}
    find, replace = args.get("findText"), args.get("replaceText")
    if not isinstance(find, str) or not find or not isinstance(replace, str):
        raise ActionError('findAndReplaceInModels needs "findText" (a non-empty string) and "replaceText"')
    model_name = args.get("modelName")
    if model_name:
        notetypes = [model_by_name(ctx.col, model_name)]
    else:
        notetypes = [note_types.notetype_by_id(ctx.col, e.id) for e in ctx.col.models.all_names_and_ids()]
    changed = []
    for notetype in notetypes:
        hit = False
        if args.get("css", True) and find in notetype["css"]:
            notetype["css"] = notetype["css"].replace(find, replace)
            hit = True
        for template in notetype["tmpls"]:
            for side, key in (("front", "qfmt"), ("back", "afmt")):
                if args.get(side, True) and find in template[key]:
                    template[key] = template[key].replace(find, replace)
                    hit = True
        if hit:
            changed.append(notetype)
    if changed:
        with undo_step(ctx.col, "Find and Replace in Note Types"):
            for notetype in changed:
                ctx.col.models.update_dict(notetype)
    return len(changed)


@action(
    "modelTemplateRename",
    _MODEL_NAME,
    text("oldTemplateName", "a template name"),
    text("newTemplateName", "a template name"),
    writes=True,
)
def model_template_rename(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    template_of(notetype, params["oldTemplateName"])["name"] = params["newTemplateName"]
    _save(ctx, notetype, "Rename Card Type")


@action(
    "modelTemplateReposition",
    _MODEL_NAME,
    text("templateName", "a template name"),
    integer("index", "a position (0 is first)"),
    writes=True,
)
def model_template_reposition(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    template = template_of(notetype, params["templateName"])
    if not 0 <= params["index"] < len(notetype["tmpls"]):
        raise ActionError(f"index out of range: {params['index']}")
    ctx.col.models.reposition_template(notetype, template, params["index"])
    _save(ctx, notetype, "Reposition Card Type")


@action("modelTemplateAdd", _MODEL_NAME, obj("template", "an object with Name, Front and Back"), writes=True)
def model_template_add(ctx: ActionContext, params: dict) -> None:
    """Add a card type; one that exists already gets the new Front/Back."""
    template = params["template"]
    name = require(template, "Name", str, "a template name")
    front = require(template, "Front", str, "a template")
    back = require(template, "Back", str, "a template")
    notetype = model_by_name(ctx.col, params["modelName"])
    existing = next((t for t in notetype["tmpls"] if t["name"] == name), None)
    if existing is None:
        if notetype.get("type") == note_types.MODEL_CLOZE:
            raise ActionError(f"{notetype['name']} is a cloze note type: it has exactly one card type")
        existing = ctx.col.models.new_template(name)
        ctx.col.models.add_template(notetype, existing)
    existing["qfmt"], existing["afmt"] = front, back
    _save(ctx, notetype, "Add Card Type")


@action("modelTemplateRemove", _MODEL_NAME, text("templateName", "a template name"), writes=True)
def model_template_remove(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    template = template_of(notetype, params["templateName"])
    if len(notetype["tmpls"]) == 1:
        raise ActionError(f"{notetype['name']} needs at least one card type")
    ctx.col.models.remove_template(notetype, template)
    _save(ctx, notetype, "Remove Card Type")


_FIELD_NAME = text("fieldName", "a field name")


@action(
    "modelFieldRename",
    _MODEL_NAME,
    text("oldFieldName", "a field name"),
    text("newFieldName", "a field name"),
    writes=True,
)
def model_field_rename(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    field = field_of(notetype, params["oldFieldName"])
    ctx.col.models.rename_field(notetype, field, params["newFieldName"])
    _save(ctx, notetype, "Rename Field")


@action("modelFieldReposition", _MODEL_NAME, _FIELD_NAME, integer("index", "a position (0 is first)"), writes=True)
def model_field_reposition(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    field = field_of(notetype, params["fieldName"])
    if not 0 <= params["index"] < len(notetype["flds"]):
        raise ActionError(f"index out of range: {params['index']}")
    ctx.col.models.reposition_field(notetype, field, params["index"])
    _save(ctx, notetype, "Reposition Field")


@action(
    "modelFieldAdd", _MODEL_NAME, _FIELD_NAME, integer("index", "a position (0 is first)", default=None), writes=True
)
def model_field_add(ctx: ActionContext, params: dict) -> None:
    """Add a field (unless it exists) and move it to ``index`` when given."""
    notetype = model_by_name(ctx.col, params["modelName"])
    field = next((f for f in notetype["flds"] if f["name"] == params["fieldName"]), None)
    if field is None:
        field = ctx.col.models.new_field(params["fieldName"])
        ctx.col.models.add_field(notetype, field)
    index = params["index"]
    if index is not None:
        if not 0 <= index < len(notetype["flds"]):
            raise ActionError(f"index out of range: {index}")
        ctx.col.models.reposition_field(notetype, field, index)
    _save(ctx, notetype, "Add Field")


@action("modelFieldRemove", _MODEL_NAME, _FIELD_NAME, writes=True)
def model_field_remove(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    field = field_of(notetype, params["fieldName"])
    if len(notetype["flds"]) == 1:
        raise ActionError(f"{notetype['name']} needs at least one field")
    ctx.col.models.remove_field(notetype, field)
    _save(ctx, notetype, "Remove Field")


@action("modelFieldSetFont", _MODEL_NAME, _FIELD_NAME, text("font", "a font name"), writes=True)
def model_field_set_font(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    field_of(notetype, params["fieldName"])["font"] = params["font"]
    _save(ctx, notetype, "Set Field Font")


@action("modelFieldSetFontSize", _MODEL_NAME, _FIELD_NAME, integer("fontSize", "a font size"), writes=True)
def model_field_set_font_size(ctx: ActionContext, params: dict) -> None:
    notetype = model_by_name(ctx.col, params["modelName"])
    field_of(notetype, params["fieldName"])["size"] = params["fontSize"]
    _save(ctx, notetype, "Set Field Font Size")


@action("modelFieldSetDescription", _MODEL_NAME, _FIELD_NAME, text("description", "a string"), writes=True)
def model_field_set_description(ctx: ActionContext, params: dict) -> bool:
    notetype = model_by_name(ctx.col, params["modelName"])
    field_of(notetype, params["fieldName"])["description"] = params["description"]
    _save(ctx, notetype, "Set Field Description")
    return True
