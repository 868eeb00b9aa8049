"""Shared fixtures.

The repository root is the add-on package and uses relative imports, so tests import it under its package name
``polar_bridge`` (registered here from the repository root), exactly as Anki imports an installed add-on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))

PACKAGE = "polar_bridge"
import anki_env  # noqa: E402 (tools/ is on the path only from here on)

anki_env.register_package()


@pytest.fixture
def col(tmp_path: Path):
    """A real, empty Anki collection on a temp file (English stock note types)."""
    from anki.collection import Collection

    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        yield collection
    finally:
        collection.close()


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningAnki:
    """A real Anki process with the add-on installed, on its own throwaway base folder."""

    def __init__(self, base: Path, proc, port: int, log_path: Path) -> None:
        self.base, self.proc, self.port, self.log_path = base, proc, port, log_path

    @property
    def collection_path(self) -> Path:
        import anki_env

        return anki_env.collection_path(self.base)

    def log(self) -> str:
        """Anki's output, then its faulthandler dump (crash.log in the base folder) when a crash left one."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        crash = self.base / "crash.log"
        if crash.exists() and crash.stat().st_size:
            text += "\n--- crash.log ---\n" + crash.read_text(errors="replace")
        return text

    def stop(self) -> int:
        import anki_env

        return anki_env.stop_anki(self.proc)


@pytest.fixture
def start_anki(tmp_path: Path, free_port: int):
    """Factory: ``start_anki(config={...}, lang="de_DE", wait_port=True)`` -> RunningAnki.

    The add-on's ``webBindPort`` is set to a free port so tests can run beside each other (and beside a user's
    Anki on 8765). Every process started is SIGTERMed at teardown.
    """
    import anki_env

    started: list[RunningAnki] = []

    def factory(
        config: dict | None = None,
        lang: str = "en_US",
        wait_port: bool = True,
        base: Path | None = None,
        extra_env: dict | None = None,
    ) -> RunningAnki:
        base = base or tmp_path / f"anki{len(started)}"
        if not (base / "prefs21.db").exists():
            anki_env.create_profile(base, "dev", lang)
        cfg = {"webBindPort": free_port}
        cfg.update(config or {})
        anki_env.install_addon(base, config=cfg)
        log_path = base / "anki.log"
        proc = anki_env.start_anki(base, "dev", log_path, extra_env=extra_env)
        running = RunningAnki(base, proc, cfg["webBindPort"], log_path)
        started.append(running)
        if wait_port:
            try:
                anki_env.wait_for_port("127.0.0.1", running.port, proc)
            except Exception as exc:
                raise AssertionError(f"{exc}\n--- Anki log ---\n{running.log()}") from exc
        return running

    yield factory
    for running in started:
        running.stop()
