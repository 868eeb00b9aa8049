"""Strict, minimal HTTP/1.1 for the Connect server: one request read from a blocking socket under deadlines, and
replies formatted in one write. No aqt, no collection, no threads (``connect_server.py`` drives it).

Why not ``http.server``: its per-request machinery (a thread per connection, ``email``-based header parsing,
buffered file objects) cost about 0.5 ms of a fresh connection's 1 ms; AnkiConnect clients open one connection per
request. What it accepts: ``METHOD SP target SP HTTP/1.x``, ``name: value`` headers (no folding, no space before
the colon, one ``Host``, agreeing ``Content-Length``s), a body by ``Content-Length`` or ``Transfer-Encoding:
chunked``; everything else is refused with a status line and the connection closed.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from http import HTTPStatus

# Request line and headers together (http.server allowed 64 KiB a line and 100 headers).
HEAD_LIMIT = 64 * 1024
MAX_HEADERS = 100
RECV_SIZE = 65536
# A reply must be taken by the client within this many seconds; a per-recv backstop when no deadline is set.
SOCKET_TIMEOUT_S = 60.0
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(r"HTTP/(\d)\.(\d)")
# A read or write that must not wait (0 where the platform has no such flag: every call then waits under a timeout).
_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)


class HTTPError(Exception):
    """The request cannot be served; answered with ``status`` and the message, then the connection is closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Late(Exception):
    """The client did not send what it owed before its deadline, or the connection broke: close without a reply."""


@dataclass
class Request:
    method: str
    version: str
    headers: dict[str, str]  # lower-case names; a repeated header keeps its first value
    keep_alive: bool

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def text(self, name: str) -> str:
        """The header's value, "" when absent."""
        return self.headers.get(name, "")


class Wire:
    """Reads from and writes to one blocking socket; every read is bounded by ``deadline`` (monotonic seconds)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.deadline: float | None = None
        # While the socket is still in blocking mode (no timeout set yet), what is already there is read, and a
        # small reply written, without waiting: one system call each, where a timeout costs three (Python polls
        # before every call on a socket with a timeout, and setting one is a call too). A client's request has
        # usually arrived by the time its connection is accepted.
        self._no_wait = bool(_DONTWAIT) and sock.gettimeout() is None

    def _recv(self) -> bytes:
        if self._no_wait:
            try:
                return self.sock.recv(RECV_SIZE, _DONTWAIT)
            except BlockingIOError:  # nothing yet: wait for it under the deadline
                self._no_wait = False
            except OSError as exc:  # reset, or shut down by stop()
                raise Late() from exc
        timeout = SOCKET_TIMEOUT_S if self.deadline is None else self.deadline - time.monotonic()
        if timeout <= 0:
            raise Late()
        try:
            self.sock.settimeout(min(timeout, SOCKET_TIMEOUT_S))
            return self.sock.recv(RECV_SIZE)
        except OSError as exc:  # timeout, reset, or shut down by stop()
            raise Late() from exc

    def read_head(self) -> Request | None:
        """The next request's line and headers; None when the client closed between requests."""
        while True:
            # Blank lines before a request line are ignored (RFC 9112 2.2).
            while self.buf[:2] == b"\r\n" or self.buf[:1] == b"\n":
                del self.buf[: 2 if self.buf[:1] == b"\r" else 1]
            found = head_end(self.buf)
            if (found[0] if found is not None else len(self.buf)) > HEAD_LIMIT:
                raise HTTPError(431, "request line and headers too large")
            if found is not None:
                head = bytes(self.buf[: found[0]])
                del self.buf[: found[1]]
                return parse_head(head)
            data = self._recv()
            if not data:
                if self.buf.strip():
                    raise Late()  # a request cut off mid-header: nothing to answer
                return None
            self.buf += data

    def read_exact(self, size: int) -> bytes:
        while len(self.buf) < size:
            data = self._recv()
            if not data:
                raise HTTPError(400, "request body ended early")
            self.buf += data
        out = bytes(self.buf[:size])
        del self.buf[:size]
        return out

    def read_line(self, limit: int) -> bytes:
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[: end + 1])
                del self.buf[: end + 1]
                return line
            if len(self.buf) > limit:
                raise HTTPError(400, "invalid chunked encoding: line too long")
            data = self._recv()
            if not data:
                raise HTTPError(400, "request body ended early")
            self.buf += data

    def send(self, data: bytes) -> None:
        if self._no_wait:
            try:
                sent = self.sock.send(data, _DONTWAIT)
            except BlockingIOError:
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]
            self._no_wait = False
        self.sock.settimeout(SOCKET_TIMEOUT_S)
        self.sock.sendall(data)


