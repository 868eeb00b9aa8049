"""Launch real Anki with the add-on on a throwaway dev profile (see tools/dev.sh).

The first run (or ``--reset``) makes the profile with the demo collection of ``tools/demo_profile.py``; later runs
keep the profile as the last session left it and only copy the add-on in afresh (keeping its settings).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import anki_env
import demo_profile

DEFAULT_BASE = anki_env.REPO_ROOT / ".dev-anki"
MARKER = ".polar-bridge-dev-profile"  # marks a base folder this launcher made, so --reset may delete it


def setup(base: Path, lang: str = "en_US", reset: bool = False, seed: int = demo_profile.DEFAULT_SEED) -> bool:
    """Make ``base`` a dev Anki base folder with the demo profile unless it is one already; install the add-on.

    Returns True when the profile was (re)created. ``reset`` deletes the folder first, but only one this launcher
    made (or the default ``.dev-anki``): never a folder holding someone's real profiles.
    """
    if reset and base.exists():
        if not (base / MARKER).exists() and base.resolve() != DEFAULT_BASE.resolve():
            raise SystemExit(f"--reset: {base} was not made by this launcher; delete it yourself if you mean it")
        shutil.rmtree(base)
    created = not (base / "prefs21.db").exists()
    if created:
        anki_env.create_profile(base, "dev", lang)
        demo_profile.create_demo_collection(anki_env.collection_path(base, "dev"), seed, lang)
        (base / MARKER).write_text("made by tools/dev_anki.py; --reset deletes this folder\n", encoding="utf-8")
        anki_env.install_addon(base, config=demo_profile.DEMO_CONFIG)
        return True
    # A fresh copy of the add-on, with the settings the last session saved (Anki keeps them in meta.json).
    meta = base / "addons21" / anki_env.PACKAGE_NAME / "meta.json"
    saved = meta.read_bytes() if meta.exists() else None
    anki_env.install_addon(base)
    if saved is not None:
        meta.write_bytes(saved)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=DEFAULT_BASE, help="Anki base folder")
    parser.add_argument("--lang", default="en_US", help="UI language of a new dev profile, e.g. de_DE")
    parser.add_argument("--reset", action="store_true", help="delete the dev profile and build the demo afresh")
    parser.add_argument("--seed", type=int, default=demo_profile.DEFAULT_SEED, help="seed of a new demo collection")
    parser.add_argument("--setup-only", action="store_true", help="prepare the profile, do not start Anki")
    args = parser.parse_args()
    if setup(args.base, args.lang, args.reset, args.seed):
        print(f"Made the dev profile in {args.base} with the demo collection (seed {args.seed}).")
    elif not (args.base / MARKER).exists():
        print(f"{args.base} predates the demo collection: tools/dev.sh --reset replaces it with the demo profile.")
    if args.setup_only:
        return 0
    env = anki_env.anki_environment()
    if env.get("QT_QPA_PLATFORM") == "offscreen":
        print(
            "No display found: running Anki headless (QT_QPA_PLATFORM=offscreen). "
            "The Connect server still listens on 127.0.0.1:8765."
        )
    proc = subprocess.Popen(anki_env.anki_command(args.base, "dev"), env=env)
    print(f"Anki started (pid {proc.pid}) on {args.base} profile 'dev'. Ctrl+C quits.")
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return anki_env.stop_anki(proc)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    sys.exit(main())
