"""`homevox run`: the long-running daemon that wires every stage together.

Start-up order: broker (embedded) -> MQTT link -> simulated devices -> models (intent,
Whisper, wake word, VAD) -> scheduler -> speaker -> listener. Models load before the daemon
says it is ready. Turns run one at a time; replies and due reminders go to one speaker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime
from typing import Any

from daemon.config import LoadedConfig
from daemon.errors import HomevoxError
from daemon.stages import load_asr_stage, load_parser
from daemon.turn import TurnRunner
from daemon.turn_result import TurnResult
from skills.base import IntentRequest, ScheduledItem

log = logging.getLogger(__name__)


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser("run", help="run the daemon (listen, understand, act, speak)")
    parser.add_argument(
        "--no-audio",
        action="store_true",
        help="no listening: reminders and the MQTT text topic only",
    )
    parser.add_argument(
        "--require-device",
        action="store_true",
        help="exit if there is no microphone (no demo fallback)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from daemon.cli import load_or_exit, parse_broker

    loaded = load_or_exit(args.config)
    if args.require_device:
        audio = loaded.config.audio.model_copy(update={"require_device": True})
        loaded = replace(loaded, config=loaded.config.model_copy(update={"audio": audio}))
    daemon = Daemon(loaded, broker=parse_broker(args.broker), listen=not args.no_audio)
    try:
        asyncio.run(daemon.serve())
    except HomevoxError as err:
        log.error("%s", err)
        print(f"homevox: {err}", file=sys.stderr)
        return 1
    return 0


class Daemon:
    """All stages of homevox, started in order and stopped in reverse."""

    def __init__(
        self, loaded: LoadedConfig, broker: tuple[str, int] | None = None, listen: bool = True
    ) -> None:
        self.loaded = loaded
        self.config = loaded.config
        self.broker = broker
        self.listen = listen
        self.runner: TurnRunner | None = None
        self._turn_lock = asyncio.Lock()
        self._speaker: Any = None
        self._listener: Any = None
        self._continuation: Any = None
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._failure: HomevoxError | None = None

    async def serve(self) -> None:
        """Run until SIGINT or SIGTERM."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._stop.set)
        async with AsyncExitStack() as stack:
            await self._start(stack)
            self._ready.set()
            log.info(
                "homevox ready: %d devices, %s",
                len(self.config.devices),
                "listening" if self.listen else "not listening (--no-audio)",
            )
            await self._stop.wait()
            log.info("stopping")
        if self._failure is not None:
            raise self._failure

    async def _start(self, stack: AsyncExitStack) -> None:
        from daemon.mqtt import MqttLink
        from daemon.scheduler import HomeScheduler, state_dir_for, zone_for
        from daemon.tts import Speaker

        config = self.config
        host, port = await self._broker_address(stack)
        link = MqttLink(config.mqtt, config.assistant.name, config.device_list(), host, port)
        # Registered before connecting: a text that arrives while models load waits, not lost.
        link.on_text(self._on_text)
        await link.start()
        stack.push_async_callback(link.stop)
        if config.mqtt.simulate_devices:
            from daemon.sim import VirtualHome

            home = VirtualHome(config.device_list(), host, port, mqtt_config=config.mqtt)
            await home.start()
            stack.push_async_callback(home.stop)
            log.info(
                "simulating the %d configured devices on the broker ([mqtt] simulate_devices)",
                len(config.devices),
            )
        parser = await asyncio.to_thread(load_parser, self.loaded)
        transcriber = await asyncio.to_thread(load_asr_stage, self.loaded) if self.listen else None
        self.runner = TurnRunner(self.loaded, link=link, parser=parser, transcriber=transcriber)
        self._speaker = Speaker(config.speech, on_speaking=self._mute)
        await self._speaker.start()
        stack.push_async_callback(self._speaker.stop)
        scheduler = HomeScheduler(
            state_dir_for(self.loaded),
            zone_for(self.loaded),
            self._announce,
            self._scheduled_action,
            missed_grace=_minutes(config.reminders.missed_grace_minutes),
            on_expired=self._expired,
        )
        self.runner.scheduler = scheduler
        await scheduler.start()
        stack.push_async_callback(scheduler.stop)
        if self.listen:
            from daemon.listener import Listener, load_listening_core

            core = await asyncio.to_thread(
                load_listening_core, config.audio, config.wake, config.wake.mode == "wakeword"
            )
            speculate = None
            if config.audio.early_silence_seconds:
                from daemon.continuation import Continuation
                from daemon.early import Speculator

                self._continuation = Continuation(self.runner, config.wake.mode == "wakeword")
                speculate = Speculator(
                    self.runner, self._conclude, self._turn_lock, self._continuation.remember
                )
            self._listener = Listener(
                core,
                self._on_utterance,
                speculate=speculate,
                on_continuation=self._on_continuation if speculate is not None else None,
            )
            task = asyncio.create_task(self._listen(), name="listener")
            task.add_done_callback(self._listener_ended)
            stack.push_async_callback(_cancel, task)

    async def _broker_address(self, stack: AsyncExitStack) -> tuple[str, int]:
        if self.broker is not None:
            return self.broker
        mqtt = self.config.mqtt
        if mqtt.broker != "embedded":
            return mqtt.broker, mqtt.port
        from daemon.broker import EmbeddedBroker

        broker = EmbeddedBroker(port=mqtt.port)
        await broker.start()
        stack.push_async_callback(broker.stop)
        log.info("embedded MQTT broker on %s:%d", broker.host, broker.port)
        return broker.host, broker.port

    async def _listen(self) -> None:
        from daemon.capture import open_audio_source
        from daemon.demo_source import demo_phrases

        self._source = await open_audio_source(self.config.audio, demo_phrases(self.config))
        await self._listener.run(self._source.blocks())

    def _listener_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            log.info("the audio source ended; still serving reminders and the MQTT text topic")
            return
        if isinstance(error, HomevoxError):
            self._failure = error
        else:
            log.error("listening failed", exc_info=error)
            self._failure = HomevoxError("listener_failed", f"listening failed: {error}")
        self._stop.set()

    async def _on_utterance(self, audio: Any, lead: Any) -> None:
        assert self.runner is not None
        async with self._turn_lock:
            result = await self.runner.run_audio(audio, lead)
        await self._conclude(result)

    async def _on_continuation(self, audio: Any) -> None:
        async with self._turn_lock:
            result = await self._continuation.hear(audio)
        if result is not None:
            await self._conclude(result)

    async def _on_text(self, text: str) -> None:
        log.info("text command from MQTT: %r", text)
        await self._ready.wait()
        assert self.runner is not None
        async with self._turn_lock:
            result = await self.runner.run_text(text)
        await self._conclude(result)

    async def _conclude(self, result: TurnResult) -> None:
        turn = result.to_json()
        log.info("turn: %s", json.dumps(turn, ensure_ascii=False))
        if self.runner is not None and self.runner.link is not None and result.text:
            # A phone or an automation that sent text on .../say reads the answer here.
            with contextlib.suppress(HomevoxError):
                await self.runner.link.publish_json("reply", turn)
        if result.question is not None and self._listener is not None:
            self._listener.open_follow_up(self.config.wake.follow_up_seconds)
        if result.reply:
            await self._speaker.say(result.reply)

    async def _announce(self, item: ScheduledItem, missed: bool) -> None:
        from daemon.announcements import announcement, reminder_payload

        assert self.runner is not None and self.runner.link is not None
        await self._speaker.say(announcement(item, missed))
        payload = json.loads(reminder_payload(item, datetime.now(item.due.tzinfo), missed))
        try:
            await self.runner.link.publish_json("reminder", payload)
        except HomevoxError as err:
            log.warning("reminder %s was spoken but not published: %s", item.id, err)

    async def _expired(self, item: ScheduledItem) -> None:
        """Fell due so long ago that saying it now would confuse: published, not spoken."""
        from daemon.announcements import reminder_payload

        assert self.runner is not None and self.runner.link is not None
        log.warning(
            "%s %s fell due at %s, past the grace period: published, not spoken",
            item.kind,
            item.id,
            item.due,
        )
        payload = {
            **json.loads(reminder_payload(item, datetime.now(item.due.tzinfo), True)),
            "expired": True,
        }
        try:
            await self.runner.link.publish_json("reminder", payload)
        except HomevoxError as err:
            log.warning("expired %s %s could not be published: %s", item.kind, item.id, err)

    async def _scheduled_action(self, request: IntentRequest) -> None:
        assert self.runner is not None
        async with self._turn_lock:
            result = await self.runner.run_request(request)
        await self._conclude(result)

    def _mute(self, speaking: bool) -> None:
        source = getattr(self, "_source", None)
        if source is not None:
            source.muted = speaking


def _minutes(value: int) -> Any:
    from datetime import timedelta

    return timedelta(minutes=value)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
