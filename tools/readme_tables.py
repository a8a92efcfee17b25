"""Regenerate the README's settings and streams tables: `python tools/readme_tables.py`.

`--check` exits 1 when the README is out of date (a test runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tap_tripletex.resources import RESOURCES
from tap_tripletex.tap import TapTripletex

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


def streams_table() -> str:
    rows = [
        "| Stream | Endpoint | Key | Replication | Selected by default |",
        "|---|---|---|---|---|",
    ]
    for r in RESOURCES:
        replication = (
            f"date range on `{r.date_field}` (`{r.date_params[0]}`..`{r.date_params[1]}`)"
            if r.date_params
            else "full table"
        )
        selected = "yes" if r.selected_by_default else "no"
        rows.append(
            f"| `{r.name}` | `GET {r.path}` | company_id, id | {replication} | {selected} |"
        )
    return "\n".join(rows)


def render(text: str) -> str:
    for marker, table in (("settings", settings_table()), ("streams", streams_table())):
        pattern = re.compile(
            rf"(<!-- {marker}:start -->).*?(<!-- {marker}:end -->)", re.DOTALL
        )
        text = pattern.sub(lambda m, t=table: f"{m.group(1)}\n{t}\n{m.group(2)}", text)
    return text


def main(argv: list[str]) -> int:
    current = README.read_text()
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md tables are stale: run python tools/readme_tables.py")
            return 1
        return 0
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
