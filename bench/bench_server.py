"""Benchmark the Connect server in ONE real Anki process, against a bare http.server baseline on loopback.

    .venv/bin/python bench/bench_server.py [--requests 500] [--mb 8]

Figures:
- median latency of N sequential ``version`` requests on one keep-alive connection (target < 2 ms);
- seconds to ``storeMediaFile`` an M MB file (base64 in the JSON body, target < 0.5 s for 8 MB);
and the same two measurements against a bare ``http.server`` on loopback that reads the body and answers a small
JSON reply, measured in this run, to show the add-on's own overhead (main-thread hop, JSON, Anki's media write).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import anki_env  # noqa: E402

LATENCY_TARGET_S = 0.002
UPLOAD_TARGET_S = 0.5


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = json.dumps({"result": len(body), "error": None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(conn: http.client.HTTPConnection, body: bytes) -> bytes:
    conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {data[:200]!r}")
    return data


def median_latency(port: int, requests: int) -> float:
    body = b'{"action":"version","version":6,"params":{}}'
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(20):  # warm-up
        _post(conn, body)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        _post(conn, body)
        times.append(time.perf_counter() - start)
    conn.close()
    return statistics.median(times)


def upload_seconds(port: int, megabytes: float, filename: str) -> tuple[float, bytes]:
    data = os.urandom(int(megabytes * 1024 * 1024))
    body = json.dumps(
        {
            "action": "storeMediaFile",
            "version": 6,
            "params": {"filename": filename, "data": base64.b64encode(data).decode()},
        }
    ).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    _post(conn, b'{"action":"version","version":6}')  # connection established outside the timing
    start = time.perf_counter()
    reply = _post(conn, body)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, reply


def _line(label: str, value: float, unit_scale: float, unit: str, target: float | None, baseline: float) -> str:
    text = f"  {label:<34} {value * unit_scale:9.3f} {unit}"
    if target is not None:
        text += f"   target {target * unit_scale:.1f} {unit} ({value / target:5.2f}x of target)"
    text += f"   baseline {baseline * unit_scale:.3f} {unit} ({value / baseline:5.1f}x baseline)"
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--mb", type=float, default=8.0)
    args = parser.parse_args()

    # Baseline: a bare http.server on loopback, same client, same bodies.
    echo = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    base_latency = median_latency(echo.server_address[1], args.requests)
    base_upload, _ = upload_seconds(echo.server_address[1], args.mb, "x.bin")
    echo.shutdown()
    echo.server_close()

    tmp = Path(tempfile.mkdtemp(prefix="bench-server-"))
    port = _free_port()
    proc = None
    try:
        anki_env.create_profile(tmp, "dev", "en_US")
        anki_env.install_addon(tmp, config={"webBindPort": port})
        proc = anki_env.start_anki(tmp, "dev", tmp / "anki.log")
        anki_env.wait_for_port("127.0.0.1", port, proc)
        latency = median_latency(port, args.requests)
        upload, reply = upload_seconds(port, args.mb, "bench8mb.bin")
        stored = json.loads(reply)
        if stored != {"result": "bench8mb.bin", "error": None}:
            raise RuntimeError(f"storeMediaFile failed: {stored}")
    finally:
        if proc is not None:
            anki_env.stop_anki(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"Connect server in one real Anki ({args.requests} sequential requests, {args.mb:g} MB upload)")
    print(_line("version median latency (keep-alive)", latency, 1000, "ms", LATENCY_TARGET_S, base_latency))
    print(_line(f"storeMediaFile {args.mb:g} MB", upload, 1, "s ", UPLOAD_TARGET_S * args.mb / 8, base_upload))
    ok = latency < LATENCY_TARGET_S and upload < UPLOAD_TARGET_S * args.mb / 8
    print("  targets met" if ok else "  TARGET MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
