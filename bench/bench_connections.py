"""Connections against one real Anki: threads while 200 half-sent requests are held open, then 256 clients at once.

    .venv/bin/python bench/bench_connections.py

Prints Anki's thread count before and with the held connections, how many of 256 simultaneous `version` clients
were answered, in how many seconds, and the thread count afterwards (the cap is connect_server.MAX_CONNECTIONS).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests")]

import anki_env  # noqa: E402
from server_helpers import invoke  # noqa: E402

HALF_SENT = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    base = Path(tempfile.mkdtemp()) / "anki"
    anki_env.create_profile(base, "dev", "en_US")
    port = free_port()
    anki_env.install_addon(base, config={"webBindPort": port})
    proc = anki_env.start_anki(base, "dev", base / "log.txt")

    def threads() -> int:
        return len(os.listdir(f"/proc/{proc.pid}/task"))

    try:
        anki_env.wait_for_port("127.0.0.1", port, proc)
        invoke(port, "version")
        time.sleep(2)
        before = threads()
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        for conn in held:
            conn.sendall(HALF_SENT)
        time.sleep(2)
        peak = threads()
        answers: list = []

        def client() -> None:
            try:
                answers.append(invoke(port, "version", timeout=120)["result"])
            except Exception as exc:  # noqa: BLE001 - counted as not served
                answers.append(repr(exc))

        start = time.monotonic()
        clients = [threading.Thread(target=client) for _ in range(256)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        report = {
            "threads_before": before,
            "threads_with_200_held": peak,
            "served_of_256": answers.count(6),
            "seconds_for_256": round(time.monotonic() - start, 1),
            "threads_after": threads(),
        }
        print(json.dumps(report))
        for conn in held:
            conn.close()
    finally:
        anki_env.stop_anki(proc)


if __name__ == "__main__":
    main()
