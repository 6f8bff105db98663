"""openai-whisper engine (optional extra): a user checkpoint or the bundled weights converted.

The short-window trick works here too: the encoder is wrapped so that it adds only as much
of its positional embedding as the (padded) command has frames, instead of insisting on 30 s.
"""

from __future__ import annotations

import logging
import math
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from daemon.asr import AsrError, Stopwatch, Transcript, judge
from daemon.asr_convert import openai_state_dict, read_ct2_model
from daemon.asr_ct2 import (
    HOP_SAMPLES,
    RETRY_PAD_SECONDS,
    TOKENS_PER_SECOND_LIMIT,
    pad_samples,
    short_windows,
)
from daemon.asr_models import ct2_model_dir, user_path
from daemon.audio_io import SAMPLE_RATE
from daemon.config import AsrConfig

log = logging.getLogger(__name__)


class OpenAiTranscriber:
    """An openai-whisper model in float32 on the CPU."""

    def __init__(
        self, model: Any, config: AsrConfig, retry_pad_seconds: float | None = RETRY_PAD_SECONDS
    ) -> None:
        import whisper

        self.model = model
        """The whisper.model.Whisper instance (encoder wrapped for short windows)."""
        self.config = config
        self._whisper = whisper
        self._pad_samples = pad_samples(config, retry_pad_seconds)
        self._lock = threading.Lock()

    def transcribe(
        self, audio: npt.NDArray[np.float32], prompt: str = "", retry: bool = True
    ) -> Transcript:
        """Transcribe 16 kHz mono audio, padded to the audio's length plus pad_seconds.

        As in asr_ct2: a loop or an unsure decoding is tried once more with a longer pad,
        unless `retry` is False.
        """
        import torch

        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        with self._lock, torch.inference_mode():
            transcript = short_windows(
                audio.size,
                self._pad_samples if retry else self._pad_samples[:1],
                lambda frames: self._decode(audio, frames, prompt),
                self.config,
            )
        if transcript is None:
            return self.transcribe_full_window(audio, prompt)
        return transcript

    def _decode(
        self, audio: npt.NDArray[np.float32], frames: int, prompt: str
    ) -> tuple[str, float, float]:
        import torch

        padded = np.zeros(frames * HOP_SAMPLES, dtype=np.float32)
        padded[: audio.size] = audio
        mel = self._whisper.log_mel_spectrogram(torch.from_numpy(padded), self.model.dims.n_mels)
        options = self._whisper.DecodingOptions(
            language="en",
            task="transcribe",
            temperature=0.0,
            beam_size=self.config.beam_size if self.config.beam_size > 1 else None,
            sample_len=TOKENS_PER_SECOND_LIMIT * math.ceil(audio.size / SAMPLE_RATE) + 20,
            prompt=prompt.strip() or None,
            without_timestamps=True,
            fp16=False,
        )
        try:
            result = self._whisper.decode(self.model, mel, options)
        except (RuntimeError, ValueError) as err:
            raise AsrError("failed", f"Whisper failed: {err}; see the log") from err
        return str(result.text), float(result.no_speech_prob), float(result.avg_logprob)

    def transcribe_full_window(
        self, audio: npt.NDArray[np.float32], prompt: str = ""
    ) -> Transcript:
        """openai-whisper's own `transcribe` (30-second windows, greedy), same rules."""
        import torch

        with self._lock, torch.inference_mode():
            watch = Stopwatch()
            try:
                result = self._whisper.transcribe(
                    self.model,
                    audio,
                    language="en",
                    temperature=0.0,
                    beam_size=self.config.beam_size if self.config.beam_size > 1 else None,
                    initial_prompt=prompt.strip() or None,
                    condition_on_previous_text=False,
                    fp16=False,
                )
            except (RuntimeError, ValueError) as err:
                raise AsrError("failed", f"Whisper failed: {err}; see the log") from err
            segments = result["segments"]
            no_speech = min((s["no_speech_prob"] for s in segments), default=1.0)
            avg_logprob = min((s["avg_logprob"] for s in segments), default=0.0)
            return judge(result["text"], no_speech, avg_logprob, watch.seconds(), self.config)


def load_openai_transcriber(config: AsrConfig, model_root: Path | None = None) -> OpenAiTranscriber:
    """Load a checkpoint, or convert the configured CTranslate2 float model, strictly."""
    try:
        import torch
        import whisper
    except ImportError as err:
        raise AsrError(
            "engine_missing",
            'openai-whisper is not installed; run: pip install "homevox[openai-whisper]" '
            '(or set [asr] engine = "faster-whisper")',
        ) from err
    torch.set_num_threads(config.threads)
    if config.checkpoint:
        model = _load_checkpoint(whisper, user_path(config.checkpoint, model_root))
    else:
        model = _convert_ct2(whisper, torch, config.model, model_root)
    model.eval()
    model.encoder = _ShortWindowEncoder.wrap(model.encoder)
    transcriber = OpenAiTranscriber(model, config)
    with warnings.catch_warnings():
        # openai-whisper leaves its (cached) tokenizer file open the first time it reads it.
        warnings.simplefilter("ignore", ResourceWarning)
        transcriber.transcribe(np.zeros(SAMPLE_RATE // 2, dtype=np.float32))
    log.info(
        "openai-whisper loaded (%s, pad %.1f s)",
        config.checkpoint or config.model,
        config.pad_seconds,
    )
    return transcriber


def _load_checkpoint(whisper: Any, path: Path) -> Any:
    if not path.is_file():
        raise AsrError(
            "model_missing",
            f'[asr] checkpoint {path}: no such file; give an openai-whisper .pt file or ""',
        )
    try:
        return whisper.load_model(str(path), device="cpu")
    except Exception as err:  # torch.load raises many types for a bad file
        raise AsrError(
            "checkpoint_invalid",
            f"[asr] checkpoint {path}: not an openai-whisper checkpoint "
            f"({type(err).__name__}); give a .pt file from openai-whisper",
        ) from err


def _convert_ct2(whisper: Any, torch: Any, model: str, model_root: Path | None) -> Any:
    folder = ct2_model_dir(model, model_root)
    dims, state = openai_state_dict(read_ct2_model(folder / "model.bin"), folder / "model.bin")
    network = whisper.model.Whisper(whisper.model.ModelDimensions(**dims))
    try:
        network.load_state_dict(
            {name: torch.from_numpy(array) for name, array in state.items()}, strict=True
        )
    except RuntimeError as err:
        raise AsrError(
            "model_invalid",
            f"{folder}: weights do not fit openai-whisper ({str(err).splitlines()[0]}); "
            "use engine faster-whisper",
        ) from err
    return network


class _ShortWindowEncoder:
    """Factory for a torch module that runs Whisper's encoder on any even frame count ≤ 3000."""

    @staticmethod
    def wrap(encoder: Any) -> Any:
        import torch
        from torch.nn import functional

        class ShortWindowEncoder(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, mel: Any) -> Any:
                inner = self.inner
                x = functional.gelu(inner.conv1(mel))
                x = functional.gelu(inner.conv2(x)).permute(0, 2, 1)
                x = (x + inner.positional_embedding[: x.shape[1]]).to(x.dtype)
                for block in inner.blocks:
                    x = block(x)
                return inner.ln_post(x)

        return ShortWindowEncoder(encoder)
