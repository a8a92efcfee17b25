"""The Meltano Hub plugin definition (hub/extractors/tap-tripletex/tap-tripletex.yml) and
meltano.yml: the Hub's rules, and agreement with `tap-tripletex --about`.

The Hub's rules are those of its JSON schemas (meltano/hub: schemas/plugin_definitions/
extractors.schema.json with common/common.schema.json, common/extractors_specific.schema.json,
common/base_setting.schema.json and plugin_definitions/hub_metadata.schema.json) and of its
name check (utility_scripts/plugin_definitions/yaml_check_names.py), restated here as data.
"""

from __future__ import annotations

import subprocess
import sys
import typing as t
from pathlib import Path

import jsonschema
import pytest
import yaml

from tools import plugin_definition

ROOT = Path(__file__).resolve().parents[1]
HUB_FILE = ROOT / "hub" / "extractors" / "tap-tripletex" / "tap-tripletex.yml"

# --- the Hub's rules --------------------------------------------------------------------
HUB_EXTRACTOR_KEYS = (
    "name",
    "pip_url",
    "variant",
    "namespace",
    "label",
    "description",
    "executable",
    "settings",
    "docs",
    "repo",
    "logo_url",
    "hidden",
    "python",
    "settings_group_validation",
    "commands",
    "capabilities",
    "metadata",
    "schema",
    "select",
    "maintenance_status",
    "quality",
    "domain_url",
    "keywords",
    "requires",
    "definition",
    "next_steps",
    "settings_preamble",
    "usage",
    "prereq",
    "supported_python_versions",
    "log_parser",
)
HUB_REQUIRED_KEYS = ("name", "namespace", "variant", "quality")
HUB_CAPABILITIES = (
    "properties",
    "catalog",
    "discover",
    "state",
    "about",
    "stream-maps",
    "schema-flattening",
    "activate-version",
    "batch",
    "test",
    "log-based",
    "structured-logging",
)
HUB_SETTING_KEYS = (
    "name",
    "aliases",
    "label",
    "value",
    "placeholder",
    "kind",
    "description",
    "tooltip",
    "documentation",
    "env",
    "value_processor",
    "value_post_processor",
    "oauth",
    "options",
    "docs",
    "hidden",
    "sensitive",
)
HUB_SETTING_KINDS = (
    "oauth",
    "hidden",
    "password",
    "date_iso8601",
    "file",
    "email",
    "integer",
    "options",
    "object",
    "array",
    "boolean",
    "string",
    "decimal",
)
HUB_MAINTENANCE_STATUS = ("active", "beta", "development", "inactive", "unknown")
HUB_QUALITY = ("gold", "silver", "bronze", "unknown")
HUB_VALUE_PROCESSORS = ("upcase_string", "nest_object", "stringify")

STRING = {"type": "string"}
STRINGS = {"type": "array", "items": STRING}
HUB_SETTING_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        **{key: {} for key in HUB_SETTING_KEYS},
        **{
            key: STRING
            for key in (
                "name",
                "label",
                "placeholder",
                "description",
                "tooltip",
                "documentation",
                "env",
                "docs",
            )
        },
        "aliases": STRINGS,
        "kind": {"enum": list(HUB_SETTING_KINDS)},
        "value_processor": {"enum": list(HUB_VALUE_PROCESSORS)},
        "value_post_processor": {"enum": list(HUB_VALUE_PROCESSORS)},
        "oauth": {"type": "object", "required": ["provider"], "properties": {"provider": STRING}},
        "options": {
            "type": "array",
            "items": {"type": "object", "properties": {"label": STRING, "value": STRING}},
        },
        "hidden": {"type": "boolean"},
        "sensitive": {"type": "boolean"},
    },
}
HUB_EXTRACTOR_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "required": list(HUB_REQUIRED_KEYS),
    "additionalProperties": False,
    "properties": {
        **{key: {} for key in HUB_EXTRACTOR_KEYS},
        **{
            key: STRING
            for key in (
                "name",
                "pip_url",
                "variant",
                "namespace",
                "label",
                "description",
                "executable",
                "docs",
                "repo",
                "python",
                "definition",
                "next_steps",
                "settings_preamble",
                "usage",
                "prereq",
                "log_parser",
            )
        },
        "logo_url": {"type": ["string", "null"]},
        "hidden": {"type": "boolean"},
        "commands": {"type": "object"},
        "metadata": {"type": "object"},
        "schema": {"type": "object"},
        "select": STRINGS,
        "settings": {"type": "array", "items": HUB_SETTING_SCHEMA},
        "settings_group_validation": {"type": "array", "items": STRINGS},
        "capabilities": {"type": "array", "items": {"enum": list(HUB_CAPABILITIES)}},
        "maintenance_status": {"enum": list(HUB_MAINTENANCE_STATUS)},
        "quality": {"enum": list(HUB_QUALITY)},
        "domain_url": {"type": ["string", "null"], "format": "uri"},
        "keywords": STRINGS,
        "supported_python_versions": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^3\.\d+$"},
        },
        "requires": {
            "type": "object",
            "required": ["files"],
            "additionalProperties": False,
            "properties": {
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "variant"],
                        "additionalProperties": False,
                        "properties": {"name": STRING, "variant": STRING},
                    },
                }
            },
        },
    },
}

