"""faster-whisper / CTranslate2 engine that encodes only the audio that is there.

faster-whisper's `transcribe` pads every command to Whisper's 30-second window, so a
3-second command pays for 30 seconds of encoder work. Here the command audio gets
`pad_seconds` of zeros appended before the log-mel features are computed, and CTranslate2's
encoder and decoder run on just those frames. Audio too long for that (over 30 s minus the
padding, e.g. a long file given to `homevox transcribe`) takes faster-whisper's own path.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np
import numpy.typing as npt
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from daemon.asr import AsrError, Stopwatch, Transcript, judge, worth_retrying
from daemon.asr_models import ct2_model_dir
from daemon.audio_io import SAMPLE_RATE
from daemon.config import AsrConfig

log = logging.getLogger(__name__)

HOP_SAMPLES = 160
"""Samples per log-mel frame; the encoder halves the frame count, so lengths are kept even."""
WINDOW_FRAMES = 3000
"""Whisper's 30-second window: the positional embedding has no room for more."""
MAX_PROMPT_TOKENS = 223
"""Whisper's limit for previous-text tokens (half its 448-token context, minus one)."""
RETRY_PAD_SECONDS = 10.0
"""Padding for the second try; at 10 s the benchmark showed no loops (tiny.en, 160 commands)."""
TOKENS_PER_SECOND_LIMIT = 10
"""Decoding stops after this many tokens per second of audio (plus a margin): loops end early."""


class Ct2Transcriber:
    """A faster-whisper model called directly for short commands."""

    def __init__(
        self,
        model: WhisperModel,
        config: AsrConfig,
        retry_pad_seconds: float | None = RETRY_PAD_SECONDS,
    ) -> None:
        self.model = model
        """The faster-whisper model (its 30-second `transcribe` serves long audio and the bench)."""
        self.config = config
        self._tokenizer = Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en"
        )
        self._suppress = list(get_suppressed_tokens(self._tokenizer, (-1,)))
        self._pad_samples = pad_samples(config, retry_pad_seconds)
        self._lock = threading.Lock()

    def transcribe(
        self, audio: npt.NDArray[np.float32], prompt: str = "", retry: bool = True
    ) -> Transcript:
        """Transcribe 16 kHz mono audio, padded to the audio's length plus pad_seconds.

        A decoding that loops or is unsure is tried once more with the longer retry padding
        (unless `retry` is False): short windows save most of the encoder's work but
        sometimes lose the end of speech.
        """
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)

        def decode(frames: int) -> tuple[str, float, float]:
            padded = np.zeros(frames * HOP_SAMPLES, dtype=np.float32)
            padded[: audio.size] = audio
            features = self.model.feature_extractor(padded, padding=0)
            return self._decode(features, prompt, audio.size)

        with self._lock:
            pads = self._pad_samples if retry else self._pad_samples[:1]
            transcript = short_windows(audio.size, pads, decode, self.config)
        if transcript is None:
            return self.transcribe_full_window(audio, prompt)
        return transcript

    def transcribe_full_window(
        self, audio: npt.NDArray[np.float32], prompt: str = ""
    ) -> Transcript:
        """faster-whisper's own `transcribe` (30-second windows), judged by the same rules.

        Greedy at temperature 0 only: its fallback to higher temperatures spends 10-30 s on
        a few seconds of noise (measured) and then writes nothing useful anyway.
        """
        with self._lock:
            watch = Stopwatch()
            try:
                segments, _info = self.model.transcribe(
                    audio,
                    language="en",
                    beam_size=self.config.beam_size,
                    temperature=0.0,
                    initial_prompt=prompt or None,
                )
                found = list(segments)
            except (RuntimeError, ValueError) as err:
                raise AsrError("failed", f"Whisper failed: {err}; see the log") from err
            text = " ".join(segment.text.strip() for segment in found)
            no_speech = min((s.no_speech_prob for s in found), default=1.0)
            avg_logprob = min((s.avg_logprob for s in found), default=0.0)
            return judge(text, no_speech, avg_logprob, watch.seconds(), self.config)

    def _decode(
        self, features: npt.NDArray[np.float32], prompt: str, audio_samples: int
    ) -> tuple[str, float, float]:
        tokens = self._prompt_tokens(prompt)
        max_new = TOKENS_PER_SECOND_LIMIT * math.ceil(audio_samples / SAMPLE_RATE) + 20
        try:
            encoded = self.model.model.encode(
                ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
            )
            result: Any = self.model.model.generate(
                encoded,
                [tokens],
                beam_size=self.config.beam_size,
                max_length=min(len(tokens) + max_new, self.model.max_length),
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=self._suppress,
            )[0]
        except (RuntimeError, ValueError) as err:
            raise AsrError("failed", f"Whisper failed: {err}; see the log") from err
        ids: list[int] = result.sequences_ids[0]
        # CTranslate2 returns the length-normalised score; undo it as faster-whisper does.
        avg_logprob = float(result.scores[0]) * len(ids) / (len(ids) + 1)
        return self._tokenizer.decode(ids), float(result.no_speech_prob), avg_logprob

    def _prompt_tokens(self, prompt: str) -> list[int]:
        tokens: list[int] = []
        if prompt.strip():
            previous = self._tokenizer.encode(" " + prompt.strip())[-MAX_PROMPT_TOKENS:]
            tokens = [self._tokenizer.sot_prev, *previous]
        return [*tokens, *self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]


