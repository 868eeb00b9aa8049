"""Launch real Anki with the add-on on a throwaway dev profile (see tools/dev.sh)."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

import anki_env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", type=Path, default=anki_env.REPO_ROOT / ".dev-anki", help="Anki base folder")
    parser.add_argument("--lang", default="en_US", help="UI language of a new dev profile, e.g. de_DE")
    args = parser.parse_args()
    if not (args.base / "prefs21.db").exists():
        anki_env.create_profile(args.base, "dev", args.lang)
    anki_env.install_addon(args.base)
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
