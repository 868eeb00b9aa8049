"""The GUI's one door to the add-on's settings, folders and logger (everything that needs ``mw.addonManager``).

Other GUI modules read the config through :func:`current_config` only, so a user's edit in Tools > Add-ons >
Config takes effect at the next action without a restart.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from .. import addon_log
from ..config import AddonConfig, load_config
from .state import AddonState

# The add-on's module name as Anki imported it (an AnkiWeb number or "polar_bridge"); config, logger and
# folders are keyed by it.
ADDON_MODULE = __name__.split(".")[0]
TRAINED_PARAMS_FILE = "trained_params.json"


def _mw() -> Any:
    from aqt import mw

    assert mw is not None, "the rescheduling GUI needs Anki's main window"
    return mw


def current_config() -> AddonConfig:
    """The validated config; raises ConfigError naming the bad key (callers show it to the user)."""
    return load_config(_mw().addonManager.getConfig(ADDON_MODULE))


def logger() -> logging.Logger:
    """The add-on's log (Tools > Add-ons > View logs)."""
    return addon_log.logger()


def addon_dir() -> Path:
    return Path(_mw().addonManager.addonsFolder(ADDON_MODULE))


def user_files_dir() -> Path:
    """Where user plug-ins and trained parameters live; Anki keeps this folder across add-on updates."""
    path = addon_dir() / "user_files"
    path.mkdir(exist_ok=True)
    return path


def read_trained_params(user_files: Path, scheduler_spec: str) -> dict | None:
    """Parameters a previous Tools > Train scheduler stored for this scheduler, or None."""
    path = user_files / TRAINED_PARAMS_FILE
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger().warning("ignoring unreadable %s: %s", path, exc)
        return None
    params = stored.get(scheduler_spec) if isinstance(stored, dict) else None
    return params if isinstance(params, dict) else None


def write_trained_params(user_files: Path, scheduler_spec: str, params: dict) -> Path:
    """Store trained parameters for one scheduler (others' stay); written atomically via a temp file."""
    path = user_files / TRAINED_PARAMS_FILE
    stored: dict = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            stored = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            stored = {}
    stored[scheduler_spec] = params
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(stored, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def load_spec(state: AddonState, spec: str) -> Any:
    """One scheduler by its spec, with its trained parameters if any (cached in ``state`` until its file or the
    trained parameters change). Raises SchedulerLoadError naming the plug-in."""
    from ..schedulers import load_scheduler

    user_files = user_files_dir()
    key = _cache_key(spec, user_files)
    cache = state.scheduler_cache
    scheduler = cache.get(key)
    if scheduler is None:
        for stale in [k for k in cache if k[0] == spec]:
            del cache[stale]
        scheduler = load_scheduler(spec, user_files, read_trained_params(user_files, spec))
        cache[key] = scheduler
    return scheduler


def load_configured_scheduler(state: AddonState, config: AddonConfig | None = None) -> Any:
    """The schedulers the config names for the open collection: the default plus per-preset overrides
    (a `preset_schedulers.PresetSchedulers`, which the engine and every action take as "the scheduler").

    Raises SchedulerLoadError (or ConfigError) with a message naming the plug-in; callers show it.
    """
    from ..preset_schedulers import build_preset_schedulers

    config = config or current_config()
    return build_preset_schedulers(
        _mw().col, config.scheduler, config.scheduler_overrides, lambda spec: load_spec(state, spec)
    )


def _cache_key(spec: str, user_files: Path) -> tuple:
    """Reload a plug-in when its trained parameters or its file change."""
    watched = [user_files / TRAINED_PARAMS_FILE]
    if ":" in spec:
        watched.append(user_files / (spec.split(":", 1)[0].strip() + ".py"))
    return (spec, *(p.stat().st_mtime_ns if p.exists() else 0 for p in watched))


def cached_scheduler(state: AddonState, config: AddonConfig) -> Any:
    """Like load_configured_scheduler; the plug-ins themselves are loaded once and reused (see load_spec)."""
    return load_configured_scheduler(state, config)


def save_config(raw: dict) -> None:
    """Store the add-on's config (the dialog validated it first)."""
    _mw().addonManager.writeConfig(ADDON_MODULE, raw)


def raw_config() -> dict:
    return dict(_mw().addonManager.getConfig(ADDON_MODULE) or {})


def set_active_scheduler(spec: str) -> None:
    """Make ``spec`` the default scheduler (``scheduler``; per-preset overrides stay), e.g. from Compare."""
    config = raw_config()
    config["scheduler"] = spec
    load_config(config)  # refuse to write settings this version would not accept
    save_config(config)
