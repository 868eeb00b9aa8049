"""The HTTP transport in-process over real TCP, with a real collection and a stand-in main thread.

Covers what is awkward to provoke in a real Anki: a busy main thread at stop, chunked bodies, Expect: 100-continue.
"""

from __future__ import annotations

import base64
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
    release = threading.Event()
    loop.post(release.wait)  # the main thread is busy (e.g. a long operation)
    replies: list[object] = []
    client = threading.Thread(
        target=lambda: replies.append(
            invoke(server.port, "storeMediaFile", {"filename": "late.png", "data": base64.b64encode(b"x").decode()})
        )
    )
    client.start()
    while pending_count(server) == 0:
        time.sleep(0.01)
    server.stop()  # as at profile close, on the main thread's behalf
    client.join(30)
    assert replies == [{"result": None, "error": MSG_STOPPING}]
    release.set()
    loop.close()  # the queued action is skipped: the file was never written
    assert not os.path.exists(os.path.join(col.media.dir(), "late.png"))


def test_second_server_on_the_same_port_reports_port_in_use(serve, col):
    server, loop = serve()
    other = ConnectServer(load_config({"webBindPort": server.port}), loop.post, lambda: col)
    with pytest.raises(PortInUseError, match=rf"port {server.port} .*already in use.*'webBindPort'"):
        other.start()
    assert invoke(server.port, "version")["result"] == 6
