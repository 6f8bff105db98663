"""The parser the daemon uses: text -> one or more commands, each with intent, confidence, slots."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from daemon.config import PhraseConfig
from daemon.errors import HomevoxError
from daemon.nlu.backend import Backend, load_backend
from daemon.nlu.compound import (
    Part,
    carry_over,
    mend_tags,
    name_referent,
    split_points,
    split_text,
)
from daemon.nlu.runtime import softmax
from daemon.nlu.spans import Span, spans_from_tags
from skills.base import INTENT_NAMES, NONE_INTENT

META_FILE = "meta.json"
"""Written by daemon.nlu.train (same name there); read here without importing torch."""
MAX_CHARS = 400
"""Longer text is no spoken command: answered as not understood without running the model."""
_BATCH = 64
_WORD = re.compile(r"\S+")


class NluError(HomevoxError):
    """The intent model cannot be used; `code` is stable, the message says what to do."""


@dataclass(frozen=True)
class ParsedCommand:
    """One understood (or not understood: intent "none") command."""

    text: str
    intent: str
    confidence: float
    """Calibrated probability of `intent` (of the model's best guess when below the threshold)."""
    slots: dict[str, str]
    """Text of the first span of each slot."""
    spans: tuple[Span, ...]
    top: tuple[tuple[str, float], ...]
    """The three most likely intents with their calibrated probabilities."""


@dataclass(frozen=True)
class ParseResult:
    """A whole utterance: one command, or several for "do this and do that"."""

    text: str
    commands: tuple[ParsedCommand, ...]

    @property
    def intent(self) -> str:
        return self.commands[0].intent if self.commands else NONE_INTENT

    @property
    def confidence(self) -> float:
        return self.commands[0].confidence if self.commands else 0.0


@dataclass(frozen=True)
class _Raw:
    """Model output for one piece of text."""

    probs: tuple[float, ...]
    tags: tuple[str, ...]
    words: tuple[tuple[int, int], ...]


def normalise_phrase(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


class IntentParser:
    """The trained joint model, its calibration, and the taught phrases."""

    def __init__(
        self,
        backend: Backend,
        labels: Sequence[str],
        tags: Sequence[str],
        temperature: float,
        confidence_threshold: float,
        phrases: Sequence[PhraseConfig] = (),
    ) -> None:
        self._backend = backend
        self.labels = tuple(labels)
        self.tags = tuple(tags)
        self.temperature = temperature
        self.threshold = confidence_threshold
        self._phrases = {normalise_phrase(p.text): p for p in phrases}

    @classmethod
    def load(
        cls, model_dir: Path, confidence_threshold: float, phrases: Sequence[PhraseConfig] = ()
    ) -> IntentParser:
        """The model saved by `homevox train` in `model_dir`; NluError when missing or outdated."""
        meta_path = model_dir / META_FILE
        if not meta_path.exists() or not (model_dir / "weights.pt").exists():
            raise NluError(
                "model_missing", f"no trained intent model at {model_dir}: run `homevox train`"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            labels, tags = meta["labels"], meta["tags"]
            temperature = float(meta["temperature"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise NluError(
                "model_broken",
                f"unreadable intent model at {model_dir} ({err}): run `homevox train`",
            ) from err
        if tuple(labels) != (*INTENT_NAMES, NONE_INTENT):
            raise NluError(
                "model_outdated",
                f"the intent model at {model_dir} knows other intents: run `homevox train`",
            )
        try:
            backend = load_backend(model_dir, len(labels), len(tags))
        except Exception as err:
            raise NluError(
                "model_broken",
                f"cannot load the intent model at {model_dir} ({err}): run `homevox train`",
            ) from err
        return cls(backend, labels, tags, temperature, confidence_threshold, phrases)

    def parse(self, text: str) -> ParseResult:
        """Understand one utterance."""
        return self.parse_many([text])[0]

    def parse_many(self, texts: Sequence[str]) -> list[ParseResult]:
        """Understand many utterances in batches (same results as `parse` one by one)."""
        cleaned = [" ".join(str(text).split()) for text in texts]
        todo = [i for i, text in enumerate(cleaned) if self._needs_model(text)]
        whole = self._run([cleaned[i] for i in todo])
        parts_of: dict[int, list[Part]] = {}
        for index, raw in zip(todo, whole, strict=True):
            points = split_points(cleaned[index], raw.words, raw.tags)
            if points:
                parts_of[index] = split_text(cleaned[index], points)
        flat = [(index, part) for index, parts in parts_of.items() for part in parts]
        part_raw = self._run([part.text for _, part in flat])
        whole_of = dict(zip(todo, whole, strict=True))
        by_index: dict[int, list[ParsedCommand]] = {}
        for (index, part), raw in zip(flat, part_raw, strict=True):
            command = self._command(part.text, raw, threshold=0.0)
            context = spans_from_tags(cleaned[index], whole_of[index].words, whole_of[index].tags)
            by_index.setdefault(index, []).append(_with_context_spans(command, part, context))
        self._reread_references(by_index)
        results: list[ParseResult] = []
        for index, text in enumerate(cleaned):
            results.append(
                ParseResult(
                    str(texts[index]),
                    self._commands(text, whole_of.get(index), by_index.get(index)),
                )
            )
        return results

    def _reread_references(self, by_index: dict[int, list[ParsedCommand]]) -> None:
        """A part that says "it" after a device command is read again with the device named."""
        todo: list[tuple[int, int, str]] = []
        for index, commands in by_index.items():
            for position in range(1, len(commands)):
                rewritten = name_referent(commands[position - 1], commands[position].text)
                if rewritten is not None:
                    todo.append((index, position, rewritten))
        for (index, position, text), raw in zip(
            todo, self._run([text for _, _, text in todo]), strict=True
        ):
            old = by_index[index][position]
            new = self._command(text, raw, threshold=0.0)
            by_index[index][position] = _keep_fuller_spans(new, old)

    def _needs_model(self, text: str) -> bool:
        return bool(text) and len(text) <= MAX_CHARS and any(c.isalnum() for c in text)

    def _commands(
        self, text: str, whole: _Raw | None, parts: list[ParsedCommand] | None
    ) -> tuple[ParsedCommand, ...]:
        if not text or not any(c.isalnum() for c in text):
            return ()
        phrase = self._phrases.get(normalise_phrase(text))
        if phrase is not None:
            top = ((phrase.intent, 1.0),)
            return (ParsedCommand(text, phrase.intent, 1.0, dict(phrase.slots), (), top),)
        if whole is None:
            return (ParsedCommand(text, NONE_INTENT, 0.0, {}, (), ()),)
        if parts:
            carried = carry_over(parts)
            # A part re-read in the previous part's domain ("set it to 30 percent") counts as
            # understood; every other part must clear the threshold on its own.
            if all(
                new.intent != NONE_INTENT
                and (new.confidence >= self.threshold or new.intent != old.intent)
                for new, old in zip(carried, parts, strict=True)
            ):
                return carried
        return (self._command(text, whole, self.threshold),)

    def _command(self, text: str, raw: _Raw, threshold: float) -> ParsedCommand:
        ranked = sorted(zip(self.labels, raw.probs, strict=True), key=lambda pair: -pair[1])
        best, confidence = ranked[0]
        intent = best if confidence >= threshold else NONE_INTENT
        spans = () if intent == NONE_INTENT else spans_from_tags(text, raw.words, raw.tags)
        slots: dict[str, str] = {}
        for span in spans:
            slots.setdefault(span.slot, span.text)
        top = tuple((label, round(prob, 4)) for label, prob in ranked[:3])
        return ParsedCommand(text, intent, round(confidence, 4), slots, spans, top)

    def _run(self, texts: Sequence[str]) -> list[_Raw]:
        """Calibrated intent probabilities and word tags for each text."""
        out: list[_Raw | None] = [None] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            offsets = [tuple((m.start(), m.end()) for m in _WORD.finditer(texts[i])) for i in chunk]
            words = [
                [texts[i][a:b] for a, b in offs] for i, offs in zip(chunk, offsets, strict=True)
            ]
            intent_logits, tag_logits, word_starts = self._backend.run(words)
            probs = softmax(intent_logits, self.temperature).tolist()
            tag_ids = tag_logits.argmax(-1).tolist()
            for row, i in enumerate(chunk):
                word_tags = ["O"] * len(offsets[row])
                for position, word in enumerate(word_starts[row]):
                    if word >= 0:
                        word_tags[word] = self.tags[tag_ids[row][position]]
                mended = mend_tags(texts[i], offsets[row], word_tags)
                out[i] = _Raw(tuple(probs[row]), tuple(mended), offsets[row])
        return [raw for raw in out if raw is not None]


def _with_context_spans(
    command: ParsedCommand, part: Part, context: Sequence[Span]
) -> ParsedCommand:
    """Slots the whole utterance's tagging found inside this part, added where the part's own
    tagging (with less context) missed them."""
    end = part.offset + len(part.text)
    spans = list(command.spans)
    slots = dict(command.slots)
    for span in context:
        if span.start < part.offset or span.end > end or span.slot in slots:
            continue
        shifted = Span(span.slot, span.text, span.start - part.offset, span.end - part.offset)
        if any(s.start < shifted.end and shifted.start < s.end for s in spans):
            continue
        spans.append(shifted)
        slots[span.slot] = span.text
    spans.sort(key=lambda s: s.start)
    return replace(command, slots=slots, spans=tuple(spans))


def _keep_fuller_spans(new: ParsedCommand, old: ParsedCommand) -> ParsedCommand:
    """After "it" was replaced by a device name, a slot the first reading tagged more fully
    ("30 percent" rather than "percent") is kept, moved to the new text."""
    pairs = enumerate(zip(new.text, old.text, strict=False))
    start = next((i for i, (a, b) in pairs if a != b), min(len(new.text), len(old.text)))
    delta = len(new.text) - len(old.text)
    spans = {span.slot: span for span in new.spans}
    for span in old.spans:
        if span.start < start:
            continue
        moved = Span(span.slot, span.text, span.start + delta, span.end + delta)
        current = spans.get(span.slot)
        if (
            current is not None
            and current.text in moved.text
            and len(moved.text) > len(current.text)
        ):
            spans[span.slot] = moved
    ordered = tuple(sorted(spans.values(), key=lambda s: s.start))
    return replace(new, spans=ordered, slots={span.slot: span.text for span in ordered})
