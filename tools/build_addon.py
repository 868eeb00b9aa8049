"""Build ``dist/polar_bridge.ankiaddon`` from the allow-list of tracked product files (``anki_env.PRODUCT_FILES``)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import anki_env


def build(out_dir: Path = anki_env.REPO_ROOT / "dist", root: Path = anki_env.REPO_ROOT) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{anki_env.PACKAGE_NAME}.ankiaddon"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in anki_env.addon_files(root):
            zf.write(root / rel, rel.as_posix())
    return target


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else anki_env.REPO_ROOT / "dist")
    print(path)
