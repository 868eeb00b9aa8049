"""The real `yanki` CLI (npm, pinned) syncs a folder of Markdown notes into a real Anki through the add-on:
create (with an image and a nested deck), re-sync with nothing changed, edit one note, delete one file."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from server_helpers import invoke

pytestmark = pytest.mark.e2e

YANKI_VERSION = "2.0.9"  # installed by tools/node_tools.sh (run by tools/test.sh)
REPO = Path(__file__).resolve().parent.parent
YANKI = REPO / ".node-tools" / "node_modules" / ".bin" / "yanki"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _yanki() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the yanki end-to-end test needs Node.js (tools/node_tools.sh)")
    if not YANKI.exists():
        pytest.skip("yanki is not installed: run tools/node_tools.sh (tools/test.sh does)")
    version = subprocess.run([str(YANKI), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    assert version == YANKI_VERSION, (
        f"yanki {version} installed, the test pins {YANKI_VERSION}: run tools/node_tools.sh"
    )
    return YANKI


def _sync(yanki: Path, folder: Path, port: int) -> dict:
    out = subprocess.run(
        [
            str(yanki),
            "sync",
            str(folder),
            "--anki-connect",
            f"http://127.0.0.1:{port}",
            "--anki-web",
            "false",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr + out.stdout
    return json.loads(out.stdout)


def _actions(report: dict) -> dict[str, str]:
    """File name -> what yanki did with its note (a deleted note has no file any more: keyed by its front)."""
    return {
        Path(item["filePath"]).name if item.get("filePath") else item["note"]["fields"]["Front"]: item["action"]
        for item in report["synced"]
    }


def _state(port: int) -> dict:
    """What a write would change: every note with its mod time, every card's mod time, the decks."""
    note_ids = invoke(port, "findNotes", {"query": '"YankiNamespace:*"'})["result"]
    notes = invoke(port, "notesInfo", {"notes": note_ids})["result"]
    card_ids = [cid for note in notes for cid in note["cards"]]
    return {
        "notes": {n["noteId"]: (n["mod"], n["fields"]["Back"]["value"], n["cards"]) for n in notes},
        "cards": invoke(port, "cardsModTime", {"cards": card_ids})["result"],
        "decks": sorted(invoke(port, "deckNames")["result"]),
    }


def test_yanki_syncs_a_markdown_folder(start_anki, tmp_path):
    yanki = _yanki()
    anki = start_anki()
    folder = tmp_path / "notes"
    (folder / "Languages" / "French").mkdir(parents=True)
    (folder / "Languages" / "cat.md").write_text("What is a cat?\n\n---\n\nAn animal ![a cat](cat.png)\n")
    (folder / "Languages" / "dog.md").write_text("What is a dog?\n\n---\n\nAnother animal\n")
    (folder / "Languages" / "French" / "paris.md").write_text("Capital of France?\n\n---\n\nParis\n")
    (folder / "Languages" / "cat.png").write_bytes(PNG)

    created = _sync(yanki, folder, anki.port)
    assert _actions(created) == {"cat.md": "created", "dog.md": "created", "paris.md": "created"}
    first = _state(anki.port)
    assert {"Languages", "Languages::French"} <= set(first["decks"])
    decks = {item["note"]["deckName"] for item in created["synced"]}
    assert decks == {"Languages", "Languages::French"}
    cat_back = next(back for _, back, _ in first["notes"].values() if "An animal" in back)
    media_name = cat_back.split('src="', 1)[1].split('"', 1)[0]
    assert base64.b64decode(invoke(anki.port, "retrieveMediaFile", {"filename": media_name})["result"]) == PNG

    unchanged = _sync(yanki, folder, anki.port)
    assert set(_actions(unchanged).values()) == {"unchanged"}
    assert unchanged["deletedDecks"] == [] and unchanged["deletedMedia"] == []
    assert _state(anki.port) == first  # nothing was written

    paris = folder / "Languages" / "French" / "paris.md"
    paris.write_text(paris.read_text().replace("Paris", "Paris, on the Seine"))
    edited = _sync(yanki, folder, anki.port)
    assert _actions(edited) == {"cat.md": "unchanged", "dog.md": "unchanged", "paris.md": "updated"}
    after_edit = _state(anki.port)
    assert after_edit["notes"].keys() == first["notes"].keys()  # updated in place: same notes, same cards
    changed = [nid for nid in first["notes"] if first["notes"][nid] != after_edit["notes"][nid]]
    assert len(changed) == 1 and "Paris, on the Seine" in after_edit["notes"][changed[0]][1]
    assert after_edit["notes"][changed[0]][2] == first["notes"][changed[0]][2]

    (folder / "Languages" / "dog.md").unlink()
    deleted = _sync(yanki, folder, anki.port)
    outcome = _actions(deleted)
    assert [action for key, action in outcome.items() if "What is a dog?" in key] == ["deleted"]
    assert outcome["cat.md"] == outcome["paris.md"] == "unchanged"
    remaining = _state(anki.port)
    assert len(remaining["notes"]) == 2
    assert not any("Another animal" in back for _, back, _ in remaining["notes"].values())
    assert {"Languages", "Languages::French"} <= set(remaining["decks"])
