"""How the parser runs the trained model: ONNX Runtime when exported (no torch), else torch."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from daemon.nlu.runtime import ONNX_FILE, OnnxJointModel

Floats = npt.NDArray[np.float32]


class Backend(Protocol):
    """Runs the joint model on pre-split words."""

    def run(self, words: Sequence[Sequence[str]]) -> tuple[Floats, Floats, list[list[int]]]:
        """(intent logits, tag logits per token, index of the word each token starts or -1)."""
        ...


def threads() -> int:
    """2 (the target machine's cores); HOMEVOX_TORCH_THREADS=1 is faster on a busy machine."""
    value = os.environ.get("HOMEVOX_TORCH_THREADS", "2")
    return max(1, min(2, int(value))) if value.isdigit() else 2


class OnnxBackend:
    """model.onnx on ONNX Runtime with the tokenizers library: no torch in the process."""

    def __init__(self, model_dir: Path) -> None:
        self._model = OnnxJointModel(model_dir, threads())

    def run(self, words: Sequence[Sequence[str]]) -> tuple[Floats, Floats, list[list[int]]]:
        encoded = self._model.encode(words)
        intent, tags = self._model.logits(encoded)
        return intent, tags, encoded.word_starts


class TorchBackend:
    """The torch weights, for a model saved before ONNX export existed."""

    def __init__(self, model_dir: Path, labels: int, tags: int) -> None:
        import torch

        from daemon.nlu.model import load_model

        torch.set_num_threads(threads())
        self._model, self._tokenizer = load_model(model_dir, labels, tags)

    def run(self, words: Sequence[Sequence[str]]) -> tuple[Floats, Floats, list[list[int]]]:
        import torch

        from daemon.nlu.model import encode_words

        with torch.inference_mode():
            batch = encode_words(self._tokenizer, words)
            intent, tags = self._model(batch.input_ids, batch.attention_mask)
        return _floats(intent.numpy()), _floats(tags.numpy()), batch.word_starts


def _floats(array: Any) -> Floats:
    return np.asarray(array, dtype=np.float32)


def load_backend(model_dir: Path, labels: int, tags: int) -> Backend:
    """ONNX Runtime when `homevox train` exported model.onnx, else torch."""
    if (model_dir / ONNX_FILE).exists():
        return OnnxBackend(model_dir)
    return TorchBackend(model_dir, labels, tags)
