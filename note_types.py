"""Which note type a pushed card uses, in any UI language.

Clients (Polar above all) ask for the note types "Basic" and "Cloze" by their English names. A German collection
calls them "Einfach" and "Lückentext", so a name lookup fails. Anki records which stock type a note type was made
from (``originalStockKind``), so "Basic"/"Cloze" are resolved by that kind, and the clients' English field names
("Front", "Back", "Text", "Back Extra") are mapped by position within that kind. Pure domain code: no aqt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anki.models import NotetypeDict, NotetypeId, NotetypeNameId
from anki.notetypes_pb2 import StockNotetype

from . import anki_compat

if TYPE_CHECKING:
    from anki.collection import Collection

OriginalKind = StockNotetype.OriginalStockKind
StockKind = StockNotetype.Kind
MODEL_CLOZE = 1  # NotetypeDict["type"] of cloze note types


@dataclass(frozen=True)
class StockAlias:
    """An English stock name clients use, what it maps to, and its fields' English names by position."""

    name: str
    original_kind: int
    stock_kind: int
    is_cloze: bool
    field_aliases: tuple[str, ...]


BASIC = StockAlias("Basic", OriginalKind.ORIGINAL_STOCK_KIND_BASIC, StockKind.KIND_BASIC, False, ("front", "back"))
CLOZE = StockAlias("Cloze", OriginalKind.ORIGINAL_STOCK_KIND_CLOZE, StockKind.KIND_CLOZE, True, ("text", "back extra"))
STOCK_ALIASES = (BASIC, CLOZE)

# Field names clients send that no note type needs: Polar's copy of Front for its own templates.
IGNORED_FIELDS = frozenset({"frontside"})


def stock_alias(name: str) -> StockAlias | None:
    """The stock alias ``name`` refers to ("basic"/"cloze", any case), if any."""
    lowered = name.strip().lower()
    return next((alias for alias in STOCK_ALIASES if alias.name.lower() == lowered), None)


def _fits(notetype: NotetypeDict, alias: StockAlias) -> bool:
    # A stock-derived type the user has since reshaped (e.g. removed the Back field) can't take the client's fields.
    is_cloze = notetype.get("type") == MODEL_CLOZE
    return (
        notetype.get("originalStockKind") == alias.original_kind
        and is_cloze == alias.is_cloze
        and len(notetype["flds"]) >= len(alias.field_aliases)
    )


def find_stock_notetype(
    col: "Collection", alias: StockAlias, entries: Sequence[NotetypeNameId] | None = None
) -> NotetypeDict | None:
    """The collection's note type of ``alias``'s stock kind, whatever its name; None when there is none.

    Preference: one literally named like the alias ("Basic"), then one with the stock name in the collection's
    language ("Einfach"), then the oldest of that kind (copies like "Basic-1a2b3" come later). ``entries``: the
    collection's note type names and ids when the caller has just read them.
    """
    if entries is None:
        entries = col.models.all_names_and_ids()
    # Fast path (every Polar request asks for "Basic"): a type literally called so that fits ranks first anyway.
    wanted = alias.name.lower()
    for entry in sorted((e for e in entries if e.name.lower() == wanted), key=lambda e: e.id):
        named = col.models.get(NotetypeId(entry.id))
        if named is not None and _fits(named, alias):
            return named
    candidates = [nt for nt in col.models.all() if _fits(nt, alias)]
    if not candidates:
        return None
    localized = _localized_stock_name(col, alias).lower()

    def rank(nt: NotetypeDict) -> tuple[int, int]:
        name = nt["name"].lower()
        return (0 if name == alias.name.lower() else 1 if name == localized else 2, nt["id"])

    return min(candidates, key=rank)


def _localized_stock_name(col: "Collection", alias: StockAlias) -> str:
    return col.tr.notetypes_basic_name() if alias is BASIC else col.tr.notetypes_cloze_name()


def ensure_stock_notetype(col: "Collection", alias: StockAlias) -> NotetypeDict:
    """The collection's note type for ``alias``, adding Anki's stock one (named in the UI language) if missing."""
    found = find_stock_notetype(col, alias)
    if found is not None:
        return found
    notetype = anki_compat.stock_notetype(col, alias.stock_kind)
    col.models.add(notetype)
    return notetype_by_id(col, notetype["id"])


