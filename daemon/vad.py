"""Endpointing: Silero VAD speech probability per frame, and the state machine cutting commands."""

from __future__ import annotations

import importlib.util
import math
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from daemon.errors import HomevoxError

if TYPE_CHECKING:
    from daemon.config import AudioConfig

SAMPLE_RATE = 16_000
FRAME_SAMPLES = 512
"""Silero's frame at 16 kHz: 32 ms."""
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
_CONTEXT_SAMPLES = 64
"""Silero v5 sees the last 64 samples of the previous frame in front of each frame."""

Audio = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SpeechStarted:
    """A frame crossed the speech threshold while no command was being recorded."""

    at_seconds: float
    """Stream time of the frame's start, in seconds of audio fed so far."""


@dataclass(frozen=True)
class UtteranceEnded:
    """A command was cut: its audio (pre-roll included) is ready for Whisper."""

    audio: Audio
    """16 kHz mono float32: pre-roll, speech and the trailing silence that ended it."""
    reason: Literal["silence", "early", "max_length"]
    """early: committed at a SpeechPaused (its audio is that pause's audio)."""
    speech_seconds: float
    """From the first to the last speech frame."""
    speech_ended_at_seconds: float
    """Stream time where the last speech frame ended (what latency is measured from)."""


@dataclass(frozen=True)
class UtteranceDiscarded:
    """Speech stopped before min_command_seconds: a click, a cough, not a command."""

    reason: Literal["too_short"]
    speech_seconds: float


@dataclass(frozen=True)
class SpeechPaused:
    """early_silence_seconds of silence after a command's worth of speech: the command may be
    complete. Its audio can be judged while frames go on; `Endpointer.commit(pause)` then ends
    the command here, unless speech resumed or the full silence ended it first."""

    pause: int
    """Number of this pause (unique in the endpointer's life), to commit it or see it is stale."""
    audio: Audio
    """The command so far: pre-roll, speech and the early silence."""
    speech_seconds: float
    speech_ended_at_seconds: float


@dataclass(frozen=True)
class SpeechResumed:
    """Speech came back after a SpeechPaused: whatever was made of that pause is void."""

    pause: int


EndpointEvent = SpeechStarted | SpeechPaused | SpeechResumed | UtteranceEnded | UtteranceDiscarded


