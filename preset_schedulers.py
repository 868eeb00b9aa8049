"""Which scheduler each card uses: a default plus per-preset overrides, and the list of schedulers to choose from.

Pure domain (no aqt). The config names overrides by deck options preset *name* (``schedulerByPreset``); a card's
preset is the one of its home deck (the original deck while it sits in a filtered deck), as in Anki.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .scheduler import LoadedScheduler

if TYPE_CHECKING:
    from anki.collection import Collection

DEFAULT_PRESET_ID = 1


@dataclass
class PresetSchedulers:
    """The default scheduler and per-preset overrides, resolved to loaded schedulers for one collection."""

    default: LoadedScheduler
    by_preset: dict[int, LoadedScheduler] = field(default_factory=dict)  # preset id -> scheduler
    deck_presets: dict[int, int] = field(default_factory=dict)  # deck id -> preset id
    preset_names: dict[int, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """For titles and the undo step: the scheduler's name, or all of them joined with " + "."""
        return " + ".join(self.names())

    def names(self) -> list[str]:
        return list(dict.fromkeys([self.default.name, *(s.name for s in self.by_preset.values())]))

    def for_deck(self, deck_id: int) -> LoadedScheduler:
        return self.by_preset.get(self.deck_presets.get(deck_id, DEFAULT_PRESET_ID), self.default)

    def presets_using(self, scheduler_name: str) -> list[str]:
        """Names of the presets whose cards use this scheduler (for the preview's groups)."""
        return sorted(
            name
            for pid, name in self.preset_names.items()
            if self.by_preset.get(pid, self.default).name == scheduler_name
        )

    def distinct(self) -> list[LoadedScheduler]:
        seen: dict[str, LoadedScheduler] = {self.default.name: self.default}
        for scheduler in self.by_preset.values():
            seen.setdefault(scheduler.name, scheduler)
        return list(seen.values())

    def deck_ids_using(self, scheduler_name: str) -> list[int]:
        return [
            did
            for did, pid in self.deck_presets.items()
            if self.by_preset.get(pid, self.default).name == scheduler_name
        ]


def scheduler_lookup(scheduler: Any) -> Callable[[int], LoadedScheduler]:
    """deck id -> the scheduler for its cards; a single LoadedScheduler serves every deck."""
    if isinstance(scheduler, PresetSchedulers):
        return scheduler.for_deck
    return lambda _deck_id: scheduler


def presets_and_decks(col: Collection) -> tuple[dict[int, str], dict[int, int]]:
    """(preset id -> name, normal deck id -> preset id)."""
    names = {int(c["id"]): str(c["name"]) for c in col.decks.all_config()}
    decks = {int(d["id"]): int(d.get("conf", DEFAULT_PRESET_ID)) for d in col.decks.all() if not d.get("dyn")}
    return names, decks


def build_preset_schedulers(
    col: Collection, default_spec: str, overrides: Mapping[str, str], load: Callable[[str], LoadedScheduler]
) -> PresetSchedulers:
    """Load the default and every override naming an existing preset (each distinct spec loaded once).

    ``load(spec)`` raises SchedulerLoadError for a scheduler that cannot be loaded; an override naming no preset of
    this collection is ignored (another profile may have that preset).
    """
    names, decks = presets_and_decks(col)
    loaded: dict[str, LoadedScheduler] = {}

    def get(spec: str) -> LoadedScheduler:
        if spec not in loaded:
            loaded[spec] = load(spec)
        return loaded[spec]

    default = get(default_spec)
    by_name = {name: pid for pid, name in names.items()}
    by_preset = {by_name[name]: get(spec) for name, spec in overrides.items() if name in by_name and spec}
    by_preset = {pid: s for pid, s in by_preset.items() if s is not default}
    return PresetSchedulers(default, by_preset, decks, names)


# Listing the schedulers a user can choose
##########################################################################


@dataclass(frozen=True)
class SchedulerChoice:
    """One entry of the settings dialog's scheduler lists."""

    spec: str  # what goes into the config ("fsrs", "my_file:interval"); for a broken file "my_file.py"
    summary: str  # first line of the docstring
    error: str | None = None  # the import error of a file that does not load

    @property
    def usable(self) -> bool:
        return self.error is None


def _first_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].strip().replace("``", "") if doc.strip() else ""


def _interval_functions(module: Any) -> list[tuple[str, Any]]:
    """Public functions defined in the module that take a card (1 or 2 positional parameters), trainers
    (``train``, ``*_train``) and memory models (``recall``, ``*_recall``) excluded."""
    found = []
    for name, obj in vars(module).items():
        helper = name in ("train", "recall") or name.endswith(("_train", "_recall"))
        if name.startswith("_") or helper or not inspect.isfunction(obj):
            continue
        if obj.__module__ != module.__name__:
            continue  # imported helpers are not this file's schedulers
        try:
            params = [
                p
                for p in inspect.signature(obj).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
        except (TypeError, ValueError):
            continue
        if 1 <= len(params) <= 2:
            found.append((name, obj))
    return found


def available_schedulers(user_files: Path) -> list[SchedulerChoice]:
    """The built-ins, then every interval function of every ``*.py`` in ``user_files`` (files that fail to import
    are listed with their error, so the user sees why)."""
    from .schedulers import BUILTINS

    choices = [
        SchedulerChoice(name, _first_line(inspect.getmodule(fn)) or _first_line(fn))
        for name, (fn, _train) in BUILTINS.items()
    ]
    for path in sorted(Path(user_files).glob("*.py")):
        stem = path.stem
        if not stem.isidentifier():
            continue
        unique = f"_polar_bridge_listing_{stem}_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # noqa: BLE001 - a user's file may raise anything, even SystemExit
            choices.append(SchedulerChoice(path.name, "", f"{type(exc).__name__}: {exc}"))
            continue
        finally:
            sys.modules.pop(unique, None)
        for name, fn in _interval_functions(module):
            choices.append(SchedulerChoice(f"{stem}:{name}", _first_line(fn) or _first_line(module)))
    return choices
