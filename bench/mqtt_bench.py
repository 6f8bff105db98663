"""MQTT link benchmark: command-to-acknowledgement latency per protocol, on mosquitto and amqtt.

Each round publishes one command with MqttLink.execute and waits for the virtual device's state
echo. The baseline, measured in the same run and interleaved round by round, is two bare paho
clients doing the same trip (publish, a responder echoes, the echo arrives). Ratios are to
that baseline's median on the same broker. Then the outage path: how long a command waits
before broker_unavailable, and how long the link takes to come back after a broker restart.

    .venv/bin/python bench/mqtt_bench.py [--rounds 200] [--brokers mosquitto amqtt]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.broker import EmbeddedBroker
from daemon.config import MqttConfig
from daemon.mqtt import MqttError, MqttLink
from daemon.mqtt_client import release_client, send_at_once
from daemon.sim import VirtualHome
from devices.base import Command, Device
from skills.base import DeviceAction

DEVICES = [
    Device("z light", "light", "zigbee2mqtt", "zigbee2mqtt/bench_z", "bench"),
    Device("t light", "light", "tasmota", "bench_t", "bench"),
    Device("h light", "light", "homeassistant", "home/bench_h", "bench"),
    Device(
        "g light",
        "light",
        "generic",
        "generic/bench",
        "bench",
        options={
            "command_topic": "generic/bench/cmd",
            "state_topic": "generic/bench/state",
            "templates": {"brightness": "{value}"},
        },
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BareRoundTrip:
    """Two plain paho clients: `ping` goes out, a responder answers on `pong`."""

    def __init__(self, port: int, no_delay: bool) -> None:
        self._port = port
        self._no_delay = no_delay
        self._ping, self._pong = f"bench/ping/{no_delay}", f"bench/pong/{no_delay}"
        self._answered = threading.Event()
        self._responder = self._client(f"bench-responder-{no_delay}", {self._ping: self._answer})
        self._caller = self._client(
            f"bench-caller-{no_delay}", {self._pong: lambda *_: self._answered.set()}
        )

    def _client(self, name: str, handlers: dict[str, object]) -> paho.Client:
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=name)
        subscribed = threading.Event()
        client.on_subscribe = lambda *_: subscribed.set()
        for topic, handler in handlers.items():
            client.message_callback_add(topic, handler)  # type: ignore[arg-type]
        if self._no_delay:
            send_at_once(client)
        client.on_connect = lambda client, *_: client.subscribe([(topic, 1) for topic in handlers])
        client.connect("127.0.0.1", self._port)
        client.loop_start()
        if not subscribed.wait(5):
            raise SystemExit("bench: bare client could not subscribe")
        return client

    def _answer(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        client.publish(self._pong, message.payload, qos=1)

    async def once(self) -> float:
        self._answered.clear()
        start = time.perf_counter()
        self._caller.publish(self._ping, b'{"brightness":40}', qos=1)
        if not await asyncio.to_thread(self._answered.wait, 5):
            raise SystemExit("bench: the bare round trip got no answer")
        return time.perf_counter() - start

    def close(self) -> None:
        for client in (self._caller, self._responder):
            client.disconnect()
            client.loop_stop()
            release_client(client)


async def latencies(engine: str, rounds: int) -> dict[str, list[float]]:
    broker = EmbeddedBroker(free_port(), engine=engine)  # type: ignore[arg-type]
    await broker.start()
    config = MqttConfig(ack_timeout_seconds=5.0)
    link = MqttLink(config, "bench", DEVICES, broker.host, broker.port)
    home = VirtualHome(DEVICES, broker.host, broker.port)
    # In a thread: amqtt serves on this event loop, which must keep running meanwhile.
    bare = await asyncio.to_thread(BareRoundTrip, broker.port, False)
    quick = await asyncio.to_thread(BareRoundTrip, broker.port, True)
    times: dict[str, list[float]] = {"bare paho": [], "bare, NODELAY": []}
    times |= {d.protocol: [] for d in DEVICES}
    try:
        await link.start()
        if not await link.wait_connected(10):
            raise SystemExit(f"bench: link could not connect to {engine}")
        await home.start()
        for index in range(rounds):
            times["bare paho"].append(await bare.once())
            times["bare, NODELAY"].append(await quick.once())
            for device in DEVICES:
                action = DeviceAction(device, Command("brightness", 10 + index % 80))
                start = time.perf_counter()
                result = (await link.execute([action]))[0]
                elapsed = time.perf_counter() - start
                if not result.acknowledged:
                    raise SystemExit(f"bench: {device.name} did not acknowledge on {engine}")
                times[device.protocol].append(elapsed)
    finally:
        bare.close()
        quick.close()
        await home.stop()
        await link.stop()
        await broker.stop()
    return times


async def outage(connect_wait: float) -> tuple[float, float]:
    """(seconds until broker_unavailable, seconds from broker restart to reconnected)."""
    port = free_port()
    broker = EmbeddedBroker(port, engine="mosquitto")
    await broker.start()
    config = MqttConfig(
        connect_wait_seconds=connect_wait, reconnect_min_seconds=0.5, reconnect_max_seconds=2.0
    )
    link = MqttLink(config, "bench-outage", DEVICES[:1], broker.host, port)
    await link.start()
    await link.wait_connected(10)
    await broker.stop()
    while link.connected:
        await asyncio.sleep(0.01)
    start = time.perf_counter()
    try:
        await link.execute([DeviceAction(DEVICES[0], Command("power", True))])
        raise SystemExit("bench: execute did not fail with the broker down")
    except MqttError:
        failed_after = time.perf_counter() - start
    await asyncio.sleep(1.0)
    broker = EmbeddedBroker(port, engine="mosquitto")
    await broker.start()
    start = time.perf_counter()
    await link.wait_connected(30)
    back_after = time.perf_counter() - start
    await link.stop()
    await broker.stop()
    return failed_after, back_after


def _row(name: str, values: list[float], baseline: float) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"| {name:<14} | {median * 1000:8.2f} | {p95 * 1000:8.2f} | {median / baseline:6.2f} |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--brokers", nargs="+", default=["mosquitto", "amqtt"])
    args = parser.parse_args()
    for engine in args.brokers:
        times = await latencies(engine, args.rounds)
        baseline = statistics.median(times["bare paho"])
        print(
            f"\n{engine}: command -> state echo, {args.rounds} rounds"
            " (ratio = median / bare paho median)"
        )
        print("| path           | median ms | p95 ms | ratio |")
        print("|----------------|----------:|-------:|------:|")
        for name, values in times.items():
            print(_row(name, values, baseline))
    failed_after, back_after = await outage(3.0)
    print("\noutage (mosquitto, connect_wait_seconds = 3, reconnect 0.5-2 s back-off)")
    print(f"| command fails after | {failed_after:.2f} s |")
    print(f"| reconnected after broker restart | {back_after:.2f} s |")


if __name__ == "__main__":
    asyncio.run(main())