# A setting's kind must suit its JSON type.
KINDS_FOR_TYPE = {
    "string": {"string", "password", "date_iso8601", "email", "file", "options", "hidden", "oauth"},
    "integer": {"integer", "options"},
    # Not "decimal": Meltano crashes on one set by environment variable (a Decimal it
    # cannot write as JSON); the tap reads a number given as text.
    "number": {"string", "integer"},
    "boolean": {"boolean"},
    "object": {"object"},
    "array": {"array"},
}


# --- fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def about() -> dict[str, t.Any]:
    return plugin_definition.about()


@pytest.fixture(scope="module")
def hub() -> dict[str, t.Any]:
    return yaml.safe_load(HUB_FILE.read_text())


@pytest.fixture(scope="module")
def project() -> dict[str, t.Any]:
    return yaml.safe_load((ROOT / "meltano.yml").read_text())


def extractor(project: dict[str, t.Any], name: str = "tap-tripletex") -> dict[str, t.Any]:
    return next(p for p in project["plugins"]["extractors"] if p["name"] == name)


# --- the Hub's rules --------------------------------------------------------------------
def test_hub_definition_follows_the_hubs_schema(hub: dict[str, t.Any]) -> None:
    validator = jsonschema.Draft7Validator(
        HUB_EXTRACTOR_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(hub)
    ]
    assert errors == []


def test_hub_definition_lives_where_the_hub_expects_it(hub: dict[str, t.Any]) -> None:
    # _data/meltano/extractors/<name>/<variant>.yml; the name check compares the folder.
    assert HUB_FILE.parent.parent.name == "extractors"
    assert HUB_FILE.parent.name == hub["name"]
    assert HUB_FILE.name == f"{hub['variant']}.yml"
    assert hub["namespace"] == hub["name"].replace("-", "_")


def test_rules_catch_a_bad_definition(hub: dict[str, t.Any]) -> None:
    """The schema above is not vacuous."""
    bad = {**hub, "capabilities": [*hub["capabilities"], "record-flattening"], "colour": "red"}
    bad["settings"] = [{**hub["settings"][0], "kind": "secret", "required": True}]
    del bad["quality"]
    messages = " ".join(
        e.message for e in jsonschema.Draft7Validator(HUB_EXTRACTOR_SCHEMA).iter_errors(bad)
    )
    for expected in (
        "'quality' is a required property",
        "'colour' was unexpected",
        "'record-flattening' is not one of",
        "'secret' is not one of",
        "'required' was unexpected",
    ):
        assert expected in messages


def test_every_setting_is_documented(hub: dict[str, t.Any]) -> None:
    for setting in hub["settings"]:
        assert {"name", "label", "kind", "description"} <= set(setting), setting["name"]
        assert setting["description"].strip(), setting["name"]
    names = [s["name"] for s in hub["settings"]]
    assert len(names) == len(set(names))
    for group in hub["settings_group_validation"]:
        assert set(group) <= set(names)


