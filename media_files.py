"""Media files a client sends: checking names, reading ``{data|path|url}`` items, storing under exact names.

Files are stored under exactly the name the client gives (Polar's notes, sent earlier, already reference it).
Names are plain file names: no folders, no ``..``. ``path`` may only name a file inside the media folder (a web
page must not be able to copy ``~/.ssh/id_rsa`` into a card). ``url`` downloads only http(s), with a timeout and
the ``maxRequestBytes`` size cap. Used by the media actions and by note pushes (``picture``/``audio`` items).
Pure domain code: no aqt; errors are :class:`~.errors.ClientError` with the client-visible message.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import reprlib
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from .errors import ClientError

if TYPE_CHECKING:
    from anki.collection import Collection

    from .config import AddonConfig

URL_TIMEOUT_S = 20
MAX_REDIRECTS = 5
# Key under which a preparer leaves already decoded/downloaded bytes in a media item (JSON can't hold bytes,
# so a client cannot forge it).
PREPARED_BYTES = "_bytes"
MSG_NO_SOURCE = 'You must provide a "data", "path", or "url" field.'


def check_filename(name: Any) -> str:
    """A media file name as given, or ClientError when it is not a plain file name."""
    if not isinstance(name, str) or not name.strip():
        raise ClientError("filename must be a non-empty string")
    if "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
        raise ClientError(f"invalid media filename {name!r}: it must be a plain file name, without folders or '..'")
    return name


def decode_base64(data: Any) -> bytes:
    if not isinstance(data, str):
        raise ClientError("data must be a base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        # Some clients wrap lines or drop padding; accept those, refuse anything else.
        try:
            compact = "".join(data.split())
            return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ClientError("data is not valid base64") from None


class _HttpRedirectsOnly(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) (urllib would follow one to ftp://), at most MAX_REDIRECTS of them."""

    max_redirections = MAX_REDIRECTS

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        target = urllib.parse.urljoin(req.full_url, headers.get("Location") or headers.get("URI") or "")
        if not target.lower().startswith(("http://", "https://")):
            raise ClientError(
                f"could not download {req.full_url}: it redirects to {reprlib.repr(target)}; only http and https "
                "redirects are followed"
            )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


_OPENER = urllib.request.build_opener(_HttpRedirectsOnly)


