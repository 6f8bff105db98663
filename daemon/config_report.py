"""Turning validation failures into one line each: file, line, key path, what is wrong."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def duplicate_names(raw: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Spoken names used twice (checked on the raw file, so it is reported with the rest)."""
    devices = raw.get("devices")
    if not isinstance(devices, list):
        return []
    seen: dict[str, int] = {}
    found = []
    for index, entry in enumerate(devices):
        if not isinstance(entry, dict):
            continue
        aliases = entry.get("aliases", [])
        spoken = [entry.get("name"), *(aliases if isinstance(aliases, list) else [])]
        for key, name in zip(["name", *["aliases"] * len(spoken)], spoken, strict=False):
            if not isinstance(name, str):
                continue
            normal = " ".join(name.lower().split())
            if normal in seen and seen[normal] != index:
                found.append(
                    (
                        ("devices", index, key),
                        f"{normal!r} is already used by devices[{seen[normal]}]",
                    )
                )
            seen.setdefault(normal, index)
    return found


def explain(error: Any) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "missing (required)"
    elif error["type"] != "value_error" and not isinstance(error.get("input"), dict | list):
        message += f" (got {error.get('input')!r})"
    return loc, message


def describe(path: Path, text: str, raw: dict[str, Any], loc: tuple[Any, ...], message: str) -> str:
    key_path = ""
    for part in loc:
        key_path += (
            f"[{part}]" if isinstance(part, int) else (f".{part}" if key_path else str(part))
        )
        if key_path.startswith("devices[") and key_path.endswith("]") and isinstance(part, int):
            key_path += _device_label(raw, loc)
    line = _line_of(text, loc)
    where = f"{path}:{line}" if line else str(path)
    return f"{where}: {key_path or '(top level)'}: {message}"


def line_number(problem: str) -> int:
    parts = problem.split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _device_label(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "devices" and isinstance(loc[1], int):
        devices = raw.get("devices")
        if (
            isinstance(devices, list)
            and loc[1] < len(devices)
            and isinstance(devices[loc[1]], dict)
        ):
            name = devices[loc[1]].get("name")
            if isinstance(name, str):
                return f" ({name})"
    return ""


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of a key path in the TOML text (1-based)."""
    lines = text.splitlines()
    section: list[Any] = []
    array_counts: dict[str, int] = {}
    target_table = [part for part in loc[:-1]]
    key = loc[-1] if loc and isinstance(loc[-1], str) else None
    table_line: int | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        array = re.match(r"^\[\[\s*([\w.-]+)\s*\]\]", stripped)
        table = re.match(r"^\[\s*([\w.-]+)\s*\]", stripped)
        if array:
            name = array.group(1)
            index = array_counts.get(name, -1) + 1
            array_counts[name] = index
            section = [*name.split("."), index]
        elif table:
            section = table.group(1).split(".")
        else:
            if (
                section == target_table
                and key is not None
                and re.match(rf"^{re.escape(key)}\s*=", stripped)
            ):
                return number
            continue
        if section == target_table or section == list(loc):
            table_line = number
    return table_line
