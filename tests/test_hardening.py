"""Issue 10, points 1-7: no page, card or client can misuse the server, and every request gets an answer.

Unit level, against a real ConnectServer on TCP with a real collection (a stand-in main thread); the points that
are about real Anki (its card pages' origin, its threads) are tested against a real Anki in
test_hardening_e2e.py.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import socket
import threading

import pytest
from notes_helpers import call, polar_note
from server_helpers import MainThreadLoop, invoke, request

from polar_bridge.config import load_config
from polar_bridge.connect_server import ConnectServer
from polar_bridge.protocol import origin_allowed

PYTHON_WORDS = (
    "unhashable",
    "codec can't",
    "Traceback",
    "object has no attribute",
    "NoneType",
    "RecursionError",
    "TypeError",
    "KeyError",
    "ValueError",
    "not subscriptable",
    "maximum recursion",
)


@pytest.fixture
def serve(col):
    loops, servers = [], []

    def factory(anki_ports=(), **config):
        loop = MainThreadLoop()
        server = ConnectServer(
            load_config({"webBindPort": 0, **config}),
            loop.post,
            lambda: col,
            media_dir=col.media.dir(),
            anki_page_ports=lambda: anki_ports,
        )
        server.start()
        loops.append(loop)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()
    for loop in loops:
        loop.close()


def _raw(port: int, data: bytes, timeout: float = 30) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def _json_body(raw: bytes) -> dict:
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


# --- 1. Anki's own card pages are not trusted ---------------------------------------------------------------


def test_anki_card_pages_are_refused_unless_allowed(serve, col):
    server = serve(anki_ports=(40123,))
    note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "from a card", "Back": "x"}}
    for origin in ("http://127.0.0.1:40123", "http://localhost:40123"):
        reply = request(
            server.port,
            body={"action": "addNote", "version": 6, "params": {"note": note}},
            headers={"Origin": origin, "Content-Type": "text/plain"},
        )
        assert reply.status == 403, origin
        assert (
            request(server.port, body={"action": "deckNames", "version": 6}, headers={"Origin": origin}).status == 403
        )
    assert col.note_count() == 0
    # Other local pages stay trusted by default, as before.
    assert invoke(server.port, "deckNames", headers={"Origin": "http://127.0.0.1:3000"})["result"] == ["Default"]
    allowing = serve(anki_ports=(40123,), allowAnkiPages=True)
    assert invoke(allowing.port, "deckNames", headers={"Origin": "http://127.0.0.1:40123"})["result"] == ["Default"]


def test_trusted_local_origins_are_a_setting(serve):
    server = serve(trustedLocalOrigins=["http://localhost:3000"])
    assert invoke(server.port, "version", headers={"Origin": "http://localhost:3000"})["result"] == 6
    assert request(server.port, body={"action": "version"}, headers={"Origin": "http://localhost:3001"}).status == 403
    assert request(server.port, body={"action": "version"}, headers={"Origin": "http://127.0.0.1:3000"}).status == 403
    # Polar's web app does not depend on this list.
    assert invoke(server.port, "version", headers={"Origin": "https://app.getpolarized.io"})["result"] == 6


@pytest.mark.parametrize(
    "origin", ["chrome-extension://abcdefghijklmnop", "moz-extension://1234-5678", "safari-web-extension://ABCD-EF01"]
)
def test_browser_extensions_are_allowed_while_localhost_is_listed_as_ankiconnect_does(origin):
    assert origin_allowed(origin, ["http://localhost"])
    assert not origin_allowed(origin, ["https://my.site"])
    assert not origin_allowed(origin, [])


# --- 2. The size cap holds for chunked bodies ---------------------------------------------------------------


@pytest.mark.parametrize("size_line", [b"-1", b"-10", b"+5", b"0x10", b"1_0", b"", b"zz"])
def test_malformed_chunk_sizes_are_refused(serve, size_line):
    server = serve(maxRequestBytes=1024)
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    # Before the fix, -1 made the running total negative and the server read on: 2 MiB here, with a 1 KiB cap.
    raw = _raw(server.port, head + size_line + b"\r\n" + b"x" * (2 * 1024 * 1024))
    assert raw.startswith(b"HTTP/1.1 400"), raw[:80]
    assert "chunked" in _json_body(raw)["error"]


def test_chunk_totals_over_the_cap_are_refused(serve):
    server = serve(maxRequestBytes=1000)
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    raw = _raw(server.port, head + b"200\r\n" + b"x" * 512 + b"\r\n" + b"300\r\n" + b"x" * 768 + b"\r\n0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 413")


# --- 3. Every request gets a well-formed reply --------------------------------------------------------------


def test_deeply_nested_json_gets_an_error_reply(serve):
    server = serve()
    for depth in (1000, 100_000):
        body = b'{"action":"version","version":6,"params":{"x":' + b"[" * depth + b"]" * depth + b"}}"
        reply = request(server.port, body=body)
        assert reply.status == 200
        error = reply.json()["error"]
        assert "nested too deeply" in error and not any(w in error for w in PYTHON_WORDS)
    assert invoke(server.port, "version")["result"] == 6


@pytest.mark.parametrize("text", [r'"\ud800"', r'"a\udfffb"', r'"\udc80\ud800"'])
def test_lone_surrogates_are_refused_before_anything_runs(serve, col, text):
    server = serve()
    note = '{"deckName":"Default","modelName":"Basic","fields":{"Front":"ok","Back":"ok"}}'
    body = (
        '{"action":"multi","version":6,"params":{"actions":['
        '{"action":"addNote","params":{"note":' + note + '}},'
        '{"action":"findNotes","params":{"query":' + text + '}}]}}'
    )
    reply = request(server.port, body=body.encode("ascii"))
    assert reply.status == 200
    error = reply.json()["error"]
    assert "surrogate" in error and not any(w in error for w in PYTHON_WORDS)
    assert col.note_count() == 0  # nothing ran that no client was told about
    # An echoed value can never break the reply's encoding either.
    assert invoke(server.port, "findNotes", {"query": "ok"})["error"] is None


def test_multi_replies_for_every_item_it_ran(serve, col):
    server = serve()
    actions = [
        {"action": "addNote", "version": 6, "params": {"note": polar_note()}},
        {"action": "notesInfo", "version": 6, "params": {"notes": "x"}},
        {"action": "addNote", "version": 6, "params": {"note": polar_note(guid="other", fields={"Front": "b"})}},
    ]
    result = invoke(server.port, "multi", {"actions": actions})["result"]
    assert len(result) == 3 and result[0]["error"] is None and result[2]["error"] is None
    assert col.note_count() == 2


def test_non_http_bytes_get_a_clean_close_or_400(serve):
    server = serve()
    for garbage in (
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"POST / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    ):
        raw = _raw(server.port, garbage)
        assert raw == b"" or raw.startswith(b"HTTP/1."), raw[:60]
    assert invoke(server.port, "version")["result"] == 6


# --- 4. Python's words never reach clients; valid notes go through ------------------------------------------


def test_a_bad_guid_fails_only_its_note(col):
    notes = [
        polar_note(),
        polar_note(guid=["a", "list"], fields={"Front": "2"}),
        polar_note(guid={"a": 1}, fields={"Front": "3"}),
        polar_note(guid="ok2", fields={"Front": "4"}),
    ]
    ids = call(col, "addNotes", {"notes": notes})
    assert ids[0] is not None and ids[1] is None and ids[2] is None and ids[3] is not None
    detail = call(col, "canAddNotesWithErrorDetail", {"notes": notes[1:3]})
    assert [d["canAdd"] for d in detail] == [False, False]
    for item in detail:
        assert item["error"].startswith("note.guid must be a string") and "unhashable" not in item["error"]


def test_unexpected_errors_do_not_show_python_text(serve, col, monkeypatch, caplog):
    server = serve()

    def broken(*args, **kwargs):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(col, "find_notes", broken)
    error = invoke(server.port, "findNotes", {"query": "deck:x"})["error"]
    assert error.startswith("findNotes: internal error") and "unhashable" not in error
    # ...the details go to the add-on's own log (the one Tools > Add-ons > View logs shows).
    logged = [r for r in caplog.records if r.name.startswith("addon.polar_bridge") and r.exc_info]
    assert logged and "unhashable" in str(logged[0].exc_info[1])


# --- 5. Downloads never run on Anki's main thread ----------------------------------------------------------


class _SlowImage(http.server.BaseHTTPRequestHandler):
    """Answers only after the Anki server answered a request of its own: impossible if the download blocks the
    main thread (the inner request would wait for it)."""

    port = 0
    inner: list = []

    def do_GET(self):
        try:
            _SlowImage.inner.append(invoke(_SlowImage.port, "deckNames", timeout=10)["result"])
        except Exception as exc:  # noqa: BLE001 - the test reports what happened
            _SlowImage.inner.append(repr(exc))
        body = b"\x89PNG\r\n\x1a\n slow"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("action", ["canAddNotes", "canAddNotesWithErrorDetail", "addNotes"])
def test_picture_urls_are_downloaded_off_the_main_thread(serve, action):
    server = serve()
    image = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowImage)
    threading.Thread(target=image.serve_forever, daemon=True).start()
    _SlowImage.port, _SlowImage.inner = server.port, []
    try:
        note = polar_note(
            picture=[
                {"url": f"http://127.0.0.1:{image.server_address[1]}/a.png", "filename": "a.png", "fields": ["Back"]}
            ]
        )
        reply = invoke(server.port, action, {"notes": [note]}, timeout=60)
        assert reply["error"] is None
        assert _SlowImage.inner == [["Default"]]
    finally:
        image.shutdown()
        image.server_close()


# --- 6. Where downloads and media reads may go --------------------------------------------------------------


class _Redirect(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", _Redirect.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/secret.txt", "file:///etc/passwd", "data:,hello"])
def test_redirects_stay_on_http(col, target):
    redirect = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=redirect.serve_forever, daemon=True).start()
    _Redirect.target = target
    try:
        from polar_bridge.actions import ActionError

        with pytest.raises(ActionError, match="redirect"):
            call(col, "storeMediaFile", {"filename": "r.txt", "url": f"http://127.0.0.1:{redirect.server_address[1]}/"})
    finally:
        redirect.shutdown()
        redirect.server_close()
    assert not os.path.exists(os.path.join(col.media.dir(), "r.txt"))


def test_media_reads_stay_inside_the_media_folder_after_links(col, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("private key")
    os.symlink(secret, os.path.join(col.media.dir(), "link.txt"))
    with open(os.path.join(col.media.dir(), "real.txt"), "w") as f:
        f.write("fine")
    assert call(col, "retrieveMediaFile", {"filename": "real.txt"}) == base64.b64encode(b"fine").decode()
    from polar_bridge.actions import ActionError

    with pytest.raises(ActionError, match="outside the media folder"):
        call(col, "retrieveMediaFile", {"filename": "link.txt"})
    with pytest.raises(ActionError, match="outside the media folder"):
        call(col, "storeMediaFile", {"filename": "copy.txt", "path": "link.txt"})
