"""The README and meltano.yml say what the plugins really do; their wheel holds only them."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.support.processes import TAP, TARGET

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = {
    "tap-zendesk-tickets": ("extractors", TAP),
    "target-zendesk-tickets": ("loaders", TARGET),
}
MELTANO_KINDS = {
    "string": "string",
    "integer": "integer",
    "boolean": "boolean",
    "number": "decimal",
    "object": "object",
}


def about(executable):
    result = subprocess.run(
        [executable, "--about", "--format=json"], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def own_settings(schema, prefix=""):
    """Dotted setting name -> JSON schema, without the SDK's built-in settings."""
    builtins = {
        "stream_maps",
        "stream_map_config",
        "faker_config",
        "flattening_enabled",
        "flattening_max_depth",
        "flattening_max_key_length",
        "flattening_separator",
        "batch_config",
        "add_record_metadata",
        "batch_size_rows",
        "validate_records",
    }
    for name, prop in schema["properties"].items():
        if not prefix and name in builtins:
            continue
        if prop.get("properties"):  # a group of settings (zendesk.*), not an object value
            yield from own_settings(prop, f"{prefix}{name}.")
        else:
            yield prefix + name, prop


def test_readme_settings_tables_match_about():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_settings.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("plugin", PLUGINS)
def test_meltano_yml_declares_every_setting_with_its_default(plugin):
    kind, executable = PLUGINS[plugin]
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    declared = next(p for p in project["plugins"][kind] if p["name"] == plugin)
    info = about(executable)

    assert sorted(declared["capabilities"]) == sorted(info["capabilities"])
    settings = {s["name"]: s for s in declared["settings"]}
    expected = dict(own_settings(info["settings"]))
    assert sorted(settings) == sorted(expected)
    for name, schema in expected.items():
        setting = settings[name]
        assert setting["label"] and setting["description"], name
        types = [
            t
            for t in (schema["type"] if isinstance(schema["type"], list) else [schema["type"]])
            if t != "null"
        ]
        assert setting["kind"] == (MELTANO_KINDS[types[0]] if len(types) == 1 else "string"), name
        assert setting.get("sensitive", False) == schema.get("secret", False), name
        if "default" in schema:
            assert str(setting["value"]) == str(schema["default"]), name


def test_meltano_project_has_environments_a_job_and_a_schedule():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    assert project["default_environment"] in {e["name"] for e in project["environments"]}
    assert project["jobs"][0]["tasks"] == ["tap-zendesk-tickets target-zendesk-tickets"]
    assert project["schedules"][0]["job"] == project["jobs"][0]["name"]
    for plugin in project["plugins"]["extractors"] + project["plugins"]["loaders"]:
        assert plugin["pip_url"] == "-e ."
        assert plugin["namespace"]


def test_plugins_wheel_neither_contains_nor_requires_the_sandbox(tmp_path):
    # Offline: hatchling comes from this venv (the test extra), nothing from an index.
    offline = ["--no-deps", "--no-build-isolation", "--no-index", "--quiet"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *offline, "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("zendesk_tickets_singer-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
        metadata = archive.read(f"{info}/METADATA").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()

    packages = {name.split("/")[0] for name in names} - {info}
    assert packages == {"zendesk_api", "tap_zendesk_tickets", "target_zendesk_tickets"}
    assert not [name for name in names if "zendesk_sandbox" in name]
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires  # the plugins' own dependencies are there
    assert not [line for line in requires if "werkzeug" in line.lower() or "sandbox" in line]
    assert "tap-zendesk-tickets" in entry_points
    assert "zendesk-sandbox" not in entry_points
