"""A test client that records every message a real broker carries."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from daemon.mqtt_client import release_client
from devices import ADAPTERS
from devices.base import Device


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `condition` until true (True) or until `timeout` seconds pass (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


class Recorder:
    """A plain subscriber: what the broker delivers on `topics`, as (topic, payload, retained)."""

    def __init__(self, host: str, port: int, topics: Sequence[str] = ("#",)) -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-rec-{secrets.token_hex(3)}"
        )
        self._client.on_message = self._on_message
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.connect(host, port)
        self._client.subscribe([(topic, 1) for topic in topics])
        self._client.loop_start()
        if not self._subscribed.wait(5):
            self.close()
            pytest.fail(f"recorder could not subscribe on {host}:{port}")

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload), bool(message.retain)))

    def publish(self, topic: str, payload: str) -> None:
        self._client.publish(topic, payload, qos=1)

    def on(self, topic_filter: str) -> list[tuple[str, str]]:
        """Messages whose topic matches `topic_filter`, decoded."""
        with self._lock:
            return [
                (t, p.decode())
                for t, p, _ in self.messages
                if paho.topic_matches_sub(topic_filter, t)
            ]

    def commands(self, devices: Collection[Device] | None = None) -> list[tuple[str, str]]:
        """Messages on the command topics of `devices` (default: any device command), in order."""
        with self._lock:
            if devices is not None:
                filters = [f for d in devices for f in ADAPTERS[d.protocol].command_topics(d)]
                return [
                    (t, p.decode())
                    for t, p, _ in self.messages
                    if any(paho.topic_matches_sub(f, t) for f in filters)
                ]
            return [
                (t, p.decode())
                for t, p, _ in self.messages
                if t.endswith("/set") or t.startswith("cmnd/") or "/command" in t
            ]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        return await eventually(condition, timeout)

    def wait_message(
        self, topic: str, timeout: float, predicate: Callable[[str], bool] | None = None
    ) -> str:
        """The payload of the first message on `topic` (matching `predicate`), blocking."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for _, p in self.on(topic) if predicate is None or predicate(p)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(
            f"nothing on {topic} within {timeout} s; saw {[t for t, _, _ in self.messages][-20:]}"
        )

    def wait_json(self, topic: str, timeout: float, **expected: Any) -> dict[str, Any]:
        """The first JSON object on `topic` whose keys include `expected`, blocking."""

        def matches(payload: str) -> bool:
            try:
                data = json.loads(payload)
            except ValueError:
                return False
            return isinstance(data, dict) and all(data.get(k) == v for k, v in expected.items())

        result: dict[str, Any] = json.loads(self.wait_message(topic, timeout, matches))
        return result

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        release_client(self._client)
