"""The trained intent model at run time: ONNX Runtime and the tokenizers library, no torch.

Training needs torch; understanding does not. Importing torch and transformers costs the
daemon about 500 MB of memory; this path costs about 160 MB and is as fast on 2 cores.
`homevox train` writes `model.onnx` next to the torch weights (daemon/nlu/export.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

ONNX_FILE = "model.onnx"
MAX_TOKENS = 48
"""Longer inputs are truncated; no spoken command comes close (the same limit in training)."""


@dataclass(frozen=True)
class Encoded:
    """Tokenised sentences and, per token, the index of the word it starts (-1 otherwise)."""

    input_ids: npt.NDArray[np.int64]
    attention_mask: npt.NDArray[np.int64]
    word_starts: list[list[int]]


class OnnxJointModel:
    """The joint intent + tag model exported by `homevox train`."""

    def __init__(self, model_dir: Path, threads: int) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_dir / ONNX_FILE), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer" / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        pad_id = self._tokenizer.token_to_id("[PAD]")
        self._tokenizer.enable_padding(
            pad_id=pad_id if pad_id is not None else 0, pad_token="[PAD]"
        )

    def encode(self, sentences: Sequence[Sequence[str]]) -> Encoded:
        """Tokenise pre-split words; remember which token begins each word (for tagging)."""
        encodings = self._tokenizer.encode_batch(
            [list(words) for words in sentences], is_pretokenized=True
        )
        starts: list[list[int]] = []
        for encoding in encodings:
            previous: int | None = None
            row: list[int] = []
            for word_id in encoding.word_ids:
                row.append(word_id if word_id is not None and word_id != previous else -1)
                previous = word_id
            starts.append(row)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return Encoded(ids, mask, starts)

    def logits(self, encoded: Encoded) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """(intent logits [batch, labels], tag logits [batch, tokens, tags])."""
        intent, tags = self._session.run(
            None, {"input_ids": encoded.input_ids, "attention_mask": encoded.attention_mask}
        )
        return np.asarray(intent, dtype=np.float32), np.asarray(tags, dtype=np.float32)


def softmax(logits: npt.NDArray[np.float32], temperature: float) -> npt.NDArray[np.float32]:
    """Calibrated probabilities along the last axis."""
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    result: npt.NDArray[np.float32] = exp / exp.sum(axis=-1, keepdims=True)
    return result
