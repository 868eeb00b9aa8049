"""End-to-end: a real Anki process with the add-on, spoken to over real TCP with http.client.

Each test starts one Anki (they are slow to start on a small machine), so each checks one configuration's
behaviour in several steps.
"""

from __future__ import annotations

import base64
import http.client
import socket
import threading
import time

import pytest
from server_helpers import POLAR_ORIGIN, invoke, request

pytestmark = pytest.mark.e2e

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image").decode()


def _media_dir(anki):
    return anki.collection_path.parent / "collection.media"


def _port_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


def wait_for_log(anki, text: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = anki.log()
        if text in log:
            return log
        if anki.proc.poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not in the Anki log:\n{anki.log()}")


def test_polar_client_is_served_and_foreign_pages_are_refused(start_anki):
    anki = start_anki()
    port = anki.port

    # What Polar sends first: version 6 gets the envelope; no version means 4 and a bare result.
    assert invoke(port, "version") == {"result": 6, "error": None}
    assert request(port, body={"action": "version"}).json() == 6

    # Polar's browser preflight passes, with the private-network opt-in Chrome asks for.
    pre = request(
        port,
        "OPTIONS",
        headers={
            "Origin": POLAR_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert pre.status == 200
    assert pre.headers["access-control-allow-origin"] == POLAR_ORIGIN
    assert pre.headers["access-control-allow-headers"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert pre.headers["access-control-allow-private-network"] == "true"
    reply = request(port, body={"action": "version", "version": 6}, headers={"Origin": POLAR_ORIGIN})
    assert reply.status == 200 and reply.headers["access-control-allow-origin"] == POLAR_ORIGIN

    # multi: each reply in its own version's envelope.
    multi = invoke(
        port,
        "multi",
        {
            "actions": [
                {"action": "version", "version": 6},
                {"action": "version"},
                {"action": "noSuchThing", "version": 6},
            ]
        },
    )
    assert multi == {
        "result": [{"result": 6, "error": None}, 6, {"result": None, "error": "unsupported action: noSuchThing"}],
        "error": None,
    }

    # Bad requests get a clear error and the server keeps serving.
    assert request(port, body=b'{"action": "version",').json()["error"].startswith("request body is not valid JSON")
    assert request(port, body=[1, 2]).json() == {"result": None, "error": "request must be a JSON object"}
    assert invoke(port, "version", version=6, params=None) == {"result": 6, "error": None}
    assert request(port, body={"action": "version", "version": 6, "params": [1]}).json() == {
        "result": None,
        "error": "params must be an object",
    }
    assert invoke(port, "fooBar") == {"result": None, "error": "unsupported action: fooBar"}

    # sync runs Anki's own sync; this profile has no AnkiWeb login, which the reply says.
    assert invoke(port, "sync")["error"].startswith("sync: auth not configured")

    # Keep-alive: two requests on one connection.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    assert request(port, body={"action": "version", "version": 6}, conn=conn).json()["result"] == 6
    first_socket = conn.sock
    assert request(port, body={"action": "version", "version": 6}, conn=conn).json()["result"] == 6
    assert conn.sock is first_socket
    conn.close()

    # Several clients at once.
    results: list[object] = []

    def client() -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(10):
            results.append(request(port, body={"action": "version", "version": 6}, conn=c).json()["result"])
        c.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [6] * 60

    # A foreign web page (or a DNS-rebinding one) is refused and nothing it asked for is executed.
    store = {"action": "storeMediaFile", "version": 6, "params": {"filename": "evil.png", "data": PNG}}
    assert request(port, "OPTIONS", headers={"Origin": "https://evil.example"}).status == 403
    assert request(port, body=store, headers={"Origin": "https://evil.example"}).status == 403
    rebound = request(port, body=store, headers={"Host": "evil.example:%d" % port})
    assert rebound.status == 403 and "host not allowed" in rebound.json()["error"]
    permission = request(
        port, body={"action": "requestPermission", "version": 6}, headers={"Origin": "https://evil.example"}
    )
    assert permission.json()["result"]["permission"] == "denied"

    # storeMediaFile refuses to copy a file from outside the media folder.
    outside = anki.base / "secret.txt"
    outside.write_text("secret")
    refused = invoke(port, "storeMediaFile", {"filename": "stolen.txt", "path": str(outside)})
    assert "outside the media folder" in refused["error"]

    # Positive control: the same store from Polar's origin works.
    ok = request(
        port, body={**store, "params": {"filename": "polar.png", "data": PNG}}, headers={"Origin": POLAR_ORIGIN}
    )
    assert ok.json() == {"result": "polar.png", "error": None}
    # Anki's screens are told about the change (once, shortly after the burst of requests).
    wait_for_log(anki, "refreshed Anki's screens")

    # SIGTERM: Anki closes the profile and the port closes.
    assert anki.stop() == 0
    assert _port_closed(port)
    media = _media_dir(anki)
    assert (media / "polar.png").read_bytes() == base64.b64decode(PNG)
    assert not (media / "evil.png").exists()
    assert not (media / "stolen.txt").exists()
    assert "Traceback" not in anki.log()


def test_api_key_and_request_size_limit(start_anki):
    anki = start_anki(config={"apiKey": "s3cret", "maxRequestBytes": 2000})
    port = anki.port

    assert invoke(port, "version") == {"result": None, "error": "valid api key must be provided"}
    assert request(port, body={"action": "version", "version": 6, "key": "wrong"}).json()["error"] == (
        "valid api key must be provided"
    )
    assert request(port, body={"action": "version", "version": 6, "key": "s3cret"}).json() == {
        "result": 6,
        "error": None,
    }
    permission = invoke(port, "requestPermission")["result"]
    assert permission == {"permission": "granted", "requireApiKey": True, "requireApikey": True, "version": 6}

    # A body over maxRequestBytes gets 413 and an error reply; the file is not stored.
    big = {
        "action": "storeMediaFile",
        "version": 6,
        "key": "s3cret",
        "params": {"filename": "big.bin", "data": base64.b64encode(b"x" * 3000).decode()},
    }
    reply = request(port, body=big)
    assert reply.status == 413
    assert "maxRequestBytes" in reply.json()["error"]
    # Wrong key: nothing is stored either.
    small = {
        "action": "storeMediaFile",
        "version": 6,
        "key": "nope",
        "params": {"filename": "small.bin", "data": base64.b64encode(b"x").decode()},
    }
    assert request(port, body=small).json()["error"] == "valid api key must be provided"
    # The server still answers afterwards.
    assert request(port, body={"action": "version", "version": 6, "key": "s3cret"}).json()["result"] == 6

    assert anki.stop() == 0
    assert not (_media_dir(anki) / "big.bin").exists()
    assert not (_media_dir(anki) / "small.bin").exists()


def test_port_in_use_is_reported_and_anki_keeps_running(start_anki, free_port):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", free_port))
        squatter.listen()
        anki = start_anki(wait_port=False)
        log = wait_for_log(anki, "webBindPort")
        assert f"port {free_port} on 127.0.0.1 is already in use" in log
        # Anki still runs with its collection open after the message.
        time.sleep(1)
        assert anki.proc.poll() is None
    assert anki.stop() == 0
    assert "Traceback" not in anki.log()  # the non-modal message box was shown without errors


def test_bad_config_value_is_reported_and_server_not_started(start_anki, free_port):
    anki = start_anki(config={"webCorsOriginList": "https://example.com"}, wait_port=False)
    log = wait_for_log(anki, "config error")
    assert "webCorsOriginList" in log
    assert anki.proc.poll() is None
    assert _port_closed(free_port)
    assert anki.stop() == 0
    assert "Traceback" not in anki.log()
