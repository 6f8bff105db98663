"""Export a trained joint model to ONNX, so that running it needs no torch (see nlu/runtime.py)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch
from transformers import PreTrainedTokenizerBase

from daemon.nlu.model import JointModel, encode_words
from daemon.nlu.runtime import ONNX_FILE


def export_onnx(model: JointModel, tokenizer: PreTrainedTokenizerBase, model_dir: Path) -> Path:
    """Write `model.onnx` (dynamic batch and length) into `model_dir`, atomically."""
    model.eval()
    sample = encode_words(
        tokenizer, [["turn", "on", "the", "light"], ["what", "time", "is", "it", "now"]]
    )
    target = model_dir / ONNX_FILE
    partial = target.with_suffix(".onnx.partial")
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():
        # The exporter warns about advanced indexing with negative indices; there are none.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (sample.input_ids, sample.attention_mask),
            str(partial),
            input_names=["input_ids", "attention_mask"],
            output_names=["intent", "tags"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "intent": {0: "batch"},
                "tags": axes,
            },
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, target)
    return target
