"""Training the joint model: generate data, fine-tune, calibrate, report, save with fingerprint."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from daemon.config import PhraseConfig
from daemon.nlu import channel
from daemon.nlu.data import (
    LABELS,
    TAGS,
    Example,
    code_version,
    fingerprint,
    generate,
    sentence_files,
    split_holdout,
    whisper_style,
)
from daemon.nlu.model import IGNORE, JointModel, encode_words, new_model, save_model, tag_targets
from daemon.nlu.paths import model_dir_for as model_dir_for  # re-exported for callers

log = logging.getLogger(__name__)

META_FILE = "meta.json"


@dataclass(frozen=True)
class TrainSettings:
    """Everything that shapes a trained model (part of its fingerprint)."""

    per_intent: int = 1260
    """Generated sentences per intent (one pass over twice as many sentences generalised
    better to real phrasings than two passes over half as many, at the same cost; 1260
    rather than 900 moved the model less between two draws of the data)."""
    none_count: int = 9800
    """Generated out-of-scope sentences."""
    perturb_share: float = 0.3
    """Share of generated sentences with a function word dropped or a word repeated."""
    later_share: float = 0.08
    """Share of generated device commands said for later ("close the curtains at 9 pm")."""
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 2e-3
    tag_loss_weight: float = 1.0
    frozen_layers: int = 2
    """Lowest encoder layers kept as pretrained (with the word embeddings): faster, and general."""
    seed: int = 13
    holdout_share: float = 0.1
    """Share of the generated data held out for calibration and the report."""
    channel_new: int = 40
    """At most this many missing channel transcripts are synthesised per run."""
    channel_pick: int = 300
    """Generated sentences that should have a channel transcript."""
    asr_model: str = "tiny.en"
    time_budget_seconds: float = 560.0
    """Safety stop: training ends early (with a warning) rather than run past this."""


@dataclass(frozen=True)
class TrainReport:
    """What a training run did."""

    model_dir: Path
    examples: int
    held_out: int
    channel_examples: int
    seconds: float
    temperature: float
    accuracy: float
    per_intent: dict[str, tuple[float, float, int]]
    """label -> (precision, recall, support) on the held-out part at the default threshold."""


def data_fingerprint(phrases: Sequence[PhraseConfig], settings: TrainSettings) -> str:
    """What the trained model depends on: sentence files, phrases, channel cache, code, settings."""
    files = sentence_files()
    cache = channel.CACHE_PATH.read_text(encoding="utf-8") if channel.CACHE_PATH.exists() else ""
    return fingerprint(
        [
            *(file.text for file in files),
            json.dumps([phrase.model_dump() for phrase in phrases], sort_keys=True),
            cache,
            code_version(),
            json.dumps(_shaping(settings), sort_keys=True),
        ]
    )


def _shaping(settings: TrainSettings) -> dict[str, object]:
    """The settings that shape the model (how many new transcripts a run may make does not:
    the transcripts themselves are in the fingerprint through the cache)."""
    shaping = asdict(settings)
    for key in ("channel_new", "time_budget_seconds"):
        shaping.pop(key)
    return shaping


def is_current(model_dir: Path, phrases: Sequence[PhraseConfig], settings: TrainSettings) -> bool:
    """True when `model_dir` holds a model trained on exactly this data."""
    meta = model_dir / META_FILE
    if not meta.exists() or not (model_dir / "weights.pt").exists():
        return False
    try:
        saved = json.loads(meta.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return False
    return bool(saved == data_fingerprint(phrases, settings))


def phrase_examples(phrases: Sequence[PhraseConfig], copies: int, seed: int) -> list[Example]:
    """Each taught phrase in several transcript styles; its fixed slots apply at parse time.

    A third of the copies each are bare, after a filler ("hey jarvis") and before one
    ("please"): a phrase is said both ways, and it is too short to learn that from chance.
    """
    rng = random.Random(seed)
    out: list[Example] = []
    fillers: tuple[Literal["none", "prefix", "suffix"], ...] = ("none", "prefix", "suffix")
    for phrase in phrases:
        words = tuple(phrase.text.split())
        for copy in range(copies):
            styled = whisper_style(
                words, ("O",) * len(words), rng, question=False, filler=fillers[copy % 3]
            )
            if styled is not None:
                out.append(Example(styled.words, styled.tags, phrase.intent, source="phrase"))
    return out


def build_data(
    phrases: Sequence[PhraseConfig],
    settings: TrainSettings,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Example], list[Example], int]:
    """(train, held out, channel examples used): generated, channel and taught sentences."""
    generated = generate(
        sentence_files(),
        settings.per_intent,
        settings.none_count,
        settings.seed,
        settings.perturb_share,
        settings.later_share,
    )
    # A taught phrase overrides a generated sentence that says the same ("good night" is
    # chit-chat until a user makes it switch the lights off).
    taught = {_plain(phrase.text) for phrase in phrases}
    generated = [example for example in generated if _plain(example.text) not in taught]
    train, held = split_holdout(generated, settings.holdout_share, settings.seed)
    wanted = channel.pick_for_channel(train, settings.channel_pick, settings.seed)
    if settings.channel_new > 0:
        try:
            added = channel.fill_cache(
                wanted, settings.channel_new, settings.asr_model, progress=progress
            )
        except Exception as err:
            log.warning(
                "could not synthesise channel transcripts (%s); training on the cache only", err
            )
            added = 0
        if added:
            log.info("synthesised %d new channel transcripts", added)
    held_texts = {example.text.lower() for example in held}
    spoken = [
        e for e in channel.channel_examples(settings.asr_model) if e.text.lower() not in held_texts
    ]
    return [*train, *spoken, *phrase_examples(phrases, 12, settings.seed)], held, len(spoken)


def _plain(text: str) -> str:
    return " ".join("".join(c if c.isalnum() or c == "'" else " " for c in text.lower()).split())


def _batches(examples: Sequence[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar length (less padding, faster on CPU)."""
    order = list(examples)
    rng.shuffle(order)
    batches: list[list[Example]] = []
    for start in range(0, len(order), size * 50):
        chunk = sorted(order[start : start + size * 50], key=lambda e: len(e.words))
        batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(batches)
    return batches


