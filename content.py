"""What goes into a pushed note: tags, inline images, and the link back to the card's source.

- Tags: each client tag stays ONE Anki tag: spaces become ``_``, and folder paths (``/Books/SF``) become Anki's
  tag hierarchy (``Books::SF``).
- Inline images: ``data:image/<type>;base64,…`` in a field is stored as a media file named after the SHA-1 of its
  bytes (so the same picture is stored once) and the field points at that file.
- Source context: a note may carry ``"source": {"url", "title", "text"}`` (all optional strings). It is rendered
  as a small block (link to the source, then the highlighted text as a quote) appended to the note's answer-side
  field — the type's field named "Source" if it has one, else Back (Basic) / Back Extra (Cloze) / the last field.

Pure domain code: no aqt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# --- Tags -------------------------------------------------------------------------------------------------


def normalize_tag(tag: str) -> str:
    """One client tag as one Anki tag ("" when nothing is left)."""
    tag = tag.strip()
    if tag.startswith("/"):
        tag = "::".join(part.strip() for part in tag.split("/") if part.strip())
    # Anki splits tags on whitespace; join the words so "Machine Learning" stays one tag.
    tag = "_".join(tag.split())
    # Anki drops a leading/trailing "::" and empty levels; do it here so comparisons see the stored form.
    return "::".join(part for part in tag.split("::") if part)


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Client tags as Anki tags, first spelling kept, duplicates (ignoring case) dropped."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in tags:
        tag = normalize_tag(raw)
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            result.append(tag)
    return result


# --- Inline images ----------------------------------------------------------------------------------------

_DATA_URI = re.compile(r"""data:image/(?P<type>[a-zA-Z0-9.+-]+);base64,(?P<data>[^"'()<>]*)""")
_EXTENSIONS = {
    "jpeg": "jpg",
    "jpg": "jpg",
    "pjpeg": "jpg",
    "png": "png",
    "gif": "gif",
    "webp": "webp",
    "svg+xml": "svg",
    "svg": "svg",
    "bmp": "bmp",
    "avif": "avif",
    "x-icon": "ico",
    "tiff": "tif",
}


class InlineImageError(ValueError):
    pass


@dataclass(frozen=True)
class MediaFile:
    name: str
    data: bytes


def image_file_name(data: bytes, image_type: str) -> str:
    ext = _EXTENSIONS.get(image_type.lower()) or re.sub(r"[^a-z0-9]", "", image_type.lower())[:8] or "img"
    return f"{hashlib.sha1(data).hexdigest()}.{ext}"


def extract_inline_images(field_html: str) -> tuple[str, list[MediaFile]]:
    """``field_html`` with inline base64 images replaced by media file names, and the files to store.

    Raises InlineImageError for a data URI whose base64 is broken (rather than storing garbage).
    """
    if "data:image/" not in field_html:
        return field_html, []
    files: list[MediaFile] = []

    def replace(match: re.Match[str]) -> str:
        try:
            data = base64.b64decode("".join(match.group("data").split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InlineImageError(f"an inline image (data:image/{match.group('type')}) is not valid base64") from exc
        media = MediaFile(image_file_name(data, match.group("type")), data)
        files.append(media)
        return media.name

    return _DATA_URI.sub(replace, field_html), files


# --- Source context ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceContext:
    url: str = ""
    title: str = ""
    text: str = ""

    def is_empty(self) -> bool:
        return not (self.url or self.title or self.text)


class SourceError(ValueError):
    pass


def parse_source(raw: Any) -> SourceContext | None:
    """The note's optional ``source`` object; raises SourceError on a wrong shape."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SourceError("note.source must be an object with optional url, title and text strings")
    values = {}
    for key in ("url", "title", "text"):
        value = raw.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise SourceError(f"note.source.{key} must be a string")
        values[key] = value.strip()
    context = SourceContext(**values)
    return None if context.is_empty() else context


def render_source(context: SourceContext) -> str:
    """The HTML block shown on the answer side. Only http(s)/file URLs become links (no ``javascript:``)."""
    label = html.escape(context.title or context.url or "Source")
    url = context.url
    if url and re.match(r"(?i)^(https?|file)://", url):
        link = f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    else:
        link = label if (context.title or context.url) else ""
    quote = f"<blockquote>{html.escape(context.text)}</blockquote>" if context.text else ""
    return f'<div class="polar-source">{link}{quote}</div>'


def append_source(field_html: str, context: SourceContext) -> str:
    block = render_source(context)
    if block in field_html:
        return field_html  # re-push: the block is already there
    return f"{field_html}{block}" if field_html else block
