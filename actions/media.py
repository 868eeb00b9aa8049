"""media actions: ``storeMediaFile``, ``retrieveMediaFile``, ``getMediaFilesNames``, ``deleteMediaFile``,
``getMediaDirPath``.

The rules for names, sources and exact-name storage live in the domain module ``media_files``; ``storeMediaFile``
decodes or downloads its content off the main thread (its registered preparation).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import reprlib
from dataclasses import dataclass
from typing import Any

from ..media_files import check_filename, inside_media_folder, media_item_bytes, prepare_media_item, store_media
from .registry import ActionContext, ActionError, PrepareContext, action, anything


def _bool_param(params: dict, key: str, default: bool) -> bool:
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise ActionError(f"{key} must be true or false")
    return value


def _prepare_store(params: dict[str, Any], prep: PrepareContext) -> dict[str, Any]:
    check_filename(params["filename"])
    return prepare_media_item(params, prep.config, prep.media_dir)


@action(
    "storeMediaFile",
    anything("filename"),
    anything("data"),
    anything("path"),
    anything("url"),
    anything("skipHash"),
    anything("deleteExisting", True),
    writes=True,
    prepare=_prepare_store,
    off_main=True,
)
def store_media_file(ctx: ActionContext, params: dict) -> str | None:
    """Store a file; with ``skipHash`` (an MD5 hex digest, AnkiConnect's way to skip known placeholder files such
    as "no audio available") content with that digest is not stored and the result is null."""
    filename = check_filename(params["filename"])
    delete_existing = _bool_param(params, "deleteExisting", True)
    data = media_item_bytes(ctx.col, params)
    skip = params["skipHash"]
    if skip is not None and not isinstance(skip, str):
        raise ActionError("skipHash must be an MD5 hex digest (a string)")
    if skip is not None and hashlib.md5(data).hexdigest() == skip.lower():
        return None
    return store_media(ctx.col, filename, data, delete_existing)


@dataclass(frozen=True)
class _FileToRead:
    path: str


def _read_found_file(found: Any) -> str | bool:
    """Connection thread: the content of the file the handler found, base64; False if it is gone meanwhile."""
    if not isinstance(found, _FileToRead):
        return found
    try:
        with open(found.path, "rb") as f:
            return base64.b64encode(f.read()).decode("ascii")
    except FileNotFoundError:
        return False


@action("retrieveMediaFile", anything("filename"), finish=_read_found_file, off_main=True)
def retrieve_media_file(ctx: ActionContext, params: dict) -> _FileToRead | bool:
    """Finds the file on the main thread (in order with the request's other actions); reading it, which may take
    a while for a large file, happens after, on the connection thread. A link to outside the folder is refused."""
    filename = check_filename(params["filename"])
    path = os.path.join(ctx.col.media.dir(), filename)
    if not os.path.isfile(path):
        return False
    real = inside_media_folder(ctx.col.media.dir(), filename)
    if real is None:
        raise ActionError(f"{reprlib.repr(filename)} links outside the media folder; it is not read")
    return _FileToRead(real)


@action("getMediaFilesNames", anything("pattern", "*"), off_main=True)
def get_media_files_names(ctx: ActionContext, params: dict) -> list[str]:
    pattern = params["pattern"]
    if not isinstance(pattern, str):
        raise ActionError("pattern must be a string")
    media_dir = ctx.col.media.dir()
    names = (n for n in os.listdir(media_dir) if os.path.isfile(os.path.join(media_dir, n)))
    return sorted(fnmatch.filter(names, pattern))


@action("deleteMediaFile", anything("filename"), writes=True)
def delete_media_file(ctx: ActionContext, params: dict) -> None:
    filename = check_filename(params["filename"])
    if os.path.isfile(os.path.join(ctx.col.media.dir(), filename)):
        ctx.col.media.trash_files([filename])
    return None


@action("getMediaDirPath", off_main=True)
def get_media_dir_path(ctx: ActionContext, params: dict) -> str:
    return os.path.abspath(ctx.col.media.dir())
