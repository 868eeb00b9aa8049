"""Media actions against a real temp collection (handlers called as the server calls them)."""

from __future__ import annotations

import base64
import http.server
import os
import threading

import pytest

from polar_bridge.actions import ActionContext, ActionError, get_handler
from polar_bridge.config import load_config
from polar_bridge.protocol import build_reply, execute_plan, plan_request

PNG = b"\x89PNG\r\n\x1a\n first"
PNG2 = b"\x89PNG\r\n\x1a\n second"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def call(col, action: str, config=None, **params):
    """Run one action through the protocol (preparer on this thread, handler with the collection)."""
    config = config or load_config({})
    plan = plan_request({"action": action, "version": 6, "params": params}, config)
    outcomes = execute_plan(plan, lambda: ActionContext(col=col, config=config))
    return build_reply(plan, outcomes)


def media_path(col, name: str) -> str:
    return os.path.join(col.media.dir(), name)


def test_store_keeps_the_exact_name_and_replaces_existing_content(col):
    assert call(col, "storeMediaFile", filename="12car5hQMtho5zruBDcK.png", data=b64(PNG)) == {
        "result": "12car5hQMtho5zruBDcK.png",
        "error": None,
    }
    # Polar re-sends the same name with new content: the name notes reference now holds the new content.
    assert call(col, "storeMediaFile", filename="12car5hQMtho5zruBDcK.png", data=b64(PNG2))["result"] == (
        "12car5hQMtho5zruBDcK.png"
    )
    with open(media_path(col, "12car5hQMtho5zruBDcK.png"), "rb") as f:
        assert f.read() == PNG2
    assert call(col, "getMediaFilesNames", pattern="*.png")["result"] == ["12car5hQMtho5zruBDcK.png"]


def test_stored_mixed_case_name_is_found_by_notes_that_reference_it(col):
    # Polar sends the note (with <img src="12car5hQMtho5zruBDcK.png">) first and the image afterwards.
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = '<img src="12car5hQMtho5zruBDcK.png">'
    col.add_note(note, col.decks.id("Default"))
    call(col, "storeMediaFile", filename="12car5hQMtho5zruBDcK.png", data=b64(PNG))
    report = col.media.check()
    assert list(report.missing) == [] and list(report.unused) == []


def test_names_anki_would_change_are_left_to_anki(col):
    stored = call(col, "storeMediaFile", filename='a:b?.png', data=b64(PNG))["result"]
    assert stored != "a:b?.png" and os.path.isfile(media_path(col, stored))


def test_store_without_delete_existing_renames_a_conflict(col):
    call(col, "storeMediaFile", filename="a.png", data=b64(PNG))
    stored = call(col, "storeMediaFile", filename="a.png", data=b64(PNG2), deleteExisting=False)["result"]
    assert stored != "a.png" and stored.endswith(".png")
    with open(media_path(col, "a.png"), "rb") as f:
        assert f.read() == PNG


@pytest.mark.parametrize("name", ["../evil.png", "sub/x.png", "..", "a\\b.png", "", "."])
def test_store_refuses_names_with_folders(col, name):
    reply = call(col, "storeMediaFile", filename=name, data=b64(PNG))
    assert reply["result"] is None and "filename" in reply["error"]
    assert os.listdir(col.media.dir()) == []


def test_store_from_path_only_inside_the_media_folder(col, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for path in (str(secret), "../secret.txt", os.path.join(col.media.dir(), "..", "secret.txt")):
        reply = call(col, "storeMediaFile", filename="copy.txt", path=path)
        assert "outside the media folder" in reply["error"], path
    assert not os.path.exists(media_path(col, "copy.txt"))
    # A file already in the media folder may be copied under another name.
    call(col, "storeMediaFile", filename="a.png", data=b64(PNG))
    assert call(col, "storeMediaFile", filename="b.png", path=media_path(col, "a.png"))["result"] == "b.png"


def test_store_needs_a_source_and_valid_base64(col):
    assert call(col, "storeMediaFile", filename="x.png")["error"] == (
        'You must provide a "data", "path", or "url" field.'
    )
    assert call(col, "storeMediaFile", filename="x.png", data="@@not base64@@")["error"] == "data is not valid base64"
    assert call(col, "storeMediaFile", filename="x.png", data=b64(PNG), deleteExisting="yes")["error"] == (
        "deleteExisting must be true or false"
    )
    assert os.listdir(col.media.dir()) == []


def test_store_from_url_http_only_with_size_cap(col):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = PNG if self.path == "/small.png" else b"x" * 5000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        config = load_config({"maxRequestBytes": 1000})
        assert call(col, "storeMediaFile", config, filename="u.png", url=base + "/small.png")["result"] == "u.png"
        too_big = call(col, "storeMediaFile", config, filename="big.bin", url=base + "/big")
        assert "larger than 1000 bytes" in too_big["error"]
        assert (
            "http or https" in call(col, "storeMediaFile", config, filename="f.txt", url="file:///etc/passwd")["error"]
        )
    finally:
        server.shutdown()
        server.server_close()
    assert not os.path.exists(media_path(col, "big.bin"))
    assert not os.path.exists(media_path(col, "f.txt"))


def test_retrieve_list_and_delete(col):
    call(col, "storeMediaFile", filename="one.png", data=b64(PNG))
    call(col, "storeMediaFile", filename="two.mp3", data=b64(b"ID3 audio"))
    assert call(col, "retrieveMediaFile", filename="one.png")["result"] == b64(PNG)
    assert call(col, "retrieveMediaFile", filename="missing.png")["result"] is False
    assert call(col, "retrieveMediaFile", filename="../collection.anki2")["error"].startswith("invalid media filename")
    assert call(col, "getMediaFilesNames")["result"] == ["one.png", "two.mp3"]
    assert call(col, "getMediaFilesNames", pattern="*.mp3")["result"] == ["two.mp3"]
    assert call(col, "deleteMediaFile", filename="one.png") == {"result": None, "error": None}
    assert call(col, "getMediaFilesNames")["result"] == ["two.mp3"]
    assert call(col, "deleteMediaFile", filename="one.png") == {"result": None, "error": None}
    assert call(col, "getMediaDirPath")["result"] == os.path.abspath(col.media.dir())


def test_handler_works_without_the_preparer(col):
    # Other actions (addNote's picture items) call the handler's helpers on the main thread directly.
    ctx = ActionContext(col=col, config=load_config({}))
    assert get_handler("storeMediaFile")(ctx, {"filename": "d.png", "data": b64(PNG)}) == "d.png"
    with pytest.raises(ActionError):
        get_handler("storeMediaFile")(ctx, {"filename": "d/e.png", "data": b64(PNG)})
