"""Issue 10 against a real Anki: its card pages cannot use the server, and connections are bounded."""

from __future__ import annotations

import os
import re
import socket
import threading
import time

import pytest
from server_helpers import invoke, request

pytestmark = pytest.mark.e2e


def _media_server_port(anki) -> int:
    """The port of Anki's own media server (its card pages' origin), as Anki logs it at startup."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        match = re.search(r"aqt\.mediasrv: Serving on http://127\.0\.0\.1:(\d+)", anki.log())
        if match:
            return int(match.group(1))
        time.sleep(0.2)
    raise AssertionError("Anki did not log its media server port\n" + anki.log())


def test_card_pages_cannot_call_the_server(start_anki):
    anki = start_anki()
    page_port = _media_server_port(anki)
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "written by a card script", "Back": ""}}
    # What a <script> in a card template does: a simple text/plain POST from Anki's reviewer page.
    for origin in (f"http://127.0.0.1:{page_port}", f"http://localhost:{page_port}"):
        add = request(
            anki.port,
            body={"action": "addNote", "version": 6, "params": {"note": note}},
            headers={"Origin": origin, "Content-Type": "text/plain;charset=UTF-8"},
        )
        assert add.status == 403
        names = request(anki.port, body={"action": "deckNames", "version": 6}, headers={"Origin": origin})
        assert names.status == 403 and b"Default" not in names.body
    assert invoke(anki.port, "findNotes", {"query": "written"})["result"] == []
    # A page on another local port (a local dev server, Polar's own) is still served.
    assert invoke(anki.port, "version", headers={"Origin": f"http://127.0.0.1:{page_port + 1}"})["result"] == 6


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def test_held_connections_cannot_exhaust_anki_and_many_clients_are_served(start_anki):
    from polar_bridge.connect_server import MAX_CONNECTIONS

    anki = start_anki()
    assert invoke(anki.port, "version")["result"] == 6
    time.sleep(2)  # let Anki's own start-up threads settle
    baseline = _threads(anki.proc.pid)
    held = []
    try:
        for _ in range(200):  # half-sent requests, held open
            s = socket.create_connection(("127.0.0.1", anki.port), timeout=10)
            s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{")
            held.append(s)
        time.sleep(2)
        peak = _threads(anki.proc.pid)
        assert peak <= baseline + MAX_CONNECTIONS + 4, (baseline, peak)

        results: list = []
        lock = threading.Lock()

        def client() -> None:
            try:
                value = invoke(anki.port, "version", timeout=120)["result"]
            except Exception as exc:  # noqa: BLE001 - reported below
                value = repr(exc)
            with lock:
                results.append(value)

        clients = [threading.Thread(target=client) for _ in range(256)]
        for t in clients:
            t.start()
        for t in clients:
            t.join(180)
        assert results.count(6) == 256, [r for r in results if r != 6][:5]
        assert _threads(anki.proc.pid) <= baseline + MAX_CONNECTIONS + 4
    finally:
        for s in held:
            s.close()
    assert invoke(anki.port, "version")["result"] == 6
