"""Package actions (export a deck as .apkg, import one) and apiReflect.

Profile actions and reloadCollection need Anki's main window and live in the GUI glue (gui/gui_actions.py)."""

from __future__ import annotations

import os
from typing import Any

from anki.collection import DeckIdLimit, ExportAnkiPackageOptions, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from .common import deck_id
from .registry import ActionContext, ActionError, action, anything, flag, registered, text


@action("exportPackage", text("deck", "a deck name"), text("path", "a file path"), flag("includeSched", False))
def export_package(ctx: ActionContext, params: dict) -> bool:
    """Export ``deck`` (with its subdecks and media; with scheduling when ``includeSched``) to ``path``."""
    try:
        did = deck_id(ctx.col, params["deck"])
    except ActionError:
        return False
    path = os.path.abspath(os.path.expanduser(params["path"]))
    if not os.path.isdir(os.path.dirname(path)):
        raise ActionError(f"folder does not exist: {os.path.dirname(path)}")
    options = ExportAnkiPackageOptions(
        with_scheduling=params["includeSched"], with_deck_configs=params["includeSched"], with_media=True, legacy=True
    )
    ctx.col.export_anki_package(out_path=path, options=options, limit=DeckIdLimit(did))
    return True


@action("importPackage", text("path", "a file path"), writes=True)
def import_package(ctx: ActionContext, params: dict) -> bool:
    """Import an .apkg/.colpkg-style package file as File > Import does (one undo step "Import")."""
    path = os.path.abspath(os.path.expanduser(params["path"]))
    if not os.path.isfile(path):
        raise ActionError(f"file not found: {params['path']}")
    request = ImportAnkiPackageRequest(package_path=path, options=ImportAnkiPackageOptions(with_scheduling=True))
    ctx.col.import_anki_package(request)
    return True


@action("apiReflect", anything("scopes"), anything("actions"), needs_collection=False, off_main=True)
def api_reflect(ctx: ActionContext, params: dict) -> dict[str, Any]:
    """Which actions this server knows (``scopes: ["actions"]``), optionally only among ``actions``."""
    scopes, names = params["scopes"], params["actions"]
    if not isinstance(scopes, list):
        raise ActionError("scopes has invalid value")
    if not (names is None or isinstance(names, list)):
        raise ActionError("actions has invalid value")
    result: dict[str, Any] = {"scopes": []}
    if "actions" in scopes:
        known = sorted(registered()) + ["multi"]
        result["scopes"].append("actions")
        result["actions"] = [n for n in names if n in known] if names is not None else sorted(known)
    return result
