"""Wake word: openWakeWord 0.4.0's bundled ONNX models scoring 80 ms chunks of 16 kHz audio."""

from __future__ import annotations

import importlib.resources
import logging
import warnings
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from daemon.errors import HomevoxError

if TYPE_CHECKING:
    from daemon.config import WakeConfig

log = logging.getLogger(__name__)

CHUNK_SAMPLES = 1280
"""openWakeWord scores one 80 ms chunk at a time."""
_MEL_CONTEXT_SAMPLES = 480
"""openWakeWord computes each chunk's melspectrogram with 3 hops (160 samples) of context."""
_MODEL_FILES = {
    "hey_jarvis": "hey_jarvis_v0.1.onnx",
    "hey_mycroft": "hey_mycroft_v0.1.onnx",
    "alexa": "alexa_v0.1.onnx",
}
PHRASES = {"hey_jarvis": "hey jarvis", "hey_mycroft": "hey mycroft", "alexa": "alexa"}
"""What to say to wake each model (also used by the demo source)."""

ONSET_SCORE = 0.1
"""The model's score rises past this once it has heard the whole wake word: the chunk where the
scores leading to a detection first did so ends where the wake word ends (0.18 s before to
0.17 s after it on the bench's espeak-ng voices, one 0.36 s after), while the detection itself
comes 0.1-0.4 s after the word."""
RISE_DIP_CHUNKS = 3
"""Chunks in a row below ONSET_SCORE that still belong to the rise leading to a detection. In
11 of the bench's 135 detections the score rose past it at the word's end, fell back for one
or two chunks (once four) as the command began, and rose again: taking the second rise started
the command up to 0.36 s late, after its first word (bench/command_start_bench.py)."""
RECENT_CHUNKS = 12
"""Chunks kept while waiting for the wake word (0.96 s: the longest detection delay and more)."""

Audio = npt.NDArray[np.float32]


class WakeWordError(HomevoxError):
    """The wake word model could not be loaded."""

    def __init__(self, message: str) -> None:
        super().__init__("wake_word_unavailable", message)


class WakeWordDetector:
    """One openWakeWord model scoring consecutive 80 ms chunks of one stream."""

    def __init__(self, config: WakeConfig) -> None:
        # 0.4.0 has no inference_framework switch: it only runs ONNX, and takes the
        # melspectrogram and embedding model paths as keyword arguments. Passing every path
        # explicitly means nothing is looked up or downloaded.
        import openwakeword

        self.model_name = config.model
        self.threshold = config.threshold
        models = importlib.resources.files("openwakeword") / "resources" / "models"
        paths = {
            "wake": models / _MODEL_FILES[config.model],
            "mel": models / "melspectrogram.onnx",
            "embedding": models / "embedding_model.onnx",
        }
        missing = [str(path) for path in paths.values() if not path.is_file()]
        if missing:
            raise WakeWordError(
                f"openWakeWord model file(s) missing: {', '.join(missing)}; "
                "reinstall with `pip install --force-reinstall openwakeword==0.4.0`"
            )
        try:
            with warnings.catch_warnings():
                # It asks for CUDA first; on a CPU-only onnxruntime that is a UserWarning.
                warnings.filterwarnings("ignore", "Specified provider 'CUDAExecutionProvider'")
                self._model = openwakeword.Model(
                    wakeword_model_paths=[str(paths["wake"])],
                    melspec_onnx_model_path=str(paths["mel"]),
                    embedding_onnx_model_path=str(paths["embedding"]),
                )
        except Exception as err:  # onnxruntime raises its own unexported error types
            raise WakeWordError(f"cannot load the {config.model} wake word model: {err}") from err
        self._label = next(iter(self._model.models))
        # openWakeWord keeps 10 s of raw audio in a deque and copies all of it to a list for
        # every 80 ms chunk, though it reads only the last chunk plus 480 samples: that copy
        # cost as much CPU as the three models. Keeping just what it reads gives the same
        # features (same samples) at a fraction of the cost.
        preprocessor = self._model.preprocessor
        preprocessor.raw_data_buffer = deque(
            preprocessor.raw_data_buffer, maxlen=CHUNK_SAMPLES + _MEL_CONTEXT_SAMPLES
        )
        self._fresh_melspectrogram = preprocessor.melspectrogram_buffer.copy()
        self._fresh_features = preprocessor.feature_buffer.copy()

    def reset(self) -> None:
        """Forget all audio heard so far, as if just loaded.

        openWakeWord's own reset() clears only recent scores: its features would still hold
        the wake word just heard (the model does not hear the command), so it would fire again
        as soon as listening resumes.
        """
        self._model.reset()
        preprocessor = self._model.preprocessor
        preprocessor.raw_data_buffer.clear()
        preprocessor.accumulated_samples = 0
        preprocessor.melspectrogram_buffer = self._fresh_melspectrogram.copy()
        preprocessor.feature_buffer = self._fresh_features.copy()

    def score(self, chunk: Audio) -> float:
        """Score one 80 ms chunk (1280 samples at 16 kHz): 0..1, wake word heard at >= threshold."""
        if chunk.shape != (CHUNK_SAMPLES,):
            raise ValueError(
                f"the wake word model needs chunks of {CHUNK_SAMPLES} samples, got {chunk.shape}"
            )
        pcm = (np.clip(chunk, -1.0, 1.0) * 32767).astype(np.int16)
        return float(self._model.predict(pcm)[self._label])


def load_wake_word(config: WakeConfig) -> WakeWordDetector | None:
    """The configured detector, or None for `mode = "none"` (always listening)."""
    if config.mode == "none":
        return None
    detector = WakeWordDetector(config)
    log.info("wake word %r loaded (threshold %.2f)", PHRASES[config.model], config.threshold)
    return detector


class RecentChunks:
    """The last chunks scored while waiting for the wake word, with their scores: after a
    detection, where in them the wake word ended (a command said right after it has begun
    by the time the model is sure)."""

    def __init__(
        self, threshold: float, chunks: int = RECENT_CHUNKS, dip_chunks: int = RISE_DIP_CHUNKS
    ) -> None:
        self._onset = min(ONSET_SCORE, threshold / 2)
        self._dip_chunks = dip_chunks
        self._recent: deque[tuple[Audio, float]] = deque(maxlen=chunks)

    def add(self, chunk: Audio, score: float) -> None:
        self._recent.append((chunk, score))

    def clear(self) -> None:
        self._recent.clear()

    def wake_word_end(self) -> tuple[Audio, int]:
        """The chunks kept as one piece of audio, and the sample in it where the wake word
        ended by its score: the end of the chunk where the scores leading to the last one
        first rose past the onset, across dips of up to `dip_chunks` below it (the oldest
        chunk kept, when they rose before it)."""
        scores = [score for _chunk, score in self._recent]
        first = len(scores) - 1
        below = 0
        for index in range(len(scores) - 1, -1, -1):
            if scores[index] >= self._onset:
                first, below = index, 0
            elif (below := below + 1) > self._dip_chunks:
                break
        chunks = [chunk for chunk, _score in self._recent]
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return audio, (first + 1) * CHUNK_SAMPLES
