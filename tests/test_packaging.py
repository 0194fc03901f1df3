"""Every product addon builds as an OCA-style wheel (whool) and installs from it."""

import ast
import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDONS = sorted(
    path.parent.name for path in ROOT.glob("b2b_collections*/__manifest__.py")
)
OURS = {path.parent.name for path in ROOT.glob("*/__manifest__.py")}


def _manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def _build(addon, dist):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            # whool from the virtualenv (requirements-dev.txt): nothing to fetch
            "--no-build-isolation",
            "-w",
            dist,
            ROOT / addon,
        ],
        check=True,
    )
    wheels = list(Path(dist).glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_builds_and_installs(addon, tmp_path):
    manifest = _manifest(addon)
    wheel = _build(addon, tmp_path / "dist")
    # whool: the manifest's version (a post-release number after later commits)
    assert wheel.name.startswith(
        f"odoo_addon_{addon}-{manifest['version']}"
    ), wheel.name

    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    prefix = f"odoo/addons/{addon}/"
    expected = [
        "__manifest__.py",
        "__init__.py",
        "README.rst",
        "static/description/icon.png",
        f"i18n/{addon}.pot",
        *manifest["data"],
        *manifest.get("demo", []),
    ]
    for path in expected:
        assert prefix + path in names, f"{path} missing from the wheel of {addon}"

    metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = email.message_from_bytes(archive.read(metadata_name))
    assert metadata["Name"] == f"odoo-addon-{addon}"
    assert metadata["Summary"] == manifest["summary"]
    assert metadata["License"] == manifest["license"]
    # Our addons it depends on are wheels of their own; Odoo's are Odoo itself;
    # the Python libraries it needs (external_dependencies) are required too.
    expected_requires = (
        {"odoo==18.0.*"}
        | {f"odoo-addon-{dep}==18.0.*" for dep in manifest["depends"] if dep in OURS}
        | set(manifest.get("external_dependencies", {}).get("python", []))
    )
    assert set(metadata.get_all("Requires-Dist")) == expected_requires
    # the long description is the addon's README.rst
    assert metadata["Description-Content-Type"] == "text/x-rst"
    assert manifest["name"] in metadata.get_payload()

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
            wheel,
        ],
        check=True,
    )
    assert (target / prefix / "__manifest__.py").is_file()


@pytest.mark.parametrize("addon", ADDONS)
def test_every_manifest_file_exists(addon):
    manifest = _manifest(addon)
    for path in manifest["data"] + manifest.get("demo", []):
        assert (ROOT / addon / path).is_file(), f"{addon}: {path}"


def test_every_addon_is_built_by_whool():
    for addon in ADDONS:
        pyproject = (ROOT / addon / "pyproject.toml").read_text()
        assert 'requires = ["whool"]' in pyproject, addon
        assert 'build-backend = "whool.buildapi"' in pyproject, addon
