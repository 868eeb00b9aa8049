"""The release package holds the product files only: built from an allow-list of tracked files, so a
developer's profile (.dev-anki/), user plug-ins, tests and the test driver never ship."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import anki_env
import build_addon

REPO = anki_env.REPO_ROOT


def test_package_holds_exactly_the_product_files(tmp_path):
    # Untracked files a developer really has: the dev profile tools/dev.sh makes, and an own plug-in.
    strays = [
        REPO / ".dev-anki" / "dev" / "polar-bridge-build-test.anki2",
        REPO / "user_files" / "zz_build_test.py",
        REPO / "zz_build_test.py",
    ]
    made = [p for p in strays if not p.exists()]
    for path in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("private", encoding="utf-8")
    try:
        package = build_addon.build(tmp_path)
    finally:
        for path in made:
            path.unlink()
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
    assert {
        "__init__.py",
        "manifest.json",
        "config.json",
        "config.md",
        "LICENSE",
        "connect_server.py",
        "actions/notes.py",
        "gui/ops.py",
        "schedulers/_vendor/fsrs/LICENSE",
        "user_files/example_scheduler.py",
        "user_files/README.txt",
    } <= names
    assert not [n for n in names if n.startswith((".dev-anki/", "tests/", "tools/", "bench/", ".ci/", "dist/"))]
    assert not [n for n in names if "zz_build_test" in n or "test_hook" in n or "driver" in n]
    assert not [n for n in names if n.endswith((".pyc", ".ankiaddon", ".anki2"))]
    # Everything in it is on the allow-list and tracked by git.
    assert names == {p.as_posix() for p in anki_env.addon_files()}
    manifest = json.loads(Path(REPO / "manifest.json").read_text())
    assert manifest["package"] == anki_env.PACKAGE_NAME
