"""The dev launcher's first run: a throwaway profile with the demo collection, kept on later runs, rebuilt by
--reset, and never a folder the launcher did not make."""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import anki_env
import demo_profile
import pytest
import sample_collection
from anki.collection import Collection
from anki.decks import DeckId

REPO = Path(__file__).resolve().parent.parent
FSRS6_DEFAULTS_START = [0.212, 1.2931, 2.3065, 8.2956]  # Anki's FSRS-6 defaults begin so (fsrs-rs DEFAULT_PARAMETERS)


def launcher_setup(base: Path, *args: str) -> subprocess.CompletedProcess:
    """What `tools/dev.sh` does before Anki starts, on ``base`` instead of .dev-anki/."""
    return subprocess.run(
        [sys.executable, str(REPO / "tools" / "dev_anki.py"), "--base", str(base), "--setup-only", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_base(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("dev") / "base"
    result = launcher_setup(base)
    assert result.returncode == 0, result.stderr
    assert "Made the dev profile" in result.stdout
    return base


@pytest.fixture
def demo(demo_base: Path):
    col = Collection(str(anki_env.collection_path(demo_base)))
    try:
        yield col
    finally:
        col.close()


def home_deck_counts(col: Collection) -> dict[str, int]:
    rows = col.db.all("select case when odid then odid else did end, count() from cards group by 1")
    return {col.decks.name(did): count for did, count in rows}


def addon_config(base: Path) -> dict:
    return json.loads((base / "addons21" / anki_env.PACKAGE_NAME / "meta.json").read_text())["config"]


def test_first_run_makes_a_profile_with_the_add_on_and_the_demo_decks(demo_base: Path, demo: Collection):
    assert (demo_base / "prefs21.db").exists()
    assert (demo_base / "addons21" / anki_env.PACKAGE_NAME / "__init__.py").exists()
    # the add-on's settings pick schedulers that change something, so its features show at once
    assert addon_config(demo_base).items() >= demo_profile.DEMO_CONFIG.items()
    names = {entry.name for entry in demo.decks.all_names_and_ids()}
    assert {"Geography::Capitals", "Languages::German", "Computer science", "Leeches"} <= names
    assert home_deck_counts(demo) == {deck.name: deck.cards for deck in demo_profile.DECKS}
    assert sum(deck.cards for deck in demo_profile.DECKS) >= 2000


def test_german_deck_uses_a_german_stock_basic(demo: Collection):
    german = demo.decks.id_for_name("Languages::German")
    note = demo.get_note(demo.get_card(demo.find_cards(f"did:{german}")[0]).nid)
    notetype = note.note_type()
    assert notetype is not None and notetype["name"] == "Einfach"
    assert [field["name"] for field in notetype["flds"]] == ["Vorderseite", "Rückseite"]
    assert notetype["originalStockKind"] == 1  # Anki's stock Basic, as a German collection made it
    assert note["Vorderseite"] and note["Rückseite"]


def test_months_of_review_history_like_a_real_users(demo: Collection):
    count, first, last = demo.db.first("select count(), min(id), max(id) from revlog")
    assert count >= 10 * sum(deck.cards for deck in demo_profile.DECKS) / 2  # several reviews per card
    assert (last - first) / 86_400_000 > 150  # months of it
    kinds = dict(demo.db.all("select type, count() from revlog group by type"))
    # learning, review, relearning (lapses), filtered/cram, manual (reset, set due date), rescheduled
    assert all(kinds.get(kind, 0) > 20 for kind in range(6)), kinds
    answers = dict(demo.db.all("select ease, count() from revlog where type = 1 group by ease"))
    assert all(answers.get(ease, 0) > 100 for ease in (1, 2, 3, 4)), answers  # Again, Hard, Good, Easy
    hours = {datetime.datetime.fromtimestamp(rid / 1000).hour for (rid,) in demo.db.all("select id from revlog")}
    assert len(hours) == 24  # reviews at every hour of the day
    # the collection was in use before its first review, so day numbers are positive, as in a real one
    assert demo.sched.today > 150 and demo.db.scalar("select min(due) from cards where type = 2 and odid = 0") > 0
    assert demo.find_cards("is:due") and demo.find_cards("is:review")


def test_one_preset_has_fsrs_parameters_fitted_to_the_history(demo: Collection):
    german = demo.decks.id_for_name("Languages::German")
    config = demo.decks.config_dict_for_deck_id(german)
    assert config["name"] == demo_profile.FSRS_PRESET
    params = config["fsrsParams6"]
    assert len(params) == 21 and params[:4] != pytest.approx(FSRS6_DEFAULTS_START, abs=1e-3)
    others = {
        demo.decks.config_dict_for_deck_id(demo.decks.id_for_name(name))["name"]
        for name in ("Geography::Capitals", "Computer science")
    }
    assert others == {demo.decks.config_dict_for_deck_id(1)["name"]} and demo_profile.FSRS_PRESET not in others
    assert demo.get_config("fsrs") is True
    # Anki computed every reviewed card's memory state when FSRS was turned on, as the deck options screen does
    card = demo.get_card(demo.find_cards(f"did:{german} is:review")[0])
    assert card.memory_state is not None and card.memory_state.stability > 0


def test_suspended_and_buried_cards_stay_so_when_anki_builds_todays_queues(demo: Collection):
    assert len(demo.find_cards("is:suspended")) >= 10
    buried = demo.find_cards("is:buried")
    assert len(buried) >= 5
    demo.sched.deck_due_tree()  # Anki unburies here on a day change; it must not see one on the first day
    demo.sched.get_queued_cards()
    assert demo.find_cards("is:buried") == buried


def test_a_filtered_deck_holds_leeches_away_from_their_home_decks(demo: Collection):
    leeches = demo.decks.by_name(demo_profile.FILTERED_DECK)
    assert leeches is not None and leeches["dyn"] == 1 and leeches["resched"]
    held = demo.db.all("select odid, lapses from cards where did = ?", leeches["id"])
    assert 10 <= len(held) < demo_profile.FILTERED_LIMIT
    assert all(lapses >= 5 for _odid, lapses in held)
    # every other leech is suspended or buried (Anki leaves those home)
    assert not demo.db.scalar("select count() from cards where lapses >= 5 and odid = 0 and queue >= 0")
    homes = {demo.decks.name(odid) for odid, _ in held}
    assert homes <= {deck.name for deck in demo_profile.DECKS} and len(homes) >= 2


def test_same_seed_gives_the_same_collection(tmp_path: Path):
    def tables(path: Path) -> tuple:
        demo_profile.create_demo_collection(path, seed=7, now=1_790_000_000.0)
        col = Collection(str(path))
        try:
            decks = {did: col.decks.name(did) for did in col.db.list("select id from decks")}
            cards = [
                (cid, decks[did], decks.get(odid), ctype, queue, due, ivl, data)
                for cid, did, odid, ctype, queue, due, ivl, data in col.db.all(
                    "select id, did, odid, type, queue, due, ivl, data from cards order by id"
                )
            ]
            revlog = col.db.all("select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id")
            notes = col.db.all("select id, flds from notes order by id")
            params = col.decks.config_dict_for_deck_id(col.decks.id_for_name("Languages::German"))["fsrsParams6"]
            return cards, revlog, notes, params
        finally:
            col.close()

    first, second = tables(tmp_path / "a.anki2"), tables(tmp_path / "b.anki2")
    assert first == second
    other_seed = tmp_path / "c.anki2"
    demo_profile.create_demo_collection(other_seed, seed=8, now=1_790_000_000.0)
    col = Collection(str(other_seed))
    try:
        assert col.db.all("select id, cid, ease, ivl, lastIvl, factor, time, type from revlog order by id") != first[1]
    finally:
        col.close()


def test_decks_filled_one_after_another_never_share_a_review_id(tmp_path: Path):
    """The demo fills its decks one after another, each with answers at random times of the same months: an answer
    at the same millisecond as one of an earlier deck must not stop the launcher (UNIQUE constraint on revlog.id).
    The same seed and time twice give every answer of the second deck such a twin."""
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        first, second = (DeckId(col.decks.id(name, create=True) or 0) for name in ("First", "Second"))
        written = sum(
            sample_collection.fill_collection(col, 200, seed=7, days=200, deck_id=deck, now=1_790_000_000.0)
            for deck in (first, second)
        )
        assert col.db.scalar("select count() from revlog") == written > 400
        assert col.db.scalar("select count(distinct cid) from revlog") == 400
    finally:
        col.close()


def test_a_second_run_keeps_the_profile_and_reset_rebuilds_it(tmp_path: Path):
    base = tmp_path / "base"
    assert launcher_setup(base).returncode == 0
    col = Collection(str(anki_env.collection_path(base)))
    note = col.new_note(col.models.by_name("Basic"))  # type: ignore[arg-type]
    note["Front"] = "my own card"
    col.add_note(note, col.decks.id("Computer science"))
    col.close()
    meta = base / "addons21" / anki_env.PACKAGE_NAME / "meta.json"  # as Anki saves the settings dialog's changes
    meta.write_text(json.dumps({"config": dict(addon_config(base), scheduler="fsrs")}))

    again = launcher_setup(base)
    assert again.returncode == 0 and "Made the dev profile" not in again.stdout
    col = Collection(str(anki_env.collection_path(base)))
    assert col.find_notes('"my own card"')
    col.close()
    assert addon_config(base)["scheduler"] == "fsrs"

    reset = launcher_setup(base, "--reset")
    assert reset.returncode == 0 and "Made the dev profile" in reset.stdout
    col = Collection(str(anki_env.collection_path(base)))
    try:
        assert not col.find_notes('"my own card"')
        assert home_deck_counts(col) == {deck.name: deck.cards for deck in demo_profile.DECKS}
    finally:
        col.close()
    assert addon_config(base)["scheduler"] == demo_profile.DEMO_CONFIG["scheduler"]


def test_reset_refuses_a_folder_the_launcher_did_not_make(tmp_path: Path):
    """Someone's real Anki folder passed as --base by mistake: --reset must not delete it."""
    real = tmp_path / "Anki2"
    anki_env.create_profile(real, "User 1")
    before = sorted(p.relative_to(real) for p in real.rglob("*"))
    result = launcher_setup(real, "--reset")
    assert result.returncode != 0 and "not made by this launcher" in result.stderr
    assert sorted(p.relative_to(real) for p in real.rglob("*")) == before


def test_readme_shows_the_pictures_and_they_are_small():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\((docs/images/[^)]+\.png)\)", readme)
    assert {Path(p).name for p in pictures} >= {
        "preview-dialog.png",
        "answer-buttons.png",
        "settings-dialog.png",
        "compare-charts.png",
    }
    for picture in pictures:
        assert 2_000 < (REPO / picture).stat().st_size < 150_000, picture
