"""The add-on's settings: one typed, validated view of ``config.json`` plus the user's edits.

Pure Python (no aqt): the GUI glue passes ``mw.addonManager.getConfig(__name__)`` to :func:`load_config`,
tests pass plain dicts. Every key is documented in ``config.md``.
"""

from __future__ import annotations

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
    api_key: str | None = None
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    # --- Where pushed cards land ---
    default_deck: str = "Default"
    deck_tag_prefix: str = "deck:"
    deck_strategy: str = "tags"  # "tags" | "document"
    update_existing: bool = False
    # --- Scheduling ---
    scheduler: str = "anki"
    reschedule_after_review: bool = False
    # None means "same as reschedule_after_review"; read it through `after_sync_enabled`.
    reschedule_after_sync: bool | None = None
    show_preview: bool = True
    show_plugin_intervals_on_buttons: bool = True

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
    "apiKey": ("api_key", (str, type(None))),
    "maxRequestBytes": ("max_request_bytes", (int,)),
    "defaultDeck": ("default_deck", (str,)),
    "deckTagPrefix": ("deck_tag_prefix", (str,)),
    "deckStrategy": ("deck_strategy", (str,)),
    "updateExisting": ("update_existing", (bool,)),
    "scheduler": ("scheduler", (str,)),
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
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list",
             tuple: "a list", type(None): "null"}
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
    if "web_cors_origin_list" in values:
        origins = values["web_cors_origin_list"]
        if not all(isinstance(o, str) for o in origins):
            raise ConfigError("config key 'webCorsOriginList' must be a list of strings")
        values["web_cors_origin_list"] = tuple(origins)
    port = values.get("web_bind_port", AddonConfig.web_bind_port)
    if not 0 <= port <= 65535:
        raise ConfigError(f"config key 'webBindPort' must be between 0 and 65535, not {port}")
    if values.get("max_request_bytes", 1) <= 0:
        raise ConfigError("config key 'maxRequestBytes' must be a positive number of bytes")
    if values.get("deck_strategy", "tags") not in DECK_STRATEGIES:
        raise ConfigError(f"config key 'deckStrategy' must be one of {', '.join(DECK_STRATEGIES)}")
    if "default_deck" in values and not values["default_deck"].strip():
        raise ConfigError("config key 'defaultDeck' must name a deck")
    return AddonConfig(**values)


def config_keys() -> list[str]:
    """The config.json keys this version understands (tests check each is documented in config.md)."""
    return list(_KEYS)


assert {f.name for f in fields(AddonConfig)} == {attr for attr, _ in _KEYS.values()}, "config keys out of sync"
