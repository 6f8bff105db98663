"""The virtual home through a real mosquitto: every adapter's commands and echoes, `homevox sim`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from daemon.config import MqttConfig
from daemon.mqtt import CommandResult, MqttLink, states_match
from daemon.sim import VirtualHome
from devices.base import Command, Device
from skills.base import DeviceAction
from tests.mqtt_recorder import Recorder
from tests.test_adapters import CASES, DEVICES

REPO = Path(__file__).resolve().parent.parent
FAST = {"ack_timeout_seconds": 0.5, "connect_wait_seconds": 1.0, "reconnect_min_seconds": 0.1}


def fast_config(**changes: Any) -> MqttConfig:
    return MqttConfig(**{**FAST, **changes})


@asynccontextmanager
async def running_link(
    broker: Any,
    devices: Sequence[Device],
    config: MqttConfig | None = None,
    assistant: str = "test",
) -> AsyncIterator[MqttLink]:
    link = MqttLink(config or fast_config(), assistant, devices, broker.host, broker.port)
    await link.start()
    try:
        assert await link.wait_connected(5), "the link did not connect to mosquitto"
        yield link
    finally:
        await asyncio.wait_for(link.stop(), 10)


@asynccontextmanager
async def running_home(
    broker: Any, devices: Sequence[Device], silent: Collection[str] = ()
) -> AsyncIterator[VirtualHome]:
    home = VirtualHome(devices, broker.host, broker.port, silent=set(silent))
    await asyncio.wait_for(home.start(), 10)
    try:
        yield home
    finally:
        await asyncio.wait_for(home.stop(), 10)


@pytest.mark.parametrize("protocol", ["zigbee2mqtt", "tasmota", "homeassistant", "generic"])
async def test_every_command_goes_out_exactly_and_the_virtual_device_acknowledges_it(
    mosquitto: Any, protocol: str
) -> None:
    devices = [device for device in DEVICES.values() if device.protocol == protocol]
    cases = [case for case in CASES if DEVICES[case[0]].protocol == protocol]
    recorder = Recorder(mosquitto.host, mosquitto.port)
    try:
        async with running_link(mosquitto, devices) as link, running_home(mosquitto, devices):
            for name, command, topic, payload, expected in cases:
                action = DeviceAction(DEVICES[name], command)
                results = await asyncio.wait_for(link.execute([action]), 5)
                assert results == [CommandResult(name, topic, payload, True, None)], (name, command)
                if command.action != "cover":  # a cover's "moving" passes on as it arrives
                    assert states_match(link.state(name), expected), (
                        name,
                        command,
                        link.state(name),
                    )
        assert await recorder.wait_for(lambda: len(recorder.commands(devices)) >= len(cases))
        assert recorder.commands(devices) == [(topic, payload) for _, _, topic, payload, _ in cases]
    finally:
        recorder.close()


async def test_a_silent_device_is_reported_as_not_responding(mosquitto: Any) -> None:
    quiet, chatty = DEVICES["t light"], DEVICES["h light"]
    async with (
        running_link(mosquitto, [quiet, chatty]) as link,
        running_home(mosquitto, [quiet, chatty], silent={"t light"}) as home,
    ):
        results = await asyncio.wait_for(
            link.execute(
                [
                    DeviceAction(quiet, Command("power", True)),
                    DeviceAction(chatty, Command("power", True)),
                ]
            ),
            5,
        )
        assert [(r.device, r.acknowledged, r.error) for r in results] == [
            ("t light", False, "no_echo"),
            ("h light", True, None),
        ]
        assert ("cmnd/t_light/POWER", b"ON") in home.received  # heard, never answered
        assert link.state("t light").get("on") is not True  # only its start-up report


async def test_availability_is_retained_and_reported_offline_when_the_home_stops(
    mosquitto: Any,
) -> None:
    devices = [device for device in DEVICES.values() if device.protocol != "generic"]
    async with (
        running_home(mosquitto, devices),
        running_link(mosquitto, devices) as link,
    ):  # connects after: sees retained messages
        recorder = Recorder(mosquitto.host, mosquitto.port)
        assert await recorder.wait_for(
            lambda: all(link.state(d.name).get("available") for d in devices)
        )
        recorder.close()
    async with running_link(mosquitto, devices) as link:
        recorder = Recorder(mosquitto.host, mosquitto.port)
        assert await recorder.wait_for(
            lambda: all(link.state(d.name).get("available") is False for d in devices)
        ), str({d.name: link.state(d.name) for d in devices})
        recorder.close()


CONFIG = """
[assistant]
name = "simtest"
room = "kitchen"

[[devices]]
name = "kitchen light"
room = "kitchen"
kind = "light"
protocol = "zigbee2mqtt"
topic = "zigbee2mqtt/sim_kitchen"

[[devices]]
name = "hall light"
room = "hall"
kind = "light"
protocol = "tasmota"
topic = "sim_hall"
"""


def _sim_command(config: Path, broker: Any, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "daemon.cli",
        "sim",
        "--config",
        str(config),
        "--broker",
        f"{broker.host}:{broker.port}",
        *extra,
    ]


async def test_homevox_sim_plays_the_configured_devices_until_sigterm(
    mosquitto: Any, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        *_sim_command(config, mosquitto, "--silent", "hall light"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        banner = await asyncio.wait_for(process.stdout.readline(), 60)
        assert b"playing 2 device(s)" in banner
        kitchen = Device(
            "kitchen light", "light", "zigbee2mqtt", "zigbee2mqtt/sim_kitchen", "kitchen"
        )
        hall = Device("hall light", "light", "tasmota", "sim_hall", "hall")
        async with running_link(mosquitto, [kitchen, hall]) as link:
            actions = [
                DeviceAction(kitchen, Command("brightness", 30)),
                DeviceAction(hall, Command("power", True)),
            ]
            results = await asyncio.wait_for(link.execute(actions), 5)
            assert [r.acknowledged for r in results] == [True, False]
            assert link.state("kitchen light")["brightness_percent"] == 30
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 15)
    assert code == 0
    async with running_link(mosquitto, [kitchen]) as link:
        recorder = Recorder(mosquitto.host, mosquitto.port)
        assert await recorder.wait_for(
            lambda: link.state("kitchen light").get("available") is False
        )
        recorder.close()


def test_homevox_sim_refuses_an_unknown_silent_device(mosquitto: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    done = subprocess.run(
        _sim_command(config, mosquitto, "--silent", "garage door"),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "homevox sim: --silent names no configured device: garage door"
    ]
