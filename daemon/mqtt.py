"""The one MQTT link of homevox: device commands, their state echoes, availability, `say` text.

paho's network loop runs in its own thread; every callback hops onto the asyncio loop with
call_soon_threadsafe, so all state lives on the event loop. A command is published only on a
live connection and is never sent later: unacknowledged messages are dropped on disconnect
and again on connect, before paho could resend them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode

from daemon.config import MqttConfig
from daemon.mqtt_client import MqttError as MqttError
from daemon.mqtt_client import checked_topic, new_client, release_client
from devices import ADAPTERS
from devices.base import CommandError, Device, Message
from skills.base import DeviceAction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandResult:
    """What became of one DeviceAction."""

    device: str
    """The device's configured name."""
    topic: str
    """Topic of the action's first message (the bundled adapters send one message per action)."""
    payload: str
    """Payload of that message; several messages' payloads would be joined by newlines."""
    acknowledged: bool
    """The device's state echo confirmed the change within ack_timeout_seconds."""
    error: str | None
    """None, "no_echo" (the device did not answer in time) or "publish_failed"."""


def states_match(state: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Does `state` show every key of `expected`? Kelvin within 1% (mired rounding)."""
    for key, want in expected.items():
        have = state.get(key)
        if isinstance(want, bool | str) or isinstance(have, bool | str):
            if type(have) is not type(want) or have != want:
                return False
        elif not isinstance(have, int | float):
            return False
        elif key == "color_temp_kelvin":
            if not math.isclose(have, want, rel_tol=0.01):
                return False
        elif not math.isclose(have, want, abs_tol=0.05):
            return False
    return True


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable


class MqttLink:
    """One paho client: publishes commands, tracks device states, reports homevox's availability."""

    def __init__(
        self,
        config: MqttConfig,
        assistant_name: str,
        devices: Sequence[Device],
        host: str,
        port: int,
    ) -> None:
        self._config = config
        self._host, self._port = host, port
        self._devices = {device.name: device for device in devices}
        self._prefix = f"homevox/{assistant_name}"
        self._status_topic = f"{self._prefix}/status"
        self._say_topic = f"{self._prefix}/say"
        self._by_topic: dict[str, list[Device]] = {}
        for device in devices:
            for topic in ADAPTERS[device.protocol].state_topics(device):
                self._by_topic.setdefault(topic, []).append(device)
        self._states: dict[str, dict[str, Any]] = {name: {} for name in self._devices}
        self._waiters: dict[str, list[tuple[Mapping[str, Any], asyncio.Future[None]]]] = {}
        self._text_callbacks: list[Callable[[str], Awaitable[None]]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected = asyncio.Event()
        self._stopping = False
        self._last_failure = "no answer yet"
        self.client_id = f"homevox-{assistant_name}-{secrets.token_hex(4)}"
        self._client = new_client(self.client_id, config)
        self._client.will_set(self._status_topic, "offline", qos=1, retain=True)
        # paho types the delays as int; it computes with them as numbers, so fractions work.
        self._client.reconnect_delay_set(config.reconnect_min_seconds, config.reconnect_max_seconds)  # type: ignore[arg-type]
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_message = self._on_message

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Return at once; paho connects (and reconnects) in its own thread."""
        self._loop = asyncio.get_running_loop()
        self._client.connect_async(self._host, self._port, keepalive=self._config.keepalive_seconds)
        self._client.loop_start()

    async def wait_connected(self, timeout: float) -> bool:
        """True once connected; False when `timeout` seconds pass first."""
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        """Publish `offline` (retained), disconnect cleanly and end paho's thread."""
        self._stopping = True
        if self._client.is_connected():
            info = self._client.publish(self._status_topic, "offline", qos=1, retain=True)
            with contextlib.suppress(ValueError, RuntimeError):  # connection lost meanwhile
                await asyncio.to_thread(info.wait_for_publish, 2.0)
        self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)
        release_client(self._client)
        self._connected.clear()
        for task in list(self._tasks):
            task.cancel()

    # --- paho thread callbacks (hop to the loop) -----------------------------------------

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        client.drop_out_messages()  # nothing queued before this connection may go out now
        if reason.is_failure:
            self._call_in_loop(self._note_failure, str(reason))
            return
        topics = [(topic, 1) for topic in (*self._by_topic, self._say_topic)]
        client.subscribe(topics)
        client.publish(self._status_topic, "online", qos=1, retain=True)
        self._call_in_loop(self._set_connected)

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        self._call_in_loop(self._note_failure, "cannot connect: no broker answers there")

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        client.drop_out_messages()
        self._call_in_loop(self._disconnected, str(reason))

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        self._call_in_loop(self._handle_message, message.topic, bytes(message.payload))

    def _call_in_loop(self, callback: Callable[..., None], *args: Any) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(callback, *args)

    # --- on the event loop -----------------------------------------------------------------

    def _set_connected(self) -> None:
        log.info("connected to MQTT broker %s:%d", self._host, self._port)
        self._last_failure = "no answer yet"
        self._connected.set()

    def _disconnected(self, reason: str) -> None:
        # A refused connection also ends in a disconnect: keep the refusal as the reason then.
        if not self._connected.is_set():
            return
        self._connected.clear()
        self._last_failure = f"connection lost ({reason})"
        if not self._stopping:
            log.warning(
                "lost the MQTT broker %s:%d (%s); reconnecting", self._host, self._port, reason
            )

    def _note_failure(self, reason: str) -> None:
        if reason != self._last_failure:
            log.warning("MQTT broker %s:%d: %s", self._host, self._port, reason)
        self._last_failure = reason

    def _handle_message(self, topic: str, payload: bytes) -> None:
        if topic == self._say_topic:
            self._deliver_text(payload)
            return
        for device in self._by_topic.get(topic, ()):
            update = ADAPTERS[device.protocol].parse_state(device, topic, payload)
            if not update:
                continue
            state = self._states[device.name]
            state.update(update)
            waiters = self._waiters.get(device.name, [])
            for expected, future in waiters:
                if not future.done() and states_match(state, expected):
                    future.set_result(None)

    def _deliver_text(self, payload: bytes) -> None:
        try:
            text = payload.decode("utf-8").strip()
        except UnicodeDecodeError:
            log.warning("ignored a message on %s that is not UTF-8 text", self._say_topic)
            return
        if text.startswith("{"):
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            text = (
                body.get("text", "").strip()
                if isinstance(body, dict) and isinstance(body.get("text"), str)
                else ""
            )
        if not text:
            return
        for callback in self._text_callbacks:
            task = asyncio.get_running_loop().create_task(_await(callback(text)))
            self._tasks.add(task)
            task.add_done_callback(self._text_done)

    def _text_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a `say` text handler failed", exc_info=task.exception())

    # --- public API --------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Connected to the broker right now (as far as the link knows)."""
        return self._connected.is_set() and self._client.is_connected()

    def state(self, device_name: str) -> Mapping[str, Any]:
        """Last known normalised state of a device; {} when never heard from."""
        return dict(self._states.get(device_name, {}))

    def on_text(self, callback: Callable[[str], Awaitable[None]]) -> None:
        """Run `callback` on the loop for each text published to homevox/<assistant>/say."""
        self._text_callbacks.append(callback)

    async def publish_json(
        self, suffix: str, payload: Mapping[str, Any], retain: bool = False
    ) -> None:
        """Publish JSON on homevox/<assistant>/<suffix>; raise broker_unavailable when offline."""
        topic = checked_topic(f"{self._prefix}/{suffix.strip('/')}")
        self._publish_now(topic, json.dumps(payload, separators=(",", ":")), retain)

    async def execute(self, actions: Sequence[DeviceAction]) -> list[CommandResult]:
        """Publish every action (QoS 1, never retained), then wait for each device's state echo.

        Bad actions raise MqttError before anything is published. Without a connection within
        connect_wait_seconds this raises broker_unavailable and publishes nothing, ever.
        """
        if not actions:
            return []
        planned = [(action, *self._plan(action)) for action in actions]
        if not await self.wait_connected(self._config.connect_wait_seconds):
            raise MqttError(
                "broker_unavailable",
                f"MQTT broker {self._host}:{self._port} not reachable within "
                f"{self._config.connect_wait_seconds:g} s ({self._last_failure}); "
                "check [mqtt] broker and port",
            )
        loop = asyncio.get_running_loop()
        # Listen before publishing, so that no echo can come too early to be seen.
        entries = [
            (action.device.name, (expected, loop.create_future()))
            for action, _, expected in planned
        ]
        for name, entry in entries:
            self._waiters.setdefault(name, []).append(entry)
        try:
            published = [self._try_publish(messages) for _, messages, _ in planned]
            echoed = await asyncio.gather(
                *(
                    self._echoed(entry[1], ok)
                    for (_, entry), ok in zip(entries, published, strict=True)
                )
            )
        finally:
            for name, entry in entries:
                self._waiters[name].remove(entry)
        return [
            CommandResult(
                device=action.device.name,
                topic="\n".join(message.topic for message in messages[:1]),
                payload="\n".join(message.payload for message in messages),
                acknowledged=ok and acked,
                error=None if ok and acked else ("no_echo" if ok else "publish_failed"),
            )
            for (action, messages, _), ok, acked in zip(planned, published, echoed, strict=True)
        ]

    async def _echoed(self, future: asyncio.Future[None], published: bool) -> bool:
        if not published:
            return False
        try:
            await asyncio.wait_for(future, self._config.ack_timeout_seconds)
        except TimeoutError:
            return False
        return True

    # --- helpers -------------------------------------------------------------------------------

    def _plan(self, action: DeviceAction) -> tuple[list[Message], Mapping[str, Any]]:
        device = action.device
        adapter = ADAPTERS.get(device.protocol)
        if adapter is None:
            raise MqttError(
                "unsupported_command",
                f"{device.name}: unknown protocol {device.protocol!r}",
                device=device.name,
            )
        try:
            messages = list(adapter.command_messages(device, action.command))
            expected = adapter.expected_state(device, action.command)
            for message in messages:
                checked_topic(message.topic)
        except (CommandError, MqttError) as err:
            raise MqttError(err.code, str(err), device=device.name) from err
        return messages, expected

    def _try_publish(self, messages: Sequence[Message]) -> bool:
        try:
            for message in messages:
                self._publish_now(message.topic, message.payload, retain=False)
        except MqttError as err:
            log.warning("%s", err)
            return False
        return True

    def _publish_now(self, topic: str, payload: str, retain: bool) -> None:
        if not self._client.is_connected():
            raise MqttError(
                "broker_unavailable", f"not connected to MQTT broker {self._host}:{self._port}"
            )
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._client.drop_out_messages()  # paho would otherwise send it after reconnecting
            raise MqttError(
                "publish_failed", f"could not publish on {topic} ({paho.error_string(info.rc)})"
            )
