"""The AnkiConnect v6 protocol and the server's security rules, as pure functions (no aqt, no sockets).

The transport (``connect_server.py``) splits one request into three steps so the GUI thread only does collection
work:

1. :func:`plan_request` (socket thread): JSON body -> validated :class:`Plan` (or an error reply), API key checked.
2. :func:`execute_plan` (main thread): runs each call's handler inside its own ``try``.
3. :func:`build_reply` (socket thread): outcomes -> the JSON value to send, each in its own version's envelope.

Security checks (:func:`origin_allowed`, :func:`host_allowed`, :func:`api_key_matches`) decide before anything runs.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anki.errors import AnkiException

from . import addon_log
from .actions import ActionContext, ActionError, ActionSpec, PrepareContext, get_spec

try:  # ships with Anki (its DB layer uses it): decodes and encodes small bodies several times faster
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from .config import AddonConfig

API_VERSION = 6
# AnkiConnect's rule: a request without "version" is a version-4 request (bare results).
DEFAULT_REQUEST_VERSION = 4

# Origins always allowed: Polar's web app (current and 2020 beta) and pages served from this machine.
POLAR_ORIGINS = ("https://app.getpolarized.io", "https://beta.getpolarized.io")
_LOCAL_ORIGIN = re.compile(r"^http://(localhost|127\.0\.0\.1)(:\d{1,5})?$", re.IGNORECASE)
# Local pages trusted by default (config trustedLocalOrigins); no port = any port.
DEFAULT_LOCAL_ORIGINS = ("http://localhost", "http://127.0.0.1")
# Browser extensions, allowed while http://localhost is in webCorsOriginList (AnkiConnect's rule).
EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://", "safari-web-extension://")
# Deeper JSON than this is refused before anything runs (clients send 5 or 6 levels; recursion has limits).
MAX_JSON_DEPTH = 64
# A JSON escape that may stand for a surrogate code point (\uD800-\uDFFF, any case).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# A run of digits long enough to be an integer beyond 64 bits, which orjson would decode as a float, looked for in
# the body with every digit mapped to "0" and every other byte to " " (a regular expression takes several times
# longer than the decoding).
_LONG_DIGITS = b"0" * 19
_DIGITS_AS_ZEROS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LOOPBACK_NAMES = ("localhost", "localhost.")

MSG_BAD_API_KEY = "valid api key must be provided"
MSG_NOT_JSON = "request body is not valid JSON"
MSG_NOT_OBJECT = "request must be a JSON object"
MSG_ACTION_TYPE = "action must be a non-empty string"
MSG_VERSION_TYPE = "version must be an integer"
MSG_PARAMS_TYPE = "params must be an object"
MSG_MULTI_ACTIONS = "multi: params.actions must be a list of request objects"
MSG_NO_COLLECTION = "collection is not available"
MSG_INTERNAL = "internal error (details are in the add-on's log)"

log = addon_log.logger("protocol")


# --------------------------------------------------------------------------------------------------------------
# Security
# --------------------------------------------------------------------------------------------------------------


def origin_allowed(
    origin: str | None,
    extra_origins: Iterable[str] = (),
    local_origins: Iterable[str] = DEFAULT_LOCAL_ORIGINS,
    anki_page_ports: Iterable[int] = (),
    allow_anki_pages: bool = False,
) -> bool:
    """Whether a browser page at ``origin`` may call the server.

    No Origin header (scripts, curl, Polar's Electron main process) is allowed: only browsers send one, and they
    are what CORS protects against. Anki's own pages (``http://127.0.0.1:<its media server port>``, where card
    templates and their scripts run) are refused unless ``allow_anki_pages``, whatever the lists say. Then:
    Polar's web app; ``local_origins`` (``trustedLocalOrigins``: an entry without a port matches every port);
    ``extra_origins`` (``webCorsOriginList``; ``"*"`` allows all; with ``http://localhost`` listed, browser
    extensions too, as AnkiConnect does).
    """
    if origin is None:
        return True
    normalized = origin.strip().rstrip("/").lower()
    if not allow_anki_pages and _is_anki_page(normalized, anki_page_ports):
        return False
    if normalized in POLAR_ORIGINS or any(_origin_matches(normalized, entry) for entry in local_origins):
        return True
    extras = [o.strip().rstrip("/").lower() for o in extra_origins]
    if "*" in extras:
        return True
    if "http://localhost" in extras and normalized.startswith(EXTENSION_SCHEMES):
        return True
    return normalized in extras


def _origin_matches(origin: str, entry: str) -> bool:
    """``entry`` names ``origin`` exactly, or is ``scheme://host`` without a port and ``origin`` adds one."""
    entry = entry.strip().rstrip("/").lower()
    if origin == entry:
        return True
    rest = origin[len(entry) :] if origin.startswith(entry) else ""
    return entry.count(":") == 1 and rest.startswith(":") and rest[1:].isdigit() and len(rest) <= 6