def even_frames(samples: int) -> int:
    """Log-mel frames covering `samples`, rounded up to an even count (the encoder halves it)."""
    frames = math.ceil(samples / HOP_SAMPLES)
    return frames + frames % 2


def pad_samples(config: AsrConfig, retry_pad_seconds: float | None) -> list[int]:
    """The silences (in samples) each short window pads a command with: the configured one,
    then the longer retry when there is one."""
    pads = [config.pad_seconds]
    if retry_pad_seconds is not None and retry_pad_seconds > config.pad_seconds:
        pads.append(retry_pad_seconds)
    return [round(pad * SAMPLE_RATE) for pad in pads]


def short_windows(
    samples: int,
    pad_samples: Sequence[int],
    decode: Callable[[int], tuple[str, float, float]],
    config: AsrConfig,
) -> Transcript | None:
    """The short-window policy of both engines: each padding in turn (the configured one, then
    the longer retry), kept as soon as the decoding is neither a loop nor unsure. None when no
    window fits under 30 s (the caller then takes the 30-second path). `decode(frames)` gives
    (text, no-speech probability, mean log-probability)."""
    watch = Stopwatch()
    transcript = None
    for pad in pad_samples:
        frames = even_frames(samples + pad)
        if frames > WINDOW_FRAMES:
            break
        text, no_speech_prob, avg_logprob = decode(frames)
        transcript = judge(text, no_speech_prob, avg_logprob, watch.seconds(), config)
        if not worth_retrying(transcript):
            return transcript
    return transcript


def load_ct2_transcriber(config: AsrConfig, model_root: Path | None = None) -> Ct2Transcriber:
    """Load the model (int8 on CPU) and run one warm-up so the first command is not slow."""
    folder = ct2_model_dir(config.model, model_root)
    try:
        model = WhisperModel(
            str(folder), device="cpu", compute_type="int8", cpu_threads=config.threads
        )
    except (RuntimeError, ValueError, OSError) as err:
        raise AsrError(
            "model_invalid",
            f"cannot load the Whisper model in {folder}: {err}; "
            "check [asr] model (a CTranslate2 Whisper folder)",
        ) from err
    transcriber = Ct2Transcriber(model, config)
    transcriber.transcribe(np.zeros(SAMPLE_RATE // 2, dtype=np.float32))
    log.info("Whisper %s loaded from %s (pad %.1f s)", config.model, folder, config.pad_seconds)
    return transcriber
