"""Real AnkiConnect client workloads over HTTP against ONE real Anki with the add-on, a fresh TCP connection per
request as those clients make them, with a bare ``http.server`` baseline measured in the same run.

    .venv/bin/python bench/bench_clients.py [--small 500] [--polar 300] [--polar-syncs 5] [--burst 256]

Workloads (request sequences read from the clients' source, see /work/shared/reference/ankiconnect-clients.md):
- small request: ``version``, median over N fresh connections (target < 0.5 ms);
- Yomitan: duplicate check of 20 entries (``canAddNotes`` of 20 notes, then ``findNotes`` per duplicate);
- asbplayer: attach a picture to the last added note (``findNotes "added:1"``, ``notesInfo``, ``storeMediaFile``,
  ``updateNoteFields``);
- Obsidian_to_Anki: the note-type table (``modelNames``, then ``modelFieldNames`` per note type);
- Polar: a 300-card sync (version, modelNames, deckNamesAndIds, createDeck, then per card ``findNotes``,
  ``canAddNotes``, ``addNote``) in cards/s (target >= 300), made several times (5 by default), each time with 300
  new cards as a reader's next session sends them; every sync's rate is printed, the target is checked on their
  median (one sync lasts about a second, so a single one mostly measures whatever else the two cores were doing in
  that second). Against its floor in the same run: the same notes
  added directly with ``col.add_note``, one operation (one SQLite commit, which Anki syncs to disk) per card, on
  a collection on the same disk;
- burst: N simultaneous ``findNotes`` on N fresh connections (every one must be answered).

Measured once Anki has settled after start-up (its processes idle), as a client meets it: Anki's port opens about a
second and a half before its windows and web views have finished loading, and that work would share the two cores
with the first workload. For the same reason the Polar syncs and the burst start once Anki has settled after the
workload before them (Anki redraws its screens after a client's writes).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import anki_env  # noqa: E402

SMALL_TARGET_S = 0.0005
POLAR_TARGET_CARDS_PER_S = 300
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        reply = b'{"result":[],"error":null}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        pass


class _EchoServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512


def _group_cpu_seconds(pgid: int) -> float:
    """CPU time used so far by every process of the group (Anki and its web-view helpers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_settled(pgid: int, timeout: float = 30.0, step: float = 0.25, idle_share: float = 0.05) -> float:
    """Wait until Anki's processes use under ``idle_share`` of a core for two steps in a row; seconds waited."""
    start = time.monotonic()
    if not Path("/proc/self/stat").exists():  # no /proc: a fixed wait longer than Anki's start-up tail
        time.sleep(3.0)
        return 3.0
    quiet, used = 0, _group_cpu_seconds(pgid)
    while quiet < 2 and time.monotonic() - start < timeout:
        time.sleep(step)
        now = _group_cpu_seconds(pgid)
        quiet = quiet + 1 if now - used < idle_share * step else 0
        used = now
    return time.monotonic() - start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, action: str, **params: Any) -> Any:
    """One request on a fresh connection, as the clients do; returns the result or raises with the error.

    A lean HTTP/1.1 client on a raw socket (``http.client`` alone costs about 0.5 ms a request here, which would
    hide the server's own time); the baseline is measured with the same client."""
    body = json.dumps({"action": action, "version": 6, "params": params}).encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError(f"{action}: connection closed without a reply")
            data += chunk
        header, rest = data.split(b"\r\n\r\n", 1)
        length = next(
            int(line.split(b":", 1)[1]) for line in header.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError(f"{action}: reply ended early")
            rest += chunk
    reply = json.loads(rest[:length])
    if reply["error"] is not None:
        raise RuntimeError(f"{action}: {reply['error']}")
    return reply["result"]


def small_median(port: int, requests: int, action: str = "version") -> float:
    for _ in range(20):
        call(port, action)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        call(port, action)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def burst(port: int, clients: int) -> tuple[float, int]:
    """(seconds until every reply arrived, replies that were answers) for N simultaneous findNotes."""
    barrier = threading.Barrier(clients)
    answered: list[bool] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        try:
            call(port, "findNotes", query="deck:Default")
            ok = True
        except Exception:
            ok = False
        with lock:
            answered.append(ok)

    threads = [threading.Thread(target=one) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sum(answered)


def yomitan_check(port: int) -> float:
    notes = [
        {
            "deckName": "Mining",
            "modelName": "Basic",
            "fields": {"Front": f"word {i}", "Back": "meaning"},
            "options": {"allowDuplicate": False, "duplicateScope": "collection"},
        }
        for i in range(0, 40, 2)
    ]
    start = time.perf_counter()
    can_add = call(port, "canAddNotes", notes=notes)
    for note, ok in zip(notes, can_add):
        if not ok:
            call(port, "findNotes", query=f'"deck:Mining" "Front:{note["fields"]["Front"]}"')
    return time.perf_counter() - start


def asbplayer_attach(port: int, picture: bytes) -> float:
    start = time.perf_counter()
    note_id = call(port, "findNotes", query="added:1")[-1]
    info = call(port, "notesInfo", notes=[note_id])[0]
    name = f"asb_{int(time.time() * 1000)}.png"
    stored = call(port, "storeMediaFile", filename=name, data=base64.b64encode(picture).decode())
    back = info["fields"]["Back"]["value"] + f'<img src="{stored}">'
    call(port, "updateNoteFields", note={"id": note_id, "fields": {"Back": back}})
    return time.perf_counter() - start


def obsidian_table(port: int) -> tuple[float, int]:
    start = time.perf_counter()
    names = call(port, "modelNames")
    table = {name: call(port, "modelFieldNames", modelName=name) for name in names}
    return time.perf_counter() - start, len(table)


def polar_notes(cards: int, session: int = 0) -> list[dict[str, Any]]:
    """``cards`` new Polar flashcards; each ``session`` (a later sync) has cards of its own."""
    rng = random.Random(7 + session)
    return [
        {
            "guid": "".join(rng.choice(BASE58) for _ in range(10)),
            "deckName": "Reading::Polar",
            "modelName": "Basic",
            "fields": {
                "Front": f"<p>Polar question {session}.{i}</p>",
                "Back": f"<p>answer {session}.{i}</p>",
                "FrontSide": f"<p>Polar question {session}.{i}</p>",
            },
            "tags": ["deck:Reading/Polar", "_polar-flashcard"],
        }
        for i in range(cards)
    ]


def polar_sync(port: int, cards: int, session: int = 0) -> float:
    notes = polar_notes(cards, session)
    start = time.perf_counter()
    call(port, "version")
    if not {"Basic", "Cloze"} <= set(call(port, "modelNames")):
        raise RuntimeError("Polar needs Basic and Cloze")
    if "Reading::Polar" not in call(port, "deckNamesAndIds"):
        call(port, "createDeck", deck="Reading::Polar")
    for note in notes:
        if call(port, "findNotes", query=f"tag:polar_guid:{note['guid']}"):
            continue
        call(port, "canAddNotes", notes=[note])
        call(port, "addNote", note=note)
    return time.perf_counter() - start


def polar_floor(base: Path, cards: int) -> float:
    """Seconds to add Polar's notes one ``col.add_note`` each (no server, no checks) to a collection in ``base``."""
    from anki.collection import Collection

    col = Collection(str(base / "floor.anki2"))
    try:
        basic, deck = col.models.by_name("Basic"), col.decks.id("Reading::Polar")
        start = time.perf_counter()
        for sent in polar_notes(cards):
            note = col.new_note(basic)
            note["Front"], note["Back"] = sent["fields"]["Front"], sent["fields"]["Back"]
            note.tags = sent["tags"]
            note.guid = sent["guid"]
            col.add_note(note, deck)
        return time.perf_counter() - start
    finally:
        col.close()


def _prepare(base: Path, note_types: int, notes: int) -> None:
    """A collection like a miner's: many note types, some notes (filled before Anki starts)."""
    from anki.collection import Collection

    path = anki_env.collection_path(base)
    path.parent.mkdir(parents=True, exist_ok=True)
    col = Collection(str(path))
    try:
        basic = col.models.by_name("Basic")
        for i in range(note_types):
            copy = col.models.copy(basic, add=False)
            copy["name"] = f"Vocab {i}"
            col.models.add(copy)
        deck = col.decks.id("Mining")
        for i in range(notes):
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = f"word {i}", "meaning"
            col.add_note(note, deck)
    finally:
        col.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--polar", type=int, default=300)
    parser.add_argument("--polar-syncs", type=int, default=5)
    parser.add_argument("--burst", type=int, default=256)
    args = parser.parse_args()

    echo = _EchoServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    base_small = small_median(echo.server_address[1], args.small)
    base_burst, base_answered = burst(echo.server_address[1], args.burst)
    echo.shutdown()
    echo.server_close()

    tmp = Path(tempfile.mkdtemp(prefix="bench-clients-"))
    port = _free_port()
    proc = None
    try:
        floor = polar_floor(tmp, args.polar)
        anki_env.create_profile(tmp, "dev", "en_US")
        _prepare(tmp, note_types=40, notes=2000)
        anki_env.install_addon(tmp, config={"webBindPort": port})
        proc = anki_env.start_anki(tmp, "dev", tmp / "anki.log")
        anki_env.wait_for_port("127.0.0.1", port, proc)
        wait_until_settled(proc.pid)  # start_anki starts Anki in a session of its own: its pid is the group's id
        small = small_median(port, args.small)
        small_decks = small_median(port, args.small, "deckNames")
        yomitan = statistics.median(yomitan_check(port) for _ in range(10))
        picture = os.urandom(60_000)
        asbplayer = statistics.median(asbplayer_attach(port, picture) for _ in range(10))
        obsidian, models = min(obsidian_table(port) for _ in range(3))
        # Anki refreshes its screens 0.3 s after the last write of the workloads above: a client arriving later
        # finds it idle, as at start-up.
        wait_until_settled(proc.pid)
        syncs = [polar_sync(port, args.polar, session) for session in range(args.polar_syncs)]
        wait_until_settled(proc.pid)
        burst_s, answered = burst(port, args.burst)
    finally:
        if proc is not None:
            anki_env.stop_anki(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    rates = [args.polar / seconds for seconds in syncs]
    rate, floor_rate = statistics.median(rates), args.polar / floor
    print(f"Client workloads against one real Anki, a fresh connection per request ({os.cpu_count()} cores)")
    print(
        f"  small request (version) median   {small * 1000:8.3f} ms   target < {SMALL_TARGET_S * 1000:.1f} ms   "
        f"baseline {base_small * 1000:.3f} ms ({small / base_small:.1f}x)"
    )
    print(
        f"  small collection read (deckNames) {small_decks * 1000:7.3f} ms   ({small_decks / base_small:.1f}x baseline)"
    )
    print(f"  Yomitan duplicate check, 20      {yomitan * 1000:8.1f} ms   (median of 10)")
    print(f"  asbplayer attach picture         {asbplayer * 1000:8.1f} ms   (median of 10, 60 kB)")
    print(
        f"  Obsidian note-type table         {obsidian * 1000:8.1f} ms   ({models} note types, {models + 1} requests)"
    )
    print(
        f"  Polar sync of {args.polar} cards, median of {len(rates)}   {args.polar / rate:6.2f} s    "
        f"{rate:.0f} cards/s   target >= {POLAR_TARGET_CARDS_PER_S}"
    )
    print(f"    each sync: {', '.join(f'{r:.0f}' for r in rates)} cards/s (slowest {min(rates):.0f})")
    print(
        f"    floor: col.add_note per card, same disk {floor:8.2f} s    {floor_rate:.0f} cards/s   "
        f"(sync at {rate / floor_rate:.2f} of the floor)"
    )
    print(
        f"  burst of {args.burst} findNotes           {burst_s:8.2f} s    answered {answered}/{args.burst}   "
        f"baseline {base_burst:.2f} s, answered {base_answered}/{args.burst}"
    )
    met = small < SMALL_TARGET_S and rate >= POLAR_TARGET_CARDS_PER_S and answered == args.burst
    print("  targets met" if met else "  TARGET MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
