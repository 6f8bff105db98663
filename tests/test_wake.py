"""The wake word with openWakeWord's bundled ONNX models and espeak-ng speech."""

from __future__ import annotations

import numpy as np
import pytest
from virtual_mic import NOT_FOR_HOMEVOX, noise, tones

from daemon.audio_io import SAMPLE_RATE, Audio, espeak
from daemon.config import WakeConfig
from daemon.wake import CHUNK_SAMPLES, RecentChunks, WakeWordDetector, load_wake_word


@pytest.fixture(scope="module")
def jarvis() -> WakeWordDetector:
    detector = load_wake_word(WakeConfig(model="hey_jarvis", threshold=0.5))
    assert detector is not None
    return detector


def best_score(detector: WakeWordDetector, audio: Audio) -> float:
    """Highest chunk score over `audio`, with a second of silence around it."""
    detector.reset()
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    padded = np.concatenate([silence, audio, silence])
    chunks = range(0, len(padded) - CHUNK_SAMPLES + 1, CHUNK_SAMPLES)
    return max(detector.score(padded[start : start + CHUNK_SAMPLES]) for start in chunks)


@pytest.mark.parametrize(
    ("voice", "words_per_minute"), [("en-us", 160), ("en", 130), ("en-gb-x-rp", 160)]
)
def test_spoken_wake_word_triggers(
    jarvis: WakeWordDetector, voice: str, words_per_minute: int
) -> None:
    # espeak-ng needs the comma: without a pause after "jarvis" the model scores it low.
    audio = espeak("hey jarvis, turn on the kitchen light", voice, words_per_minute)
    assert best_score(jarvis, audio) >= jarvis.threshold


def test_other_speech_tones_and_noise_do_not_trigger(jarvis: WakeWordDetector) -> None:
    rng = np.random.default_rng(11)
    sounds = [espeak(sentence, "en-us", 165) for sentence in NOT_FOR_HOMEVOX[:4]]
    sounds += [tones(6.0, rng), noise(4.0, 0.05, rng), noise(4.0, 0.2, rng, "brown")]
    scores = [best_score(jarvis, sound) for sound in sounds]
    assert max(scores) < 0.1


def test_other_models_load_and_listen_for_their_own_word() -> None:
    mycroft = WakeWordDetector(WakeConfig(model="hey_mycroft"))
    alexa = WakeWordDetector(WakeConfig(model="alexa"))
    jarvis_audio = espeak("hey jarvis, turn on the kitchen light", "en-us", 160)
    assert best_score(mycroft, jarvis_audio) < 0.5
    assert best_score(alexa, jarvis_audio) < 0.5
    # espeak-ng's "hey mycroft" scores near 0 with every voice tried, so only alexa is heard here.
    assert best_score(alexa, espeak("alexa, turn on the kitchen light", "en", 130)) >= 0.5


def test_mode_none_loads_nothing() -> None:
    assert load_wake_word(WakeConfig(mode="none")) is None


def test_wrong_chunk_size_is_refused(jarvis: WakeWordDetector) -> None:
    with pytest.raises(ValueError, match="1280"):
        jarvis.score(np.zeros(512, dtype=np.float32))


def scored(scores: list[float], dip_chunks: int = 3) -> RecentChunks:
    recent = RecentChunks(threshold=0.5, dip_chunks=dip_chunks)
    for score in scores:
        recent.add(np.zeros(CHUNK_SAMPLES, dtype=np.float32), score)
    return recent


@pytest.mark.parametrize(
    ("scores", "end_chunks"),
    [
        ([0.0, 0.0, 0.16, 0.35, 0.71], 3),  # rose once: the first chunk past 0.1
        ([0.0, 0.22, 0.38, 0.07, 0.04, 0.12, 0.92], 2),  # fell back for two chunks
        ([0.0, 0.22, 0.05, 0.02, 0.01, 0.06, 0.56], 7),  # for four: a rise of its own
        ([0.3, 0.4, 0.9], 1),  # rose before the oldest chunk kept
    ],
)
def test_the_wake_word_ends_where_its_score_first_rose_across_short_dips(
    scores: list[float], end_chunks: int
) -> None:
    audio, end = scored(scores).wake_word_end()
    assert (len(audio), end) == (len(scores) * CHUNK_SAMPLES, end_chunks * CHUNK_SAMPLES)


def test_no_chunk_kept_ends_nowhere() -> None:
    audio, end = scored([]).wake_word_end()
    assert (len(audio), end) == (0, 0)


def trimmed(audio: Audio) -> Audio:
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1]


def wake_word_end_error(
    detector: WakeWordDetector, voice: str, speed: int, command: str, dip_chunks: int
) -> float:
    """Seconds from the end of "hey jarvis" said straight on into `command` to where
    RecentChunks puts it at the detection (negative: before it)."""
    wake = trimmed(espeak("hey jarvis", voice, speed))
    scene = [np.zeros(SAMPLE_RATE, dtype=np.float32), wake, trimmed(espeak(command, voice, speed))]
    audio = np.concatenate([*scene, np.zeros(SAMPLE_RATE, dtype=np.float32)])
    detector.reset()
    recent = RecentChunks(detector.threshold, dip_chunks=dip_chunks)
    for start in range(0, len(audio) - CHUNK_SAMPLES + 1, CHUNK_SAMPLES):
        chunk = audio[start : start + CHUNK_SAMPLES]
        recent.add(chunk, score := detector.score(chunk))
        if score >= detector.threshold:
            kept, end = recent.wake_word_end()
            found = start + CHUNK_SAMPLES - len(kept) + end
            return (found - SAMPLE_RATE - len(wake)) / SAMPLE_RATE
    raise AssertionError("the wake word was not heard")


# Said straight on, these scores rise past 0.1 as "jarvis" ends, fall back for a chunk or two
# as the command begins, then rise to the detection.
DIPPING = [
    ("en-us", 170, "turn off the lights"),
    ("en-us+m1", 160, "close the bedroom curtains"),
    ("en-gb-x-rp", 150, "what time is it"),
]


@pytest.mark.parametrize(("voice", "speed", "command"), DIPPING)
def test_a_dip_in_the_score_does_not_move_the_wake_word_end_into_the_command(
    jarvis: WakeWordDetector, voice: str, speed: int, command: str
) -> None:
    assert abs(wake_word_end_error(jarvis, voice, speed, command, dip_chunks=3)) <= 0.1
    # Taking the rise after the dip, as before, put it 0.16-0.39 s into the command.
    assert wake_word_end_error(jarvis, voice, speed, command, dip_chunks=0) >= 0.15
