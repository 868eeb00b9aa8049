"""The HTTP transport of the AnkiConnect-compatible server (no aqt here; the GUI glue injects the main thread).

Server threads (at most MAX_CONNECTIONS) take turns at ``accept()`` on the listening socket, one at a time; the
thread that accepts a connection serves it to the end (HTTP/1.1 keep-alive) with ``http_wire``'s strict parser,
under deadlines, then takes its turn again. So a client's fresh connections one after another (Polar's sync) are
all served by one thread: no thread start and no hand-over between threads (each costs a wake-up and passes
Python's lock back and forth). A watch lets another thread (waiting, or started) into ``accept()`` once every
thread has been busy with its connection for HANDOVER_S: a slow client or a wait for the main thread holds up the
next connection for about 10-20 ms at most. Each request is size- and security-checked and its JSON validated on
its server thread. Then:

- actions declared ``off_main`` (pure ones such as ``version``; collection reads; the note, deck and media writes
  clients make in bulk) run right there, as Anki's own QueryOp and CollectionOp run their work off the main
  thread: one at a time (``_work_lock``, like Anki's one collection executor thread), never while the glue is
  closing the collection, and the reply does not wait for the glue's refresh of Anki's screens;
- every other action (GUI and profile actions, the remaining writes) is handed to Anki's main thread through the
  injected ``post_to_main`` (``mw.taskman.run_on_main`` in Anki), and the server thread waits for it on an Event.
  Nothing polls.

After writes the glue's refresh (Undo menu, screens: what ends a CollectionOp) runs on the main thread once per
burst, when no write came for REFRESH_QUIET_S: only a burst's first write wakes the main thread (a sync of 300
cards would otherwise wake it 300 times, each waking costing the requests still coming CPU and the GIL).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from . import addon_log, http_wire, protocol
from .actions import ActionContext, action_names, get_spec
from .actions.misc import EXTRA_ORIGIN_ALLOWED

if TYPE_CHECKING:
    from anki.collection import Collection

    from .config import AddonConfig

PostToMain = Callable[[Callable[[], None]], None]
# (seconds, fn): run fn on the main thread after about that long; called on the main thread.
CallLater = Callable[[float, Callable[[], None]], None]

MSG_STOPPING = "Anki is closing the collection; the request was not executed"
ALLOWED_METHODS = "POST, GET, OPTIONS"
# AnkiConnect answers a bodyless GET with this line; some clients use it to detect the server.
GET_BANNER = b"AnkiConnect v.6"
# Connections served at once (one server thread each); more wait in the listen backlog until one finishes, so a
# local client cannot exhaust Anki's threads while many well-behaved clients are still all served, in turn.
MAX_CONNECTIONS = 32
# One thread waits in accept() at a time, and the thread that answered a connection takes the next one itself. When
# every server thread has been busy with its connection this long (a slow client, a wait for the main thread, a
# long action), another thread is let into accept(); the busy ones are looked at this often while any is busy.
HANDOVER_S = 0.01
WATCH_INTERVAL_S = 0.01
# The watch sleeps until the next connection once no thread has been busy for this long.
WATCH_IDLE_S = 1.0
LISTEN_BACKLOG = 1024
# A request's line and headers must arrive within this many seconds of the connection waiting for them (an idle
# keep-alive connection is closed then); its body within BODY_TIMEOUT_S plus one second per BODY_MIN_RATE bytes.
HEADER_TIMEOUT_S = 5.0
BODY_TIMEOUT_S = 5.0
BODY_MIN_RATE = 1024 * 1024
# A burst of writes ends when none came for this long; then Anki's screens are refreshed, once.
REFRESH_QUIET_S = 0.3
_TEXT = "text/plain; charset=utf-8"


class ServerStartError(Exception):
    """The server could not listen; the message says why and what to change."""


class PortInUseError(ServerStartError):
    pass


class _Stopping(Exception):
    pass


class _MainThreadCall:
    """One closure run on the main thread, waited for by a server thread; cancellable until it starts."""

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
        except BaseException as exc:  # reported to the waiting server thread
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


class ConnectServer:
    """Serve the AnkiConnect protocol on ``config.web_bind_address:web_bind_port``.

    ``post_to_main(fn)`` must run ``fn`` on the thread that owns the collection, soon, without waiting for it.
    ``get_collection()`` returns the open collection or None (called on the main thread, and on server threads
    for ``off_main`` actions: reading it must be safe there, as ``mw.col`` is). ``extras`` go into every
    ActionContext (e.g. ``{"sync": mw.onSync}``). ``after_writes()`` runs on the main thread after each request
    that ran an action declared ``writes`` (the glue refreshes Anki's screens and Undo menu), once per burst when
    ``call_later`` is given (``refresh_quiet_s`` after the burst's last write; else as soon as the main thread takes
    it, once per write). ``media_dir`` is the open collection's media folder, for reading ``path`` items off the
    main thread. ``anki_page_ports()`` returns
    the ports Anki serves its own pages from (its media server): pages there run card templates' scripts and are
    refused unless the config's ``allowAnkiPages`` says otherwise. The glue calls :meth:`collection_will_close`
    and :meth:`collection_did_open` around profile changes.
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
        call_later: CallLater | None = None,
        refresh_quiet_s: float = REFRESH_QUIET_S,
    ) -> None:
        self.config = config
        self._post_to_main = post_to_main
        self._get_collection = get_collection
        self._extras = dict(extras or {})
        self._after_writes = after_writes
        self._call_later = call_later
        self._refresh_quiet_s = refresh_quiet_s
        self._refresh_queued = False  # a refresh is on its way to the main thread (under _lock)
        self._last_write = 0.0  # time.monotonic() when the last writing request ended (under _lock)
        self.media_dir = media_dir
        self.log = logger or addon_log.logger("server")
        self._listener: socket.socket | None = None
        self._port = 0
        self._lock = threading.Lock()
        self._pending: set[_MainThreadCall] = set()
        self._connections: set[socket.socket] = set()
        self._answering: set[socket.socket] = set()  # connections whose request is being answered
        self._threads: list[threading.Thread] = []
        # Under _lock: a thread is in (or on its way into) accept(); threads waiting for their turn at it; when each
        # busy thread took its connection (by thread id); whether the watch is looking at the busy ones.
        self._turn = threading.Condition(self._lock)
        self._watch = threading.Condition(self._lock)
        self._accepting = False
        self._parked = 0
        self._busy: dict[int, float] = {}
        self._watching = False
        self._watcher: threading.Thread | None = None
        self._stopping = False
        self._anki_page_ports = anki_page_ports or (lambda: ())
        self._body_deadline = http_wire.BodyDeadline(BODY_TIMEOUT_S, BODY_MIN_RATE)
        # Off-main actions run one at a time, and never while the collection is being closed.
        self._work_lock = threading.Lock()
        self._collection_usable = True

    # ---- lifecycle -------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port actually listened on (differs from the config when it asked for port 0)."""
        assert self._listener is not None, "server not started"
        return self._port

    def start(self) -> None:
        """Bind and serve on background threads. Raises PortInUseError / ServerStartError with a user message."""
        address, port = self.config.web_bind_address, self.config.web_bind_port
        action_names()  # import every action module now, on the caller's thread, not on the first request's
        try:
            self._listener = _listen(address, port)
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
        self._port = self._listener.getsockname()[1]
        self._stopping = False
        with self._lock:
            self._add_thread()
        self._watcher = threading.Thread(target=self._watch_loop, name="polar-bridge-server-watch", daemon=True)
        self._watcher.start()
        self.log.info("Polar Bridge server listening on %s:%s", address, self._port)

    def stop(self) -> None:
        """Stop accepting, fail requests still waiting for the main thread, and close every connection.

        Safe to call from the main thread while requests wait for it (they get an error, never a deadlock).
        """
        listener = self._listener
        if listener is None:
            return
        with self._lock:
            self._stopping = True
            pending = list(self._pending)
            # A connection being answered finishes its reply (a cancelled one says MSG_STOPPING), then closes.
            connections = list(self._connections - self._answering)
            threads = list(self._threads)
            waiting = 1 if self._accepting else 0
            self._turn.notify_all()
            self._watch.notify_all()
        for call in pending:
            call.cancel()
        _wake_acceptors(listener, waiting)
        listener.close()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + 5
        for thread in [*threads, *([self._watcher] if self._watcher is not None else [])]:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._listener = None
        self._threads = []
        self._watcher = None
        self.log.info("Polar Bridge server stopped")

    def _add_thread(self) -> None:
        """Start one more server thread, holding the turn at accept() from now (caller holds ``_lock``), so the watch
        does not start another for it while it starts."""
        self._accepting = True
        thread = threading.Thread(
            target=self._accept_loop, args=(True,), name=f"polar-bridge-server-{len(self._threads) + 1}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self, has_turn: bool = False) -> None:
        listener = self._listener
        assert listener is not None
        me = threading.get_ident()
        while True:
            if not has_turn:
                with self._lock:
                    # One thread at a time waits in accept(): a client's requests one after another (Polar's sync)
                    # are all served by the thread that answered the previous one, with no hand-over between threads.
                    while self._accepting and not self._stopping:
                        self._parked += 1
                        self._turn.wait()
                        self._parked -= 1
                    if self._stopping:
                        return
                    self._accepting = True
            has_turn = False
            try:
                conn, _address = listener.accept()
            except OSError as exc:
                with self._lock:
                    self._accepting = False
                if self._stopping:
                    return
                # Out of file descriptors or an aborted handshake: wait a moment rather than spin.
                self.log.warning("accept failed: %s", exc)
                time.sleep(0.05)
                continue
            with self._lock:
                self._accepting = False
                if self._stopping:
                    conn.close()
                    return
                self._connections.add(conn)
                self._busy[me] = time.monotonic()
                if not self._watching:  # the first connection after a quiet time wakes the watch
                    self._watching = True
                    self._watch.notify()
            try:
                self._serve(conn)
            finally:
                with self._lock:
                    self._connections.discard(conn)
                    del self._busy[me]
                conn.close()

    def _watch_loop(self) -> None:
        """Let another thread into accept() while every server thread has been busy for HANDOVER_S (up to
        MAX_CONNECTIONS threads), so a slow client or a long wait never holds up the next connection for long.
        Looks every WATCH_INTERVAL_S while threads are busy, and sleeps while the server is quiet."""
        with self._lock:
            quiet_since: float | None = None
            while not self._stopping:
                if not self._watching:
                    self._watch.wait()
                    continue
                self._watch.wait(WATCH_INTERVAL_S)
                now = time.monotonic()
                if not self._busy:
                    quiet_since = quiet_since if quiet_since is not None else now
                    if now - quiet_since >= WATCH_IDLE_S:
                        self._watching, quiet_since = False, None
                    continue
                quiet_since = None
                if self._accepting or now - max(self._busy.values()) < HANDOVER_S:
                    continue
                if self._parked:
                    self._turn.notify()
                elif len(self._threads) < MAX_CONNECTIONS:
                    self._add_thread()

    def collection_will_close(self) -> None:
        """Main thread, before the collection closes: wait for a running off-main action, then refuse them."""
        with self._work_lock:
            self._collection_usable = False

    def collection_did_open(self) -> None:
        self._collection_usable = True

    def origin_allowed(self, origin: str | None) -> bool:
        if origin is None:  # not a browser page (see protocol.origin_allowed): no need to ask Anki for its ports
            return True
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
        """Run ``fn`` on the main thread and wait for its result (server threads only)."""
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

    def _make_context(self, origin: str | None, allowed: bool, col: "Collection | None") -> ActionContext:
        # col is None while no profile is open: only actions declared needs_collection=False run then.
        extras = dict(self._extras)
        extras[EXTRA_ORIGIN_ALLOWED] = allowed
        return ActionContext(col=cast("Collection", col), config=self.config, origin=origin, extras=extras)

    def _execute(self, plan: protocol.Plan, origin: str | None, allowed: bool) -> list[protocol.Outcome]:
        """Main thread: run the plan, then tell the glue if it may have changed the collection (its failure never
        loses the reply). A write that failed may have written part of its work, so it counts too."""
        outcomes = protocol.execute_plan(plan, lambda: self._make_context(origin, allowed, self._get_collection()))
        if self._after_writes is not None and any(_writes(c) for c in plan.calls if c.error is None):
            self._wrote()
        return outcomes

    def _execute_here(self, plan: protocol.Plan, origin: str | None, allowed: bool) -> list[protocol.Outcome]:
        """Server thread: run a plan of off-main actions, one plan at a time, while the collection is usable."""
        with self._work_lock:
            col = self._get_collection() if self._collection_usable else None
            outcomes = protocol.execute_plan(plan, lambda: self._make_context(origin, allowed, col))
        if self._after_writes is not None and any(_writes(c) for c in plan.calls if c.error is None):
            self._wrote()  # as a CollectionOp ends on the main thread; the reply need not wait
        return outcomes

    def _wrote(self) -> None:
        """Any thread, after a request that may have changed the collection: refresh when the burst ends. Only a
        burst's first write posts to the main thread; later ones only move the burst's end."""
        with self._lock:
            self._last_write = time.monotonic()
            if self._refresh_queued:
                return
            self._refresh_queued = True
        self._post_to_main(self._refresh_when_quiet)

    def _refresh_when_quiet(self) -> None:
        """Main thread: the glue's after-writes hook once no write came for ``refresh_quiet_s`` (its failure never
        reaches a client). A write after this decision queues a refresh of its own."""
        assert self._after_writes is not None
        with self._lock:
            wait = self._last_write + self._refresh_quiet_s - time.monotonic()
            later = wait > 0 and self._call_later is not None
            self._refresh_queued = later
        if later:
            assert self._call_later is not None
            try:
                self._call_later(wait, self._refresh_when_quiet)
                return
            except Exception:  # no timer (Anki closing): refresh now rather than never again
                self.log.exception("could not schedule the refresh after writes")
                with self._lock:
                    self._refresh_queued = False
        try:
            self._after_writes()
        except Exception:
            self.log.exception("after-writes hook failed")

    def answer(self, payload: Any, origin: str | None, allowed: bool) -> Any:
        """The JSON reply to a decoded request body (server thread; actions run where they are declared to)."""
        plan = protocol.plan_request(payload, self.config, self.media_dir)
        ready = [c for c in plan.calls if c.error is None]
        if plan.error is None and ready:
            if self.log.isEnabledFor(logging.DEBUG):
                self.log.debug("request: %s", ", ".join(plan.action_names))
            try:
                if all(_off_main(c) for c in ready):
                    outcomes = self._execute_here(plan, origin, allowed)
                else:
                    outcomes = self.run_on_main(lambda: self._execute(plan, origin, allowed))
            except _Stopping:
                return protocol.error_reply(MSG_STOPPING)
            except Exception:
                self.log.exception("request failed")
                return protocol.error_reply(protocol.MSG_INTERNAL)
        else:
            outcomes = [protocol.Outcome(error=c.error) for c in plan.calls]
        return protocol.build_reply(plan, outcomes)

    # ---- one connection --------------------------------------------------------------------------------------

    def _serve(self, conn: socket.socket) -> None:
        """Requests on one connection until the client closes it, is late, or a reply says Connection: close."""
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        wire = http_wire.Wire(conn)
        request: http_wire.Request | None = None
        try:
            while not self._stopping:
                wire.deadline = time.monotonic() + HEADER_TIMEOUT_S
                request = None
                try:
                    request = wire.read_head()
                except http_wire.HTTPError as exc:
                    self._refuse(wire, None, exc.status, str(exc), close=True)
                    return
                if request is None or not self._handle(wire, request):
                    return
        except http_wire.Late:
            return
        except OSError:
            return
        except Exception:  # a reply for every request: a bug here answers 500 and closes, the server goes on
            self.log.exception("request handling failed")
            try:
                self._reply(wire, 500, protocol.encode_reply(protocol.error_reply(protocol.MSG_INTERNAL)), close=True)
            except Exception:
                pass

    def _handle(self, wire: http_wire.Wire, request: http_wire.Request) -> bool:
        """Answer one request; False when the connection must close afterwards."""
        method = request.method
        if method not in ("GET", "POST", "OPTIONS"):
            self._refuse(wire, method, 501, f"unsupported method: {method[:20]}", close=True)
            return False
        cap = self.config.max_request_bytes
        if request.version == "HTTP/1.1" and request.text("expect").lower() == "100-continue":
            # Refuse an announced oversize body before the client sends it.
            length = request.text("content-length")
            if length.isdigit() and int(length) > cap:
                self._refuse(wire, method, 413, http_wire.too_large_message(int(length), cap), close=True)
                return False
            wire.send(http_wire.CONTINUE)
        # The (size-capped) body is read before any refusal, so the client reliably receives our reply.
        try:
            body = http_wire.read_body(wire, request, cap, self._body_deadline)
        except http_wire.HTTPError as exc:
            self._refuse(wire, method, exc.status, str(exc), close=True)
            _lingering_close(wire.sock)
            return False
        wire.deadline = None  # waiting for Anki is not the client's fault
        with self._lock:
            self._answering.add(wire.sock)
        try:
            return self._answer_request(wire, request, body)
        finally:
            with self._lock:
                self._answering.discard(wire.sock)

    def _answer_request(self, wire: http_wire.Wire, request: http_wire.Request, body: bytes) -> bool:
        method = request.method
        keep = request.keep_alive
        host = request.header("host")
        if not protocol.host_allowed(host, self.config.web_bind_address):
            message = f"host not allowed: {host} (only local addresses may reach this server)"
            self._refuse(wire, method, 403, message, close=True)
            return False
        origin = request.header("origin")
        cors = {} if origin is None else {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        if method == "OPTIONS":
            if not self.origin_allowed(origin):
                return self._refuse(wire, method, 403, _origin_message(origin), close=not keep)
            cors.update(
                {
                    "Access-Control-Allow-Methods": ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": "*",
                    "Access-Control-Max-Age": "600",
                }
            )
            if request.text("access-control-request-private-network").lower() == "true":
                cors["Access-Control-Allow-Private-Network"] = "true"
            self._reply(wire, 200, b"", headers=cors, close=not keep)
            return keep
        payload, parse_error = _parse_body(body) if method == "POST" else (None, None)
        # A page may always ask for permission (and hear "denied").
        allowed = self.origin_allowed(origin)
        if not allowed and not _is_permission_request(payload):
            return self._refuse(wire, method, 403, _origin_message(origin), close=not keep)
        if method == "GET" or not body.strip():
            self._reply(wire, 200, GET_BANNER, _TEXT, cors, close=not keep)
        elif parse_error is not None:
            self._reply(
                wire, 200, protocol.encode_reply(protocol.error_reply(parse_error)), headers=cors, close=not keep
            )
        else:
            reply = self.answer(payload, origin, allowed)
            self._reply(wire, 200, protocol.encode_reply(reply), headers=cors, close=not keep)
        return keep

    def _reply(
        self,
        wire: http_wire.Wire,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        close: bool = False,
    ) -> None:
        if self.log.isEnabledFor(logging.DEBUG):
            self.log.debug("reply %s, %d bytes", status, len(body))
        wire.send(http_wire.response(status, body, content_type, headers, close))

    def _refuse(self, wire: http_wire.Wire, method: str | None, status: int, message: str, close: bool) -> bool:
        """Answer ``status`` with an error reply; returns whether the connection stays open."""
        self.log.warning("refused %s request: %s", method or "a", message)
        self._reply(wire, status, protocol.encode_reply(protocol.error_reply(message)), close=close)
        return not close


def _listen(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # On Linux/macOS SO_REUSEADDR only skips TIME_WAIT; on Windows it would let us steal a port in use.
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _wake_acceptors(listener: socket.socket, waiting: int) -> None:
    """Get every thread out of accept(): shutting the socket down does it on Linux; elsewhere each gets a
    connection of its own (it sees the server stopping and closes it)."""
    try:
        listener.shutdown(socket.SHUT_RDWR)
        return
    except OSError:
        pass
    host, port = listener.getsockname()[:2]
    if host in ("0.0.0.0", "::", ""):
        host = "::1" if listener.family == socket.AF_INET6 else "127.0.0.1"
    for _ in range(waiting):
        try:
            socket.create_connection((host, port), timeout=0.5).close()
        except OSError:
            break


def _lingering_close(sock: socket.socket, seconds: float = 2.0) -> None:
    """After refusing an unread body: stop writing, discard what the client still sends for a moment, so closing
    does not reset the connection before the client has read our reply."""
    try:
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + seconds
        sock.settimeout(0.5)
        while time.monotonic() < deadline and sock.recv(65536):
            pass
    except OSError:
        pass


def _origin_message(origin: str | None) -> str:
    return (
        f"origin not allowed: {origin} (add it to 'webCorsOriginList' in the add-on's config to let that page use Anki)"
    )


def _writes(call: protocol.Call) -> bool:
    spec = call.spec or get_spec(call.action)
    return spec is not None and spec.writes


def _off_main(call: protocol.Call) -> bool:
    spec = call.spec or get_spec(call.action)
    return spec is not None and spec.off_main


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
