"""Build ``dist/polar_bridge.ankiaddon``: the add-on files only (no tests, benchmarks, tools, caches)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import anki_env


def build(out_dir: Path = anki_env.REPO_ROOT / "dist") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{anki_env.PACKAGE_NAME}.ankiaddon"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in anki_env.addon_files():
            # user_files/ ships only its README and example; a user's own files must survive updates.
            if rel.parts[0] == "user_files" and rel.name not in ("README.txt", "example_scheduler.py"):
                continue
            zf.write(anki_env.REPO_ROOT / rel, rel.as_posix())
    return target


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else anki_env.REPO_ROOT / "dist")
    print(path)
