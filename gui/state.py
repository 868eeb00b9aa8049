"""The add-on's state while Anki runs, in one object that the package's ``setup()`` creates.

Hooks and menu actions are connected with this object bound to them, so no module keeps mutable globals: the
running server, message boxes kept alive, the Tools menu actions, the open preview, the loaded scheduler and what a
sync in progress started from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..connect_server import ConnectServer
    from ..sync_detect import SyncMarker


@dataclass
class AddonState:
    # --- Connect server ---
    server: ConnectServer | None = None
    messages: list[Any] = field(default_factory=list)  # non-modal warning boxes, kept referenced until closed
    # --- Rescheduling GUI ---
    menu_actions: dict[str, Any] = field(default_factory=dict)  # Tools menu text -> QAction
    current_preview: Any = None  # the open preview dialog (kept referenced so Qt doesn't collect it)
    current_dialog: Any = None  # the open settings dialog (likewise)
    current_compare: Any = None  # the open Compare schedulers dialog (likewise)
    warned_schedulers: set[str] = field(default_factory=set)  # after-review failures already shown this session
    scheduler_cache: dict[tuple, Any] = field(default_factory=dict)  # one loaded scheduler, keyed by what it reads
    sync_marker: SyncMarker | None = None  # the review log's state when the running sync started
