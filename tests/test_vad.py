"""Endpointing: the pure state machine on synthetic probabilities, and Silero VAD on real audio."""

from __future__ import annotations

import numpy as np
import pytest

from daemon.audio_io import espeak
from daemon.config import AudioConfig
from daemon.vad import (
    FRAME_SAMPLES,
    FRAME_SECONDS,
    Endpointer,
    EndpointEvent,
    SileroVad,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    UtteranceDiscarded,
    UtteranceEnded,
)

# 0.32 s = 10 frames; 0.16 s = 5 frames; 0.64 s = 20 frames; 0.096 s = 3 frames (exact multiples).
CONFIG = AudioConfig(
    pre_roll_seconds=0.096,
    min_command_seconds=0.16,
    max_command_seconds=0.64,
    silence_seconds=0.16,
    vad_threshold=0.5,
)


def run(probabilities: list[float], config: AudioConfig = CONFIG) -> list[EndpointEvent]:
    """Feed frames whose samples all equal their index, so audio content can be checked."""
    endpointer = Endpointer(config)
    events: list[EndpointEvent] = []
    for index, probability in enumerate(probabilities):
        frame = np.full(FRAME_SAMPLES, index, dtype=np.float32)
        events.extend(endpointer.process(probability, frame))
    return events


def frame_ids(event: EndpointEvent) -> list[int]:
    assert isinstance(event, UtteranceEnded)
    return [int(value) for value in event.audio[::FRAME_SAMPLES]]


def test_speech_then_silence_gives_one_utterance_with_pre_roll() -> None:
    probabilities = [0.1] * 5 + [0.9] * 8 + [0.1] * 5 + [0.1] * 3
    events = run(probabilities)
    assert [type(event) for event in events] == [SpeechStarted, UtteranceEnded]
    assert events[0] == SpeechStarted(at_seconds=5 * FRAME_SECONDS)
    ended = events[1]
    assert isinstance(ended, UtteranceEnded)
    assert ended.reason == "silence"
    assert ended.speech_seconds == pytest.approx(8 * FRAME_SECONDS)
    assert ended.speech_ended_at_seconds == pytest.approx(13 * FRAME_SECONDS)
    # 3 frames of pre-roll, 8 of speech, the 5 silent frames that ended it.
    assert frame_ids(ended) == list(range(2, 18))


def test_short_pause_inside_a_command_does_not_end_it() -> None:
    probabilities = [0.9] * 4 + [0.2] * 4 + [0.9] * 4 + [0.0] * 5
    events = run(probabilities)
    assert [type(event) for event in events] == [SpeechStarted, UtteranceEnded]
    ended = events[1]
    assert isinstance(ended, UtteranceEnded)
    assert ended.speech_seconds == pytest.approx(12 * FRAME_SECONDS)
    assert frame_ids(ended) == list(range(17))


def test_blip_shorter_than_min_command_is_discarded() -> None:
    events = run([0.0] * 4 + [0.95] * 2 + [0.0] * 6)
    assert events == [
        SpeechStarted(at_seconds=4 * FRAME_SECONDS),
        UtteranceDiscarded(reason="too_short", speech_seconds=pytest.approx(2 * FRAME_SECONDS)),
    ]


def test_endless_speech_is_cut_at_max_length_and_starts_again() -> None:
    events = run([0.9] * 45)
    kinds = [type(event) for event in events]
    assert kinds == [SpeechStarted, UtteranceEnded, SpeechStarted, UtteranceEnded, SpeechStarted]
    first = events[1]
    assert isinstance(first, UtteranceEnded)
    assert first.reason == "max_length"
    assert frame_ids(first) == list(range(20))
    assert events[2] == SpeechStarted(at_seconds=20 * FRAME_SECONDS)


def test_threshold_is_inclusive_and_configurable() -> None:
    strict = CONFIG.model_copy(update={"vad_threshold": 0.8})
    assert run([0.7] * 10, strict) == []
    assert run([0.8] * 1, strict) == [SpeechStarted(at_seconds=0.0)]


def test_silence_only_gives_nothing() -> None:
    assert run([0.0, 0.49, 0.3] * 20) == []


def test_reset_sets_the_stream_clock() -> None:
    endpointer = Endpointer(CONFIG)
    frame = np.zeros(FRAME_SAMPLES, dtype=np.float32)
    endpointer.process(0.0, frame)
    endpointer.reset(at_seconds=10.0)
    assert endpointer.process(0.9, frame) == [SpeechStarted(at_seconds=10.0)]
    assert endpointer.in_speech


# Early endpointing: full silence 0.32 s = 10 frames, early silence 0.096 s = 3 frames.
EARLY = AudioConfig(
    pre_roll_seconds=0.096,
    min_command_seconds=0.16,
    max_command_seconds=1.28,
    silence_seconds=0.32,
    early_silence_seconds=0.096,
    vad_threshold=0.5,
)


def feed_frames(
    endpointer: Endpointer, probabilities: list[float], first: int = 0
) -> list[EndpointEvent]:
    events: list[EndpointEvent] = []
    for index, probability in enumerate(probabilities, start=first):
        frame = np.full(FRAME_SAMPLES, index, dtype=np.float32)
        events.extend(endpointer.process(probability, frame))
    return events