def _tensors(
    model_tokenizer: object, batch: Sequence[Example]
) -> tuple[object, torch.Tensor, torch.Tensor]:
    tag_index = {tag: index for index, tag in enumerate(TAGS)}
    encoded = encode_words(model_tokenizer, [e.words for e in batch])  # type: ignore[arg-type]
    tags = [[tag_index.get(tag, IGNORE) for tag in e.tags] for e in batch]
    labels = torch.tensor([LABELS.index(e.intent) for e in batch])
    return encoded, labels, tag_targets(encoded, tags)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(torch_threads())


def torch_threads() -> int:
    """2 (the target machine's cores); HOMEVOX_TORCH_THREADS=1 is faster on a busy machine."""
    value = os.environ.get("HOMEVOX_TORCH_THREADS", "2")
    return max(1, min(2, int(value))) if value.isdigit() else 2


def fit(
    model: JointModel,
    tokenizer: object,
    examples: Sequence[Example],
    settings: TrainSettings,
    bar: object,
) -> bool:
    """Fine-tune in place; False when the time budget cut training short."""
    rng = random.Random(settings.seed)
    encoder: nn.Module = model.encoder
    embeddings = getattr(encoder, "embeddings", None)
    if embeddings is not None:
        # Frozen embeddings: half the parameters, and words never seen in training keep their
        # pretrained meaning.
        embeddings.requires_grad_(False)
    layers = getattr(getattr(encoder, "encoder", None), "layer", [])
    for layer in list(layers)[: settings.frozen_layers]:
        layer.requires_grad_(False)
    head_params = [*model.intent_head.parameters(), *model.tag_head.parameters()]
    encoder_params = [p for p in encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder_params, "lr": settings.learning_rate},
            {"params": head_params, "lr": settings.head_learning_rate},
        ],
        weight_decay=0.01,
    )
    steps_per_epoch = math.ceil(len(examples) / settings.batch_size)
    total = steps_per_epoch * settings.epochs
    warmup = max(1, total // 15)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup))),
    )
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE)
    started = time.monotonic()
    model.train()
    for _epoch in range(settings.epochs):
        for batch in _batches(examples, settings.batch_size, rng):
            encoded, labels, tag_target = _tensors(tokenizer, batch)
            intent_logits, tag_logits = model(encoded.input_ids, encoded.attention_mask)  # type: ignore[attr-defined]
            loss = loss_fn(intent_logits, labels) + settings.tag_loss_weight * loss_fn(
                tag_logits.reshape(-1, len(TAGS)), tag_target.reshape(-1)
            )
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            bar.update(1)  # type: ignore[attr-defined]
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)  # type: ignore[attr-defined]
            if time.monotonic() - started > settings.time_budget_seconds:
                log.warning(
                    "training stopped early at the %.0f s budget", settings.time_budget_seconds
                )
                model.eval()
                return False
    model.eval()
    return True