def _is_anki_page(origin: str, ports: Iterable[int]) -> bool:
    match = _LOCAL_ORIGIN.match(origin)
    if match is None or not match.group(2):
        return False
    return int(match.group(2)[1:]) in set(ports)


def _host_without_port(host: str) -> str:
    host = host.strip()
    if host.startswith("["):  # [::1]:8765
        end = host.find("]")
        return host[1:end] if end > 0 else host
    if host.count(":") == 1:
        return host.rsplit(":", 1)[0]
    return host  # no port, or a bare IPv6 address


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(host: str | None, bind_address: str) -> bool:
    """Whether the request's ``Host`` header names this machine (defeats DNS rebinding).

    A rebinding page reaches us under the attacker's domain name, so only loopback names/addresses and the
    configured bind address are accepted (any port). With a wildcard bind (0.0.0.0 / ::) any IP literal is
    accepted too: a literal address cannot be rebound. No Host header (HTTP/1.0 scripts) is allowed: browsers
    always send one.
    """
    if host is None:
        return True
    name = _host_without_port(host).lower()
    if not name:
        return False
    if name in _LOOPBACK_NAMES or name == bind_address.lower():
        return True
    if _is_ip_literal(name):
        address = ipaddress.ip_address(name)
        if address.is_loopback:
            return True
        return bind_address in ("0.0.0.0", "::", "")
    return False


def api_key_matches(provided: Any, expected: str | None) -> bool:
    """Constant-time comparison of the request's ``key`` with the configured ``apiKey`` (None = no key needed)."""
    if expected is None:
        return True
    if not isinstance(provided, str):
        return False
    return hmac.compare_digest(provided.encode("utf-8"), expected.encode("utf-8"))


# --------------------------------------------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------------------------------------------


def error_reply(message: str) -> dict[str, Any]:
    """What every error looks like, whatever the request's version (AnkiConnect does the same)."""
    return {"result": None, "error": message}


def success_reply(version: int, result: Any) -> Any:
    """Version <= 4 gets the bare result; version >= 5 the ``{"result", "error"}`` envelope."""
    if version <= 4:
        return result
    return {"result": result, "error": None}