def notetype_by_id(col: "Collection", notetype_id: int) -> NotetypeDict:
    """The note type with this id (of a note or one just added); LookupError if it is gone."""
    notetype = col.models.get(NotetypeId(notetype_id))
    if notetype is None:
        raise LookupError(f"note type {notetype_id} does not exist")
    return notetype


def find_notetype(col: "Collection", name: str, create_stock: bool = True) -> NotetypeDict | None:
    """The note type a client means by ``name``; None if there is none.

    "Basic"/"Cloze" (any case) resolve by stock kind (created when missing if ``create_stock``). Other names match
    exactly, then case-insensitively.
    """
    # Names are compared here rather than with col.models.by_name: in the running app a failed backend lookup
    # costs ~50 ms (the backend records a backtrace for the NotFound error), and "Basic" is missing in German.
    entries = col.models.all_names_and_ids()
    exact = next((col.models.get(NotetypeId(e.id)) for e in entries if e.name == name), None)
    alias = stock_alias(name)
    if alias is not None:
        # A user's own type literally called "Basic" that is not stock-derived still wins over translation.
        if exact is not None and not _fits(exact, alias):
            return exact
        return ensure_stock_notetype(col, alias) if create_stock else find_stock_notetype(col, alias, entries)
    if exact is not None:
        return exact
    folded = name.casefold()
    return next((col.models.get(NotetypeId(e.id)) for e in entries if e.name.casefold() == folded), None)


def alias_of(notetype: NotetypeDict) -> StockAlias | None:
    """The stock alias whose English field names apply to ``notetype``, if it is of a stock kind."""
    return next((alias for alias in STOCK_ALIASES if _fits(notetype, alias)), None)


# English field names of every stock kind, by position (for types named in another language).
_STOCK_FIELD_NAMES = {
    OriginalKind.ORIGINAL_STOCK_KIND_BASIC: ("front", "back"),
    OriginalKind.ORIGINAL_STOCK_KIND_BASIC_AND_REVERSED: ("front", "back"),
    OriginalKind.ORIGINAL_STOCK_KIND_BASIC_OPTIONAL_REVERSED: ("front", "back", "add reverse"),
    OriginalKind.ORIGINAL_STOCK_KIND_BASIC_TYPING: ("front", "back"),
    OriginalKind.ORIGINAL_STOCK_KIND_CLOZE: ("text", "back extra"),
}


def _english_field_names(notetype: NotetypeDict) -> tuple[str, ...]:
    names = _STOCK_FIELD_NAMES.get(notetype.get("originalStockKind", 0), ())
    return names if len(notetype["flds"]) >= len(names) else ()


def field_positions(notetype: NotetypeDict, client_fields: dict[str, Any]) -> dict[int, str]:
    """Map the client's ``{field name: value}`` onto field positions of ``notetype``.

    The note type's own field names match case-insensitively first; then the English stock names by position
    (Front/Back, Text/Back Extra, …) for stock-kind types. ``FrontSide`` and unknown names are ignored.
    """
    own = {field["name"].lower(): field["ord"] for field in notetype["flds"]}
    by_alias = {name: pos for pos, name in enumerate(_english_field_names(notetype))}
    positions: dict[int, str] = {}
    for name, value in client_fields.items():
        key = name.strip().lower()
        if key in IGNORED_FIELDS and key not in own:
            continue
        if key in own:
            positions[own[key]] = value
        elif key in by_alias and by_alias[key] not in positions:
            positions[by_alias[key]] = value
    return positions


def client_names_and_ids(col: "Collection") -> dict[str, int]:
    """Every note type name → id, plus "Basic" and "Cloze" for the stock kinds (created when missing)."""
    result = {entry.name: entry.id for entry in col.models.all_names_and_ids()}
    for alias in STOCK_ALIASES:
        if alias.name not in result:
            result[alias.name] = ensure_stock_notetype(col, alias)["id"]
    return result


def uses_cloze(templates: list[dict[str, Any]]) -> bool:
    return any("{{cloze:" in str(t.get("Front", "")) + str(t.get("Back", "")) for t in templates)
