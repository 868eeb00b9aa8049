"""The HTTP transport of the AnkiConnect-compatible server (no aqt here; the GUI glue injects the main thread).

Sockets live on background threads (one per connection, HTTP/1.1 keep-alive). Each request is parsed, size- and
security-checked, and its JSON validated on its connection thread; only the actions themselves are handed to
Anki's main thread through the injected ``post_to_main`` (``mw.taskman.run_on_main`` in Anki), and the connection
thread waits for them on an Event. Nothing polls.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast

from . import addon_log, protocol
from .actions import ActionContext, action_names, get_spec
from .actions.misc import EXTRA_ORIGIN_ALLOWED

if TYPE_CHECKING:
    from anki.collection import Collection

    from .config import AddonConfig

PostToMain = Callable[[Callable[[], None]], None]

MSG_STOPPING = "Anki is closing the collection; the request was not executed"
ALLOWED_METHODS = "POST, GET, OPTIONS"
# AnkiConnect answers a bodyless GET with this line; some clients use it to detect the server.
GET_BANNER = b"AnkiConnect v.6"
# Connections served at once (one thread each); more wait in the listen backlog until one finishes, so a local
# client cannot exhaust Anki's threads while many well-behaved clients are still all served, in turn.
MAX_CONNECTIONS = 32
LISTEN_BACKLOG = 1024
# A request's line and headers must arrive within this many seconds of the connection waiting for them (an idle
# keep-alive connection is closed then); its body within BODY_TIMEOUT_S plus one second per BODY_MIN_RATE bytes.
HEADER_TIMEOUT_S = 5.0
BODY_TIMEOUT_S = 5.0
BODY_MIN_RATE = 1024 * 1024
# Per-recv socket timeout, a backstop behind the deadlines the watchdog enforces.
SOCKET_TIMEOUT_S = 60
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")


class ServerStartError(Exception):
    """The server could not listen; the message says why and what to change."""


class PortInUseError(ServerStartError):
    pass


class _Stopping(Exception):
    pass


class _MainThreadCall:
    """One closure run on the main thread, waited for by a connection thread; cancellable until it starts."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.started = False
        self.cancelled = False
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.lock:
            if self.cancelled:
                return
            self.started = True
        try:
            self.value = self.fn()
        except BaseException as exc:  # reported to the waiting connection thread
            self.error = exc
        finally:
            self.done.set()

    def cancel(self) -> None:
        with self.lock:
            if self.started:
                return
            self.cancelled = True
            self.error = _Stopping()
        self.done.set()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # On Linux/macOS SO_REUSEADDR only skips TIME_WAIT; on Windows it would let us steal a port in use.
    allow_reuse_address = os.name != "nt"
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], owner: "ConnectServer") -> None:
        self.owner = owner
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # At MAX_CONNECTIONS the accept loop waits here; later clients wait in the listen backlog.
        if not self.owner._take_slot():
            self.shutdown_request(request)
            return
        self.owner._track(request, add=True)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.owner._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.owner._slots.release()

    def shutdown_request(self, request: Any) -> None:
        self.owner._track(request, add=False)
        super().shutdown_request(request)


