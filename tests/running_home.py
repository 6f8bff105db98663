"""A home running on a real broker for end-to-end tests: virtual devices, a link, a scheduler
and the TurnRunner the daemon would build from them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.asr import Transcriber
from daemon.config import LoadedConfig
from daemon.mqtt import MqttLink
from daemon.nlu.parse import IntentParser
from daemon.scheduler import HomeScheduler
from daemon.sim import VirtualHome
from daemon.turn import TurnRunner
from skills.base import IntentRequest, ScheduledItem


@dataclass
class RunningHome:
    runner: TurnRunner
    scheduler: HomeScheduler


@asynccontextmanager
async def running_home(
    loaded: LoadedConfig,
    parser: IntentParser,
    transcriber: Transcriber,
    host: str,
    port: int,
    state_dir: Path,
) -> AsyncIterator[RunningHome]:
    """The example home's devices answering on `host:port`, and a runner acting on them.

    Due reminders and scheduled actions are dropped: these tests are about turns.
    """
    config = loaded.config
    devices = config.device_list()
    virtual = VirtualHome(devices, host, port)
    await virtual.start()
    link = MqttLink(config.mqtt, config.assistant.name, devices, host, port)
    await link.start()
    try:
        assert await link.wait_connected(5)

        async def on_due(item: ScheduledItem, missed: bool) -> None:
            pass

        async def run_action(request: IntentRequest) -> None:
            pass

        scheduler = HomeScheduler(state_dir, ZoneInfo("UTC"), on_due, run_action)
        await scheduler.start()
        try:
            runner = TurnRunner(
                loaded, link=link, parser=parser, transcriber=transcriber, scheduler=scheduler
            )
            yield RunningHome(runner, scheduler)
        finally:
            await scheduler.stop()
    finally:
        await link.stop()
        await virtual.stop()
