"""The launcher's check that Qt can open Anki on this session: headless always; on a real X display (a virtual one,
Xvfb, when installed) a real Anki opens its window through the xcb plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anki_env
import pytest
import qt_platform
from gui_helpers import run_script_in_anki

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A virtual X display (Debian package xvfb); the test is skipped where it is not installed."""
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    try:
        assert number, "Xvfb did not report its display"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_session_decides_the_platform_as_anki_does():
    assert qt_platform.session_platform(anki_env.anki_environment({"DISPLAY": ""})) == "offscreen"
    assert qt_platform.session_platform({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}) == "xcb"
    assert qt_platform.session_platform({"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert qt_platform.session_platform({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}) == "offscreen"


def test_headless_platform_loads_for_the_test_suite():
    check = qt_platform.probe("offscreen")
    assert check.loaded and "offscreen" in check.qt_output.splitlines()
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "qt_platform.py"), "--platform", "offscreen"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and not result.stderr


def test_a_display_without_a_server_is_reported_with_what_qt_said():
    check = qt_platform.probe("xcb", dict(os.environ, DISPLAY=":987"))  # no X server there
    assert not check.loaded
    if check.missing:  # this machine lacks xcb libraries: they are named as Debian packages
        assert check.packages and "sudo apt-get install " + " ".join(check.packages) in qt_platform.advice(check)
    else:
        assert "could not connect to display" in check.qt_output.lower()
        assert "could not connect to display" in qt_platform.advice(check).lower()
    assert "env -u DISPLAY" in qt_platform.advice(check)


def test_on_an_x_display_the_check_passes_or_names_the_packages(xvfb: str):
    env = dict(os.environ, DISPLAY=xvfb)
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "qt_platform.py")], env=env, capture_output=True, text=True, timeout=120
    )
    check = qt_platform.probe("xcb", env)
    if check.loaded:
        assert result.returncode == 0 and not result.stderr
    else:  # the libraries ldd cannot find, as the apt-get command that installs them
        assert result.returncode == 1 and check.missing
        assert "sudo apt-get install " + " ".join(check.packages) in result.stderr


@pytest.mark.e2e
def test_anki_opens_its_window_on_an_x_display(xvfb: str, start_anki, tmp_path: Path):
    env = dict(os.environ, DISPLAY=xvfb)
    env.pop("QT_QPA_PLATFORM", None)
    if not qt_platform.probe("xcb", env).loaded:
        pytest.skip("Qt's xcb plugin lacks system libraries here (tools/qt_platform.py --install adds them)")

    def on_display(**kwargs):
        extra = dict(kwargs.pop("extra_env", None) or {}, DISPLAY=xvfb, QT_QPA_PLATFORM="xcb")
        return start_anki(extra_env=extra, **kwargs)

    results, _running = run_script_in_anki(
        on_display,
        tmp_path,
        """
        from aqt.qt import QGuiApplication
        wait_until(lambda: mw.isVisible() and mw.windowHandle() is not None, what="the main window")
        pump(0.5)
        results["platform"] = QGuiApplication.platformName()
        results["visible"] = mw.isVisible()
        results["screen"] = [mw.screen().size().width(), mw.screen().size().height()]
        finish()
        """,
    )
    assert results["platform"] == "xcb" and results["visible"]
    assert results["screen"] == [1280, 900]  # the window is on the Xvfb screen
