"""The built .ankiaddon installs through Anki's own add-on manager and then serves in a real Anki."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import anki_env
import build_addon
import pytest
from server_helpers import invoke

pytestmark = pytest.mark.e2e

# Anki's AddonManager needs only these parts of the main window to install a file.
INSTALL_SCRIPT = textwrap.dedent("""
    import json, sys
    from types import SimpleNamespace
    from aqt.addons import AddonManager, InstallOk

    addons_dir, package_path, port, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    mw = SimpleNamespace(
        form=SimpleNamespace(actionAdd_ons=SimpleNamespace(triggered=SimpleNamespace(connect=lambda f: None))),
        pm=SimpleNamespace(addonFolder=lambda: addons_dir),
    )
    manager = AddonManager(mw)
    # AnkiWeb installs under a number instead of the manifest's package name; the manifest override does that.
    result = manager.install(package_path, manifest={"package": folder} if folder != "polar_bridge" else None)
    assert isinstance(result, InstallOk), result
    package = folder
    config = manager.getConfig(package)
    config["webBindPort"] = port
    manager.writeConfig(package, config)
    print(json.dumps({"name": result.name, "compatible": result.compatible, "package": package}))
""")


@pytest.mark.parametrize("folder", ["polar_bridge", "1234567890"])
def test_built_addon_installs_with_anki_addon_manager_and_serves(tmp_path, free_port, folder):
    package_path = build_addon.build(tmp_path / "dist")
    base = tmp_path / "anki"
    anki_env.create_profile(base, "dev", "en_US")
    addons_dir = base / "addons21"
    addons_dir.mkdir(exist_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", INSTALL_SCRIPT, str(addons_dir), str(package_path), str(free_port), folder],
        check=True,
        capture_output=True,
        text=True,
        env=anki_env.anki_environment(),
    )
    installed = json.loads(out.stdout.strip().splitlines()[-1])
    assert installed["compatible"] is True and installed["package"] == folder
    assert (addons_dir / installed["package"] / "__init__.py").exists()
    assert not (addons_dir / installed["package"] / "tests").exists()

    log_path = base / "anki.log"
    proc = anki_env.start_anki(base, "dev", log_path)
    try:
        try:
            anki_env.wait_for_port("127.0.0.1", free_port, proc)
        except Exception as exc:
            raise AssertionError(f"{exc}\n--- Anki log ---\n{log_path.read_text(errors='replace')}") from exc
        assert invoke(free_port, "version") == {"result": 6, "error": None}
    finally:
        assert anki_env.stop_anki(proc) == 0