# --- agreement with `tap-tripletex --about` ---------------------------------------------
def test_hub_definition_matches_about(hub: dict[str, t.Any], about: dict[str, t.Any]) -> None:
    hint = "run `python -m tools.plugin_definition` after changing the tap's settings"
    properties = about["settings"]["properties"]
    assert [s["name"] for s in hub["settings"]] == list(properties), hint
    assert sorted(hub["capabilities"]) == sorted(about["capabilities"]), hint
    assert hub["supported_python_versions"] == about["supported_python_versions"], hint
    assert hub["name"] == about["name"] == hub["executable"]
    for setting in hub["settings"]:
        prop = properties[setting["name"]]
        where = f"setting {setting['name']}: {hint}"
        assert setting["label"] == prop.get("title", setting["name"]), where
        assert setting["description"] == prop.get("description", ""), where
        assert setting.get("value") == prop.get("default"), where
        assert setting.get("sensitive", False) == prop.get("secret", False), where
        if prop.get("secret"):
            assert setting["kind"] == "password", where
        for json_type in plugin_definition.json_types(prop):
            assert setting["kind"] in KINDS_FOR_TYPE[json_type], where
    required = set(about["settings"].get("required", []))
    assert required, "the tap needs its two tokens"
    for group in hub["settings_group_validation"]:
        assert required <= set(group)


def test_generated_files_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "plugin_definition.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- meltano.yml ------------------------------------------------------------------------
def test_meltano_yml_extractor_is_the_hub_definition(
    hub: dict[str, t.Any], project: dict[str, t.Any]
) -> None:
    tap = extractor(project)
    assert tap["pip_url"] == "-e ."
    for key in ("namespace", "executable", "capabilities", "settings_group_validation", "settings"):
        assert tap[key] == hub[key], key


def test_meltano_yml_project(project: dict[str, t.Any]) -> None:
    assert project["requires_meltano"] == ">=4.0"
    assert "version" not in project  # deprecated in Meltano 4
    assert project["venv"]["backend"] == "uv"
    urls = {
        env["name"]: extractor(env["config"])["config"]["api_url"]
        for env in project["environments"]
    }
    assert urls == {
        "dev": "http://127.0.0.1:8099/v2",
        "test": "https://api-test.tripletex.tech/v2",
        "prod": "https://tripletex.no/v2",
    }
    assert project["default_environment"] == "dev"


def test_loaders_need_no_hub(project: dict[str, t.Any]) -> None:
    """Full definitions: Meltano installs them without looking anything up."""
    loaders = {p["name"]: p for p in project["plugins"]["loaders"]}
    assert set(loaders) == {"target-jsonl", "target-duckdb", "target-postgres", "target-mssql"}
    for name, loader in loaders.items():
        for key in ("variant", "namespace", "pip_url", "executable", "settings"):
            assert loader.get(key), f"{name}: {key}"
        for setting in loader["settings"]:
            assert {"name", "label", "kind", "description"} <= set(setting), (name, setting)
            assert setting["kind"] in HUB_SETTING_KINDS, (name, setting)
            if setting["kind"] == "password":
                assert setting.get("sensitive") is True, (name, setting)
    assert "duckdb==1.1." in loaders["target-duckdb"]["pip_url"]
    assert loaders["target-postgres"]["pip_url"].startswith("meltanolabs-target-postgres==")
    assert loaders["target-postgres"]["config"]["load_method"] == "upsert"
    assert loaders["target-mssql"]["variant"] == "meltanolabs"
    assert loaders["target-mssql"]["python"] == "python3.10"


def test_mssql_extractor_flattens_one_level(project: dict[str, t.Any]) -> None:
    mssql = extractor(project, "tap-tripletex--mssql")
    assert mssql["inherit_from"] == "tap-tripletex"
    assert mssql["config"]["flattening_enabled"] is True
    assert mssql["config"]["flattening_max_depth"] == 1
