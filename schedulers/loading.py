"""Loading schedulers: a built-in by name, or ``"module:function"`` from the user files folder.

Lives with the built-ins (not in the contract, `scheduler`), so the contract never imports the schedulers that
implement it.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import keyword
import sys
from collections.abc import Callable
from pathlib import Path

from ..scheduler import CardHistory, IntervalFunction, LoadedScheduler, RecallFunction, SchedulerLoadError
from .builtins import BUILTINS, LOG_INTERVALS, READS, RECALLS


def builtin_names() -> list[str]:
    return list(BUILTINS)


def _accepts_params(function: Callable) -> bool:
    """True when the interval function takes a second positional parameter (the trained params)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in positional)


def _bind_params(function: Callable, params: dict) -> IntervalFunction:
    if _accepts_params(function):
        return functools.partial(_call_with_params, function, params)
    return function


def _call_with_params(function: Callable, params: dict, history: CardHistory) -> float | None:
    return function(history, params)


def _bind_recall(function: Callable | None, params: dict) -> RecallFunction | None:
    """recall(card, elapsed_seconds) as is; recall(card, elapsed_seconds, params) gets the trained params."""
    if function is None or not callable(function):
        return None
    try:
        positional = [
            p
            for p in inspect.signature(function).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return function
    if len(positional) >= 3:
        return functools.partial(_recall_with_params, function, params)
    return function


def _recall_with_params(function: Callable, params: dict, history: CardHistory, elapsed: float) -> float | None:
    return function(history, elapsed, params)


def _load_user_module(module_name: str, user_files_dir: Path, spec: str):
    if not module_name.isidentifier() or keyword.iskeyword(module_name):
        raise SchedulerLoadError(f"Scheduler {spec!r}: {module_name!r} is not a valid module name")
    path = Path(user_files_dir) / f"{module_name}.py"
    if not path.is_file():
        raise SchedulerLoadError(f"Scheduler {spec!r}: no file {path}")
    # A private, per-path module name: re-loading picks up edits and never clashes with real packages.
    unique_name = f"_polar_bridge_user_scheduler_{module_name}_{abs(hash(str(path.resolve())))}"
    import_spec = importlib.util.spec_from_file_location(unique_name, path)
    if import_spec is None or import_spec.loader is None:
        raise SchedulerLoadError(f"Scheduler {spec!r}: cannot import {path}")
    module = importlib.util.module_from_spec(import_spec)
    sys.modules[unique_name] = module
    try:
        import_spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(unique_name, None)
        raise SchedulerLoadError(f"Scheduler {spec!r}: importing {path.name} failed: {exc!r}") from exc
    return module


def load_scheduler(spec: str, user_files_dir: Path, params: dict | None = None) -> LoadedScheduler:
    """Load a built-in (``"anki"``, ``"fsrs"``, ``"example"``) or ``"module:function"`` from ``user_files_dir``.

    ``params`` (from an earlier ``train()``) is bound to the interval function when it takes a second parameter.
    Raises SchedulerLoadError naming the spec when it cannot be loaded.
    """
    params = dict(params or {})
    spec = (spec or "").strip()
    if spec in BUILTINS:
        interval, train = BUILTINS[spec]
        return LoadedScheduler(
            name=spec,
            interval=_bind_params(interval, params),
            train=train,
            params=params,
            recall=_bind_recall(RECALLS.get(spec), params),
            reads_history=READS.get(spec, ""),
            interval_of_log=functools.partial(LOG_INTERVALS[spec], params) if spec in LOG_INTERVALS else None,
        )
    if ":" not in spec:
        raise SchedulerLoadError(
            f"Scheduler {spec!r} not found: use a built-in ({', '.join(BUILTINS)}) or 'module:function' "
            f"for a file module.py in {user_files_dir}"
        )
    module_name, _, function_name = spec.partition(":")
    module_name, function_name = module_name.strip(), function_name.strip()
    module = _load_user_module(module_name, user_files_dir, spec)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise SchedulerLoadError(f"Scheduler {spec!r}: {module_name}.py has no function {function_name!r}")
    train = getattr(module, f"{function_name}_train", None) or getattr(module, "train", None)
    if train is not None and not callable(train):
        train = None
    recall = getattr(module, f"{function_name}_recall", None) or getattr(module, "recall", None)
    return LoadedScheduler(
        name=spec,
        interval=_bind_params(function, params),
        train=train,
        params=params,
        recall=_bind_recall(recall, params),
    )
