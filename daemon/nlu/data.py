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
from typing import Any, Literal

import yaml

from daemon.nlu.lists import LISTS
from daemon.nlu.templates import Sampler, TemplateError, words_and_tags
from daemon.nlu.variation import for_later, perturb
from skills.base import INTENT_NAMES, NONE_INTENT, SLOT_NAMES

LABELS: tuple[str, ...] = (*INTENT_NAMES, NONE_INTENT)
LATER_INTENTS = frozenset(
    {"lights.on", "lights.off", "lights.brightness", "lights.color", "thermostat.set"}
    | {"thermostat.adjust", "curtains.open", "curtains.close", "curtains.position"}
)
"""Device commands that may be said for later ("close the curtains at 9 pm"): the scheduler
keeps them (daemon.timed.is_timed)."""
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


def whisper_style(
    words: Sequence[str],
    tags: Sequence[str],
    rng: random.Random,
    question: bool,
    filler: Literal["random", "prefix", "suffix", "none"] = "random",
) -> Example | None:
    """Words dressed as a transcript: a filler (`filler`: at random, or the one asked for),
    a capital, final punctuation."""
    words, tags = list(words), list(tags)
    if not words:
        return None
    roll = {"random": rng.random(), "prefix": 0.0, "suffix": 0.25, "none": 1.0}[filler]
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
    later_share: float = 0.0,
) -> list[Example]:
    """`per_intent` distinct examples for each intent and `none_count` for `none`, reproducibly.

    A `perturb_share` of them are heard less cleanly (see `perturb`), and a `later_share` of
    the device commands are said for later (see `for_later`).
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
    later = _Later(later_share, Sampler(LISTS, random.Random(seed + 2)))
    for intent in LABELS:
        if not by_intent[intent]:
            raise TemplateError(f"intent {intent} has no sentences")
        wanted = none_count if intent == NONE_INTENT else per_intent
        examples.extend(
            _sample_intent(
                intent, by_intent[intent], wanted, rng, perturb_share, perturb_rng, later
            )
        )
    return examples


@dataclass(frozen=True)
class _Later:
    """How often, and from what, a device command is said for later."""

    share: float
    sampler: Sampler


def _sample_intent(
    intent: str,
    templates: Sequence[tuple[str, Mapping[str, Sequence[str]]]],
    wanted: int,
    rng: random.Random,
    perturb_share: float = 0.0,
    perturb_rng: random.Random | None = None,
    later: _Later | None = None,
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
        if later and intent in LATER_INTENTS and perturb_rng and perturb_rng.random() < later.share:
            words, tags = for_later(words, tags, later.sampler, perturb_rng)
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
    names = (
        *("data.py", "templates.py", "lists.py", "variation.py"),
        *("model.py", "train.py", "channel.py"),
    )
    return fingerprint((package / name).read_text(encoding="utf-8") for name in names)