def predict_logits(
    model: JointModel, tokenizer: object, examples: Sequence[Example]
) -> torch.Tensor:
    """Intent logits for `examples`, in batches."""
    out: list[torch.Tensor] = []
    with torch.inference_mode():
        for start in range(0, len(examples), 128):
            encoded, _, _ = _tensors(tokenizer, examples[start : start + 128])
            logits, _ = model(encoded.input_ids, encoded.attention_mask)  # type: ignore[attr-defined]
            out.append(logits)
    return torch.cat(out)


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature that minimises the held-out negative log-likelihood (Guo et al., 2017)."""
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimizer.step(closure)  # type: ignore[no-untyped-call]
    return float(log_t.exp().clamp(0.05, 20.0).item())


def per_intent_report(
    predicted: Sequence[str], expected: Sequence[str]
) -> dict[str, tuple[float, float, int]]:
    report: dict[str, tuple[float, float, int]] = {}
    for label in LABELS:
        tp = sum(1 for p, e in zip(predicted, expected, strict=True) if p == e == label)
        predicted_count = sum(1 for p in predicted if p == label)
        support = sum(1 for e in expected if e == label)
        precision = tp / predicted_count if predicted_count else 0.0
        recall = tp / support if support else 0.0
        report[label] = (precision, recall, support)
    return report


def write_meta(model_dir: Path, meta: dict[str, object]) -> None:
    (model_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")


def train_model(
    model_dir: Path,
    phrases: Sequence[PhraseConfig] = (),
    settings: TrainSettings | None = None,
    threshold: float = 0.6,
    show_progress: bool = True,
) -> TrainReport:
    """Train reproducibly; save weights, tokenizer, labels, calibration, fingerprint."""
    from tqdm import tqdm

    settings = settings or TrainSettings()
    started = time.monotonic()
    seed_everything(settings.seed)
    with tqdm(
        desc="channel", unit="sentence", disable=not show_progress, leave=False
    ) as channel_bar:
        examples, held, spoken = build_data(phrases, settings, progress=channel_bar.update)
    # Taken now, from the data just read and the transcripts just made: a sentence file edited
    # while the model trains must leave the model stale, not pass for what it was trained on.
    trained_on = data_fingerprint(phrases, settings)
    model, tokenizer = new_model(len(LABELS), len(TAGS))
    seed_everything(settings.seed)
    steps = math.ceil(len(examples) / settings.batch_size) * settings.epochs
    with tqdm(total=steps, desc="training", unit="step", disable=not show_progress) as bar:
        completed = fit(model, tokenizer, examples, settings, bar)
    logits = predict_logits(model, tokenizer, held)
    labels = torch.tensor([LABELS.index(e.intent) for e in held])
    temperature = fit_temperature(logits, labels)
    probs = torch.softmax(logits / temperature, dim=-1)
    confidence, index = probs.max(dim=-1)
    predicted = [
        LABELS[i] if c >= threshold else "none"
        for i, c in zip(index.tolist(), confidence.tolist(), strict=True)
    ]
    expected = [e.intent for e in held]
    accuracy = sum(p == e for p, e in zip(predicted, expected, strict=True)) / max(1, len(held))
    report = per_intent_report(predicted, expected)
    save_model(model, tokenizer, model_dir)
    seconds = time.monotonic() - started
    write_meta(
        model_dir,
        {
            "labels": list(LABELS),
            "tags": list(TAGS),
            "temperature": temperature,
            "fingerprint": trained_on,
            "code_version": code_version(),
            "settings": asdict(settings),
            "examples": len(examples),
            "channel_examples": spoken,
            "held_out": len(held),
            "held_out_accuracy": accuracy,
            "completed": completed,
            "train_seconds": round(seconds, 1),
        },
    )
    return TrainReport(
        model_dir, len(examples), len(held), spoken, seconds, temperature, accuracy, report
    )
