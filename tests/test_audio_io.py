"""Audio file decoding: real files in several formats, rates and channel counts; bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from daemon.audio_io import SAMPLE_RATE, AudioDecodeError, decode_file, espeak, write_wav


def _tone(rate: int, seconds: float, hertz: float = 440.0) -> np.ndarray:
    times = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * hertz * times)).astype(np.float32)


def _dominant_hertz(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.argmax(spectrum) * SAMPLE_RATE / audio.size)


@pytest.mark.parametrize(
    ("suffix", "subtype", "rate", "channels"),
    [
        ("wav", "PCM_16", 44100, 2),
        ("flac", "PCM_16", 44100, 2),
        ("ogg", "VORBIS", 44100, 2),
        ("wav", "PCM_16", 8000, 1),
        ("flac", "PCM_24", 8000, 1),
        ("ogg", "VORBIS", 8000, 1),
    ],
)
def test_decode_resamples_and_downmixes(
    tmp_path: Path, suffix: str, subtype: str, rate: int, channels: int
) -> None:
    tone = _tone(rate, 1.0)
    # The second channel is silent so a wrong down-mix (taking one channel) shows in the level.
    frames = np.stack([tone, np.zeros_like(tone)], axis=1) if channels == 2 else tone
    path = tmp_path / f"tone.{suffix}"
    soundfile.write(str(path), frames, rate, subtype=subtype)

    audio = decode_file(path)

    assert audio.dtype == np.float32
    assert audio.ndim == 1
    assert abs(audio.size - SAMPLE_RATE) <= SAMPLE_RATE * 0.01
    assert abs(_dominant_hertz(audio) - 440.0) < 5.0
    expected_peak = 0.25 if channels == 2 else 0.5
    assert abs(float(np.max(np.abs(audio[1000:-1000]))) - expected_peak) < 0.05


def test_write_then_decode_round_trip(tmp_path: Path) -> None:
    audio = _tone(SAMPLE_RATE, 0.5)
    path = tmp_path / "round.wav"
    write_wav(path, audio)
    assert np.max(np.abs(decode_file(path) - audio)) < 1e-3


def test_garbage_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF not really a wave file" * 20)
    with pytest.raises(AudioDecodeError) as caught:
        decode_file(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.code == "audio_decode"


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.flac"
    with pytest.raises(AudioDecodeError, match=r"absent\.flac: no such file"):
        decode_file(path)


def test_espeak_speaks_at_16k() -> None:
    audio = espeak("turn on the kitchen light")
    assert audio.dtype == np.float32
    assert 0.8 * SAMPLE_RATE < audio.size < 4 * SAMPLE_RATE
    assert float(np.sqrt(np.mean(audio**2))) > 0.01


def test_espeak_unknown_voice_is_a_clear_error() -> None:
    with pytest.raises(AudioDecodeError, match="zz-nope"):
        espeak("hello", voice="zz-nope")
