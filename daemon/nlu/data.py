"""The training set: each skill's sentence file expanded into varied, tagged example sentences.

Sentence files (skills/<skill>.sentences.yaml, daemon/nlu/none.sentences.yaml) hold
`intents: {name: [template, ...]}` and optional `lists:`; see daemon.nlu.templates for the
syntax. Sentences are rendered the way Whisper writes them (capitals, punctuation, digits).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from daemon.nlu.lists import LISTS
from daemon.nlu.templates import Piece, Sampler, TemplateError
from skills.base import INTENT_NAMES, NONE_INTENT, SLOT_NAMES

LABELS: tuple[str, ...] = (*INTENT_NAMES, NONE_INTENT)
TAGS: tuple[str, ...] = ("O", *(f"{prefix}-{slot}" for slot in SLOT_NAMES for prefix in ("B", "I")))


_PREFIXES = (
    "please", "please,", "could you", "could you please", "can you", "would you", "hey", "hey,",
    "ok", "okay,", "um", "uh,", "hey homevox", "hey jarvis,", "i want you to", "i'd like you to",
    "go ahead and", "quickly", "now", "so", "right,", "computer,", "alexa,", "hey mycroft",
    "jarvis", "hey google,", "assistant,", "hey computer", "homevox,", "ok jarvis",
)  # fmt: skip
"""Fillers and assistant names that Whisper may keep at the start of a command."""
_QUESTION_PREFIXES = (
    "hey",
    "hey,",
    "ok",
    "okay,",
    "um",
    "so",
    "computer,",
    "hey homevox",
    "uh,",
    "excuse me,",
    "alexa,",
    "jarvis,",
    "hey mycroft,",
)
_SUFFIXES = (
    "please",
    "for me",
    "thanks",
    "thank you",
    "now",
    "right now",
    "for me please",
    "quickly",
)


@dataclass(frozen=True)
class Example:
    """One training sentence: its words, one BIO tag per word, and its intent."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    intent: str
    source: str = "template"
    """template, channel (a Whisper transcript of espeak speech) or phrase (config [[phrases]])."""

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class SentenceFile:
    """One parsed sentence file."""

    name: str
    intents: Mapping[str, Sequence[str]]
    lists: Mapping[str, Sequence[str]]
    text: str


def sentence_files() -> list[SentenceFile]:
    """Every skill's sentence file plus the out-of-scope file, parsed and checked."""
    from skills.registry import SKILLS

    skills = resources.files("skills")
    names = [module.__name__.rsplit(".", 1)[-1] for module in SKILLS]
    sources = [
        (f"skills/{name}.sentences.yaml", skills / f"{name}.sentences.yaml") for name in names
    ]
    sources.append(
        ("daemon/nlu/none.sentences.yaml", resources.files("daemon.nlu") / "none.sentences.yaml")
    )
    out: list[SentenceFile] = []
    for name, path in sources:
        text = path.read_text(encoding="utf-8")
        out.append(_parse_file(name, text))
    return out


def _parse_file(name: str, text: str) -> SentenceFile:
    raw: Any = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), dict):
        raise TemplateError(f"{name}: expected a mapping with `intents:`")
    intents = {str(key): [str(t) for t in value] for key, value in raw["intents"].items()}
    unknown = sorted(set(intents) - set(LABELS))
    if unknown:
        raise TemplateError(f"{name}: unknown intent(s) {', '.join(unknown)}")
    lists = {str(key): [str(v) for v in value] for key, value in (raw.get("lists") or {}).items()}
    return SentenceFile(name=name, intents=intents, lists=lists, text=text)


