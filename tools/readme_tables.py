"""Regenerate the README's settings and streams tables: `python -m tools.readme_tables`.

`--check` exits 1 when the README is out of date (a test runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tap_tripletex.resources import BY_NAME, RESOURCES, Resource
from tap_tripletex.tap import TapTripletex
from tools.spec_coverage import EXCLUDED

README = Path(__file__).resolve().parents[1] / "README.md"
SDK_SETTINGS = ("stream_maps", "stream_map_config", "faker_config", "flattening", "batch_config")


def settings_table() -> str:
    rows = ["| Setting | Required | Default | Description |", "|---|---|---|---|"]
    schema = TapTripletex.config_jsonschema
    required = set(schema.get("required", []))
    for name, prop in schema["properties"].items():
        if name.startswith(SDK_SETTINGS):
            continue
        default = prop.get("default", "")
        secret = " (secret)" if prop.get("secret") else ""
        yes = "yes" if name in required else ""
        rows.append(f"| `{name}`{secret} | {yes} | {default} | {prop.get('description', '')} |")
    rows.append(
        "\nThe SDK's own settings (`stream_maps`, `flattening_enabled`, `batch_config`, ...) "
        "work as usual: `tap-tripletex --about` lists them."
    )
    return "\n".join(rows)


def endpoint(r: Resource) -> str:
    if r.inline:
        return ", ".join(f"in `{p}.{r.inline}`" for p in r.parents)
    query = [f"{name}={value}" for name, value in r.params]
    if r.parent_param:
        query.append(f"{r.parent_param}=<{r.parent} id>")
    if r.as_of:
        query.append(f"{r.as_of}=<tomorrow>")
    return f"`GET {r.path}{'?' + '&'.join(query) if query else ''}`"


def streams_table() -> str:
    rows = [
        "| Stream | Endpoint | Key | Replication | Selected by default |",
        "|---|---|---|---|---|",
    ]
    for r in sorted(RESOURCES, key=lambda r: (not r.selected_by_default, r.name)):
        selected = "yes" if r.selected_by_default else "no"
        key, replication = ", ".join(r.primary_keys), r.replication.wording(BY_NAME)
        rows.append(f"| `{r.name}` | {endpoint(r)} | {key} | {replication} | {selected} |")
    return "\n".join(rows)


def excluded_table() -> str:
    rows = ["| Endpoint | Why it is not a stream |", "|---|---|"]
    rows += [f"| `GET {path}` | {reason} |" for path, reason in sorted(EXCLUDED.items())]
    return "\n".join(rows)


def render(text: str) -> str:
    tables = (
        ("settings", settings_table()),
        ("streams", streams_table()),
        ("excluded", excluded_table()),
    )
    for marker, table in tables:
        pattern = re.compile(rf"(<!-- {marker}:start -->).*?(<!-- {marker}:end -->)", re.DOTALL)

        def fill(m: re.Match[str], t: str = table) -> str:
            return f"{m.group(1)}\n{t}\n{m.group(2)}"

        text = pattern.sub(fill, text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text()
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md tables are stale: run python -m tools.readme_tables")
            return 1
        return 0
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
