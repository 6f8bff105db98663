"""Types shared by every device adapter: a configured device, a command, a message, a state.

An adapter is a pure mapping between homevox's protocol-free view of a device and the MQTT
messages of one protocol. It never opens a connection and never sees spoken text: every topic
it returns is built from the device's configuration alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

DeviceKind = Literal["light", "thermostat", "curtains"]
DEVICE_KINDS: tuple[str, ...] = ("light", "thermostat", "curtains")

Action = Literal["power", "brightness", "color", "color_temp", "position", "cover", "setpoint", "mode"]
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