def head_end(buf: bytes | bytearray) -> tuple[int, int] | None:
    """Where the line and headers end and where the body starts: the first blank line (``\\r?\\n\\r?\\n``), or None.

    Two substring searches (which skip ahead at C speed, where a regular expression tries every position of the
    head and body): the first line end followed by an empty line, with its ``\\r`` if it has one."""
    bare, crlf = buf.find(b"\n\n"), buf.find(b"\n\r\n")
    if bare < 0 and crlf < 0:
        return None
    newline = crlf if bare < 0 or 0 <= crlf < bare else bare
    start = newline - 1 if newline > 0 and buf[newline - 1] == 13 else newline
    return start, newline + (3 if newline == crlf else 2)


def _is_token(text: str) -> bool:
    """An HTTP token (a method, a header name); the header names seen are remembered (clients send the same few)."""
    if text in _TOKENS_SEEN:
        return True
    if _TOKEN.fullmatch(text) is None:
        return False
    if len(_TOKENS_SEEN) < 256:
        _TOKENS_SEEN.add(text)
    return True


_TOKENS_SEEN: set[str] = set()


def parse_head(head: bytes) -> Request:
    """A request line and its headers (raises HTTPError for anything a strict server must refuse)."""
    lines = head.decode("iso-8859-1").split("\n")
    words = lines[0].rstrip("\r").split(" ")
    if len(words) != 3 or not _is_token(words[0]) or not words[1]:
        raise HTTPError(400, "bad request line")
    method, _target, version = words
    if version != "HTTP/1.1" and version != "HTTP/1.0":
        match = _VERSION.fullmatch(version)
        if match is None:
            raise HTTPError(400, f"bad request version: {version[:20]}")
        if match.group(1) != "1":
            raise HTTPError(505, f"HTTP version not supported: {version}")
    if len(lines) - 1 > MAX_HEADERS:
        raise HTTPError(431, "too many headers")
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        line = raw.rstrip("\r")
        name, colon, value = line.partition(":")
        if not colon or not _is_token(name):  # also refuses folded lines and "Name :" (request smuggling)
            raise HTTPError(400, "bad header line")
        key, value = name.lower(), value.strip(" \t")
        if key in headers:
            if key == "host" or (key == "content-length" and headers[key] != value):
                raise HTTPError(400, f"conflicting {name} headers")
            continue
        headers[key] = value
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        keep_alive = "keep-alive" in connection
    else:
        keep_alive = "close" not in connection
    return Request(method, version, headers, keep_alive)


def read_body(wire: Wire, request: Request, cap: int, body_deadline: "BodyDeadline") -> bytes:
    """The whole body, refusing more than ``cap`` bytes before reading them (raises HTTPError 400/413)."""
    if "chunked" in request.text("transfer-encoding").lower():
        return _read_chunked(wire, cap, body_deadline)
    length_header = request.header("content-length")
    if length_header is None:
        return b""
    if not length_header.isdigit():
        raise HTTPError(400, f"invalid Content-Length: {length_header}")
    length = int(length_header)
    if length > cap:
        raise HTTPError(413, too_large_message(length, cap))
    wire.deadline = body_deadline(length)
    return wire.read_exact(length)


def _read_chunked(wire: Wire, cap: int, body_deadline: "BodyDeadline") -> bytes:
    """A chunked body; the size cap holds for the sum of the chunks (hex sizes only: no sign, no prefix)."""
    parts: list[bytes] = []
    total = 0
    wire.deadline = body_deadline(cap)
    while True:
        size_text = wire.read_line(1024).split(b";", 1)[0].strip()
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise HTTPError(400, "invalid chunked encoding: a chunk size must be hexadecimal digits")
        size = int(size_text, 16)
        if size == 0:
            break
        total += size
        if total > cap:
            raise HTTPError(413, too_large_message(None, cap))
        chunk = wire.read_exact(size)
        if wire.read_exact(2) != b"\r\n":
            raise HTTPError(400, "invalid chunked encoding")
        parts.append(chunk)
    while wire.read_line(1024) not in (b"\r\n", b"\n"):  # trailers
        pass
    return b"".join(parts)


def too_large_message(length: int | None, cap: int) -> str:
    size = f" ({length} bytes)" if length is not None else ""
    return f"request body too large{size}: the limit is {cap} bytes (config key 'maxRequestBytes')"


class BodyDeadline:
    """When a body of ``size`` bytes must have arrived: a fixed allowance plus a minimum transfer rate."""

    def __init__(self, seconds: float, min_rate: int) -> None:
        self.seconds, self.min_rate = seconds, min_rate

    def __call__(self, size: int) -> float:
        return time.monotonic() + self.seconds + size / self.min_rate


def response(
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    close: bool = False,
) -> bytes:
    """Status line, headers and body as one buffer (one write: no Nagle/delayed-ACK stall on keep-alive)."""
    reason = _REASONS.get(status, "")
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    if headers:
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    if close:
        head += "Connection: close\r\n"
    return (head + "\r\n").encode("latin-1") + body


_REASONS = {status.value: status.phrase for status in HTTPStatus}


CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
