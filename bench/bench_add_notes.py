"""Benchmark: pushing Polar-shaped notes through the addNotes handler vs Anki's own col.add_notes.

    .venv/bin/python bench/bench_add_notes.py [--notes 10000] [--rounds 3] [--http]

Measures, on fresh temp collections in this run:
  floor    : Note objects built and added with one col.add_notes call (the least any add-on can do)
  addNotes : the addNotes handler (validation, deck tags, stock note types, tags, guid identity, duplicates)
  re-push  : Polar's second sync of the same cards: findNotes "tag:polar_guid:<guid>" per card, then addNotes
             with every note refused as a duplicate
Targets: addNotes/floor throughput ratio >= 0.5; re-push <= 10% of the first push.

With --http, the same pushes also go over HTTP to one real Anki with the add-on installed (one addNotes request,
then Polar's re-push: one findNotes request per card on a keep-alive connection and one addNotes request).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _import_package():
    if "polar_bridge" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "polar_bridge", REPO / "__init__.py", submodule_search_locations=[str(REPO)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["polar_bridge"] = module
        spec.loader.exec_module(module)


def polar_notes(count: int) -> list[dict]:
    """Notes shaped like Polar's: Basic with FrontSide and Cloze, deck tags with `/`, raw tags with spaces."""
    notes = []
    for i in range(count):
        deck_tag = f"deck:Books/Volume {i % 20}"
        tags = [deck_tag, "Machine Learning", f"/Topics/T{i % 7}", "_polar-flashcard"]
        guid = f"G{i:09d}"
        if i % 3 == 2:
            notes.append(
                {
                    "guid": guid,
                    "deckName": f"Books::Volume {i % 20}",
                    "modelName": "Cloze",
                    "fields": {"Text": f"<p>Fact {i}: the {{{{c1::answer {i}}}}} is here.</p>"},
                    "tags": tags,
                }
            )
        else:
            front = f"<p>Question number {i} about <b>things</b>?</p>"
            notes.append(
                {
                    "guid": guid,
                    "deckName": f"Books::Volume {i % 20}",
                    "modelName": "Basic",
                    "fields": {"Front": front, "Back": f"<p>Answer {i} with some more text.</p>", "FrontSide": front},
                    "tags": tags,
                }
            )
    return notes


def floor(col, notes: list[dict]) -> float:
    """Anki's own batched add of the same content: decks, Note objects, one add_notes call."""
    from anki.collection import AddNoteRequest

    start = time.perf_counter()
    basic, cloze = col.models.by_name("Basic"), col.models.by_name("Cloze")
    deck_ids: dict[str, int] = {}
    requests = []
    for raw in notes:
        deck = raw["deckName"]
        if deck not in deck_ids:
            deck_ids[deck] = col.decks.id(deck)
        if raw["modelName"] == "Basic":
            note = col.new_note(basic)
            note.fields[0], note.fields[1] = raw["fields"]["Front"], raw["fields"]["Back"]
        else:
            note = col.new_note(cloze)
            note.fields[0] = raw["fields"]["Text"]
        note.tags = [t.replace(" ", "_") for t in raw["tags"]]
        note.guid = raw["guid"]
        requests.append(AddNoteRequest(note, deck_ids[deck]))
    col.add_notes(requests)
    return time.perf_counter() - start


