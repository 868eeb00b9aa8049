"""The action registry: one declaration per action (see the package docstring).

Kept apart from ``actions/__init__.py`` so the action modules import it without importing the package that
loads them (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import ClientError

if TYPE_CHECKING:
    from anki.collection import Collection

    from ..config import AddonConfig

# One error type for client-visible messages, defined in the domain so domain code can raise it too.
ActionError = ClientError


@dataclass
class ActionContext:
    col: Collection
    config: AddonConfig
    # Per-request facts the protocol layer knows (e.g. the request's Origin), for actions that need them.
    origin: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PrepareContext:
    """What an off-main-thread preparation may use: the settings and the media folder (no collection)."""

    config: AddonConfig
    media_dir: str | None = None


Handler = Callable[[ActionContext, dict], Any]
# handler result -> reply result; runs on the connection thread after the handler (e.g. reading a file it named).
Finisher = Callable[[Any], Any]
# (validated params, context) -> params for the handler; runs on the connection thread, may raise ActionError.
Preparer = Callable[[dict[str, Any], PrepareContext], dict[str, Any]]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
_NONE = type(None)


@dataclass(frozen=True)
class Param:
    """One declared parameter: accepted types (``bool`` is never an ``int`` here), a default, what it must be.

    ``items`` checks every element of a list parameter. Messages match AnkiConnect-style wording:
    ``missing parameter "x" (a search string)`` / ``parameter "x" must be a search string``.
    """

    name: str
    types: tuple[type, ...]
    what: str
    default: Any = REQUIRED
    items: tuple[type, ...] | None = None
    items_what: str | None = None

    def read(self, params: dict[str, Any]) -> Any:
        if self.name not in params:
            if self.default is REQUIRED:
                raise ActionError(f'missing parameter "{self.name}" ({self.what})')
            return self.default
        value = params[self.name]
        if not _is_instance(value, self.types):
            raise ActionError(f'parameter "{self.name}" must be {self.what}')
        if self.items is not None and isinstance(value, list):
            if not all(_is_instance(item, self.items) for item in value):
                raise ActionError(f'parameter "{self.name}" must be {self.items_what or self.what}')
        return value


def _is_instance(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types and object not in types:
        return False
    return isinstance(value, types)


def require(params: Any, name: str, types: type | tuple[type, ...], what: str, default: Any = REQUIRED) -> Any:
    """A nested value checked like a declared parameter (e.g. ``note.id``), with the same messages."""
    if not isinstance(params, dict):
        raise ActionError("params must be an object")
    return Param(name, types if isinstance(types, tuple) else (types,), what, default).read(params)


# Shorthands for the common parameter shapes.
def text(name: str, what: str, default: Any = REQUIRED) -> Param:
    return Param(name, (str,) if default is not None else (str, _NONE), what, default)


def flag(name: str, default: bool) -> Param:
    return Param(name, (bool,), "true or false", default)


def ids(name: str, default: Any = REQUIRED) -> Param:
    types: tuple[type, ...] = (list,) if default is not None else (list, _NONE)
    return Param(name, types, "a list of ids", default, items=(int,), items_what="a list of ids (integers)")


def obj(name: str, what: str, default: Any = REQUIRED) -> Param:
    return Param(name, (dict,) if default is not None else (dict, _NONE), what, default)


def array(name: str, what: str, default: Any = REQUIRED) -> Param:
    return Param(name, (list,) if default is not None else (list, _NONE), what, default)


def integer(name: str, what: str = "an integer", default: Any = REQUIRED) -> Param:
    return Param(name, (int,) if default is not None else (int, _NONE), what, default)


def strings(name: str, what: str, default: Any = REQUIRED) -> Param:
    types: tuple[type, ...] = (list,) if default is not None else (list, _NONE)
    return Param(name, types, what, default, items=(str,))


def anything(name: str, default: Any = None) -> Param:
    """A parameter whose shape the handler checks itself (e.g. a media item's ``data``)."""
    return Param(name, (object,), "a value", default)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    handler: Handler
    params: tuple[Param, ...] = ()
    writes: bool = False
    prepare: Preparer | None = None
    finish: Finisher | None = None
    # False for the few actions that work while no profile is open (version, profiles, apiReflect…).
    needs_collection: bool = True
    # True when the handler touches nothing but its parameters, the collection and its media folder (no window,
    # no profile): the server then runs it on its own thread, one at a time, as Anki's QueryOp and CollectionOp run
    # their work off the main thread; after a write the glue's refresh still runs on the main thread.
    off_main: bool = False

    def validate(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The declared parameters, checked, defaults filled in; undeclared ones are ignored (as clients send
        extras). Raises ActionError naming the first bad parameter."""
        return {param.name: param.read(raw) for param in self.params}

    def run(self, ctx: ActionContext, raw: dict[str, Any]) -> Any:
        """Validate, prepare and run on the calling thread (tools and tests; the server splits the steps)."""
        params = self.validate(raw)
        if self.prepare is not None:
            params = self.prepare(params, PrepareContext(ctx.config, ctx.col.media.dir()))
        result = self.handler(ctx, params)
        return self.finish(result) if self.finish is not None else result


_REGISTRY: dict[str, ActionSpec] = {}


def action(
    name: str,
    *params: Param,
    writes: bool = False,
    prepare: Preparer | None = None,
    finish: Finisher | None = None,
    needs_collection: bool = True,
    aliases: tuple[str, ...] = (),
    off_main: bool = False,
) -> Callable[[Handler], Handler]:
    """Declare the AnkiConnect action ``name`` (see the package docstring); ``aliases`` are deprecated names
    AnkiConnect still answers to with the same behaviour."""

    def register(handler: Handler) -> Handler:
        for each in (name, *aliases):
            if each in _REGISTRY:
                raise RuntimeError(f"action {each!r} registered twice")
            _REGISTRY[each] = ActionSpec(
                each, handler, tuple(params), writes, prepare, finish, needs_collection, off_main
            )
        return handler

    return register


def registered() -> dict[str, ActionSpec]:
    """The declarations made so far (the package loads every action module first)."""
    return _REGISTRY
