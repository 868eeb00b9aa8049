"""Helpers for the server tests: a stand-in main thread, and small HTTP clients over real TCP."""

from __future__ import annotations

import http.client
import json
import queue
import threading
from collections.abc import Callable
from typing import Any

POLAR_ORIGIN = "https://app.getpolarized.io"


class MainThreadLoop:
    """A thread that runs posted closures one at a time, like Anki's main thread does for ``run_on_main``."""

    def __init__(self) -> None:
        self._queue: "queue.Queue[Callable[[], None] | None]" = queue.Queue()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def post(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def _loop(self) -> None:
        while (fn := self._queue.get()) is not None:
            fn()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5)


def pending_count(server: Any) -> int:
    """Requests a ConnectServer has waiting for the main thread right now."""
    with server._lock:
        return len(server._pending)


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str = "POST",
    body: bytes | str | dict | list | None = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
    host: str = "127.0.0.1",
    timeout: float = 60,
) -> Reply:
    """One HTTP request (dict/list bodies are sent as JSON); reuses ``conn`` when given (keep-alive)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, "/", body=body, headers={"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        if own:
            conn.close()


def invoke(port: int, action: str, params: dict | None = None, version: int = 6, **kwargs: Any) -> Any:
    """Send one action and return the decoded reply (the envelope for version >= 5)."""
    payload: dict[str, Any] = {"action": action, "version": version}
    if params is not None:
        payload["params"] = params
    reply = request(port, body=payload, **kwargs)
    assert reply.status == 200, (reply.status, reply.body)
    return reply.json()
