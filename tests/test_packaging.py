"""The addon builds as an OCA-style wheel (whool) and installs from it."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "b2b_collections"


def _manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text())


def test_wheel_builds_and_installs(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ADDON],
        check=True,
    )
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    version = _manifest()["version"]
    assert wheels[0].name.startswith(f"odoo_addon_b2b_collections-{version}")
    names = zipfile.ZipFile(wheels[0]).namelist()
    prefix = "odoo/addons/b2b_collections/"
    for path in [
        "__manifest__.py",
        "static/description/icon.png",
        "security/ir.model.access.csv",
        *_manifest()["data"],
        *_manifest()["demo"],
    ]:
        assert prefix + path in names, f"{path} missing from the wheel"
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheels[0]).read(metadata).decode()
    assert "Requires-Dist: odoo==18.0.*" in text or "Requires-Dist: odoo>=18.0" in text

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            target,
            wheels[0],
        ],
        check=True,
    )
    assert (target / "odoo/addons/b2b_collections/__manifest__.py").is_file()


def test_every_manifest_file_exists():
    manifest = _manifest()
    for path in manifest["data"] + manifest["demo"]:
        assert (ADDON / path).is_file(), path
