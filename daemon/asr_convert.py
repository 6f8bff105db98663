"""Read a CTranslate2 Whisper model.bin and map its float weights onto openai-whisper's names.

CTranslate2 fuses attention projections: self-attention q/k/v into one linear_0 and
cross-attention k/v into linear_1. openai-whisper keeps them apart and has no key bias, so
the fused tensors are split and the (all-zero) key bias is checked and dropped.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from daemon.asr import AsrError

DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
"""CTranslate2's type ids, in the order of its DataType enum."""
FLOAT_DTYPES = ("float32", "float16")

StateDict = dict[str, npt.NDArray[np.float32]]
Getter = Callable[[str], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class Ct2Weights:
    """The variables of one model.bin, by CTranslate2 name."""

    spec: str
    variables: dict[str, npt.NDArray[np.generic]]
    dtypes: dict[str, str]


def read_ct2_model(path: Path) -> Ct2Weights:
    """Parse model.bin (binary format version 6); AsrError if it is not one."""
    data = memoryview(path.read_bytes())
    reader = _Reader(data, path)
    version = reader.unpack("I")
    spec = reader.string()
    reader.unpack("I")  # spec revision
    if version < 5 or spec != "WhisperSpec":
        raise AsrError("model_invalid", f"{path}: not a CTranslate2 Whisper model ({spec!r})")
    variables: dict[str, npt.NDArray[np.generic]] = {}
    dtypes: dict[str, str] = {}
    for _ in range(reader.unpack("I")):
        name = reader.string()
        shape = [reader.unpack("I") for _ in range(reader.unpack("B"))]
        dtype = DTYPES[reader.unpack("B")]
        size = reader.unpack("I")
        raw = reader.take(size)
        dtypes[name] = dtype
        if dtype != "bfloat16":
            variables[name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
    for _ in range(reader.unpack("I")):
        alias, target = reader.string(), reader.string()
        variables[alias] = variables[target]
        dtypes[alias] = dtypes[target]
    return Ct2Weights(spec=spec, variables=variables, dtypes=dtypes)


def openai_state_dict(weights: Ct2Weights, source: Path) -> tuple[dict[str, int], StateDict]:
    """openai-whisper's ModelDimensions fields and state dict, as float32 arrays."""
    found = weights.variables
    quantised = sorted(
        name
        for name, dtype in weights.dtypes.items()
        if dtype not in FLOAT_DTYPES and found[name].ndim >= 2
    )
    if quantised:
        raise AsrError(
            "model_invalid",
            f"{source} holds {weights.dtypes[quantised[0]]} weights; openai-whisper needs a "
            "float16/float32 model: set [asr] checkpoint to a .pt file or use faster-whisper",
        )

    def get(name: str) -> npt.NDArray[np.float32]:
        return np.asarray(found[name], dtype=np.float32)

    encoder_layers = _count_layers(found, "encoder")
    decoder_layers = _count_layers(found, "decoder")
    embeddings = get("decoder/embeddings/weight")
    dims = {
        "n_mels": int(found["encoder/conv1/weight"].shape[1]),
        "n_audio_ctx": int(found["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(found["encoder/conv1/weight"].shape[0]),
        "n_audio_head": int(found["encoder/num_heads"]),
        "n_audio_layer": encoder_layers,
        "n_vocab": int(embeddings.shape[0]),
        "n_text_ctx": int(found["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(embeddings.shape[1]),
        "n_text_head": int(found["decoder/num_heads"]),
        "n_text_layer": decoder_layers,
    }
    state: StateDict = {}
    for conv in ("conv1", "conv2"):
        state[f"encoder.{conv}.weight"] = get(f"encoder/{conv}/weight")
        state[f"encoder.{conv}.bias"] = get(f"encoder/{conv}/bias")
    state["encoder.positional_embedding"] = get("encoder/position_encodings/encodings")
    _layer_norm(state, "encoder.ln_post", get, "encoder/layer_norm")
    for index in range(encoder_layers):
        ours, theirs = f"encoder.blocks.{index}", f"encoder/layer_{index}"
        _self_attention(state, ours, theirs, get, source)
        _ffn(state, ours, theirs, get)
    state["decoder.token_embedding.weight"] = embeddings
    state["decoder.positional_embedding"] = get("decoder/position_encodings/encodings")
    _layer_norm(state, "decoder.ln", get, "decoder/layer_norm")
    for index in range(decoder_layers):
        ours, theirs = f"decoder.blocks.{index}", f"decoder/layer_{index}"
        _self_attention(state, ours, theirs, get, source)
        _cross_attention(state, ours, theirs, get, source)
        _ffn(state, ours, theirs, get)
    return dims, state


def _self_attention(state: StateDict, ours: str, theirs: str, get: Getter, source: Path) -> None:
    query, key, value = np.split(get(f"{theirs}/self_attention/linear_0/weight"), 3)
    query_bias, key_bias, value_bias = np.split(get(f"{theirs}/self_attention/linear_0/bias"), 3)
    _expect_zero(key_bias, f"{theirs}/self_attention", source)
    state.update(
        {
            f"{ours}.attn.query.weight": query,
            f"{ours}.attn.query.bias": query_bias,
            f"{ours}.attn.key.weight": key,
            f"{ours}.attn.value.weight": value,
            f"{ours}.attn.value.bias": value_bias,
            f"{ours}.attn.out.weight": get(f"{theirs}/self_attention/linear_1/weight"),
            f"{ours}.attn.out.bias": get(f"{theirs}/self_attention/linear_1/bias"),
        }
    )
    _layer_norm(state, f"{ours}.attn_ln", get, f"{theirs}/self_attention/layer_norm")


def _cross_attention(state: StateDict, ours: str, theirs: str, get: Getter, source: Path) -> None:
    key, value = np.split(get(f"{theirs}/attention/linear_1/weight"), 2)
    key_bias, value_bias = np.split(get(f"{theirs}/attention/linear_1/bias"), 2)
    _expect_zero(key_bias, f"{theirs}/attention", source)
    state.update(
        {
            f"{ours}.cross_attn.query.weight": get(f"{theirs}/attention/linear_0/weight"),
            f"{ours}.cross_attn.query.bias": get(f"{theirs}/attention/linear_0/bias"),
            f"{ours}.cross_attn.key.weight": key,
            f"{ours}.cross_attn.value.weight": value,
            f"{ours}.cross_attn.value.bias": value_bias,
            f"{ours}.cross_attn.out.weight": get(f"{theirs}/attention/linear_2/weight"),
            f"{ours}.cross_attn.out.bias": get(f"{theirs}/attention/linear_2/bias"),
        }
    )
    _layer_norm(state, f"{ours}.cross_attn_ln", get, f"{theirs}/attention/layer_norm")


def _ffn(state: StateDict, ours: str, theirs: str, get: Getter) -> None:
    for index, linear in ((0, "linear_0"), (2, "linear_1")):
        state[f"{ours}.mlp.{index}.weight"] = get(f"{theirs}/ffn/{linear}/weight")
        state[f"{ours}.mlp.{index}.bias"] = get(f"{theirs}/ffn/{linear}/bias")
    _layer_norm(state, f"{ours}.mlp_ln", get, f"{theirs}/ffn/layer_norm")


def _layer_norm(state: StateDict, ours: str, get: Getter, theirs: str) -> None:
    state[f"{ours}.weight"] = get(f"{theirs}/gamma")
    state[f"{ours}.bias"] = get(f"{theirs}/beta")


def _expect_zero(key_bias: npt.NDArray[np.float32], where: str, source: Path) -> None:
    # Whisper has no key bias; CTranslate2 stores zeros there. Anything else cannot map.
    if np.any(key_bias != 0):
        raise AsrError(
            "model_invalid", f"{source}: {where} has a key bias openai-whisper cannot hold"
        )


def _count_layers(found: dict[str, npt.NDArray[np.generic]], stack: str) -> int:
    count = 0
    while f"{stack}/layer_{count}/ffn/linear_0/weight" in found:
        count += 1
    return count


class _Reader:
    """Sequential reads from model.bin, with a clear error when it ends early."""

    def __init__(self, data: memoryview, path: Path) -> None:
        self._data = data
        self._offset = 0
        self._path = path

    def take(self, size: int) -> memoryview:
        if self._offset + size > len(self._data):
            raise AsrError("model_invalid", f"{self._path} is truncated; reinstall the model")
        chunk = self._data[self._offset : self._offset + size]
        self._offset += size
        return chunk

    def unpack(self, fmt: str) -> int:
        value: int = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def string(self) -> str:
        return bytes(self.take(self.unpack("H")))[:-1].decode("utf-8")
