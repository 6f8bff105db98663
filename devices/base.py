"""Types shared by every device adapter: a configured device, a command, a message, a state.

An adapter is a pure mapping between homevox's protocol-free view of a device and the MQTT
messages of one protocol. It never opens a connection and never sees spoken text: every topic
it returns is built from the device's configuration alone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

DeviceKind = Literal["light", "thermostat", "curtains"]
DEVICE_KINDS: tuple[str, ...] = ("light", "thermostat", "curtains")

Action = Literal[
    "power", "brightness", "color", "color_temp", "position", "cover", "setpoint", "mode"
]
"""What a command changes. Values by action:
power: bool; brightness: percent 0-100 (int); color: "#rrggbb"; color_temp: kelvin (int);
position: percent open 0-100 (int); cover: "open" | "close" | "stop"; setpoint: degrees
Celsius (float); mode: "heat" | "off" | "auto" | "cool"."""

# Keys of a normalised device state. Adapters translate protocol state into these.
STATE_KEYS: tuple[str, ...] = (
    "on",  # bool: light power
    "brightness_percent",  # int 0-100
    "color_hex",  # "#rrggbb"
    "color_temp_kelvin",  # int
    "position_percent",  # int 0-100, 100 = fully open
    "moving",  # str: "opening" | "closing" | "stopped"
    "target_celsius",  # float: thermostat set point
    "current_celsius",  # float: measured temperature
    "mode",  # str: thermostat mode
    "available",  # bool: the device's own availability report
)


@dataclass(frozen=True)
class Device:
    """One configured device. Everything here comes from config.toml, nothing from speech."""

    name: str
    """Unique, spoken name, lower case ("kitchen light")."""
    kind: str
    """One of DEVICE_KINDS."""
    protocol: str
    """Key of the adapter table in devices/__init__.py."""
    topic: str
    """The device's base topic as its protocol names it (zigbee2mqtt: "zigbee2mqtt/kitchen")."""
    room: str
    """Room the device stands in, lower case."""
    aliases: tuple[str, ...] = ()
    """Other spoken names."""
    confirm: bool = False
    """Only switched after a spoken "yes"."""
    voice: bool = True
    """False: never switched by voice (state questions still work)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Protocol and range options (min_kelvin, max_celsius, templates...), see config.toml."""


@dataclass(frozen=True)
class Command:
    """One protocol-free change to one device."""

    action: str
    """One of the Action literals."""
    value: bool | int | float | str
    """Typed as documented on Action."""


@dataclass(frozen=True)
class Message:
    """One MQTT message to publish. Commands are never retained, so there is no flag for it."""

    topic: str
    payload: str


class Adapter(Protocol):
    """The mapping one protocol needs. Implementations are modules of pure functions."""

    def command_messages(self, device: Device, command: Command) -> Sequence[Message]:
        """The messages that carry out `command`, values converted and clamped to the device."""
        ...

    def state_topics(self, device: Device) -> Sequence[str]:
        """Topics on which the device reports its state and availability."""
        ...

    def command_topics(self, device: Device) -> Sequence[str]:
        """Topic filters the device listens on for commands (the simulator subscribes to them)."""
        ...

    def parse_state(self, device: Device, topic: str, payload: bytes) -> Mapping[str, Any]:
        """The normalised state keys (STATE_KEYS) a message on a state topic reports; {} if none."""
        ...

    def expected_state(self, device: Device, command: Command) -> Mapping[str, Any]:
        """The normalised state that confirms `command` once echoed (as converted and clamped)."""
        ...

    def simulate(
        self, device: Device, topic: str, payload: bytes, state: dict[str, Any]
    ) -> Sequence[Message]:
        """For `homevox sim`: apply a received command to `state`, return the device's replies."""
        ...

    def announce(self, device: Device, state: Mapping[str, Any]) -> Sequence[Message]:
        """For `homevox sim`: the availability and state messages a device sends when it starts."""
        ...


def clamp(value: float, low: float, high: float) -> float:
    """`value` limited to [low, high]."""
    return max(low, min(high, value))


def kelvin_to_mireds(kelvin: float) -> int:
    """Colour temperature in mireds (micro reciprocal degrees), as zigbee2mqtt and Tasmota use."""
    return round(1_000_000 / kelvin)


def mireds_to_kelvin(mireds: float) -> int:
    """Inverse of kelvin_to_mireds."""
    return round(1_000_000 / mireds)


# --- Shared by every adapter: command checking and value conversion ---------------------------

ACTIONS_BY_KIND: Mapping[str, tuple[str, ...]] = {
    "light": ("power", "brightness", "color", "color_temp"),
    "thermostat": ("setpoint", "mode"),
    "curtains": ("position", "cover"),
}
"""Which actions make sense for which device kind."""

COVER_MOVES: Mapping[str, str] = {"open": "opening", "close": "closing", "stop": "stopped"}
"""Cover command value -> the `moving` state that confirms it."""

THERMOSTAT_MODES: tuple[str, ...] = ("heat", "off", "auto", "cool")

_HEX_COLOR = re.compile(r"^#?([0-9a-fA-F]{6})$")


