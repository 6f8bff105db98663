"""`homevox sim`: a virtual home that plays each configured device as its protocol would.

Each device answers its commands the way a real one does (zigbee2mqtt's state echo, Tasmota's
`stat/` replies, Home Assistant's state topics), via its adapter's `simulate`. Availability
messages are retained, like the devices' own last-will topics; other replies are not.
Silent devices hear their commands and never answer, to exercise "did not respond".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import paho.mqtt.client as paho

from daemon.config import ConfigError, MqttConfig, load_config
from daemon.mqtt_client import MqttError, new_client, release_client
from devices import ADAPTERS
from devices.base import Device, Message

log = logging.getLogger(__name__)

INITIAL_STATES: Mapping[str, Mapping[str, Any]] = {
    "light": {"on": False, "brightness_percent": 100, "color_temp_kelvin": 2703},
    "thermostat": {"target_celsius": 20.0, "current_celsius": 19.5, "mode": "heat"},
    "curtains": {"position_percent": 0, "moving": "stopped"},
}
"""Where every simulated device starts (2703 K is 370 mireds, a warm white)."""


class VirtualHome:
    """Simulated devices on a broker, over their own paho client."""

    def __init__(
        self,
        devices: Sequence[Device],
        host: str,
        port: int,
        silent: Collection[str] = frozenset(),
        mqtt_config: MqttConfig | None = None,
    ) -> None:
        unknown = sorted(set(silent) - {device.name for device in devices})
        if unknown:
            raise ValueError(f"--silent names no configured device: {', '.join(unknown)}")
        self._devices = list(devices)
        self._host, self._port = host, port
        self._silent = set(silent)
        self.states: dict[str, dict[str, Any]] = {
            device.name: dict(INITIAL_STATES.get(device.kind, {})) for device in devices
        }
        """Each simulated device's normalised state, as it last reported it."""
        self.received: list[tuple[str, bytes]] = []
        """Every command message heard, in order (topic, payload), silent devices included."""
        self._filters = [
            (device, topic)
            for device in devices
            for topic in ADAPTERS[device.protocol].command_topics(device)
        ]
        self._connected = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client = new_client(f"homevox-sim-{secrets.token_hex(4)}", mqtt_config)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    async def start(self, timeout: float = 5.0) -> None:
        """Connect, subscribe, announce every device; MqttError when the broker is unreachable."""
        self._loop = asyncio.get_running_loop()
        self._client.connect_async(self._host, self._port)
        self._client.loop_start()
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError as err:
            await self.stop()
            raise MqttError(
                "broker_unavailable",
                f"simulator: MQTT broker {self._host}:{self._port} not reachable; is it running?",
            ) from err

    async def stop(self) -> None:
        """Report every device offline and disconnect."""
        if self._client.is_connected():
            sent = [
                self._client.publish(message.topic, message.payload, qos=1, retain=True)
                for device in self._devices
                for message in ADAPTERS[device.protocol].announce(device, {"available": False})
            ]
            # disconnect() would otherwise close the socket before they are all written.
            for info in sent:
                with contextlib.suppress(ValueError, RuntimeError):  # connection lost meanwhile
                    await asyncio.to_thread(info.wait_for_publish, 2.0)
        self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)
        release_client(self._client)

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("simulator: broker refused the connection (%s)", reason)
            return
        for device in self._devices:
            state = {**self.states[device.name], "available": True}
            self._send(device, ADAPTERS[device.protocol].announce(device, state))
        filters = sorted({(topic, 1) for _, topic in self._filters})
        if filters:
            client.subscribe(filters)  # started once the broker confirms (_on_subscribe)
        else:
            self._on_subscribe(client, userdata, 0, [], properties)

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, reasons: Any, properties: Any
    ) -> None:
        # Only now can a command published by another client reach the simulator.
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._connected.set)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        # Runs in paho's thread; the simulator's state is only touched here after start.
        payload = bytes(message.payload)
        self.received.append((message.topic, payload))
        for device, topic_filter in self._filters:
            if (
                not paho.topic_matches_sub(topic_filter, message.topic)
                or device.name in self._silent
            ):
                continue
            adapter = ADAPTERS[device.protocol]
            replies = adapter.simulate(device, message.topic, payload, self.states[device.name])
            log.info("simulator: %s got %s %r", device.name, message.topic, payload)
            self._send(device, replies)

    def _send(self, device: Device, messages: Sequence[Message]) -> None:
        adapter = ADAPTERS[device.protocol]
        for message in messages:
            parsed = adapter.parse_state(device, message.topic, message.payload.encode("utf-8"))
            retain = set(parsed) == {"available"}
            self._client.publish(message.topic, message.payload, qos=1, retain=retain)


def add_parser(subparsers: Any) -> None:
    """Register `homevox sim` (the parent parser adds --config and --broker)."""
    parser = subparsers.add_parser(
        "sim", help="play the configured devices on the broker", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--silent",
        action="append",
        default=[],
        metavar="NAME",
        help="a device that never answers (repeatable)",
    )
    parser.set_defaults(func=run)


def broker_address(args: argparse.Namespace, config: MqttConfig) -> tuple[str, int]:
    """--broker HOST:PORT, else the configured broker ("embedded" is 127.0.0.1)."""
    if getattr(args, "broker", None):
        host, _, port = str(args.broker).rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--broker {args.broker!r} must look like HOST:PORT")
        return host, int(port)
    return ("127.0.0.1" if config.broker == "embedded" else config.broker), config.port


def run(args: argparse.Namespace) -> int:
    """The `homevox sim` command: run until SIGINT or SIGTERM; 0 on a clean stop."""
    try:
        loaded = load_config(getattr(args, "config", None))
        host, port = broker_address(args, loaded.config.mqtt)
        mqtt_config = loaded.config.mqtt
        if mqtt_config.password_file:
            resolved = str(loaded.resolve(mqtt_config.password_file))
            mqtt_config = mqtt_config.model_copy(update={"password_file": resolved})
        home = VirtualHome(loaded.config.device_list(), host, port, set(args.silent), mqtt_config)
    except ConfigError as err:
        print("\n".join(err.problems), file=sys.stderr)
        return 78
    except (ValueError, MqttError) as err:
        print(f"homevox sim: {err}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(home))
    except MqttError as err:
        print(f"homevox sim: {err}", file=sys.stderr)
        return 1
    return 0


async def _serve(home: VirtualHome) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await home.start()
    print(f"homevox sim: playing {len(home.states)} device(s); Ctrl-C stops", flush=True)
    try:
        await stopping.wait()
    finally:
        await home.stop()
