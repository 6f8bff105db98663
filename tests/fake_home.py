"""A small HomeView for unit tests of the skills: the example config's home, states in a dict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from devices.base import Device


def _device(name: str, kind: str, room: str, **extra: Any) -> Device:
    return Device(
        name=name,
        kind=kind,
        protocol="zigbee2mqtt",
        topic=f"zigbee2mqtt/{name}",
        room=room,
        **extra,
    )


DEVICES: tuple[Device, ...] = (
    _device("living room lamp", "light", "living room", aliases=("floor lamp",)),
    _device("ceiling light", "light", "living room", aliases=("big light",)),
    _device("kitchen light", "light", "kitchen"),
    _device("bedroom light", "light", "bedroom"),
    _device("desk lamp", "light", "office"),
    _device("hall light", "light", "hall"),
    _device("garage door light", "light", "garage", voice=False),
    _device(
        "thermostat",
        "thermostat",
        "living room",
        aliases=("heating",),
        options={"min_celsius": 5.0, "max_celsius": 30.0},
    ),
    _device("living room curtains", "curtains", "living room"),
    _device("bedroom blinds", "curtains", "bedroom"),
)

SATURDAY_EVENING = datetime(2026, 11, 28, 17, 42, tzinfo=ZoneInfo("Europe/Berlin"))


@dataclass
class FakeHome:
    """HomeView over fixed devices; set `states[name]` to pretend a device reported."""

    assistant_room: str = "living room"
    devices: Sequence[Device] = DEVICES
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock: datetime = SATURDAY_EVENING
    assistant_name: str = "homevox"

    @property
    def rooms(self) -> Sequence[str]:
        return sorted({device.room for device in self.devices} | {self.assistant_room})

    def state(self, device_name: str) -> Mapping[str, Any]:
        return self.states.get(device_name, {})

    def now(self) -> datetime:
        return self.clock