class CommandError(ValueError):
    """A command an adapter cannot turn into messages; nothing is published."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        """Stable code: "unsupported_command" or "invalid_value"."""


def check_command(device: Device, command: Command) -> bool | int | float | str:
    """The command's value, checked for the device's kind and the action's type.

    Raises CommandError with a one-line reason. Numbers come back as finite floats or ints,
    colours as "#rrggbb" (lower case), words lower case.
    """
    allowed = ACTIONS_BY_KIND.get(device.kind, ())
    if command.action not in allowed:
        raise CommandError(
            "unsupported_command",
            f"{device.name} is a {device.kind}; it cannot do {command.action!r}",
        )
    value = command.value
    action = command.action
    if action == "power":
        if not isinstance(value, bool):
            raise CommandError("invalid_value", f"power for {device.name} must be true or false")
        return value
    if action in ("brightness", "position", "color_temp", "setpoint"):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise CommandError("invalid_value", f"{action} for {device.name} must be a number")
        return value
    word = str(value).strip().lower()
    if action == "color":
        match = _HEX_COLOR.match(word)
        if match is None:
            raise CommandError("invalid_value", f"colour for {device.name} must look like #rrggbb")
        return "#" + match.group(1)
    if action == "cover" and word in COVER_MOVES:
        return word
    if action == "mode" and word in THERMOSTAT_MODES:
        return word
    raise CommandError("invalid_value", f"{value!r} is not a valid {action} for {device.name}")


def percent(value: float) -> int:
    """A percentage as a whole number in 0-100."""
    return round(clamp(value, 0, 100))


def kelvin_range(device: Device) -> tuple[int, int]:
    """The device's colour temperature range (min_kelvin, max_kelvin)."""
    return int(device.options.get("min_kelvin", 2200)), int(device.options.get("max_kelvin", 6500))


def celsius_range(device: Device) -> tuple[float, float]:
    """The device's set point range (min_celsius, max_celsius)."""
    return float(device.options.get("min_celsius", 5.0)), float(
        device.options.get("max_celsius", 30.0)
    )


def clamp_kelvin(device: Device, kelvin: float) -> int:
    """Kelvin limited to the device's range."""
    low, high = kelvin_range(device)
    return round(clamp(kelvin, low, high))


def clamp_celsius(device: Device, celsius: float) -> float:
    """Degrees limited to the device's range, rounded to 0.1 degree."""
    low, high = celsius_range(device)
    return round(clamp(celsius, low, high), 1)


def scale_to(percent_value: float, top: int) -> int:
    """A percentage as a device level 0..top (zigbee2mqtt 254, Home Assistant 255)."""
    return round(clamp(percent_value, 0, 100) * top / 100)


def scale_from(level: float, top: int) -> int:
    """A device level 0..top as a percentage; inverse of scale_to for whole percentages."""
    return percent(level * 100 / top)


def hex_to_rgb(color_hex: str) -> tuple[int, int, int]:
    """ "#rrggbb" -> (r, g, b)."""
    digits = color_hex.lstrip("#")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def rgb_to_hex(red: float, green: float, blue: float) -> str:
    """(r, g, b) 0-255 -> "#rrggbb"."""
    parts = (round(clamp(channel, 0, 255)) for channel in (red, green, blue))
    return "#" + "".join(f"{part:02x}" for part in parts)


def normal_hex(text: str) -> str | None:
    """A colour as "#rrggbb" from "FF0000", "#ff0000" or a longer Tasmota channel string."""
    digits = text.strip().lstrip("#")[:6]
    match = _HEX_COLOR.match(digits)
    return "#" + match.group(1).lower() if match else None


def decode_json(payload: bytes) -> Any:
    """The payload as JSON, or None when it is not valid UTF-8 JSON."""
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def decode_text(payload: bytes) -> str:
    """The payload as stripped text ("" when not UTF-8)."""
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        return ""


def as_number(value: Any) -> float | None:
    """A finite number from a JSON value or numeric text; None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_json(payload: Mapping[str, Any]) -> str:
    """Compact JSON text for a payload."""
    return json.dumps(payload, separators=(",", ":"))


def echoed_state(
    device: Device,
    command: Command,
    *,
    brightness_top: int = 100,
    to_mireds: Callable[[float], int] | None = None,
    mode_echo: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The normalised state that confirms `command` on a device that reports what it applied:
    brightness passed through the device's scale (0..brightness_top), colour temperature
    through whole mireds (`to_mireds`, default: clamped to the device's kelvin range), and the
    thermostat mode the device reports for the one asked (`mode_echo`)."""
    value = check_command(device, command)
    match command.action:
        case "power":
            return {"on": value}
        case "brightness":
            level = scale_to(float(value), brightness_top)
            return {"brightness_percent": scale_from(level, brightness_top)}
        case "color":
            return {"color_hex": value}
        case "color_temp":
            mireds = (to_mireds or (lambda kelvin: kelvin_to_mireds(clamp_kelvin(device, kelvin))))(
                float(value)
            )
            return {"color_temp_kelvin": mireds_to_kelvin(mireds)}
        case "position":
            return {"position_percent": percent(float(value))}
        case "cover":
            return {"moving": COVER_MOVES[str(value)]}
        case "setpoint":
            return {"target_celsius": clamp_celsius(device, float(value))}
        case _:
            return {"mode": mode_echo(str(value)) if mode_echo else value}
