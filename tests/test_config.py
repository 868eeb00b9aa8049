"""The settings users edit: defaults, validation messages, and documentation of every key."""

from __future__ import annotations

import json

import pytest
from conftest import REPO_ROOT

from polar_bridge.config import AddonConfig, ConfigError, config_keys, load_config


def test_shipped_config_json_loads_to_the_defaults() -> None:
    shipped = json.loads((REPO_ROOT / "config.json").read_text())
    assert set(shipped) == set(config_keys())
    assert load_config(shipped) == AddonConfig()


def test_every_key_is_documented_in_config_md() -> None:
    doc = (REPO_ROOT / "config.md").read_text()
    missing = [key for key in config_keys() if f"`{key}`" not in doc]
    assert missing == []


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"webBindPort": "8765"}, "'webBindPort' must be an integer"),
        ({"webBindPort": True}, "'webBindPort' must be an integer"),
        ({"webBindPort": 70000}, "between 0 and 65535"),
        ({"apiKey": 5}, "'apiKey' must be a string or null"),
        ({"webCorsOriginList": [1]}, "list of strings"),
        ({"deckStrategy": "random"}, "'deckStrategy' must be one of tags, document"),
        ({"defaultDeck": "  "}, "'defaultDeck' must name a deck"),
        ({"maxRequestBytes": 0}, "'maxRequestBytes' must be a positive"),
    ],
)
def test_bad_values_are_named(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(raw)


def test_after_sync_follows_after_review_unless_set() -> None:
    assert load_config({"rescheduleAfterReview": True}).after_sync_enabled is True
    assert load_config({"rescheduleAfterReview": True, "rescheduleAfterSync": False}).after_sync_enabled is False
    assert load_config({}).after_sync_enabled is False


def test_unknown_keys_from_older_versions_are_ignored() -> None:
    assert load_config({"someOldKey": 1}) == AddonConfig()


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"schedulerByPreset": ["fsrs"]}, "'schedulerByPreset' must be an object"),
        ({"schedulerByPreset": {"Japanese": 3}}, "'schedulerByPreset' must map preset names.*'Japanese'"),
        ({"schedulerByPreset": {"Japanese": "my file.py"}}, r"schedulerByPreset\['Japanese'\].*'my file.py'"),
        ({"scheduler": "mod:"}, "'scheduler' must be a built-in scheduler name or 'module:function'"),
        ({"dueShaping": "yes"}, "'dueShaping' must be true or false"),
    ],
)
def test_bad_scheduling_values_are_named(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(raw)


def test_per_preset_schedulers_and_shaping_load() -> None:
    config = load_config(
        {"scheduler": "example", "schedulerByPreset": {"Japanese": "fsrs", "Math": "mine:ivl"}, "dueShaping": False}
    )
    assert config.scheduler_overrides == {"Japanese": "fsrs", "Math": "mine:ivl"}
    assert config.due_shaping is False
    assert AddonConfig().due_shaping is True


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"webBindPort": 0}, "'webBindPort' must be between 1 and 65535"),
        ({"webBindAddress": "my computer"}, "'webBindAddress' must be an IP address"),
        ({"webCorsOriginList": ["localhost:3000"]}, "'webCorsOriginList': 'localhost:3000' is not a web origin"),
        ({"apiKey": "  "}, "'apiKey' must be null"),
    ],
)
def test_settings_dialog_refuses_what_the_server_cannot_use(raw: dict, message: str) -> None:
    from polar_bridge.config import validate_for_saving

    load_config(raw)  # accepted from a hand-edited config (the server copes), refused by the dialog
    with pytest.raises(ConfigError, match=message):
        validate_for_saving(raw)


def test_settings_dialog_accepts_the_defaults_and_usual_values() -> None:
    from polar_bridge.config import validate_for_saving

    validate_for_saving({})
    validate_for_saving(
        {"webBindAddress": "::1", "webCorsOriginList": ["*", "null", "https://app.example:8443"], "apiKey": "secret"}
    )
