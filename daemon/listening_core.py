"""The listening core: audio samples -> wake word or follow-up window -> VAD endpointing ->
listener events, synchronously (the Listener runs it in a worker thread)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from daemon.command_start import after_wake_word
from daemon.vad import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    Audio,
    Endpointer,
    SileroVad,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    UtteranceDiscarded,
    UtteranceEnded,
)
from daemon.wake import CHUNK_SAMPLES, RecentChunks, WakeWordDetector, load_wake_word

if TYPE_CHECKING:
    from daemon.config import AudioConfig, WakeConfig

COMMAND_START_SECONDS = 5.0
"""After the wake word, how long the command may take to begin before we go back to waiting."""
LEAD_SECONDS = 0.15
"""Audio kept from just before a command cut straight after the wake word: heard again with
it when the command alone was not understood (its first word may have run into the wake
word; daemon.turn.TurnRunner.run_audio)."""
_HEAD = 400
"""Samples of a replay compared with the command's start (25 ms)."""

Trigger = Literal["wake_word", "follow_up", "continuation", "always"]
"""continuation: speech just after a command ended early, heard only as the rest of it."""


@dataclass(frozen=True)
class WakeWordDetected:
    """The wake word model's score crossed the threshold."""

    model: str
    score: float
    at_seconds: float
    """Stream time at the end of the detecting 80 ms chunk."""
    monotonic: float
    """time.monotonic() estimate of that moment (from the block's arrival time)."""


@dataclass(frozen=True)
class CommandTimedOut:
    """Woken (or in a follow-up window) but no speech began in time: back to waiting."""

    trigger: Trigger
    at_seconds: float


@dataclass(frozen=True)
class UtteranceCaptured:
    """A command was cut by the endpointer and goes to the turn."""

    audio: Audio
    reason: Literal["silence", "early", "max_length"]
    """early: committed at a pause because the command so far was judged complete."""
    trigger: Trigger
    speech_seconds: float
    speech_ended_at_seconds: float
    """Stream time where the speech ended (latency is measured from here)."""
    speech_ended_monotonic: float
    """time.monotonic() estimate of the end of speech."""
    captured_monotonic: float
    """time.monotonic() when the endpointer decided (speech end + silence_seconds + processing)."""
    lead: Audio = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """LEAD_SECONDS of audio from right before `audio`, when the command was cut from the
    audio replayed after the wake word (empty when it began later, or without a wake word)."""


ListenerEvent = (
    WakeWordDetected
    | SpeechStarted
    | SpeechPaused
    | SpeechResumed
    | UtteranceDiscarded
    | CommandTimedOut
    | UtteranceCaptured
)


_NO_LEAD: tuple[Audio, Audio] = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32))