def test_a_short_silence_pauses_and_the_full_silence_still_ends_the_command() -> None:
    events = run([0.0] * 4 + [0.9] * 8 + [0.1] * 10, EARLY)
    assert [type(event) for event in events] == [SpeechStarted, SpeechPaused, UtteranceEnded]
    paused, ended = events[1], events[2]
    assert isinstance(paused, SpeechPaused) and isinstance(ended, UtteranceEnded)
    assert paused.pause == 1
    # 3 frames of pre-roll, 8 of speech, the 3 silent frames of the pause.
    assert [int(v) for v in paused.audio[::FRAME_SAMPLES]] == list(range(1, 15))
    assert paused.speech_ended_at_seconds == pytest.approx(12 * FRAME_SECONDS)
    assert paused.speech_seconds == pytest.approx(8 * FRAME_SECONDS)
    assert ended.reason == "silence" and frame_ids(ended) == list(range(1, 22))


def test_committing_the_open_pause_ends_the_command_with_the_pause_audio() -> None:
    endpointer = Endpointer(EARLY)
    events = feed_frames(endpointer, [0.9] * 8 + [0.1] * 3)
    paused = events[-1]
    assert isinstance(paused, SpeechPaused)
    assert feed_frames(endpointer, [0.1] * 2, first=11) == []  # judging takes a while
    ended = endpointer.commit(paused.pause)
    assert ended is not None and ended.reason == "early"
    assert frame_ids(ended) == list(range(11))  # what was judged, not the frames after it
    assert ended.speech_ended_at_seconds == pytest.approx(paused.speech_ended_at_seconds)
    assert not endpointer.in_speech
    assert endpointer.commit(paused.pause) is None  # once only
    assert feed_frames(endpointer, [0.1] * 12, first=13) == []  # no full-silence end follows


def test_speech_resuming_voids_the_pause_and_a_new_pause_follows() -> None:
    endpointer = Endpointer(EARLY)
    events = feed_frames(endpointer, [0.9] * 6 + [0.1] * 4 + [0.9] * 4 + [0.1] * 3)
    assert [type(event) for event in events] == [
        SpeechStarted,
        SpeechPaused,
        SpeechResumed,
        SpeechPaused,
    ]
    assert events[2] == SpeechResumed(pause=1)
    second = events[3]
    assert isinstance(second, SpeechPaused) and second.pause == 2
    assert endpointer.commit(1) is None  # the voided pause cannot end the command
    assert endpointer.in_speech
    ended = endpointer.commit(2)
    assert ended is not None and frame_ids(ended) == list(range(17))
    assert ended.speech_seconds == pytest.approx(14 * FRAME_SECONDS)


def test_a_pause_the_full_silence_ended_first_cannot_be_committed() -> None:
    endpointer = Endpointer(EARLY)
    events = feed_frames(endpointer, [0.9] * 8 + [0.1] * 10)
    assert [type(event) for event in events] == [SpeechStarted, SpeechPaused, UtteranceEnded]
    assert endpointer.commit(1) is None
    again = feed_frames(endpointer, [0.9] * 8 + [0.1] * 3, first=18)
    assert [type(event) for event in again] == [SpeechStarted, SpeechPaused]
    paused = again[1]
    assert isinstance(paused, SpeechPaused) and paused.pause == 2
    assert [int(v) for v in paused.audio[::FRAME_SAMPLES]] == list(range(18, 29))
    assert paused.speech_ended_at_seconds == pytest.approx(26 * FRAME_SECONDS)


def test_no_pause_for_a_blip_nor_when_early_endpointing_is_off() -> None:
    assert [type(e) for e in run([0.9] * 2 + [0.1] * 10, EARLY)] == [
        SpeechStarted,
        UtteranceDiscarded,
    ]
    off = EARLY.model_copy(update={"early_silence_seconds": 0.0})
    assert [type(e) for e in run([0.9] * 8 + [0.1] * 10, off)] == [SpeechStarted, UtteranceEnded]
    # Not shorter than the full silence once both are whole frames: no room for a pause.
    same = EARLY.model_copy(update={"early_silence_seconds": 0.31})
    assert [type(e) for e in run([0.9] * 8 + [0.1] * 10, same)] == [SpeechStarted, UtteranceEnded]


def test_max_length_ends_a_paused_command() -> None:
    events = run([0.9] * 8 + [0.1] * 3 + [0.9] * 29, EARLY)
    kinds = [type(event) for event in events]
    assert kinds[:4] == [SpeechStarted, SpeechPaused, SpeechResumed, UtteranceEnded]
    ended = events[3]
    assert isinstance(ended, UtteranceEnded) and ended.reason == "max_length"


@pytest.fixture(scope="module")
def silero() -> SileroVad:
    return SileroVad()


def speech_fraction(vad: SileroVad, audio: np.ndarray) -> float:
    vad.reset()
    frames = [audio[start : start + FRAME_SAMPLES] for start in range(0, len(audio) - 511, 512)]
    probabilities = np.array([vad.probability(frame) for frame in frames])
    return float(np.mean(probabilities >= 0.5))


def test_silero_hears_speech_not_silence_or_noise(silero: SileroVad) -> None:
    rng = np.random.default_rng(4)
    speech = espeak("turn on the kitchen light please", voice="en-us")
    assert speech_fraction(silero, speech) > 0.5
    assert speech_fraction(silero, np.zeros(32_000, dtype=np.float32)) == 0.0
    noise = rng.normal(0.0, 0.05, 48_000).astype(np.float32)
    assert speech_fraction(silero, noise) == 0.0


def test_silero_rejects_wrong_frame_size(silero: SileroVad) -> None:
    with pytest.raises(ValueError, match="512"):
        silero.probability(np.zeros(480, dtype=np.float32))