def one_round(tmp: Path, round_no: int, notes: list[dict]) -> tuple[float, float, float, float]:
    from anki.collection import Collection

    from polar_bridge.actions import ActionContext, get_handler
    from polar_bridge.config import load_config

    base_col = Collection(str(tmp / f"floor{round_no}.anki2"))
    floor_s = floor(base_col, notes)
    assert base_col.note_count() == len(notes)
    base_col.close()

    col = Collection(str(tmp / f"handler{round_no}.anki2"))
    ctx = ActionContext(col=col, config=load_config({}))
    add_notes, find_notes = get_handler("addNotes"), get_handler("findNotes")
    start = time.perf_counter()
    ids = add_notes(ctx, {"notes": notes})
    handler_s = time.perf_counter() - start
    assert all(ids) and col.note_count() == len(notes), "every note must be added"

    start = time.perf_counter()
    found = [find_notes(ctx, {"query": f"tag:polar_guid:{n['guid']}"}) for n in notes]
    find_s = time.perf_counter() - start
    start = time.perf_counter()
    again = add_notes(ctx, {"notes": notes})
    dup_s = time.perf_counter() - start
    assert all(len(f) == 1 for f in found) and not any(again) and col.note_count() == len(notes)
    col.close()
    return floor_s, handler_s, find_s, dup_s


def http_round(notes: list[dict]) -> tuple[float, float, float]:
    """(first push, findNotes loop, duplicate addNotes) seconds over HTTP against a real Anki."""
    import http.client
    import json
    import socket

    sys.path.insert(0, str(REPO / "tools"))
    import anki_env

    def post(conn: http.client.HTTPConnection, action: str, params: dict) -> object:
        body = json.dumps({"action": action, "version": 6, "params": params}).encode()
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        reply = json.loads(conn.getresponse().read())
        assert not reply["error"], reply["error"]
        return reply["result"]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "anki"
        anki_env.create_profile(base, "dev", "en_US")
        anki_env.install_addon(base, config={"webBindPort": port})
        proc = anki_env.start_anki(base, "dev", base / "anki.log")
        try:
            anki_env.wait_for_port("127.0.0.1", port, proc)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            start = time.perf_counter()
            ids = post(conn, "addNotes", {"notes": notes})
            first_s = time.perf_counter() - start
            assert all(ids)
            start = time.perf_counter()
            for note in notes:
                assert post(conn, "findNotes", {"query": f"tag:polar_guid:{note['guid']}"})
            find_s = time.perf_counter() - start
            start = time.perf_counter()
            assert not any(post(conn, "addNotes", {"notes": notes}))
            dup_s = time.perf_counter() - start
            conn.close()
        finally:
            anki_env.stop_anki(proc)
    return first_s, find_s, dup_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of N (the machine may be shared)")
    parser.add_argument("--http", action="store_true", help="also push over HTTP to a real Anki")
    args = parser.parse_args()
    _import_package()
    notes = polar_notes(args.notes)
    with tempfile.TemporaryDirectory() as tmp:
        rounds = [one_round(Path(tmp), i, notes) for i in range(args.rounds)]
    floor_s, handler_s, find_s, dup_s = (min(r[i] for r in rounds) for i in range(4))

    n = args.notes
    repush_s = find_s + dup_s
    print(f"notes: {n}, best of {args.rounds} rounds")
    print(f"floor  col.add_notes      : {floor_s:8.3f} s  {n / floor_s:10.0f} notes/s")
    print(f"handler addNotes          : {handler_s:8.3f} s  {n / handler_s:10.0f} notes/s")
    print(f"  ratio handler/floor (throughput, target >= 0.5): {floor_s / handler_s:.2f}")
    print(f"re-push: {n} findNotes     : {find_s:8.3f} s  ({find_s / n * 1e6:.1f} us each)")
    print(f"re-push: addNotes (dupes) : {dup_s:8.3f} s")
    print(f"  re-push / first push (target <= 0.10): {repush_s / handler_s:.3f}")

    if args.http:
        first_s, http_find_s, http_dup_s = http_round(notes)
        print(
            f"over HTTP (real Anki): addNotes {first_s:.3f} s ({n / first_s:.0f} notes/s, "
            f"{floor_s / first_s:.2f} of the floor); re-push {http_find_s + http_dup_s:.3f} s "
            f"({(http_find_s + http_dup_s) / first_s:.2f} of the first push; "
            f"{http_find_s / n * 1e3:.2f} ms per findNotes request)"
        )


if __name__ == "__main__":
    main()