class ListeningCore:
    """The synchronous heart of the listener (runs in a worker thread): routes samples to the
    wake word model while waiting and to the VAD endpointer while a command may be spoken."""

    def __init__(self, audio: AudioConfig, wake: WakeWordDetector | None, vad: SileroVad) -> None:
        self._wake = wake
        self._recent = RecentChunks(wake.threshold if wake else 0.5)
        """While waiting: the chunks a command said right after the wake word begins in."""
        self._vad = vad
        self._speech_threshold = audio.vad_threshold
        self._endpointer = Endpointer(audio)
        self._continuation_seconds = audio.continuation_seconds
        self._pending = np.zeros(0, dtype=np.float32)
        self._consumed = 0
        """Samples routed so far: the stream clock."""
        self._lead: tuple[Audio, Audio] = _NO_LEAD
        """The lead of the command after the wake word, and the head of its replay."""
        self._trigger: Trigger | None = None if wake else "always"
        self._deadline_seconds: float | None = None
        self._follow_up_request: float | None = None
        self._lock = threading.Lock()
        """feed() runs in a worker thread; commit_early() may come from another one."""
        self._clock = (0.0, 0.0)
        """Arrival time and stream time of the end of the last block fed."""
        self.wake_seconds = 0.0
        """Processing time spent in the wake word model (perf_counter seconds)."""
        self.vad_seconds = 0.0
        """Processing time spent in Silero VAD and the endpointer."""

    @property
    def stream_seconds(self) -> float:
        """Audio routed so far, in seconds."""
        return self._consumed / SAMPLE_RATE

    @property
    def waiting_for_wake_word(self) -> bool:
        return self._trigger is None

    @property
    def trigger(self) -> Trigger | None:
        """What the command being listened for began with; None while waiting."""
        return self._trigger

    def reset(self) -> None:
        """Start a new stream (the next audio file): forget all state, keep the models."""
        self._pending = np.zeros(0, dtype=np.float32)
        self._follow_up_request = None
        self._vad.reset()
        self._endpointer.reset(at_seconds=self.stream_seconds)
        self._back_to_waiting()  # no continuation window across streams

    def open_follow_up(self, seconds: float) -> None:
        """Accept a command without the wake word for `seconds` (thread-safe: applied on the
        next feed)."""
        self._follow_up_request = seconds

    def feed(self, block: Audio, arrived_monotonic: float | None = None) -> list[ListenerEvent]:
        """Route one block of 16 kHz mono audio; return the events it caused, in order."""
        with self._lock:
            return self._feed(block, arrived_monotonic)

    def commit_early(self, pause: int) -> UtteranceCaptured | None:
        """End the command at SpeechPaused `pause` (judged complete), unless speech resumed
        or the command ended since: then None, and nothing changes. Speech that begins within
        `continuation_seconds` from here is captured with the trigger "continuation"."""
        with self._lock:
            after = self._endpointer.after_pause(pause)
            ended = self._endpointer.commit(pause)
            if ended is None or after is None:
                return None
            arrived, end_seconds = self._clock
            captured = self._captured(ended, self._trigger or "always", arrived, end_seconds)
            self._back_to_waiting()
            if self._continuation_seconds:
                # Opened here, not after the turn: the rest often begins while the turn acts,
                # and its first syllable may be in the frames since the pause (routed again).
                deadline = self.stream_seconds + self._continuation_seconds
                self._start_command("continuation", after)
                self._deadline_seconds = deadline
            return captured

    def _feed(self, block: Audio, arrived_monotonic: float | None) -> list[ListenerEvent]:
        arrived = time.monotonic() if arrived_monotonic is None else arrived_monotonic
        self._apply_follow_up()
        self._pending = np.concatenate([self._pending, block.astype(np.float32, copy=False)])
        end_seconds = (self._consumed + len(self._pending)) / SAMPLE_RATE
        self._clock = (arrived, end_seconds)
        events: list[ListenerEvent] = []
        while True:
            size = CHUNK_SAMPLES if self._trigger is None else FRAME_SAMPLES
            if len(self._pending) < size:
                break
            piece, self._pending = self._pending[:size], self._pending[size:]
            self._consumed += size
            if self._trigger is None:
                events.extend(self._listen_for_wake(piece, arrived, end_seconds))
            else:
                events.extend(self._listen_for_command(piece, arrived, end_seconds))
        return events

    def _apply_follow_up(self) -> None:
        seconds, self._follow_up_request = self._follow_up_request, None
        if seconds is None or self._wake is None:
            return
        if self._trigger is None:
            self._start_command("follow_up")
        elif self._trigger == "continuation":
            self._trigger = "follow_up"  # a question's answer comes before a continuation
        self._deadline_seconds = self.stream_seconds + seconds

    def _start_command(self, trigger: Trigger, replay: Audio | None = None) -> None:
        """Listen for a command from now on, or from `replay`, the latest audio routed
        (it is routed again, to the VAD this time, stream time rewound to its start)."""
        if replay is not None and len(replay):
            self._pending = np.concatenate([replay, self._pending])
            self._consumed -= len(replay)
        self._trigger = trigger
        self._vad.reset()
        self._endpointer.reset(at_seconds=self.stream_seconds)
        self._deadline_seconds = self.stream_seconds + COMMAND_START_SECONDS

    def _back_to_waiting(self) -> None:
        self._lead = _NO_LEAD
        if self._wake is None:
            self._trigger = "always"
            self._deadline_seconds = None
            return
        self._trigger = None
        self._deadline_seconds = None
        self._wake.reset()
        self._recent.clear()

    def _listen_for_wake(
        self, chunk: Audio, arrived: float, end_seconds: float
    ) -> list[ListenerEvent]:
        assert self._wake is not None  # only called while waiting, which needs a model
        started = time.perf_counter()
        score = self._wake.score(chunk)
        self.wake_seconds += time.perf_counter() - started
        self._recent.add(chunk, score)
        if score < self._wake.threshold:
            return []
        now = self.stream_seconds
        # The detection comes 0.1-0.4 s after the wake word: a command said without a pause
        # has begun by then, so it starts where the wake word ended, not here.
        self._start_command("wake_word", self._after_wake_word())
        return [
            WakeWordDetected(
                model=self._wake.model_name,
                score=score,
                at_seconds=now,
                monotonic=arrived - (end_seconds - now),
            )
        ]

    def _after_wake_word(self) -> Audio:
        """The audio routed since the wake word ended (command_start.after_wake_word)."""
        started = time.perf_counter()
        recent, score_end = self._recent.wake_word_end()
        self._recent.clear()
        replay = after_wake_word(self._vad, self._speech_threshold, recent, score_end)
        self.vad_seconds += time.perf_counter() - started
        before = recent[: len(recent) - len(replay)]
        self._lead = (before[-int(LEAD_SECONDS * SAMPLE_RATE) :].copy(), replay[:_HEAD].copy())
        return replay

    def _listen_for_command(
        self, frame: Audio, arrived: float, end_seconds: float
    ) -> list[ListenerEvent]:
        started = time.perf_counter()
        probability = self._vad.probability(frame)
        outcome = self._endpointer.process(probability, frame)
        self.vad_seconds += time.perf_counter() - started
        trigger = self._trigger or "always"
        events: list[ListenerEvent] = []
        for event in outcome:
            if isinstance(event, UtteranceEnded):
                events.append(self._captured(event, trigger, arrived, end_seconds))
                self._back_to_waiting()
            else:
                events.append(event)
        deadline = self._deadline_seconds
        if (
            self._trigger is not None
            and deadline is not None
            and not self._endpointer.in_speech
            and self.stream_seconds >= deadline
        ):
            events.append(CommandTimedOut(trigger=trigger, at_seconds=self.stream_seconds))
            self._back_to_waiting()
        return events

    def _captured(
        self, event: UtteranceEnded, trigger: Trigger, arrived: float, end_seconds: float
    ) -> UtteranceCaptured:
        lead, head = self._lead
        self._lead = _NO_LEAD
        # The lead joins the command only where the command starts where the replay did.
        joined = (
            trigger == "wake_word" and len(head) and np.array_equal(event.audio[: len(head)], head)
        )
        return UtteranceCaptured(
            lead=lead if joined else _NO_LEAD[0],
            audio=event.audio,
            reason=event.reason,
            trigger=trigger,
            speech_seconds=event.speech_seconds,
            speech_ended_at_seconds=event.speech_ended_at_seconds,
            speech_ended_monotonic=arrived - (end_seconds - event.speech_ended_at_seconds),
            captured_monotonic=time.monotonic(),
        )


def load_listening_core(
    audio: AudioConfig, wake: WakeConfig, use_wake_word: bool = True
) -> ListeningCore:
    """Load the models (wake word unless `mode = "none"` or not wanted, Silero VAD)."""
    detector = load_wake_word(wake) if use_wake_word else None
    return ListeningCore(audio, detector, SileroVad())
