"""The add-on's one logger helper: Anki's add-on logger ``addon.<package>`` and its children.

Anki writes that logger to the add-on's log file (Tools > Add-ons > View logs); a child (``addon.<package>.protocol``)
propagates there too, so domain and transport code log where the user finds it without importing aqt (Anki's
``AddonManager.get_logger`` names it the same way).
"""

from __future__ import annotations

import logging

PACKAGE = __name__.split(".")[0]


def logger(part: str | None = None) -> logging.Logger:
    """The add-on's logger, or its child ``part`` (e.g. "protocol")."""
    return logging.getLogger(f"addon.{PACKAGE}" + (f".{part}" if part else ""))
