"""The add-on's settings: one typed, validated view of ``config.json`` plus the user's edits.

Pure Python (no aqt): the GUI glue passes ``mw.addonManager.getConfig(__name__)`` to :func:`load_config`,
tests pass plain dicts. Every key is documented in ``config.md``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024 * 1024


class ConfigError(ValueError):
    """A config value has the wrong type or range; the message names the key and what is expected."""


@dataclass(frozen=True)
class AddonConfig:
    # --- Connect server (AnkiConnect-compatible names) ---
    web_bind_address: str = "127.0.0.1"
    web_bind_port: int = 8765
    web_cors_origin_list: tuple[str, ...] = ("http://localhost",)
    # Local pages always trusted; an entry without a port matches every port (Anki's own pages excepted).
    trusted_local_origins: tuple[str, ...] = ("http://localhost", "http://127.0.0.1")
    # Anki's own pages (card templates run scripts there) may call the server only when this is true.
    allow_anki_pages: bool = False
    api_key: str | None = None
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    # --- Where pushed cards land ---
    default_deck: str = "Default"
    deck_tag_prefix: str = "deck:"
    deck_strategy: str = "tags"  # "tags" | "document"
    update_existing: bool = False
    # --- Scheduling ---
    scheduler: str = "anki"
    # preset name -> scheduler spec, for presets that do not use `scheduler`; read it through `scheduler_overrides`
    scheduler_by_preset: tuple[tuple[str, str], ...] = ()
    due_shaping: bool = True
    reschedule_after_review: bool = False
    # None means "same as reschedule_after_review"; read it through `after_sync_enabled`.
    reschedule_after_sync: bool | None = None
    show_preview: bool = True
    show_plugin_intervals_on_buttons: bool = True

    @property
    def scheduler_overrides(self) -> dict[str, str]:
        return dict(self.scheduler_by_preset)

    @property
    def after_sync_enabled(self) -> bool:
        if self.reschedule_after_sync is None:
            return self.reschedule_after_review
        return self.reschedule_after_sync


# config.json key -> (dataclass field, accepted python types)
_KEYS: dict[str, tuple[str, tuple[type, ...]]] = {
    "webBindAddress": ("web_bind_address", (str,)),
    "webBindPort": ("web_bind_port", (int,)),
    "webCorsOriginList": ("web_cors_origin_list", (list, tuple)),
    "trustedLocalOrigins": ("trusted_local_origins", (list, tuple)),
    "allowAnkiPages": ("allow_anki_pages", (bool,)),
    "apiKey": ("api_key", (str, type(None))),
    "maxRequestBytes": ("max_request_bytes", (int,)),
    "defaultDeck": ("default_deck", (str,)),
    "deckTagPrefix": ("deck_tag_prefix", (str,)),
    "deckStrategy": ("deck_strategy", (str,)),
    "updateExisting": ("update_existing", (bool,)),
    "scheduler": ("scheduler", (str,)),
    "schedulerByPreset": ("scheduler_by_preset", (dict,)),
    "dueShaping": ("due_shaping", (bool,)),
    "rescheduleAfterReview": ("reschedule_after_review", (bool,)),
    "rescheduleAfterSync": ("reschedule_after_sync", (bool, type(None))),
    "showPreview": ("show_preview", (bool,)),
    "showPluginIntervalsOnButtons": ("show_plugin_intervals_on_buttons", (bool,)),
}

DECK_STRATEGIES = ("tags", "document")


def _check_type(key: str, value: Any, types: tuple[type, ...]) -> None:
    # bool is an int in Python; a port of `true` is a mistake, not 1.
    if isinstance(value, bool) and bool not in types:
        raise ConfigError(f"config key {key!r} must be {_type_names(types)}, not {value!r}")
    if not isinstance(value, types):
        raise ConfigError(f"config key {key!r} must be {_type_names(types)}, not {value!r}")


def _type_names(types: tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        bool: "true or false",
        list: "a list",
        tuple: "a list",
        dict: "an object",
        type(None): "null",
    }
    return " or ".join(dict.fromkeys(names[t] for t in types))


def load_config(raw: Mapping[str, Any] | None) -> AddonConfig:
    """Validate the user's config and return it typed; unknown keys are ignored (older versions' leftovers).

    Raises ConfigError naming the first bad key, so the GUI can tell the user exactly what to fix.
    """
    values: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        if key not in _KEYS:
            continue
        attr, types = _KEYS[key]
        _check_type(key, value, types)
        values[attr] = value
    for attr, key in (("web_cors_origin_list", "webCorsOriginList"), ("trusted_local_origins", "trustedLocalOrigins")):
        if attr in values:
            origins = values[attr]
            if not all(isinstance(o, str) for o in origins):
                raise ConfigError(f"config key '{key}' must be a list of strings")
            values[attr] = tuple(origins)
    port = values.get("web_bind_port", AddonConfig.web_bind_port)
    if not 0 <= port <= 65535:
        raise ConfigError(f"config key 'webBindPort' must be between 0 and 65535, not {port}")
    if values.get("max_request_bytes", 1) <= 0:
        raise ConfigError("config key 'maxRequestBytes' must be a positive number of bytes")
    if values.get("deck_strategy", "tags") not in DECK_STRATEGIES:
        raise ConfigError(f"config key 'deckStrategy' must be one of {', '.join(DECK_STRATEGIES)}")
    if "default_deck" in values and not values["default_deck"].strip():
        raise ConfigError("config key 'defaultDeck' must name a deck")
    if "scheduler" in values:
        _check_scheduler_spec("scheduler", values["scheduler"])
    if "scheduler_by_preset" in values:
        overrides = values["scheduler_by_preset"]
        for preset, spec in overrides.items():
            if not isinstance(spec, str):
                raise ConfigError(
                    f"config key 'schedulerByPreset' must map preset names to scheduler names; "
                    f"{preset!r} maps to {spec!r}"
                )
            _check_scheduler_spec(f"schedulerByPreset[{preset!r}]", spec)
        values["scheduler_by_preset"] = tuple(sorted(overrides.items()))
    return AddonConfig(**values)


def _check_scheduler_spec(key: str, spec: str) -> None:
    """A built-in name or "module:function" (whether it loads is checked when it is used, with its own error)."""
    module, colon, function = spec.strip().partition(":")
    if module.isidentifier() and (not colon or function.strip().isidentifier()):
        return
    raise ConfigError(f"config key {key!r} must be a built-in scheduler name or 'module:function', not {spec!r}")


def validate_for_saving(raw: Mapping[str, Any]) -> AddonConfig:
    """`load_config` plus the stricter checks the settings dialog applies before it saves: a real port, an IP
    address (or localhost) to bind to, web origins written as ``scheme://host[:port]`` (or ``*`` / ``null``), and
    no blank API key. Raises ConfigError naming the key."""
    config = load_config(raw)
    if not 1 <= config.web_bind_port <= 65535:
        raise ConfigError(f"config key 'webBindPort' must be between 1 and 65535, not {config.web_bind_port}")
    address = config.web_bind_address.strip()
    if address != "localhost":
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(
                f"config key 'webBindAddress' must be an IP address such as 127.0.0.1, not {config.web_bind_address!r}"
            ) from None
    for origin in config.web_cors_origin_list:
        if origin not in ("*", "null") and not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"config key 'webCorsOriginList': {origin!r} is not a web origin like http://localhost:3000"
            )
    for origin in config.trusted_local_origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"config key 'trustedLocalOrigins': {origin!r} is not a web origin like http://localhost:3000"
            )
    if config.api_key is not None and not config.api_key.strip():
        raise ConfigError("config key 'apiKey' must be null (no key) or a non-blank key")
    return config


_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:?#]+(:\d{1,5})?", re.IGNORECASE)


def config_keys() -> list[str]:
    """The config.json keys this version understands (tests check each is documented in config.md)."""
    return list(_KEYS)


assert {f.name for f in fields(AddonConfig)} == {attr for attr, _ in _KEYS.values()}, "config keys out of sync"