class Endpointer:
    """Pure state machine: per-frame speech probabilities in, endpointing events out."""

    def __init__(self, audio: AudioConfig) -> None:
        self._threshold = audio.vad_threshold
        self._pre_roll_frames = _frames(audio.pre_roll_seconds)
        self._min_speech_frames = _frames(audio.min_command_seconds)
        self._max_frames = _frames(audio.max_command_seconds)
        self._silence_frames = max(1, _frames(audio.silence_seconds))
        early = _frames(audio.early_silence_seconds)
        self._early_frames = early if 0 < early < self._silence_frames else 0
        """0 = no early endpointing (off, or not shorter than the full silence in frames)."""
        self._pauses = 0
        self._paused: tuple[int, int] | None = None
        """The open pause: its number and how many recorded frames it covers."""
        self._frames_seen = 0
        self._origin_seconds = 0.0
        self._pre_roll: deque[Audio] = deque(maxlen=max(self._pre_roll_frames, 1))
        self._recorded: list[Audio] = []
        self._speech_frames = 0
        """Frames from the first speech frame to the last one seen so far."""
        self._silent_run = 0
        self._start_frame = 0

    @property
    def in_speech(self) -> bool:
        """True while a command is being recorded."""
        return bool(self._recorded)

    def reset(self, at_seconds: float | None = None) -> None:
        """Forget any command in progress and the pre-roll.

        Stream time keeps counting, unless `at_seconds` says where the next frame starts
        (the listener feeds the endpointer only between a wake word and the command's end).
        """
        if at_seconds is not None:
            self._origin_seconds = at_seconds - self._frames_seen * FRAME_SECONDS
        self._pre_roll.clear()
        self._recorded = []
        self._speech_frames = 0
        self._silent_run = 0
        self._paused = None

    def process(self, probability: float, frame: Audio) -> list[EndpointEvent]:
        """Feed one frame and its speech probability; return what happened, in order."""
        index = self._frames_seen
        self._frames_seen += 1
        is_speech = probability >= self._threshold
        if not self._recorded:
            if not is_speech:
                if self._pre_roll_frames:
                    self._pre_roll.append(frame)
                return []
            self._recorded = [*self._pre_roll, frame]
            self._pre_roll.clear()
            self._start_frame = index
            self._speech_frames = 1
            self._silent_run = 0
            return [SpeechStarted(at_seconds=self._origin_seconds + index * FRAME_SECONDS)]
        self._recorded.append(frame)
        events: list[EndpointEvent] = []
        if is_speech:
            self._speech_frames += self._silent_run + 1
            self._silent_run = 0
            if self._paused is not None:
                events.append(SpeechResumed(pause=self._paused[0]))
                self._paused = None
        else:
            self._silent_run += 1
        if self._silent_run >= self._silence_frames:
            return [*events, self._finish("silence", index)]
        if index - self._start_frame + 1 >= self._max_frames:
            return [*events, self._finish("max_length", index)]
        if (
            self._early_frames
            and self._silent_run == self._early_frames
            and self._speech_frames >= self._min_speech_frames
        ):
            events.append(self._pause())
        return events

    def after_pause(self, pause: int) -> Audio | None:
        """The audio recorded since open pause `pause` was announced (its silence, and maybe
        the start of what follows); None when that pause is no longer open."""
        if self._paused is None or self._paused[0] != pause:
            return None
        frames = self._recorded[self._paused[1] :]
        return np.concatenate(frames) if frames else np.zeros(0, dtype=np.float32)

    def commit(self, pause: int) -> UtteranceEnded | None:
        """End the command at `pause` (reason "early"); None when that pause is no longer open
        (speech resumed, or the command already ended): then nothing changes."""
        if self._paused is None or self._paused[0] != pause:
            return None
        self._recorded = self._recorded[: self._paused[1]]
        return self._ended("early", self._start_frame + self._speech_frames)

    def _pause(self) -> SpeechPaused:
        self._pauses += 1
        self._paused = (self._pauses, len(self._recorded))
        return SpeechPaused(
            pause=self._pauses,
            audio=np.concatenate(self._recorded).astype(np.float32, copy=False),
            speech_seconds=self._speech_frames * FRAME_SECONDS,
            speech_ended_at_seconds=self._seconds_at(self._start_frame + self._speech_frames),
        )

    def _seconds_at(self, frame_index: int) -> float:
        return self._origin_seconds + frame_index * FRAME_SECONDS

    def _finish(self, reason: Literal["silence", "max_length"], index: int) -> EndpointEvent:
        if reason == "silence" and self._speech_frames < self._min_speech_frames:
            speech_seconds = self._speech_frames * FRAME_SECONDS
            self.reset()
            return UtteranceDiscarded(reason="too_short", speech_seconds=speech_seconds)
        ended_at_frame = (
            index + 1 if reason == "max_length" else self._start_frame + self._speech_frames
        )
        return self._ended(reason, ended_at_frame)

    def _ended(
        self, reason: Literal["silence", "early", "max_length"], ended_at_frame: int
    ) -> UtteranceEnded:
        speech_frames, recorded = self._speech_frames, self._recorded
        self.reset()
        return UtteranceEnded(
            audio=np.concatenate(recorded).astype(np.float32, copy=False),
            reason=reason,
            speech_seconds=speech_frames * FRAME_SECONDS,
            speech_ended_at_seconds=self._seconds_at(ended_at_frame),
        )


def _frames(seconds: float) -> int:
    """Whole frames covering `seconds` (0.6 s -> 19 frames = 0.608 s; float noise ignored)."""
    return math.ceil(round(seconds / FRAME_SECONDS, 6))


class VadError(HomevoxError):
    """The Silero VAD model could not be loaded."""

    def __init__(self, message: str) -> None:
        super().__init__("vad_unavailable", message)


def _silero_onnx_path() -> Path:
    """The ONNX model the silero-vad package ships, found without importing the package: its
    __init__ imports torch, about 200 MB of memory the daemon does not otherwise need."""
    spec = importlib.util.find_spec("silero_vad")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    if not folders:
        raise VadError("the silero-vad package is not installed; run: pip install silero-vad")
    return Path(folders[0]) / "data" / "silero_vad.onnx"


class SileroVad:
    """Silero VAD v5 through onnxruntime (no torch), keeping its recurrent state across frames."""

    def __init__(self) -> None:
        model = _silero_onnx_path()
        options = ort.SessionOptions()
        # The listener runs next to Whisper on 2 cores: one thread is plenty for 32 ms frames.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # onnxruntime raises its own unexported error types
            raise VadError(
                f"cannot load Silero VAD from the silero-vad package ({err}); "
                "reinstall it with `pip install --force-reinstall silero-vad`"
            ) from err
        self._sample_rate = np.array(SAMPLE_RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        """Start a new stream: clear the recurrent state and the context samples."""
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, _CONTEXT_SAMPLES), dtype=np.float32)

    def probability(self, frame: Audio) -> float:
        """Speech probability (0..1) of one 512-sample frame at 16 kHz."""
        if frame.shape != (FRAME_SAMPLES,):
            raise ValueError(
                f"Silero VAD needs frames of {FRAME_SAMPLES} samples, got {frame.shape}"
            )
        window = np.concatenate([self._context, frame.reshape(1, -1)], axis=1).astype(np.float32)
        output, self._state = self._session.run(
            None, {"input": window, "state": self._state, "sr": self._sample_rate}
        )
        self._context = window[:, -_CONTEXT_SAMPLES:]
        return float(output[0][0])
