"""The table of every AnkiConnect action in docs/actions.md, generated from the one action registry.

.venv/bin/python tools/actions_table.py          # rewrite the table in docs/actions.md
.venv/bin/python tools/actions_table.py --check  # exit 1 if docs/actions.md is out of date (tests do this)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "actions.md"
BEGIN, END = "<!-- actions table: begin (tools/actions_table.py) -->", "<!-- actions table: end -->"

# The 122 actions of current AnkiConnect (upstream, late 2025), by domain, in its README's order.
ANKICONNECT_ACTIONS: dict[str, tuple[str, ...]] = {
    "cards": (
        "getEaseFactors",
        "setEaseFactors",
        "setSpecificValueOfCard",
        "suspend",
        "unsuspend",
        "suspended",
        "areSuspended",
        "areDue",
        "getIntervals",
        "findCards",
        "cardsToNotes",
        "cardsModTime",
        "cardsInfo",
        "forgetCards",
        "relearnCards",
        "answerCards",
        "setDueDate",
    ),
    "decks": (
        "deckNames",
        "deckNamesAndIds",
        "getDecks",
        "createDeck",
        "changeDeck",
        "deleteDecks",
        "deckNameFromId",
        "getDeckConfig",
        "saveDeckConfig",
        "setDeckConfigId",
        "cloneDeckConfigId",
        "removeDeckConfigId",
        "getDeckStats",
    ),
    "gui": (
        "guiBrowse",
        "guiSelectCard",
        "guiSelectNote",
        "guiSelectedNotes",
        "guiAddCards",
        "guiAddNoteSetData",
        "guiEditNote",
        "guiReviewActive",
        "guiCurrentCard",
        "guiStartCardTimer",
        "guiShowQuestion",
        "guiShowAnswer",
        "guiAnswerCard",
        "guiPlayAudio",
        "guiUndo",
        "guiDeckOverview",
        "guiDeckBrowser",
        "guiDeckReview",
        "guiImportFile",
        "guiExitAnki",
        "guiCheckDatabase",
    ),
    "media": ("storeMediaFile", "retrieveMediaFile", "getMediaFilesNames", "getMediaDirPath", "deleteMediaFile"),
    "miscellaneous": (
        "requestPermission",
        "version",
        "apiReflect",
        "sync",
        "getProfiles",
        "getActiveProfile",
        "loadProfile",
        "multi",
        "exportPackage",
        "importPackage",
        "reloadCollection",
    ),
    "models": (
        "modelNames",
        "modelNamesAndIds",
        "findModelsById",
        "findModelsByName",
        "modelNameFromId",
        "modelFieldNames",
        "modelFieldDescriptions",
        "modelFieldFonts",
        "modelFieldsOnTemplates",
        "createModel",
        "modelTemplates",
        "modelStyling",
        "updateModelTemplates",
        "updateModelStyling",
        "findAndReplaceInModels",
        "modelTemplateRename",
        "modelTemplateReposition",
        "modelTemplateAdd",
        "modelTemplateRemove",
        "modelFieldRename",
        "modelFieldReposition",
        "modelFieldAdd",
        "modelFieldRemove",
        "modelFieldSetFont",
        "modelFieldSetFontSize",
        "modelFieldSetDescription",
    ),
    "notes": (
        "addNote",
        "addNotes",
        "canAddNote",
        "canAddNoteWithErrorDetail",
        "canAddNotes",
        "canAddNotesWithErrorDetail",
        "updateNoteFields",
        "updateNote",
        "updateNoteModel",
        "updateNoteTags",
        "getNoteTags",
        "addTags",
        "removeTags",
        "getTags",
        "clearUnusedTags",
        "replaceTags",
        "replaceTagsInAllNotes",
        "findNotes",
        "notesInfo",
        "notesModTime",
        "deleteNotes",
        "removeEmptyNotes",
    ),
    "statistics": (
        "getNumCardsReviewedToday",
        "getNumCardsReviewedByDay",
        "getCollectionStatsHTML",
        "cardReviews",
        "getReviewsOfCards",
        "getLatestReviewID",
        "insertReviews",
    ),
}
# Deprecated names AnkiConnect still answers to, and what they stand for.
DEPRECATED = {"guiSelectNote": "guiSelectCard"}
PROTOCOL_ACTIONS = {"multi": "part of the protocol (protocol.plan_request)"}


def _load_registry() -> dict:
    sys.path.insert(0, str(REPO / "tests"))
    import conftest  # noqa: F401  (registers the repository as the package polar_bridge)

    from polar_bridge.actions import all_specs

    try:  # the GUI's own actions are declared where aqt may be imported
        import polar_bridge.gui.gui_actions  # noqa: F401
    except ImportError:
        pass
    return {spec.name: spec for spec in all_specs()}


def _param(param) -> str:
    from polar_bridge.actions import REQUIRED

    return param.name if param.default is REQUIRED else f"{param.name}={json.dumps(param.default)}"


def table() -> str:
    specs = _load_registry()
    lines = [
        "| domain | action | parameters (default) | writes | without a profile | status |",
        "|---|---|---|---|---|---|",
    ]
    for domain, names in ANKICONNECT_ACTIONS.items():
        for name in names:
            spec = specs.get(name)
            if name in PROTOCOL_ACTIONS:
                lines.append(
                    f"| {domain} | `{name}` | actions | per action | per action | done: {PROTOCOL_ACTIONS[name]} |"
                )
                continue
            if spec is None:
                lines.append(f"| {domain} | `{name}` | | | | missing |")
                continue
            status = f"done (deprecated alias of `{DEPRECATED[name]}`)" if name in DEPRECATED else "done"
            params = ", ".join(_param(p) for p in spec.params)
            lines.append(
                f"| {domain} | `{name}` | {params} | {'yes' if spec.writes else 'no'} | "
                f"{'no' if spec.needs_collection else 'yes'} | {status} |"
            )
    return "\n".join(lines)


def render(text: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if current != wanted:
            print("docs/actions.md is out of date: run tools/actions_table.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
