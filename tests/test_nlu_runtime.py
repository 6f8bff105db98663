"""The torch-free run-time path of the intent model gives what the torch model gives."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from daemon.nlu.export import export_onnx
from daemon.nlu.model import encode_words, load_model
from daemon.nlu.runtime import OnnxJointModel
from daemon.nlu.train import META_FILE

SENTENCES = [
    ["turn", "on", "the", "kitchen", "light"],
    ["Dim", "the", "living", "room", "lamp", "to", "30%."],
    ["what's", "the", "temperature?"],
    ["remind", "me", "to", "call", "Müller", "at", "5", "p.m."],
    ["#", "+", "/", "zigbee2mqtt/#"],
    ["word"] * 80,  # longer than the model's token limit: truncated the same way
]


@pytest.fixture(scope="module")
def exported(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    meta = json.loads((trained_model / META_FILE).read_text())
    model, tokenizer = load_model(trained_model, len(meta["labels"]), len(meta["tags"]))
    folder = tmp_path_factory.mktemp("onnx")
    shutil.copytree(trained_model / "tokenizer", folder / "tokenizer")
    export_onnx(model, tokenizer, folder)
    return folder


def test_encoding_and_logits_match_the_torch_model(trained_model: Path, exported: Path) -> None:
    meta = json.loads((trained_model / META_FILE).read_text())
    model, tokenizer = load_model(trained_model, len(meta["labels"]), len(meta["tags"]))
    reference = encode_words(tokenizer, SENTENCES)
    runtime = OnnxJointModel(exported, threads=1)
    encoded = runtime.encode(SENTENCES)
    assert np.array_equal(encoded.input_ids, reference.input_ids.numpy())
    assert np.array_equal(encoded.attention_mask, reference.attention_mask.numpy())
    assert encoded.word_starts == reference.word_starts
    with torch.inference_mode():
        intent, tags = model(reference.input_ids, reference.attention_mask)
    onnx_intent, onnx_tags = runtime.logits(encoded)
    assert np.allclose(onnx_intent, intent.numpy(), atol=1e-4)
    assert np.allclose(onnx_tags, tags.numpy(), atol=1e-4)


def test_the_runtime_path_never_imports_torch(exported: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from daemon.nlu.runtime import OnnxJointModel;"
        f"m = OnnxJointModel(Path({str(exported)!r}), 1); m.logits(m.encode([['hello']]));"
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "False False", done.stderr