def encode_reply(reply: Any) -> bytes:
    """The reply as UTF-8 JSON; never fails, so every request gets an answer.

    ensure_ascii=False keeps non-Latin text at 1-3 bytes a character instead of 6-12. Text that is not Unicode
    (a lone surrogate from Anki's data) falls back to ASCII escapes, which JSON allows; a value JSON cannot hold
    at all becomes an error reply.
    """
    if orjson is not None:
        try:  # the same compact UTF-8 JSON (NaN, which JSON cannot hold, becomes null)
            return orjson.dumps(reply)
        except (TypeError, ValueError):  # what orjson refuses (non-string keys, integers beyond 64 bits, lone
            pass  # surrogates) is encoded as before
    try:
        return json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(reply, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    except (TypeError, ValueError, RecursionError):
        log.exception("reply could not be encoded")
        return json.dumps(error_reply(MSG_INTERNAL)).encode("ascii")


# --------------------------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One action to run: either ready (``error`` None) or already failed validation."""

    action: str
    version: int
    params: dict[str, Any]
    error: str | None = None
    spec: ActionSpec | None = None  # the action's declaration, once the call is validated


@dataclass
class Outcome:
    result: Any = None
    error: str | None = None


@dataclass
class Plan:
    """A validated request: one call, or several for ``multi`` (replied to as a list)."""

    version: int
    calls: list[Call]
    is_multi: bool = False
    # Set when the whole request fails before anything can run (bad JSON, bad key); then calls is empty.
    error: str | None = None

    @property
    def action_names(self) -> list[str]:
        return [c.action for c in self.calls]


def parse_json(body: bytes) -> Any:
    """Decode a request body; raises ValueError with a message naming what is wrong.

    Besides syntax, refuses what would break later: nesting deeper than MAX_JSON_DEPTH, and strings holding a
    lone surrogate (``"\\ud800"`` is valid JSON but not Unicode text: Anki cannot store it and no reply could
    carry it back).
    """
    value = _fast_loads(body)
    if value is _NOT_DECODED:
        value = _loads(body)
    # Every level of nesting opens a bracket, and a lone surrogate can only come from a \uD800-\uDFFF escape (UTF-8
    # cannot carry one): most bodies can have neither, and skip the walk over every value.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH or _SURROGATE_ESCAPE.search(body):
        _check_values(value)
    return value


_NOT_DECODED = object()


def _fast_loads(body: bytes) -> Any:
    """``body`` decoded by orjson, or _NOT_DECODED when it may decode differently than ``json`` (integers beyond 64
    bits become floats there) or orjson refuses it (NaN, a lone surrogate, bad JSON: ``json`` decides and words the
    error)."""
    if orjson is None or _LONG_DIGITS in body.translate(_DIGITS_AS_ZEROS):
        return _NOT_DECODED
    try:
        return orjson.loads(body)
    except ValueError:
        return _NOT_DECODED


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{MSG_NOT_JSON}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{MSG_NOT_JSON}: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ValueError(f"{MSG_NOT_JSON}: nested too deeply (more than {MAX_JSON_DEPTH} levels)") from None


def _check_values(value: Any) -> None:
    """Depth and Unicode checks over a decoded body, without recursion (a body may hold millions of values)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"{MSG_NOT_JSON}: nested too deeply (more than {MAX_JSON_DEPTH} levels)")
            if isinstance(item, dict):
                for key in item:
                    _check_text(key)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise ValueError(f"{MSG_NOT_JSON}: it contains a lone surrogate (\\u{code:04x}), which is not text") from None


def _read_call(request: Any) -> Call:
    """Validate one ``{action, version?, params?}`` object (the API key is checked by the caller)."""
    if not isinstance(request, dict):
        return Call("", DEFAULT_REQUEST_VERSION, {}, MSG_NOT_OBJECT)
    version = request.get("version", DEFAULT_REQUEST_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        return Call("", DEFAULT_REQUEST_VERSION, {}, MSG_VERSION_TYPE)
    action = request.get("action")
    if not isinstance(action, str) or not action:
        return Call("", version, {}, MSG_ACTION_TYPE)
    params = request.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        return Call(action, version, {}, MSG_PARAMS_TYPE)
    return Call(action, version, params)


def _prepare(call: Call, prep: PrepareContext) -> Call:
    """Connection thread: the action's declared parameters checked, then its preparation (downloads, decoding)."""
    if call.error is not None:
        return call
    spec = get_spec(call.action)
    if spec is None:
        call.error = f"unsupported action: {call.action}"
        return call
    call.spec = spec
    try:
        call.params = spec.validate(call.params)
        if spec.prepare is not None:
            call.params = spec.prepare(call.params, prep)
    except ActionError as exc:
        call.error = str(exc)
    except Exception:  # a bug in a preparation must not take the server down
        log.exception("preparing %s failed", call.action)
        call.error = f"{call.action}: {MSG_INTERNAL}"
    return call


def plan_request(payload: Any, config: "AddonConfig", media_dir: str | None = None) -> Plan:
    """Turn a decoded request body into a Plan (socket thread; no collection access).

    ``requestPermission`` needs no key (a page must be able to ask before it knows one), as in AnkiConnect.
    Inner ``multi`` requests inherit the outer, already checked key and default to version 4 as in AnkiConnect.
    """
    outer = _read_call(payload)
    if outer.error is not None:
        return Plan(outer.version, [], error=outer.error)
    if outer.action != "requestPermission" and not api_key_matches(payload.get("key"), config.api_key):
        return Plan(outer.version, [], error=MSG_BAD_API_KEY)
    prep = PrepareContext(config, media_dir)
    if outer.action != "multi":
        return Plan(outer.version, [_prepare(outer, prep)])
    actions = outer.params.get("actions")
    if not isinstance(actions, list):
        return Plan(outer.version, [], is_multi=True, error=MSG_MULTI_ACTIONS)
    calls = []
    for inner in actions:
        call = _read_call(inner)
        if call.error is None and call.action == "multi":
            call.error = "multi: nested multi is not supported"
        calls.append(_prepare(call, prep))
    return Plan(outer.version, calls, is_multi=True)


def execute_plan(plan: Plan, make_context: Callable[[], ActionContext | None]) -> list[Outcome]:
    """Run every ready call in order, each in its own try (main thread).

    ``make_context`` returns a context whose ``col`` is None (or None) when no collection is open: actions that
    need one then fail with a clear message, the others (profiles, version) still run.
    A handler's ActionError is a client error (message passed through); any other exception is a bug or an
    Anki error: its traceback is logged and its message returned, and the next call still runs.
    """
    outcomes: list[Outcome] = []
    ctx: ActionContext | None = None
    for call in plan.calls:
        if call.error is not None:
            outcomes.append(Outcome(error=call.error))
            continue
        spec = call.spec or get_spec(call.action)
        if spec is None:
            outcomes.append(Outcome(error=f"unsupported action: {call.action}"))
            continue
        if ctx is None:
            ctx = make_context()
        # Profile actions (and version, apiReflect…) also run while no profile is open.
        if ctx is None or (spec.needs_collection and ctx.col is None):
            outcomes.append(Outcome(error=MSG_NO_COLLECTION))
            continue
        try:
            outcomes.append(Outcome(result=spec.handler(ctx, call.params)))
        except ActionError as exc:
            outcomes.append(Outcome(error=str(exc)))
        except Exception as exc:
            log.exception("action %s failed", call.action)
            outcomes.append(Outcome(error=unexpected_error(call.action, exc)))
    return outcomes


def unexpected_error(action: str, exc: BaseException) -> str:
    """The client's message for an exception no handler expected: Anki's own errors (a search it refuses, a note
    that is gone) say what is wrong in Anki's words; anything else is a bug whose Python text stays in the log."""
    if isinstance(exc, AnkiException) and str(exc):
        return f"{action}: {exc}"
    return f"{action}: {MSG_INTERNAL}"


def _finish(call: Call, outcome: Outcome) -> Outcome:
    spec = (call.spec or get_spec(call.action)) if outcome.error is None else None
    if spec is None or spec.finish is None:
        return outcome
    try:
        return Outcome(result=spec.finish(outcome.result))
    except ActionError as exc:
        return Outcome(error=str(exc))
    except Exception as exc:
        log.exception("finishing %s failed", call.action)
        return Outcome(error=unexpected_error(call.action, exc))


def build_reply(plan: Plan, outcomes: Sequence[Outcome]) -> Any:
    """The JSON value answering ``plan`` (socket thread): runs each succeeded action's ``finish`` step here, off the
    main thread (e.g. reading the media file ``retrieveMediaFile`` found)."""
    if plan.error is not None:
        return error_reply(plan.error)
    outcomes = [_finish(call, outcome) for call, outcome in zip(plan.calls, outcomes)]
    replies = [
        error_reply(o.error) if o.error is not None else success_reply(c.version, o.result)
        for c, o in zip(plan.calls, outcomes)
    ]
    if plan.is_multi:
        return success_reply(plan.version, replies)
    return replies[0]
