"""Create throwaway Anki base folders with the add-on installed, and start real Anki in them.

Used by the dev launcher (`tools/dev.sh`), the end-to-end tests and the benchmarks, so all three run the add-on
exactly as a user's Anki would: copied into ``<base>/addons21/<package>/`` and loaded at profile open.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "polar_bridge"

# The add-on is built from an allow-list of files tracked by git: nothing untracked (a developer's .dev-anki/
# profile, caches, build output) and nothing for development (tests, tools, benchmarks) can slip in.
PRODUCT_FILES = (
    "*.py",
    "actions/*.py",
    "gui/*.py",
    "schedulers/*.py",
    "schedulers/_vendor/*.py",
    "schedulers/_vendor/fsrs/*.py",
    "schedulers/_vendor/fsrs/LICENSE",
    "manifest.json",
    "config.json",
    "config.md",
    "LICENSE",
    "user_files/README.txt",
    "user_files/example_scheduler.py",
)
TEST_DRIVER = REPO_ROOT / "tests" / "driver_addon"


def register_package() -> None:
    """Import the repository as the package ``polar_bridge`` outside Anki (tools, benchmarks): it uses relative
    imports, as installed add-ons do."""
    import importlib.util

    if PACKAGE_NAME in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        PACKAGE_NAME, REPO_ROOT / "__init__.py", submodule_search_locations=[str(REPO_ROOT)]
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE_NAME] = module
    spec.loader.exec_module(module)


TEST_DRIVER_PACKAGE = "polar_bridge_test_driver"


def tracked_files(root: Path = REPO_ROOT) -> list[str]:
    """Files git tracks under ``root`` (posix paths); without git (an unpacked source tarball) every file."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True, capture_output=True)
        return [name for name in out.stdout.decode("utf-8").split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]


def _allowed(rel: str) -> bool:
    from fnmatch import fnmatchcase

    # "*" must not cross folders: compare path depth too.
    return any(fnmatchcase(rel, pattern) and rel.count("/") == pattern.count("/") for pattern in PRODUCT_FILES)


def addon_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every file of the add-on package, relative to ``root``: tracked files on the allow-list that exist."""
    return sorted(Path(rel) for rel in tracked_files(root) if _allowed(rel) and (root / rel).is_file())


def install_addon(base: Path, root: Path = REPO_ROOT, config: dict | None = None) -> Path:
    """Copy the add-on into ``base/addons21/<package>`` (replacing an older copy) and return that folder.

    ``config`` overrides keys of ``config.json`` the way a user's edits would (stored in meta.json).
    """
    target = base / "addons21" / PACKAGE_NAME
    if target.exists():
        shutil.rmtree(target)
    for rel in addon_files(root):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dest)
    if config:
        defaults = json.loads((root / "config.json").read_text(encoding="utf-8"))
        defaults.update(config)
        (target / "meta.json").write_text(json.dumps({"config": defaults}), encoding="utf-8")
    return target


def install_test_driver(base: Path) -> Path:
    """Install the tests' driver add-on (tests/driver_addon) beside the product; only tests call this."""
    target = base / "addons21" / TEST_DRIVER_PACKAGE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(TEST_DRIVER, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def create_profile(base: Path, profile: str = "dev", lang: str = "en_US") -> None:
    """Make an Anki base folder with one profile, as Anki's first-run screens would.

    Runs in a child process: ProfileManager needs Qt classes and sets global i18n state.
    """
    code = f"""
import sys
from pathlib import Path
from aqt.profiles import ProfileManager
pm = ProfileManager(Path({str(base)!r}))
pm.setupMeta()
pm.setLang({lang!r})
pm.create({profile!r})
pm.load({profile!r})
pm.meta["firstRun"] = False
pm.save()
"""
    base.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", code], check=True, env=anki_environment())


def anki_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a headless Anki: offscreen Qt when there is no display, unique single-instance key."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            env["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()
    # A second Anki with the same key hands its arguments to the first one and exits.
    env["ANKI_SINGLE_INSTANCE_KEY"] = "polar-bridge-" + uuid.uuid4().hex
    env.setdefault("ANKI_NOHIGHDPI", "1")
    if extra:
        env.update(extra)
    return env


def anki_command(base: Path, profile: str = "dev") -> list[str]:
    """The command line that starts Anki on ``base``/``profile`` with the venv's Anki."""
    launcher = Path(sys.executable).with_name("anki")
    return [str(launcher), "-b", str(base), "-p", profile]


def start_anki(
    base: Path, profile: str = "dev", log_path: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start a real Anki process (not waiting for it)."""
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    return subprocess.Popen(
        anki_command(base, profile),
        env=anki_environment(extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_anki(proc: subprocess.Popen, timeout: float = 60) -> int:
    """SIGTERM makes Anki close the profile and collection cleanly; kill only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    return proc.returncode


def collection_path(base: Path, profile: str = "dev") -> Path:
    return base / profile / "collection.anki2"


def wait_for_port(host: str, port: int, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    """Wait until something accepts TCP connections on host:port (Anki's start-up takes several seconds)."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"Anki exited with code {proc.returncode} before {host}:{port} opened")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listened on {host}:{port} within {timeout} s")