class ConnectServer:
    """Serve the AnkiConnect protocol on ``config.web_bind_address:web_bind_port``.

    ``post_to_main(fn)`` must run ``fn`` on the thread that owns the collection, soon, without waiting for it.
    ``get_collection()`` is called on that thread and returns the open collection or None. ``extras`` go into
    every ActionContext (e.g. ``{"sync": mw.onSync}``). ``after_writes()`` runs on the main thread after each
    request that ran an action declared ``writes`` (the glue refreshes Anki's screens and Undo menu).
    ``media_dir`` is the open collection's media folder, for reading ``path`` items off the main thread.
    ``anki_page_ports()`` returns the ports Anki serves its own pages from (its media server): pages there run
    card templates' scripts and are refused unless the config's ``allowAnkiPages`` says otherwise.
    """

    def __init__(
        self,
        config: "AddonConfig",
        post_to_main: PostToMain,
        get_collection: Callable[[], "Collection | None"],
        extras: dict[str, Any] | None = None,
        logger: logging.Logger | None = None,
        after_writes: Callable[[], None] | None = None,
        media_dir: str | None = None,
        anki_page_ports: Callable[[], Iterable[int]] | None = None,
    ) -> None:
        self.config = config
        self._post_to_main = post_to_main
        self._get_collection = get_collection
        self._extras = dict(extras or {})
        self._after_writes = after_writes
        self.media_dir = media_dir
        self.log = logger or addon_log.logger("server")
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pending: set[_MainThreadCall] = set()
        self._connections: set[socket.socket] = set()
        self._stopping = False
        self._anki_page_ports = anki_page_ports or (lambda: ())
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        # connection -> monotonic time by which the client must have sent what it owes (None: nothing owed)
        self._deadlines: dict[socket.socket, float | None] = {}
        self._watchdog: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port actually listened on (differs from the config when it asked for port 0)."""
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def start(self) -> None:
        """Bind and serve on a background thread. Raises PortInUseError / ServerStartError with a user message."""
        address, port = self.config.web_bind_address, self.config.web_bind_port
        action_names()  # import every action module now, on the caller's thread, not on the first request's
        try:
            self._httpd = _HTTPServer((address, port), self)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
                raise PortInUseError(
                    f"Polar Bridge could not start its server: port {port} on {address} is already in use "
                    f"(perhaps by AnkiConnect or another Anki). Close the other program, or set another port "
                    f"with the 'webBindPort' key in the add-on's config."
                ) from exc
            raise ServerStartError(
                f"Polar Bridge could not start its server on {address}:{port}: {exc.strerror or exc}. "
                f"Check the 'webBindAddress' and 'webBindPort' keys in the add-on's config."
            ) from exc
        self._stopping = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="polar-bridge-server", daemon=True
        )
        self._thread.start()
        self._watchdog = threading.Thread(target=self._watch_deadlines, name="polar-bridge-watchdog", daemon=True)
        self._watchdog.start()
        self.log.info("Polar Bridge server listening on %s:%s", address, self.port)

    def stop(self) -> None:
        """Stop accepting, fail requests still waiting for the main thread, and close every connection.

        Safe to call from the main thread while requests wait for it (they get an error, never a deadlock).
        """
        httpd = self._httpd
        if httpd is None:
            return
        with self._lock:
            self._stopping = True
            pending = list(self._pending)
            connections = list(self._connections)
        for call in pending:
            call.cancel()
        httpd.shutdown()
        httpd.server_close()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(5)
        if self._watchdog is not None:
            self._watchdog.join(5)
        self._httpd = None
        self._thread = None
        self._watchdog = None
        self.log.info("Polar Bridge server stopped")

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
                self._deadlines.pop(conn, None)

    def _take_slot(self) -> bool:
        """Wait for one of MAX_CONNECTIONS slots (False when the server stops meanwhile)."""
        while not self._slots.acquire(timeout=0.2):
            if self._stopping:
                return False
        return True

    def owe_by(self, conn: socket.socket, seconds: float | None) -> None:
        """The client on ``conn`` must send what it owes within ``seconds`` (None: it owes nothing now)."""
        with self._lock:
            self._deadlines[conn] = None if seconds is None else time.monotonic() + seconds

    def _watch_deadlines(self) -> None:
        """Close connections whose client is late: half-sent requests and idle keep-alive connections give their
        thread back (a per-recv timeout alone lets a client trickle one byte at a time forever)."""
        while not self._stopping:
            time.sleep(0.25)
            now = time.monotonic()
            with self._lock:
                late = [c for c, deadline in self._deadlines.items() if deadline is not None and now > deadline]
                for conn in late:
                    self._deadlines[conn] = None
            for conn in late:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def origin_allowed(self, origin: str | None) -> bool:
        config = self.config
        try:
            anki_ports = list(self._anki_page_ports())
        except Exception:  # Anki's media server gone (closing): refuse nothing more than usual, but its pages
            self.log.exception("could not read Anki's page ports")
            anki_ports = []
        return protocol.origin_allowed(
            origin, config.web_cors_origin_list, config.trusted_local_origins, anki_ports, config.allow_anki_pages
        )

    # ---- running actions -------------------------------------------------------------------------------------

    def run_on_main(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the main thread and wait for its result (connection threads only)."""
        call = _MainThreadCall(fn)
        with self._lock:
            if self._stopping:
                raise _Stopping()
            self._pending.add(call)
        try:
            self._post_to_main(call.run)
            call.done.wait()
        finally:
            with self._lock:
                self._pending.discard(call)
        if call.error is not None:
            raise call.error
        return call.value

    def _make_context(self, origin: str | None, allowed: bool) -> ActionContext:
        # col is None while no profile is open: only actions declared needs_collection=False run then.
        col = cast("Collection", self._get_collection())
        extras = dict(self._extras)
        extras[EXTRA_ORIGIN_ALLOWED] = allowed
        return ActionContext(col=col, config=self.config, origin=origin, extras=extras)

    def _execute(self, plan: protocol.Plan, origin: str | None, allowed: bool) -> list[protocol.Outcome]:
        """Main thread: run the plan, then tell the glue if it may have changed the collection (its failure never
        loses the reply). A write that failed may have written part of its work, so it counts too."""
        outcomes = protocol.execute_plan(plan, lambda: self._make_context(origin, allowed))
        if self._after_writes is not None and any(_writes(c) for c in plan.calls if c.error is None):
            try:
                self._after_writes()
            except Exception:
                self.log.exception("after-writes hook failed")
        return outcomes

    def answer(self, payload: Any, origin: str | None, allowed: bool) -> Any:
        """The JSON reply to a decoded request body (connection thread; actions run on the main thread)."""
        plan = protocol.plan_request(payload, self.config, self.media_dir)
        if plan.error is None and any(c.error is None for c in plan.calls):
            self.log.debug("request: %s", ", ".join(plan.action_names))
            try:
                outcomes = self.run_on_main(lambda: self._execute(plan, origin, allowed))
            except _Stopping:
                return protocol.error_reply(MSG_STOPPING)
            except Exception:
                self.log.exception("request failed")
                return protocol.error_reply(protocol.MSG_INTERNAL)
        else:
            outcomes = [protocol.Outcome(error=c.error) for c in plan.calls]
        return protocol.build_reply(plan, outcomes)


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A request line too broken to name its version still gets a status line (not a bare HTTP/0.9 body).
    default_request_version = "HTTP/1.1"
    server_version = "PolarBridge"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = SOCKET_TIMEOUT_S
    server: _HTTPServer

    def handle_one_request(self) -> None:
        """One request, with deadlines: its line and headers within HEADER_TIMEOUT_S (see do_POST for the body)."""
        self.owner.owe_by(self.connection, HEADER_TIMEOUT_S)
        try:
            super().handle_one_request()
        except Exception:  # a reply for every request: a bug here answers 500 and closes, the server goes on
            self.owner.log.exception("request handling failed")
            self.close_connection = True
            try:
                self._send_json(500, protocol.error_reply(protocol.MSG_INTERNAL))
            except Exception:
                pass
        finally:
            self.owner.owe_by(self.connection, None)

    # ---- helpers ---------------------------------------------------------------------------------------------

    @property
    def owner(self) -> ConnectServer:
        return self.server.owner

    def log_message(self, format: str, *args: Any) -> None:
        self.owner.log.debug("%s %s", self.address_string(), format % args)

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, content_type: str = "application/json"
    ) -> None:
        """Status line, headers and body in one write (no Nagle/delayed-ACK stall on keep-alive)."""
        reason = self.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.log_request(status, len(body))
        try:
            self.wfile.write(head + body if len(body) < 65536 else head)
            if len(body) >= 65536:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _send_json(self, status: int, reply: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, protocol.encode_reply(reply), headers)

    def _cors_headers(self, origin: str | None) -> dict[str, str]:
        if origin is None:
            return {}
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}

    def _refuse(self, status: int, message: str, close: bool = False) -> None:
        if close:
            self.close_connection = True
        self.owner.log.warning("refused %s request: %s", self.command, message)
        self._send_json(status, protocol.error_reply(message))

    def _lingering_close(self, seconds: float = 2.0) -> None:
        """After refusing an unread body: stop writing, discard what the client still sends for a moment, so
        closing does not reset the connection before the client has read our reply."""

        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + seconds
            self.connection.settimeout(0.5)
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass
        except OSError:
            pass

    def _check_host(self) -> bool:
        host = self.headers.get("Host")
        if protocol.host_allowed(host, self.owner.config.web_bind_address):
            return True
        self._refuse(403, f"host not allowed: {host} (only local addresses may reach this server)", close=True)
        return False

    def _read_body(self) -> bytes:
        """The whole request body, refusing more than maxRequestBytes before reading it (raises _BodyError)."""
        cap = self.owner.config.max_request_bytes
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(cap)
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError
        except ValueError:
            raise _BodyError(400, f"invalid Content-Length: {length_header}") from None
        if length > cap:
            raise _BodyError(413, self._too_large_message(length, cap))
        self.owner.owe_by(self.connection, BODY_TIMEOUT_S + length / BODY_MIN_RATE)
        body = self.rfile.read(length)
        if len(body) != length:
            raise _BodyError(400, "request body ended early")
        return body

    def _too_large_message(self, length: int | None, cap: int) -> str:
        size = f" ({length} bytes)" if length is not None else ""
        return f"request body too large{size}: the limit is {cap} bytes (config key 'maxRequestBytes')"

    def _read_chunked(self, cap: int) -> bytes:
        """A chunked body; the size cap holds for the sum of the chunks (hex sizes only: no sign, no prefix)."""
        parts: list[bytes] = []
        total = 0
        self.owner.owe_by(self.connection, BODY_TIMEOUT_S + cap / BODY_MIN_RATE)
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise _BodyError(400, "invalid chunked encoding: a chunk size must be hexadecimal digits")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > cap:
                raise _BodyError(413, self._too_large_message(None, cap))
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.read(2) != b"\r\n":
                raise _BodyError(400, "invalid chunked encoding")
            parts.append(chunk)
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return b"".join(parts)

    def handle_expect_100(self) -> bool:
        # Refuse an announced oversize body before the client sends it.
        length = self.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.owner.config.max_request_bytes:
            self.close_connection = True
            self._refuse(413, self._too_large_message(int(length), self.owner.config.max_request_bytes))
            return False
        return super().handle_expect_100()

    # ---- methods ---------------------------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        try:
            self._read_body()  # drain, so the connection can be reused
        except _BodyError as exc:
            self._refuse(exc.status, str(exc), close=True)
            self._lingering_close()
            return
        if not self._check_host():
            return
        origin = self.headers.get("Origin")
        if self._refused_origin(origin):
            return
        headers = self._cors_headers(origin)
        headers.update(
            {
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": "*",
                "Access-Control-Max-Age": "600",
            }
        )
        if self.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
            headers["Access-Control-Allow-Private-Network"] = "true"
        self._send(200, b"", headers)

    def _refused_origin(self, origin: str | None, may_ask_permission: bool = False) -> bool:
        """Answer 403 to a foreign web origin; True when refused. A page may always ask (and hear "denied")."""
        if may_ask_permission or self.owner.origin_allowed(origin):
            return False
        self._refuse(403, self._origin_message(origin))
        return True

    def _origin_message(self, origin: str | None) -> str:
        return (
            f"origin not allowed: {origin} (add it to 'webCorsOriginList' in the add-on's config "
            f"to let that page use Anki)"
        )

    def do_GET(self) -> None:
        if not self._check_host():
            return
        origin = self.headers.get("Origin")
        if self._refused_origin(origin):
            return
        self._send(200, GET_BANNER, self._cors_headers(origin), content_type="text/plain; charset=utf-8")

    def do_POST(self) -> None:
        # The (size-capped) body is read before any refusal, so the client reliably receives our reply.
        try:
            body = self._read_body()
        except _BodyError as exc:
            self._refuse(exc.status, str(exc), close=True)
            self._lingering_close()
            return
        if not self._check_host():
            return
        origin = self.headers.get("Origin")
        payload, parse_error = _parse_body(body)
        if self._refused_origin(origin, may_ask_permission=_is_permission_request(payload)):
            return
        if not body.strip():
            self._send(200, GET_BANNER, self._cors_headers(origin), content_type="text/plain; charset=utf-8")
            return
        if parse_error is not None:
            self._send_json(200, protocol.error_reply(parse_error), self._cors_headers(origin))
            return
        allowed = self.owner.origin_allowed(origin)
        self.owner.owe_by(self.connection, None)  # waiting for Anki's main thread is not the client's fault
        reply = self.owner.answer(payload, origin, allowed)
        self._send(200, protocol.encode_reply(reply), self._cors_headers(origin))


def _writes(call: protocol.Call) -> bool:
    spec = get_spec(call.action)
    return spec is not None and spec.writes


def _parse_body(body: bytes) -> tuple[Any, str | None]:
    """(payload, None), or (None, the parse error); an empty body is (None, None)."""
    if not body.strip():
        return None, None
    try:
        return protocol.parse_json(body), None
    except ValueError as exc:
        return None, str(exc)


def _is_permission_request(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("action") == "requestPermission"
