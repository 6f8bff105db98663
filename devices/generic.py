"""Generic adapter: configured topics and payload templates, for devices no other adapter knows.

Per device (config.toml): `command_topic`, `state_topic`, `templates` and `state_json_keys`.
A command publishes `templates[<name>]` on `command_topic`, its {field} placeholders filled
(any other text, JSON braces included, is sent as written). Template
names: power_on, power_off, brightness, color, color_temp, position, open, close, stop,
setpoint, mode. Fields: {value} (percent, "#rrggbb", kelvin, degrees Celsius, a mode word; for
power ON/OFF and for covers open/close/stop), and for colours {hex} (rrggbb), {r} {g} {b},
for colour temperature {kelvin} and {mireds}.

State on `state_topic` is read as JSON when it is a JSON object (`state_json_keys` maps each
normalised key to the payload's key; without it the normalised key names are used), else as
a plain payload: ON/OFF, online/offline, opening/closing/stopped, a mode word, #rrggbb, or a
number (brightness percent for lights, set point for thermostats, position for curtains); a
plain payload cannot confirm a colour temperature, so use JSON for lights that have one.
The generic protocol has no availability topic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from devices.base import (
    COVER_MOVES,
    STATE_KEYS,
    THERMOSTAT_MODES,
    Command,
    CommandError,
    Device,
    Message,
    as_json,
    as_number,
    check_command,
    clamp_celsius,
    clamp_kelvin,
    decode_json,
    decode_text,
    hex_to_rgb,
    kelvin_to_mireds,
    mireds_to_kelvin,
    normal_hex,
    percent,
    rgb_to_hex,
)

_MAIN_KEY = {
    "light": "brightness_percent",
    "thermostat": "target_celsius",
    "curtains": "position_percent",
}
_TRUE_WORDS = ("on", "true", "1", "online", "yes")
_FALSE_WORDS = ("off", "false", "0", "offline", "no")


def _template_name(command: Command, value: bool | int | float | str) -> str:
    if command.action == "power":
        return "power_on" if value else "power_off"
    if command.action == "cover":
        return str(value)
    return command.action


def _normal_value(
    device: Device, command: Command
) -> tuple[bool | int | float | str, dict[str, Any]]:
    """The normalised (converted, clamped) value and the template fields that carry it."""
    value = check_command(device, command)
    match command.action:
        case "power":
            return value, {"value": "ON" if value else "OFF"}
        case "brightness" | "position":
            value = percent(float(value))
        case "color":
            red, green, blue = hex_to_rgb(str(value))
            return value, {"value": value, "hex": str(value)[1:], "r": red, "g": green, "b": blue}
        case "color_temp":
            kelvin = clamp_kelvin(device, float(value))
            return kelvin, {"value": kelvin, "kelvin": kelvin, "mireds": kelvin_to_mireds(kelvin)}
        case "setpoint":
            value = clamp_celsius(device, float(value))
    return value, {"value": value}


_PLACEHOLDER = re.compile(r"\{(value|hex|r|g|b|kelvin|mireds)\}")


def command_messages(device: Device, command: Command) -> Sequence[Message]:
    value, fields = _normal_value(device, command)
    name = _template_name(command, value)
    topic = str(device.options.get("command_topic", ""))
    template = dict(device.options.get("templates", {})).get(name)
    if not topic or template is None:
        missing = "command_topic" if not topic else f"templates.{name}"
        raise CommandError("unsupported_command", f"{device.name} has no {missing} in config.toml")
    unknown = sorted(set(re.findall(r"\{(\w+)\}", str(template))) - set(fields))
    if unknown:
        raise CommandError(
            "bad_template",
            f"{device.name}: templates.{name} has {{{unknown[0]}}}, which a {name} command "
            f"does not fill; use {', '.join('{' + f + '}' for f in fields)}",
        )
    # Only the documented {field} placeholders are filled, so JSON braces need no escaping.
    payload = _PLACEHOLDER.sub(lambda match: str(fields[match.group(1)]), str(template))
    return [Message(topic, payload)]


def command_topics(device: Device) -> Sequence[str]:
    topic = str(device.options.get("command_topic", ""))
    return [topic] if topic else []


def state_topics(device: Device) -> Sequence[str]:
    topic = str(device.options.get("state_topic", ""))
    return [topic] if topic else []


def _json_keys(device: Device) -> dict[str, str]:
    keys = dict(device.options.get("state_json_keys", {}))
    return keys or {key: key for key in STATE_KEYS}


def _convert(key: str, raw: Any) -> Any:
    """A payload value as the normalised state key's type; None when it does not fit."""
    if key in ("on", "available"):
        word = str(raw).strip().lower()
        return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None
    if key == "color_hex":
        return normal_hex(str(raw))
    if key in ("moving", "mode"):
        return str(raw).strip().lower() or None
    number = as_number(raw)
    if number is None:
        return None
    if key in ("brightness_percent", "position_percent"):
        return percent(number)
    return round(number) if key == "color_temp_kelvin" else round(number, 1)