def words_and_tags(pieces: Iterable[Piece]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Whitespace words of the joined pieces, and BIO tags (a word takes its first char's slot)."""
    chars: list[tuple[str, int]] = []  # (slot, piece index) per character
    text = ""
    for number, item in enumerate(pieces):
        text += item.text
        chars.extend((item.slot, number) for _ in item.text)
    words: list[str] = []
    tags: list[str] = []
    previous: tuple[str, int] = ("", -1)
    position = 0
    for word in text.split():
        start = text.index(word, position)
        position = start + len(word)
        slot, piece = chars[start]
        if not slot:
            tags.append("O")
        else:
            tags.append(("I-" if previous == (slot, piece) else "B-") + slot)
        previous = (slot, piece)
        words.append(word)
    return tuple(words), tuple(tags)


def whisper_style(
    words: Sequence[str], tags: Sequence[str], rng: random.Random, question: bool
) -> Example | None:
    """Words dressed as a transcript: optional filler, a capital, final punctuation."""
    words, tags = list(words), list(tags)
    if not words:
        return None
    roll = rng.random()
    if roll < 0.2:
        prefix = rng.choice(_QUESTION_PREFIXES if question else _PREFIXES).split()
        words, tags = [*prefix, *words], ["O"] * len(prefix) + tags
    elif roll < 0.3:
        suffix = rng.choice(_SUFFIXES).split()
        words, tags = [*words, *suffix], tags + ["O"] * len(suffix)
    style = rng.random()
    if style < 0.65:
        words[0] = words[0][:1].upper() + words[0][1:]
        words[-1] += "?" if question and rng.random() < 0.9 else rng.choice(".....!")
    elif style < 0.8:
        words[0] = words[0][:1].upper() + words[0][1:]
    return Example(tuple(words), tuple(tags), "")


_DROPPABLE = frozenset(
    {"the", "a", "an", "my", "our", "your", "some", "please", "can", "could", "would", "you"}
    | {"me", "for", "just", "of", "all"}
)
"""Words whose loss leaves a command's meaning intact (Whisper and hurried speakers drop them)."""


def perturb(
    words: Sequence[str], tags: Sequence[str], rng: random.Random
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sentence as heard less cleanly: a function word dropped, or a word said twice.

    Only words outside every slot are touched, and never one that carries the intent ("on",
    "off", "up", "down" are not droppable), so the label stays true.
    """
    words, tags = list(words), list(tags)
    outside = [i for i, tag in enumerate(tags) if tag == "O"]
    droppable = [i for i in outside if words[i].lower().strip(",.?!") in _DROPPABLE]
    if droppable and len(words) > 3 and rng.random() < 0.7:
        index = rng.choice(droppable)
        del words[index], tags[index]
    elif outside:
        index = rng.choice(outside)
        words.insert(index, words[index].strip(",.?!"))
        tags.insert(index, "O")
    return tuple(words), tuple(tags)


_QUESTION_STARTS = (
    "what", "is", "are", "how", "when", "which", "do", "does", "did", "can", "could", "will",
    "who", "where", "why", "have", "has", "tell",
)  # fmt: skip


def generate(
    files: Sequence[SentenceFile],
    per_intent: int,
    none_count: int,
    seed: int,
    perturb_share: float = 0.0,
) -> list[Example]:
    """`per_intent` distinct examples for each intent and `none_count` for `none`, reproducibly.

    A `perturb_share` of them are heard less cleanly (see `perturb`).
    """
    rng = random.Random(seed)
    by_intent: dict[str, list[tuple[str, Mapping[str, Sequence[str]]]]] = {
        label: [] for label in LABELS
    }
    for file in files:
        for intent, templates in file.intents.items():
            by_intent[intent].extend((template, file.lists) for template in templates)
    examples: list[Example] = []
    # Perturbation draws from its own stream, so the clean sentences stay the same.
    perturb_rng = random.Random(seed + 1)
    for intent in LABELS:
        if not by_intent[intent]:
            raise TemplateError(f"intent {intent} has no sentences")
        wanted = none_count if intent == NONE_INTENT else per_intent
        examples.extend(
            _sample_intent(intent, by_intent[intent], wanted, rng, perturb_share, perturb_rng)
        )
    return examples


def _sample_intent(
    intent: str,
    templates: Sequence[tuple[str, Mapping[str, Sequence[str]]]],
    wanted: int,
    rng: random.Random,
    perturb_share: float = 0.0,
    perturb_rng: random.Random | None = None,
) -> list[Example]:
    samplers: dict[int, Sampler] = {}
    seen: set[str] = set()
    out: list[Example] = []
    attempts = 0
    while len(out) < wanted and attempts < wanted * 8:
        attempts += 1
        # Templates are drawn evenly, so a file with many list-heavy templates cannot crowd out
        # the short phrasings.
        template, lists = (
            templates[attempts % len(templates)]
            if attempts <= len(templates)
            else rng.choice(templates)
        )
        sampler = samplers.get(id(lists))
        if sampler is None:
            sampler = samplers[id(lists)] = Sampler({**LISTS, **lists}, random.Random(rng.random()))
        words, tags = words_and_tags(sampler.sample(template))
        if intent == NONE_INTENT:
            tags = ("O",) * len(tags)
        question = bool(words) and words[0].lower() in _QUESTION_STARTS
        if perturb_rng is not None and perturb_rng.random() < perturb_share:
            words, tags = perturb(words, tags, perturb_rng)
        styled = whisper_style(words, tags, rng, question)
        if styled is None:
            continue
        key = styled.text.lower().rstrip(".?!")
        if key in seen:
            continue
        seen.add(key)
        out.append(Example(styled.words, styled.tags, intent))
    return out


def split_holdout(
    examples: Sequence[Example], share: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """(train, held out) split, stratified by intent, reproducible."""
    rng = random.Random(seed)
    train: list[Example] = []
    held: list[Example] = []
    for label in LABELS:
        group = [example for example in examples if example.intent == label]
        rng.shuffle(group)
        cut = round(len(group) * share)
        held.extend(group[:cut])
        train.extend(group[cut:])
    return train, held


def fingerprint(parts: Iterable[str]) -> str:
    """A stable digest of everything a trained model depends on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def code_version() -> str:
    """Digest of the training code itself, so a code change retrains."""
    package = Path(__file__).parent
    names = ("data.py", "templates.py", "lists.py", "model.py", "train.py", "channel.py")
    return fingerprint((package / name).read_text(encoding="utf-8") for name in names)
