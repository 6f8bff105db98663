"""Audio files in and out: WAV/FLAC/OGG decoded to 16 kHz mono, WAV written, espeak-ng speech."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile
import soxr

from daemon.errors import HomevoxError

SAMPLE_RATE = 16000
"""Hz; everything after decoding (wake word, VAD, Whisper) works at this rate."""

Audio = npt.NDArray[np.float32]
"""Mono samples in [-1, 1] at SAMPLE_RATE."""


class AudioDecodeError(HomevoxError):
    """A file (or espeak-ng output) could not be turned into audio; one line naming it."""

    code = "audio_decode"

    def __init__(self, message: str) -> None:
        super().__init__(self.code, message)


def decode_file(path: Path) -> Audio:
    """Read WAV/FLAC/OGG at any rate and channel count; return float32 mono at 16 kHz."""
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "no such file"
        raise AudioDecodeError(f"{path}: {what}; give the path of a WAV, FLAC or OGG file")
    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as err:
        raise AudioDecodeError(
            f"{path}: cannot decode audio ({_reason(err)}); use a WAV, FLAC or OGG file"
        ) from err
    except OSError as err:
        raise AudioDecodeError(
            f"{path}: cannot read ({err.strerror or err}); check the path and permissions"
        ) from err
    return to_mono_16k(samples, int(rate), source=str(path))


def to_mono_16k(samples: npt.NDArray[np.floating], rate: int, source: str = "audio") -> Audio:
    """Down-mix (frames, channels) or (frames,) samples and resample them to SAMPLE_RATE."""
    if rate <= 0:
        raise AudioDecodeError(f"{source}: invalid sample rate {rate}; re-encode the file")
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.asarray(mono, dtype=np.float32)
    if rate != SAMPLE_RATE and mono.size:
        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    clipped: Audio = np.clip(mono, -1.0, 1.0)
    return clipped


def write_wav(path: Path, audio: npt.NDArray[np.floating], rate: int = SAMPLE_RATE) -> None:
    """Write mono samples in [-1, 1] as a 16-bit PCM WAV file."""
    clipped = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    soundfile.write(str(path), clipped, rate, subtype="PCM_16", format="WAV")


def espeak(text: str, voice: str = "en-us", words_per_minute: int = 160, pitch: int = 50) -> Audio:
    """Speak `text` with espeak-ng; return float32 mono at 16 kHz (for tests, benches, training)."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise AudioDecodeError("espeak-ng not found; install it (apt-get install espeak-ng)")
    command = [binary, "--stdout", "-v", voice, "-s", str(words_per_minute), "-p", str(pitch)]
    try:
        result = subprocess.run([*command, "--", text], capture_output=True, check=True, timeout=60)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
        stderr = getattr(err, "stderr", b"") or b""
        detail = stderr.decode(errors="replace").strip() or str(err)
        raise AudioDecodeError(f"espeak-ng failed for voice {voice!r}: {detail}") from err
    try:
        samples, rate = soundfile.read(io.BytesIO(result.stdout), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as err:
        raise AudioDecodeError(
            f"espeak-ng gave no audio for voice {voice!r}: {_reason(err)}; check the voice name"
        ) from err
    return to_mono_16k(samples, int(rate), source="espeak-ng")


def _reason(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[-1] if text else type(err).__name__