def parse_state(device: Device, topic: str, payload: bytes) -> Mapping[str, Any]:
    if topic not in state_topics(device):
        return {}
    body = decode_json(payload)
    if isinstance(body, dict):
        state = {
            key: _convert(key, body[json_key])
            for key, json_key in _json_keys(device).items()
            if json_key in body
        }
        return {key: value for key, value in state.items() if value is not None}
    word = decode_text(payload).lower()
    if word in ("on", "off") and device.kind == "light":
        return {"on": word == "on"}
    if word in ("online", "offline"):
        return {"available": word == "online"}
    if word in COVER_MOVES.values() and device.kind == "curtains":
        return {"moving": word}
    if word in THERMOSTAT_MODES and device.kind == "thermostat":
        return {"mode": word}
    if word.startswith("#") and normal_hex(word) is not None:
        return {"color_hex": normal_hex(word)}
    value = _convert(_MAIN_KEY[device.kind], word)
    return {_MAIN_KEY[device.kind]: value} if value is not None else {}


def _state_key(command: Command) -> str:
    return {
        "power": "on",
        "brightness": "brightness_percent",
        "color": "color_hex",
        "color_temp": "color_temp_kelvin",
        "position": "position_percent",
        "cover": "moving",
        "setpoint": "target_celsius",
        "mode": "mode",
    }[command.action]


def expected_state(device: Device, command: Command) -> Mapping[str, Any]:
    value, _ = _normal_value(device, command)
    if command.action == "cover":
        return {"moving": COVER_MOVES[str(value)]}
    return {_state_key(command): value}


def _template_regex(template: str) -> re.Pattern[str]:
    """A pattern that matches what `template` produces, capturing each field once."""
    pattern, seen, position = "", set(), 0
    for match in _PLACEHOLDER.finditer(template):
        field = match.group(1)
        pattern += re.escape(template[position : match.start()])
        pattern += f"(?P={field})" if field in seen else f"(?P<{field}>.+?)"
        seen.add(field)
        position = match.end()
    return re.compile(pattern + re.escape(template[position:]) + r"\Z", re.DOTALL)


def _received(device: Device, text: str) -> tuple[str, Mapping[str, str]] | None:
    """Which template produced `text`, and its fields; templates without fields first."""
    templates = dict(device.options.get("templates", {}))
    for name in sorted(templates, key=lambda name: bool(_PLACEHOLDER.search(templates[name]))):
        try:
            match = _template_regex(templates[name]).match(text)
        except (ValueError, re.error):
            continue
        if match:
            return name, match.groupdict()
    return None


def simulate(
    device: Device, topic: str, payload: bytes, state: dict[str, Any]
) -> Sequence[Message]:
    found = _received(device, decode_text(payload)) if topic in command_topics(device) else None
    if found is None:
        return []
    name, fields = found
    key: str
    value: Any
    if name in ("open", "close"):
        state["moving"] = COVER_MOVES[name]
        started = _reply(device, state, "moving")
        state.update(position_percent=100 if name == "open" else 0, moving="stopped")
        return [*started, *_reply(device, state, "position_percent")]
    if name in ("power_on", "power_off", "stop"):
        key, value = ("moving", "stopped") if name == "stop" else ("on", name == "power_on")
    elif name == "color":
        key = "color_hex"
        value = normal_hex(fields.get("value") or fields.get("hex") or "")
        if value is None and all(channel in fields for channel in "rgb"):
            value = rgb_to_hex(*(float(fields[channel]) for channel in "rgb"))
    elif name == "color_temp" and "mireds" in fields and "value" not in fields:
        key, value = (
            "color_temp_kelvin",
            _convert("color_temp_kelvin", mireds_to_kelvin(float(fields["mireds"]))),
        )
    elif name in ("brightness", "color_temp", "position", "setpoint", "mode"):
        key = _state_key(Command(name, 0))
        value = _convert(key, fields.get("value", fields.get("kelvin")))
    else:
        return []
    if value is None:
        return []
    state[key] = value
    return _reply(device, state, key)


def _encode(key: str, value: Any) -> Any:
    if key == "on":
        return "ON" if value else "OFF"
    if key == "available":
        return "online" if value else "offline"
    return value


def _reply(device: Device, state: Mapping[str, Any], changed: str) -> list[Message]:
    """The state message: every mapped key as JSON, or the changed key as a plain payload."""
    topic = str(device.options.get("state_topic", ""))
    if not topic:
        return []
    if device.options.get("state_json_keys"):
        keys = _json_keys(device)
        body = {keys[key]: _encode(key, value) for key, value in state.items() if key in keys}
        return [Message(topic, as_json(body))]
    return [Message(topic, str(_encode(changed, state[changed])))]


def announce(device: Device, state: Mapping[str, Any]) -> Sequence[Message]:
    main = "on" if device.kind == "light" else _MAIN_KEY[device.kind]
    keys = set(_json_keys(device)) if device.options.get("state_json_keys") else {main}
    if not keys & set(state):
        return []
    return _reply(device, state, main)
