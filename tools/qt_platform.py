"""Check that Qt can open Anki's window on this session, and install or name the system libraries it lacks.

Anki runs on the Qt platform plugin of the session it starts in: ``xcb`` when there is an X display (``$DISPLAY``;
Anki itself prefers X11 over Wayland), ``wayland`` on a Wayland-only session, else headless ``offscreen`` (what
``anki_env.anki_environment`` picks with no display). The pip wheels of Qt bring the plugins but not every system
library a plugin links to (a minimal Debian lacks ``libxcb-cursor0``, ``libxcb-icccm4``, …), and then Anki dies at
start with "Could not load the Qt platform plugin". This module starts a tiny ``QGuiApplication`` on the session's
platform in a child process (a plugin that fails to load aborts the process), and when that fails lists the
libraries the plugin cannot find (``ldd``) as Debian packages: ``--install`` installs them with apt-get when run
as root, else the exact command is printed.

    .venv/bin/python tools/qt_platform.py [--install] [--platform xcb]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Shared libraries Qt's platform plugins link to -> the Debian package that ships each (bookworm and trixie).
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXext.so.6": "libxext6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}

PROBE = (
    "import sys\nfrom PyQt6.QtGui import QGuiApplication\napp = QGuiApplication(sys.argv[:1])\n"
    "print(app.platformName())\n"
)


@dataclass
class Check:
    """What the probe found for one platform."""

    platform: str
    loaded: bool
    qt_output: str = ""
    missing: list[str] = field(default_factory=list)  # sonames ldd cannot find

    @property
    def packages(self) -> list[str]:
        return sorted({DEBIAN_PACKAGES[name] for name in self.missing if name in DEBIAN_PACKAGES})

    @property
    def unknown(self) -> list[str]:
        return [name for name in self.missing if name not in DEBIAN_PACKAGES]


def session_platform(env: dict[str, str] | None = None) -> str:
    """The Qt platform Anki will use in this environment (as aqt and anki_env choose it)."""
    env = dict(os.environ) if env is None else env
    explicit = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if explicit:
        return explicit
    if env.get("DISPLAY"):
        return "xcb"
    if env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "offscreen"


def plugin_path(platform: str) -> Path:
    from PyQt6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    return plugins / "platforms" / f"libq{platform}.so"


def missing_libraries(library: Path) -> list[str]:
    """Sonames that the dynamic loader cannot find for ``library`` or anything it links to (per ``ldd``)."""
    if not library.exists() or not shutil.which("ldd"):
        return []
    out = subprocess.run(["ldd", str(library)], capture_output=True, text=True).stdout
    names = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
    return sorted(set(names))


def probe(platform: str, env: dict[str, str] | None = None, python: str = sys.executable) -> Check:
    """Start a QGuiApplication on ``platform`` in a child process; on failure, name the missing libraries."""
    child_env = dict(os.environ) if env is None else dict(env)
    child_env["QT_QPA_PLATFORM"] = platform
    try:
        result = subprocess.run([python, "-c", PROBE], env=child_env, capture_output=True, text=True, timeout=120)
        output = (result.stdout + result.stderr).strip()
        loaded = result.returncode == 0 and result.stdout.strip().splitlines()[-1:] == [platform]
    except subprocess.TimeoutExpired:
        output, loaded = "the probe did not finish within 120 s", False
    if loaded:
        return Check(platform, True, output)
    return Check(platform, False, output, missing_libraries(plugin_path(platform)))


def apt_install(packages: list[str]) -> bool:
    """Install Debian packages when this process may (root with apt-get); True when apt-get succeeded."""
    if not packages or not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"Installing the system libraries Qt's platform plugin needs: {' '.join(packages)}")
    update = subprocess.run(["apt-get", "update", "-qq"], env=env)
    install = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, stdout=subprocess.DEVNULL)
    return update.returncode == 0 and install.returncode == 0


def advice(check: Check) -> str:
    """What the user must do when the platform plugin does not load."""
    lines = [f'Qt cannot load its "{check.platform}" platform plugin, so Anki cannot start on this session.']
    if check.missing:
        lines.append("Missing system libraries: " + ", ".join(check.missing))
    if check.packages:
        lines += ["Install them with:", "    sudo apt-get install " + " ".join(check.packages)]
    if check.unknown:
        lines.append("Also install the packages that provide: " + ", ".join(check.unknown))
    if not check.missing:
        lines += ["Qt said:", check.qt_output or "(nothing)"]
    if check.platform != "offscreen":
        lines.append("Or run Anki headless (no window): env -u DISPLAY -u WAYLAND_DISPLAY tools/dev.sh")
    return "\n".join(lines)


def ensure(platform: str, install: bool, env: dict[str, str] | None = None) -> Check:
    """Probe; when libraries are missing and ``install`` is allowed, install them and probe again."""
    check = probe(platform, env)
    if not check.loaded and install and check.packages and apt_install(check.packages):
        check = probe(platform, env)
    return check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", help="Qt platform to check (default: the one this session gives Anki)")
    parser.add_argument("--install", action="store_true", help="install missing libraries with apt-get as root")
    args = parser.parse_args(argv)
    platform = args.platform or session_platform()
    check = ensure(platform, args.install)
    if not check.loaded:
        print(advice(check), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
