"""The dev launcher's demo collection: decks, note types, presets and months of review history, from one seed.

`tools/dev.sh` builds it into its throwaway profile (`.dev-anki/dev/collection.anki2`) on the first run and after
`--reset`, so every feature has something to show at once: Tools > Reschedule's preview chart, the answer buttons,
Train and the scheduler comparison. It holds

- three decks of Basic cards, two of them nested (``Geography::Capitals``, ``Languages::German``), and
  ``Computer science``; the German deck's notes use a German stock note type (``Einfach``, fields ``Vorderseite``
  and ``Rückseite``, as in a deck shared by a German user) and its own preset, ``German (FSRS)``, holding FSRS
  parameters trained by Anki's own optimizer on that history; FSRS is on, as the deck options screen turns it on;
- a filtered deck ``Leeches`` (cards with several lapses, rescheduling) holding some cards away from their home;
- histories simulated by ``tools/sample_collection.py``: learning steps, lapses and relearning, resets, Hard and
  Easy, reviews at all hours, cram, Set Due Date; some cards suspended and buried (kept buried today).
- ``DEMO_CONFIG``: the add-on's settings for the new profile (``example`` for all presets, ``fsrs`` for the German
  one, rescheduling after each review), so the preview, the answer buttons and the comparison differ from Anki's.

The collection's creation date lies before the oldest review, as in a collection that has been used that long.
Same seed and same ``now`` give the same collection.

    .venv/bin/python tools/demo_profile.py PATH [--seed 2026]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sample_collection
from anki.collection import Collection
from anki.decks import DeckId
from anki.notes import NoteId
from anki_fsrs_reference import save_fsrs_presets

DEFAULT_SEED = 2026
HISTORY_DAYS = 240  # about eight months of reviews
DAY = 86_400
FSRS_PRESET = "German (FSRS)"
FILTERED_DECK = "Leeches"
# The add-on's settings in a new dev profile: schedulers that change something, so the preview, the answer buttons
# and the after-review reschedule show the add-on at work (config.md documents the keys).
DEMO_CONFIG = {"scheduler": "example", "schedulerByPreset": {FSRS_PRESET: "fsrs"}, "rescheduleAfterReview": True}
FILTERED_SEARCH = "prop:lapses>=5"
FILTERED_LIMIT = 100


@dataclass(frozen=True)
class DemoDeck:
    name: str
    cards: int
    content: tuple[tuple[str, str], ...]  # (front, back) pairs, cycled over the deck's notes
    german_note_type: bool = False


GEOGRAPHY = (
    ("France", "Paris"),
    ("Germany", "Berlin"),
    ("Italy", "Rome"),
    ("Spain", "Madrid"),
    ("Portugal", "Lisbon"),
    ("Poland", "Warsaw"),
    ("Austria", "Vienna"),
    ("Hungary", "Budapest"),
    ("Czechia", "Prague"),
    ("Sweden", "Stockholm"),
    ("Norway", "Oslo"),
    ("Finland", "Helsinki"),
    ("Denmark", "Copenhagen"),
    ("Ireland", "Dublin"),
    ("Greece", "Athens"),
    ("Turkey", "Ankara"),
    ("Egypt", "Cairo"),
    ("Kenya", "Nairobi"),
    ("Nigeria", "Abuja"),
    ("Ghana", "Accra"),
    ("Japan", "Tokyo"),
    ("China", "Beijing"),
    ("India", "New Delhi"),
    ("Thailand", "Bangkok"),
    ("Vietnam", "Hanoi"),
    ("Indonesia", "Jakarta"),
    ("Australia", "Canberra"),
    ("Canada", "Ottawa"),
    ("Mexico", "Mexico City"),
    ("Brazil", "Brasília"),
    ("Argentina", "Buenos Aires"),
    ("Chile", "Santiago"),
    ("Peru", "Lima"),
    ("Colombia", "Bogotá"),
    ("Morocco", "Rabat"),
    ("Iran", "Tehran"),
)
GERMAN = (
    ("der Apfel", "the apple"),
    ("die Brücke", "the bridge"),
    ("das Fenster", "the window"),
    ("der Schlüssel", "the key"),
    ("die Zeitung", "the newspaper"),
    ("das Gewitter", "the thunderstorm"),
    ("die Erfahrung", "the experience"),
    ("der Bahnhof", "the station"),
    ("das Frühstück", "breakfast"),
    ("die Rechnung", "the bill"),
    ("der Wald", "the forest"),
    ("die Gegend", "the area"),
    ("verstehen", "to understand"),
    ("vergessen", "to forget"),
    ("erklären", "to explain"),
    ("gewinnen", "to win"),
    ("versuchen", "to try"),
    ("bezahlen", "to pay"),
    ("übernachten", "to stay overnight"),
    ("gemütlich", "cosy"),
    ("müde", "tired"),
    ("spannend", "exciting"),
    ("vorsichtig", "careful"),
    ("ehrlich", "honest"),
    ("eigentlich", "actually"),
    ("trotzdem", "nevertheless"),
    ("sofort", "at once"),
    ("die Eichhörnchen", "the squirrels"),
    ("der Feierabend", "the end of the working day"),
    ("die Sehnsucht", "longing"),
    ("das Fernweh", "wanderlust"),
    ("die Schadenfreude", "malicious joy"),
)
COMPUTING = (
    ("Binary search: time complexity", "O(log n)"),
    ("Quicksort: average time", "O(n log n)"),
    ("Hash table lookup: average time", "O(1)"),
    ("Stack order", "LIFO"),
    ("Queue order", "FIFO"),
    ("Dijkstra's algorithm finds…", "shortest paths with non-negative weights"),
    ("A heap's root holds…", "the minimum (min-heap) or maximum (max-heap)"),
    ("TCP vs UDP", "reliable ordered stream vs unreliable datagrams"),
    ("HTTP status 404", "Not Found"),
    ("HTTP status 503", "Service Unavailable"),
    ("git rebase", "replays commits onto another base"),
    ("Python: a generator", "a function that yields values lazily"),
    ("SQL JOIN without match", "LEFT JOIN"),
    ("Big-endian", "most significant byte first"),
    ("Idempotent request", "same effect however often sent"),
)

DECKS = (
    DemoDeck("Geography::Capitals", 900, GEOGRAPHY),
    DemoDeck("Languages::German", 1300, GERMAN, german_note_type=True),
    DemoDeck("Computer science", 800, COMPUTING),
)


def build_demo_collection(col: Collection, seed: int = DEFAULT_SEED, now: float | None = None) -> None:
    """Fill an empty collection with the demo decks, histories, presets and filtered deck (see the module doc)."""
    now = time.time() if now is None else now
    # The collection was "created" before its oldest review, so today's day number counts from then.
    col.crt = int(now - (HISTORY_DAYS + 30) * DAY)
    for index, deck in enumerate(DECKS):
        deck_id = DeckId(col.decks.id(deck.name, create=True) or 0)
        first_new_id = (col.db.scalar("select max(id) from notes") or 0) + 1
        sample_collection.fill_collection(
            col, deck.cards, seed=seed * 100 + index, days=HISTORY_DAYS, deck_id=deck_id, now=now
        )
        note_ids = [NoteId(nid) for nid in col.db.list("select id from notes where id >= ? order by id", first_new_id)]
        if deck.german_note_type:
            _to_german_basic(col, note_ids)
        _write_content(col, note_ids, deck.content)
    german_deck = DeckId(col.decks.id(DECKS[1].name, create=False) or 0)
    _german_preset_with_fsrs(col, german_deck)
    _filtered_deck(col)
    # Keep today's buried cards buried: Anki unburies at the first day change it sees after "lastUnburied".
    col.set_config("lastUnburied", col.sched.today)


def _to_german_basic(col: Collection, note_ids: list[NoteId]) -> None:
    """Move notes to Anki's stock Basic as a German collection names it (as in a deck imported from a German)."""
    from anki._backend import RustBackend  # the only way to get Anki's stock note types named in another language

    with tempfile.TemporaryDirectory() as folder:
        german = Collection(str(Path(folder) / "de.anki2"), backend=RustBackend(langs=["de_DE"]))
        try:
            basic = german.models.by_name("Einfach")
        finally:
            german.close()
    assert basic is not None
    basic["id"] = 0
    new_id = col.models.add_dict(basic).id
    old_id = col.models.by_name("Basic")["id"]  # type: ignore[index]
    request = col.models.change_notetype_info(old_notetype_id=old_id, new_notetype_id=new_id).input
    request.note_ids.extend(note_ids)
    col.models.change_notetype_of_notes(request)


