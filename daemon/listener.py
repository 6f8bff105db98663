"""The listener: audio blocks -> a ListeningCore off the event loop -> commands, each handed to
its turn while listening goes on, with early endpointing's judgements at pauses."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable

from daemon.listening_core import (
    COMMAND_START_SECONDS,
    CommandTimedOut,
    ListenerEvent,
    ListeningCore,
    Trigger,
    UtteranceCaptured,
    WakeWordDetected,
    load_listening_core,
)
from daemon.vad import Audio, SpeechPaused, SpeechResumed, UtteranceDiscarded

__all__ = [
    "COMMAND_START_SECONDS",
    "CommandTimedOut",
    "Listener",
    "ListenerEvent",
    "ListeningCore",
    "Speculate",
    "Trigger",
    "Turn",
    "UtteranceCaptured",
    "WakeWordDetected",
    "load_listening_core",
]
"""The core and its events are re-exported: callers import the listener's parts from here."""

log = logging.getLogger(__name__)

MAX_WAITING_COMMANDS = 2
"""Commands captured while a turn runs wait for it; beyond this many the oldest is dropped."""

Turn = Callable[[], Awaitable[None]]
Speculate = Callable[[Audio], Awaitable[Turn | None]]
"""Judges a paused command's audio; returns its turn when the command may end there."""


class Listener:
    """The listener task: feeds blocks to a ListeningCore off the event loop and hands each
    captured command to `on_utterance` (its audio, and the lead before it: see
    UtteranceCaptured.lead), one at a time, while listening goes on (a slow turn never makes
    the capture queue overflow)."""

    def __init__(
        self,
        core: ListeningCore,
        on_utterance: Callable[[Audio, Audio], Awaitable[None]],
        on_event: Callable[[ListenerEvent], None] | None = None,
        speculate: Speculate | None = None,
        on_continuation: Callable[[Audio], Awaitable[None]] | None = None,
    ) -> None:
        self.core = core
        self._on_utterance = on_utterance
        self._on_event = on_event
        self._speculate = speculate
        """Early endpointing (daemon.early.Speculator); None = every command waits for the
        full silence."""
        self._on_continuation = on_continuation
        """Speech captured in the continuation window after an early commit
        (daemon.continuation.Continuation.hear); None = handed to `on_utterance`."""
        self._speculation: tuple[int, asyncio.Task[None]] | None = None
        self._turn_running = False
        self.dropped_commands = 0
        """Commands dropped because MAX_WAITING_COMMANDS were already waiting for a turn."""

    def open_follow_up(self, seconds: float) -> None:
        """After a reply that asks a question: the answer needs no wake word for `seconds`."""
        self.core.open_follow_up(seconds)

    async def run(self, blocks: AsyncIterable[Audio]) -> None:
        """Listen until `blocks` ends (then finish the waiting commands) or the task is
        cancelled. An exception from `on_utterance` ends listening and is raised here."""
        waiting: asyncio.Queue[Turn | None] = asyncio.Queue()
        turns = asyncio.create_task(self._run_turns(waiting), name="listener-turns")
        try:
            async for block in blocks:
                if turns.done():
                    break
                arrived = time.monotonic()
                events = await asyncio.to_thread(self.core.feed, block, arrived)
                for event in events:
                    self._publish(event, waiting)
            await self.settled()
            waiting.put_nowait(None)
            await turns
        finally:
            self._drop_speculation()
            if not turns.done():
                turns.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await turns

    async def settled(self) -> None:
        """Wait until the paused command being judged, if any, is committed or let go."""
        if self._speculation is not None:
            await asyncio.wait([self._speculation[1]])

    def _publish(self, event: ListenerEvent, waiting: asyncio.Queue[Turn | None]) -> None:
        _log_event(event)
        if self._on_event is not None:
            self._on_event(event)
        if isinstance(event, SpeechPaused):
            self._start_speculation(event, waiting)
        elif isinstance(event, SpeechResumed | UtteranceCaptured):
            self._drop_speculation()
        if isinstance(event, UtteranceCaptured) and event.reason != "early":
            audio, lead = event.audio, event.lead
            continuation = self._on_continuation
            if event.trigger == "continuation" and continuation is not None:
                self._enqueue(lambda: continuation(audio), waiting)
            else:
                handle = self._on_utterance
                self._enqueue(lambda: handle(audio, lead), waiting)

    def _enqueue(self, turn: Turn, waiting: asyncio.Queue[Turn | None]) -> None:
        if waiting.qsize() >= MAX_WAITING_COMMANDS:
            # Stale commands acted on late surprise people more than a lost one.
            waiting.get_nowait()
            self.dropped_commands += 1
            log.warning("a turn is still running: dropped the oldest waiting command")
        waiting.put_nowait(turn)

    def _start_speculation(self, paused: SpeechPaused, waiting: asyncio.Queue[Turn | None]) -> None:
        self._drop_speculation()
        if self._speculate is None or self._turn_running or not waiting.empty():
            return  # busy: this command waits for the full silence
        if self.core.trigger == "continuation":
            return  # judged with the command it continues, at the full silence
        task = asyncio.create_task(self._judge(paused, waiting), name="listener-early")
        self._speculation = (paused.pause, task)

    def _drop_speculation(self) -> None:
        """Speech resumed or the command ended another way: the judgement in flight is void."""
        if self._speculation is not None:
            self._speculation[1].cancel()
            self._speculation = None

    async def _judge(self, paused: SpeechPaused, waiting: asyncio.Queue[Turn | None]) -> None:
        assert self._speculate is not None
        try:
            turn = await self._speculate(paused.audio)
        except Exception:  # the command still ends at the full silence, and fails there
            log.exception("early endpointing failed; waiting for the full silence")
            return
        if turn is None:
            return
        # In the loop, not in a thread: a cancelled to_thread could commit the command and
        # lose its turn. The lock is held at most while one block is processed.
        captured = self.core.commit_early(paused.pause)
        if captured is None:
            return  # speech resumed, or the full silence ended the command meanwhile
        self._speculation = None
        self._publish(captured, waiting)
        self._enqueue(turn, waiting)

    async def _run_turns(self, waiting: asyncio.Queue[Turn | None]) -> None:
        while (turn := await waiting.get()) is not None:
            self._turn_running = True
            try:
                await turn()
            finally:
                self._turn_running = False


def _log_event(event: ListenerEvent) -> None:
    if isinstance(event, WakeWordDetected):
        log.info("wake word %s heard (score %.2f)", event.model, event.score)
    elif isinstance(event, UtteranceCaptured):
        log.info(
            "command captured: %.1f s of speech, ended by %s", event.speech_seconds, event.reason
        )
    elif isinstance(event, SpeechPaused):
        log.debug("pause after %.1f s of speech: judging the command so far", event.speech_seconds)
    elif isinstance(event, UtteranceDiscarded):
        log.debug("speech too short (%.2f s): ignored", event.speech_seconds)
    elif isinstance(event, CommandTimedOut):
        if event.trigger == "continuation":
            log.debug("nothing followed the command ended early: its continuation window closed")
        else:
            log.info("no command followed the %s: listening for the wake word again", event.trigger)
