"""The configured home as skills see it (skills.base.HomeView): devices, rooms, states, time."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from daemon.config import Config
from devices.base import Device

StateSource = Callable[[str], Mapping[str, Any]]


def zone_of(config: Config) -> tzinfo:
    """The configured time zone, else the system's."""
    if config.assistant.timezone:
        return ZoneInfo(config.assistant.timezone)
    local = datetime.now().astimezone().tzinfo
    assert local is not None  # astimezone() always sets one
    return local


class Home:
    """HomeView over a validated configuration and a source of last known device states."""

    def __init__(
        self,
        config: Config,
        states: StateSource | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._config = config
        self._devices = tuple(config.device_list())
        self._states = states
        self._zone = zone_of(config)
        self._clock = clock

    @property
    def assistant_name(self) -> str:
        return self._config.assistant.name

    @property
    def assistant_room(self) -> str:
        return self._config.assistant.room

    @property
    def devices(self) -> Sequence[Device]:
        return self._devices

    @property
    def rooms(self) -> Sequence[str]:
        rooms = [self.assistant_room, *(device.room for device in self._devices)]
        return tuple(dict.fromkeys(rooms))

    def device(self, name: str) -> Device | None:
        """The configured device called `name`, if any."""
        return next((device for device in self._devices if device.name == name), None)

    def state(self, device_name: str) -> Mapping[str, Any]:
        return self._states(device_name) if self._states else {}

    def now(self) -> datetime:
        if self._clock is not None:
            return self._clock().astimezone(self._zone)
        return datetime.now(self._zone)