def _write_content(col: Collection, note_ids: list[NoteId], content: tuple[tuple[str, str], ...]) -> None:
    notes = []
    for n, nid in enumerate(note_ids):
        note = col.get_note(nid)
        front, back = content[n % len(content)]
        note.fields[0] = f"{front} <small>#{n + 1}</small>" if n >= len(content) else front
        note.fields[1] = back
        notes.append(note)
    col.update_notes(notes)


def _german_preset_with_fsrs(col: Collection, deck_id: DeckId) -> None:
    """Give the German deck its own preset with FSRS parameters fitted by Anki's optimizer, and turn FSRS on,
    both as the deck options screen does it (Optimize, then Save; Anki recomputes every card's memory state)."""
    preset = col.decks.add_config(FSRS_PRESET)
    deck = col.decks.get(deck_id)
    assert deck is not None
    deck["conf"] = preset["id"]
    col.decks.save(deck)
    # Deck options' Optimize button calls this (no Python wrapper exists) with the preset's search.
    fitted = col._backend.compute_fsrs_params(
        search=f'preset:"{FSRS_PRESET}"',
        current_params=[],
        ignore_revlogs_before_ms=0,
        num_of_relearning_steps=1,
        health_check=False,
    )
    current = col.decks.get_deck_configs_for_update(deck_id)
    configs = [entry.config for entry in current.all_config if entry.config.id != preset["id"]]
    chosen = next(entry.config for entry in current.all_config if entry.config.id == preset["id"])
    chosen.config.desired_retention = 0.9
    del chosen.config.fsrs_params_6[:]
    chosen.config.fsrs_params_6.extend(fitted.params)
    configs.append(chosen)  # Anki gives the target deck the last config of the list
    save_fsrs_presets(col, deck_id, configs)


