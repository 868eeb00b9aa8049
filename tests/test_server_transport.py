"""The HTTP transport in-process over real TCP, with a real collection and a stand-in main thread.

Covers what is awkward to provoke in a real Anki: a busy main thread at stop, chunked bodies, Expect: 100-continue.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time

import pytest
from server_helpers import MainThreadLoop, invoke, pending_count, request

from polar_bridge.config import load_config
from polar_bridge.connect_server import MSG_STOPPING, ConnectServer, PortInUseError


@pytest.fixture
def serve(col):
    loops, servers = [], []

    def factory(**config):
        loop = MainThreadLoop()
        server = ConnectServer(load_config({"webBindPort": 0, **config}), loop.post, lambda: col)
        server.start()
        loops.append(loop)
        servers.append(server)
        return server, loop

    yield factory
    for server in servers:
        server.stop()
    for loop in loops:
        loop.close()


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_chunked_body_is_accepted(serve):
    server, _ = serve()
    body = b'{"action": "version", "version": 6}'
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 7]), body[i : i + 7]) for i in range(0, len(body), 7))
    raw = _raw(
        server.port,
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n" + chunked + b"0\r\n\r\n",
    )
    assert raw.startswith(b"HTTP/1.1 200")
    assert raw.endswith(b'{"result":6,"error":null}')


def test_oversize_chunked_body_is_refused(serve, col):
    server, _ = serve(maxRequestBytes=100)
    payload = (
        '{"action":"storeMediaFile","version":6,"params":{"filename":"c.bin","data":"%s"}}'
        % base64.b64encode(b"x" * 300).decode()
    ).encode()
    raw = _raw(
        server.port,
        b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload),
    )
    assert raw.startswith(b"HTTP/1.1 413")
    assert not os.path.exists(os.path.join(col.media.dir(), "c.bin"))


def test_expect_continue_oversize_is_refused_before_the_body_is_sent(serve):
    server, _ = serve(maxRequestBytes=100)
    raw = _raw(
        server.port, b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"
    )
    assert raw.startswith(b"HTTP/1.1 413") and b"maxRequestBytes" in raw


def test_get_answers_like_ankiconnect(serve):
    server, _ = serve()
    reply = request(server.port, "GET")
    assert reply.status == 200 and reply.body == b"AnkiConnect v.6"


def test_stop_while_the_main_thread_is_busy_fails_waiting_requests_without_deadlock(serve, col):
    server, loop = serve()
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = "kept as it is"
    col.add_note(note, col.decks.id("Default"))
    release = threading.Event()
    loop.post(release.wait)  # the main thread is busy (e.g. a long operation)
    replies: list[object] = []
    # addTags runs on the main thread (only the bulk note, deck and media writes run on the server's thread).
    client = threading.Thread(
        target=lambda: replies.append(invoke(server.port, "addTags", {"notes": [note.id], "tags": "late"}))
    )
    client.start()
    while pending_count(server) == 0:
        time.sleep(0.01)
    server.stop()  # as at profile close, on the main thread's behalf
    client.join(30)
    assert replies == [{"result": None, "error": MSG_STOPPING}]
    release.set()
    loop.close()  # the queued action is skipped: the tag was never added
    assert col.get_note(note.id).tags == []


def test_second_server_on_the_same_port_reports_port_in_use(serve, col):
    server, loop = serve()
    other = ConnectServer(load_config({"webBindPort": server.port}), loop.post, lambda: col)
    with pytest.raises(PortInUseError, match=rf"port {server.port} .*already in use.*'webBindPort'"):
        other.start()
    assert invoke(server.port, "version")["result"] == 6


def test_reads_and_note_writes_are_answered_while_anki_is_busy_and_other_writes_wait(serve, col):
    server, loop = serve()
    release = threading.Event()
    loop.post(release.wait)  # Anki's main thread is busy (a long operation, a modal dialog)
    try:
        assert invoke(server.port, "deckNames", timeout=10)["result"] == ["Default"]
        assert invoke(server.port, "findNotes", {"query": "deck:Default"}, timeout=10)["result"] == []
        # A client's note goes in meanwhile (as Anki's own CollectionOps write off the main thread)...
        note = {"deckName": "Default", "modelName": "Basic", "fields": {"Front": "goes in", "Back": ""}}
        note_id = invoke(server.port, "addNote", {"note": note}, timeout=10)["result"]
        assert col.note_count() == 1
        # ...while a write declared for the main thread waits for it.
        tagged: list[object] = []
        writer = threading.Thread(
            target=lambda: tagged.append(invoke(server.port, "addTags", {"notes": [note_id], "tags": "waits"}))
        )
        writer.start()
        writer.join(1)
        assert writer.is_alive() and col.get_note(note_id).tags == []
    finally:
        release.set()
    writer.join(30)
    assert tagged and tagged[0]["error"] is None and col.get_note(note_id).tags == ["waits"]


def test_reads_stop_while_the_collection_closes_and_resume_after(serve):
    server, _ = serve()
    server.collection_will_close()
    assert invoke(server.port, "deckNames")["error"] == "collection is not available"
    assert invoke(server.port, "version")["result"] == 6  # no collection needed
    server.collection_did_open()
    assert invoke(server.port, "deckNames")["result"] == ["Default"]


@pytest.mark.parametrize(
    "head, status",
    [
        (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 40\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nHost : 127.0.0.1\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: 1\r\n  folded\r\n", b"400"),
        (b"POST / HTTP/2.0\r\nHost: 127.0.0.1\r\n", b"505"),
        (b"PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"501"),
        (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Long: " + b"x" * 70_000 + b"\r\n", b"431"),
    ],
)
def test_ambiguous_or_unsupported_requests_are_refused(serve, head, status):
    server, _ = serve()
    raw = _raw(server.port, head + b"Connection: close\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 " + status), raw[:80]
    assert invoke(server.port, "version")["result"] == 6


def test_many_keep_alive_clients_share_a_bounded_pool_of_threads(serve):
    from polar_bridge.connect_server import MAX_CONNECTIONS

    server, _ = serve()
    before = threading.active_count()
    results: list[object] = []

    def client() -> None:
        for _ in range(5):
            results.append(invoke(server.port, "version", timeout=60)["result"])

    clients = [threading.Thread(target=client) for _ in range(64)]
    for t in clients:
        t.start()
    for t in clients:
        t.join(120)
    assert results == [6] * 320
    assert threading.active_count() <= before + MAX_CONNECTIONS


def test_clients_one_after_another_share_one_thread_and_a_stalled_one_holds_up_nobody(serve):
    server, _ = serve()
    invoke(server.port, "version")
    before = threading.active_count()
    # Polar's way: a fresh connection per request, one at a time; the thread that answered one takes the next.
    for _ in range(50):
        assert invoke(server.port, "version")["result"] == 6
    assert threading.active_count() <= before + 1
    # A client that sends half a request and stalls (its body may take up to 5 s) keeps its thread busy; the next
    # client is still answered at once, by another thread.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled:
        stalled.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.1)  # the server has taken it
        assert invoke(server.port, "version", timeout=2)["result"] == 6
        assert invoke(server.port, "deckNames", timeout=2)["result"] == ["Default"]


def test_a_request_sent_in_pieces_and_a_large_reply_read_slowly_arrive_whole(serve, col):
    """A client that sends its request in pieces, pausing in between, and reads a reply larger than the socket's
    buffers slowly gets its whole reply, on a fresh connection and then on the same keep-alive one."""
    server, _ = serve()
    data = os.urandom(3 * 1024 * 1024)
    encoded = base64.b64encode(data).decode()
    assert invoke(server.port, "storeMediaFile", {"filename": "big.bin", "data": encoded})["error"] is None
    body = b'{"action": "retrieveMediaFile", "version": 6, "params": {"filename": "big.bin"}}'
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        for _ in range(2):
            for piece in (head[:10], head[10:], body[:5], body[5:]):
                time.sleep(0.1)
                s.sendall(piece)
            time.sleep(0.3)  # the server has filled the socket's buffers and waits for the client
            reply = b""
            while b"\r\n\r\n" not in reply:
                reply += s.recv(1024)
            header, rest = reply.split(b"\r\n\r\n", 1)
            length = int(header.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(rest) < length:
                rest += s.recv(65536)
                time.sleep(0.001)
            assert json.loads(rest) == {"result": encoded, "error": None}


def test_requests_with_bare_or_mixed_line_ends_are_read_exactly(serve):
    """Heads ending in any mix of CRLF and bare LF (and a blank line before a request) are read up to their blank
    line and no further: five requests sent back to back on one connection get five answers."""
    server, _ = serve()
    body = b'{"action": "version", "version": 6}'
    heads = [
        b"POST / HTTP/1.1\nHost: 127.0.0.1\nContent-Length: %d\n\n",
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\nContent-Length: %d\r\n\n",
        b"POST / HTTP/1.1\nHost: 127.0.0.1\r\nContent-Length: %d\n\r\n",
        b"\r\nPOST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n",
        b"POST / HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n",
    ]
    raw = _raw(server.port, b"".join(head % len(body) + body for head in heads))
    assert raw.count(b"HTTP/1.1 200 OK") == 5, raw
    assert raw.count(b'{"result":6,"error":null}') == 5
