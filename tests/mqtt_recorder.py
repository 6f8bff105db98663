"""A test client that records every message a real broker carries."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import paho.mqtt.client as paho


class Recorder:
    """Every message the broker carries, as (topic, payload, retained)."""

    def __init__(self, host: str, port: int) -> None:
        self.messages: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()
        self._client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="test-recorder")
        self._client.on_message = self._on_message
        self._subscribed = threading.Event()
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.connect(host, port)
        self._client.subscribe("#")
        self._client.loop_start()
        assert self._subscribed.wait(5), "recorder could not subscribe"

    def _on_message(self, client: Any, userdata: Any, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload.decode(), bool(message.retain)))

    def commands(self) -> list[tuple[str, str]]:
        """Messages that are commands to devices (not state echoes, not homevox's own)."""
        with self._lock:
            return [
                (t, p)
                for t, p, _ in self.messages
                if t.endswith("/set") or t.startswith("cmnd/") or "/command" in t
            ]

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()

    def wait_for(self, topic: str, timeout: float, predicate: Any = None) -> str:
        """The payload of the first message on `topic` (matching `predicate`) within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [
                    p
                    for t, p, _ in self.messages
                    if t == topic and (predicate is None or predicate(p))
                ]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(
            f"nothing on {topic} within {timeout} s; saw {[t for t, _, _ in self.messages][-20:]}"
        )

    def wait_for_json(self, topic: str, timeout: float, **expected: Any) -> dict[str, Any]:
        """The first JSON message on `topic` whose keys include `expected`."""

        def matches(payload: str) -> bool:
            try:
                data = json.loads(payload)
            except ValueError:
                return False
            return isinstance(data, dict) and all(data.get(k) == v for k, v in expected.items())

        result: dict[str, Any] = json.loads(self.wait_for(topic, timeout, matches))
        return result

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