def fetch_url(url: Any, max_bytes: int, timeout: float = URL_TIMEOUT_S) -> bytes:
    """Download an http(s) URL, refusing other schemes, other-scheme redirects, bodies over ``max_bytes`` and
    downloads taking longer than ``timeout`` seconds in all (not only per read)."""
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise ClientError(f"url must be an http or https address, not {reprlib.repr(url)}")
    deadline = time.monotonic() + timeout
    try:
        with _OPENER.open(urllib.request.Request(url, headers={"User-Agent": "PolarBridge"}), timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ClientError(f"url {url}: the file is larger than {max_bytes} bytes (maxRequestBytes)")
            parts: list[bytes] = []
            size = 0
            while size <= max_bytes:
                if time.monotonic() > deadline:
                    raise ClientError(f"could not download {url}: it took longer than {timeout:g} seconds")
                part = resp.read(min(65536, max_bytes + 1 - size))
                if not part:
                    break
                parts.append(part)
                size += len(part)
            data = b"".join(parts)
    except ClientError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ClientError(f"could not download {url}: {getattr(exc, 'reason', exc)}") from None
    if len(data) > max_bytes:
        raise ClientError(f"url {url}: the file is larger than {max_bytes} bytes (maxRequestBytes)")
    return data


def inside_media_folder(media_dir: str, path: str) -> str | None:
    """``path``'s real location (links resolved) if that is a file inside the media folder, else None."""
    folder = os.path.realpath(media_dir)
    real = os.path.realpath(os.path.join(folder, path))
    if real == folder or os.path.commonpath([folder, real]) != folder:
        return None
    return real


def read_media_path(media_dir: str, path: Any) -> bytes:
    """The bytes of ``path`` (absolute or relative to the media folder) if it is inside the media folder after
    resolving links."""
    if not isinstance(path, str) or not path:
        raise ClientError("path must be a non-empty string")
    real = inside_media_folder(media_dir, path)
    if real is None:
        raise ClientError(
            f"path {reprlib.repr(path)} is outside the media folder; only files in the media folder may be read"
        )
    try:
        with open(real, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ClientError(f"cannot read path {path!r}: {exc.strerror}") from None


def prepare_media_item(item: Any, config: "AddonConfig", media_dir: str | None) -> Any:
    """Off the main thread: decode ``data``, download ``url`` or read ``path`` (inside ``media_dir``) into
    ``item[PREPARED_BYTES]`` (a new dict). Anything that is not a dict is returned for the caller to refuse."""
    if not isinstance(item, dict) or PREPARED_BYTES in item:
        return item
    if item.get("data"):
        return {**item, PREPARED_BYTES: decode_base64(item["data"])}
    if item.get("path"):
        if media_dir is None:
            return item
        return {**item, PREPARED_BYTES: read_media_path(media_dir, item["path"])}
    if item.get("url"):
        return {**item, PREPARED_BYTES: fetch_url(item["url"], config.max_request_bytes)}
    return item


def media_item_bytes(col: "Collection", item: dict[str, Any]) -> bytes:
    """The content a ``{data|path|url}`` item names: the bytes its preparation read off the main thread.

    Downloads never happen here (this runs on Anki's main thread); an unprepared ``url`` is refused.
    """
    prepared = item.get(PREPARED_BYTES)
    if isinstance(prepared, bytes):
        return prepared
    if item.get("data"):
        return decode_base64(item["data"])
    if item.get("path"):
        return read_media_path(col.media.dir(), item["path"])
    if item.get("url"):
        raise ClientError(f"url {item['url']!r} was not downloaded before the action ran")
    raise ClientError(MSG_NO_SOURCE)


# Characters Anki refuses in media names (it would rename the file); such names are left to Anki to rename.
_ANKI_ILLEGAL = re.compile(r'[][><:"/?*^\\|\x00\r\n]')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
_MAX_NAME_BYTES = 120


def _anki_keeps_name(name: str) -> bool:
    """Whether ``name`` is one Anki's media check accepts unchanged (then we may write it ourselves)."""
    return (
        unicodedata.normalize("NFC", name) == name
        and not _ANKI_ILLEGAL.search(name)
        and not _WINDOWS_RESERVED.match(name)
        and not name.endswith((".", " "))
        and len(name.encode("utf-8")) <= _MAX_NAME_BYTES
    )


def store_media(col: "Collection", filename: str, data: bytes, delete_existing: bool = True) -> str:
    """Write ``data`` as exactly ``filename`` in the media folder and return the stored name.

    Anki 26.9's ``col.media.write_data`` lower-cases new names (``12carQM.png`` -> ``12carqm.png``), so notes
    that reference the client's mixed-case name would show a broken image on case-sensitive file systems; it
    also renames on a content conflict (``name-<hash>.ext``). So a name Anki accepts as is is written directly
    (temp file + atomic rename); with ``delete_existing`` (the default) a different old file is moved to Anki's
    media trash first. Without it, a conflict is left to Anki, which renames (the new name is returned). Names
    Anki would not keep (illegal characters, too long) are also left to Anki.
    """
    check_filename(filename)
    media = col.media
    target = os.path.join(media.dir(), filename)
    exists = os.path.isfile(target)
    if exists:
        with open(target, "rb") as f:
            if f.read() == data:
                return filename
    if not _anki_keeps_name(filename) or (exists and not delete_existing):
        return media.write_data(filename, data)
    if exists:
        media.trash_files([filename])
    fd, tmp = tempfile.mkstemp(prefix=".polar-bridge-", suffix=".tmp", dir=media.dir())
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; media files are ordinary files
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return filename