def _filtered_deck(col: Collection) -> None:
    """A rescheduling filtered deck of leeches (cards with several lapses; the oldest first, an order without
    ties, so the same seed picks the same cards), built as Tools > Create Filtered Deck."""
    from anki.decks import FilteredDeckConfig

    deck = col.sched.get_or_create_filtered_deck(DeckId(0))
    deck.name = FILTERED_DECK
    config: FilteredDeckConfig = deck.config
    config.reschedule = True
    del config.search_terms[:]
    config.search_terms.add(
        search=FILTERED_SEARCH, limit=FILTERED_LIMIT, order=FilteredDeckConfig.SearchTerm.Order.ADDED
    )
    col.sched.add_or_update_filtered_deck(deck)


def create_demo_collection(path: Path, seed: int = DEFAULT_SEED, lang: str = "en_US", now: float | None = None) -> None:
    """Create the collection file at ``path`` (which must not exist yet) and build the demo into it.

    Stock note types and the default deck are named in ``lang``, as Anki names them in a new profile."""
    from anki._backend import RustBackend  # a collection created in the profile's language, as Anki does

    if path.exists():
        raise FileExistsError(f"{path} exists: the demo collection is only built into a new profile")
    path.parent.mkdir(parents=True, exist_ok=True)
    col = Collection(str(path), backend=RustBackend(langs=[lang]))
    try:
        build_demo_collection(col, seed, now)
    finally:
        col.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    started = time.perf_counter()
    create_demo_collection(args.path, args.seed)
    print(f"demo collection {args.path} built in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
