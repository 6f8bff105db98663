"""The real channel as training data: sentences spoken by espeak-ng, transcribed by Whisper.

Transcripts are cached in a JSONL file committed with the code (one entry per text, voice, rate
and ASR model), so CI and retraining reuse them; a training run synthesises at most a bounded
number of missing entries. Slot tags are carried onto the transcript's words by alignment.
"""

from __future__ import annotations

import difflib
import json
import logging
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from daemon.nlu.data import LABELS, Example

log = logging.getLogger(__name__)

CACHE_PATH = Path(__file__).with_name("channel_cache.jsonl")
VOICES: tuple[tuple[str, int, int], ...] = (
    ("en-us", 165, 50),
    ("en-gb", 150, 45),
    ("en-us+f3", 175, 60),
    ("en-gb-scotland", 160, 40),
    ("en-029", 145, 55),
    ("en-us-nyc", 185, 50),
)
"""(espeak-ng voice, words per minute, pitch) tried in turn."""
MIN_FAITHFUL = 80
"""rapidfuzz ratio (0-100) a transcript must keep to its sentence to be trained on. Below it,
Whisper has lost what was asked ("Get it dark" -> "That's it, talk!"); labelled with the
sentence's intent, such a transcript teaches the model to guess from noise."""


@dataclass(frozen=True)
class ChannelEntry:
    """One cached pass of a sentence through speech synthesis and recognition."""

    text: str
    voice: str
    rate: int
    asr_model: str
    transcript: str
    accepted: bool
    intent: str
    words: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def key(self) -> str:
        return cache_key(self.text, self.voice, self.rate, self.asr_model)


def cache_key(text: str, voice: str, rate: int, asr_model: str) -> str:
    return f"{text}\t{voice}\t{rate}\t{asr_model}"


def read_cache(path: Path = CACHE_PATH) -> dict[str, ChannelEntry]:
    """Every cached entry by key; a missing file is an empty cache."""
    entries: dict[str, ChannelEntry] = {}
    if not path.exists():
        return entries
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        entry = ChannelEntry(
            text=raw["text"],
            voice=raw["voice"],
            rate=int(raw["rate"]),
            asr_model=raw["asr_model"],
            transcript=raw["transcript"],
            accepted=bool(raw["accepted"]),
            intent=raw["intent"],
            words=tuple(raw["words"]),
            tags=tuple(raw["tags"]),
        )
        entries[entry.key] = entry
    return entries


def append_cache(entries: Sequence[ChannelEntry], path: Path = CACHE_PATH) -> None:
    with path.open("a", encoding="utf-8") as file:
        for entry in entries:
            record = {
                "text": entry.text,
                "voice": entry.voice,
                "rate": entry.rate,
                "asr_model": entry.asr_model,
                "transcript": entry.transcript,
                "accepted": entry.accepted,
                "intent": entry.intent,
                "words": list(entry.words),
                "tags": list(entry.tags),
            }
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


Speak = Callable[[str, str, int, int], str]
"""(text, voice, words per minute, pitch) -> transcript text ("" when Whisper rejected it)."""


def real_channel(asr_model: str = "tiny.en") -> Speak:
    """espeak-ng -> the bundled Whisper, loaded once."""
    from daemon.asr import load_transcriber
    from daemon.audio_io import espeak
    from daemon.config import AsrConfig

    transcriber = load_transcriber(AsrConfig(model=asr_model))

    def speak(text: str, voice: str, rate: int, pitch: int) -> str:
        result = transcriber.transcribe(espeak(text, voice, rate, pitch))
        return result.text if result.accepted else ""

    return speak


def pick_for_channel(
    examples: Sequence[Example], count: int, seed: int
) -> list[tuple[Example, tuple[str, int, int]]]:
    """A reproducible share of the examples, each with the voice it is spoken in."""
    rng = random.Random(seed)
    chosen = rng.sample(list(examples), min(count, len(examples)))
    return [(example, VOICES[index % len(VOICES)]) for index, example in enumerate(chosen)]


def fill_cache(
    wanted: Sequence[tuple[Example, tuple[str, int, int]]],
    limit: int,
    asr_model: str = "tiny.en",
    speak: Speak | None = None,
    progress: Callable[[int], None] | None = None,
    path: Path = CACHE_PATH,
) -> int:
    """Synthesise up to `limit` of the wanted entries missing from the cache; return how many."""
    cache = read_cache(path)
    missing = [
        (example, voice)
        for example, voice in wanted
        if cache_key(example.text, voice[0], voice[1], asr_model) not in cache
    ][:limit]
    if not missing:
        return 0
    speak = speak or real_channel(asr_model)
    batch: list[ChannelEntry] = []
    for example, (voice, rate, pitch) in missing:
        transcript = speak(example.text, voice, rate, pitch)
        batch.append(
            ChannelEntry(
                example.text,
                voice,
                rate,
                asr_model,
                transcript,
                bool(transcript),
                example.intent,
                example.words,
                example.tags,
            )
        )
        if len(batch) >= 20:
            append_cache(batch, path)
            batch = []
        if progress:
            progress(1)
    append_cache(batch, path)
    return len(missing)


def channel_examples(asr_model: str = "tiny.en", path: Path = CACHE_PATH) -> list[Example]:
    """Every accepted, faithful cached transcript as a training example, tags aligned onto
    its words."""
    out: list[Example] = []
    for entry in read_cache(path).values():
        if entry.asr_model != asr_model or not entry.accepted or entry.intent not in LABELS:
            continue
        words = tuple(entry.transcript.split())
        if not words or not faithful(entry.text, entry.transcript):
            continue
        out.append(
            Example(
                words, align_tags(entry.words, entry.tags, words), entry.intent, source="channel"
            )
        )
    return out


def faithful(text: str, transcript: str) -> bool:
    """Whether `transcript` still says what `text` asked, closely enough to share its label."""
    said = " ".join(_norm(word) for word in text.split())
    heard = " ".join(_norm(word) for word in transcript.split())
    return fuzz.ratio(said, heard) >= MIN_FAITHFUL


def _norm(word: str) -> str:
    return re.sub(r"[^\w%°']", "", word.lower())


def align_tags(
    source: Sequence[str], tags: Sequence[str], target: Sequence[str]
) -> tuple[str, ...]:
    """Tags for `target` words, carried from `source` by word alignment ("" where unknown)."""
    out = [""] * len(target)
    matcher = difflib.SequenceMatcher(
        a=[_norm(w) for w in source], b=[_norm(w) for w in target], autojunk=False
    )
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and a2 - a1 == b2 - b1):
            out[b1:b2] = tags[a1:a2]
        elif op == "replace":
            inner = set(tags[a1:a2])
            slots = {tag[2:] for tag in inner}
            if inner == {"O"}:
                out[b1:b2] = ["O"] * (b2 - b1)
            elif len(slots) == 1 and "O" not in inner:
                slot = slots.pop()
                first = tags[a1].startswith("B-")
                out[b1:b2] = [("B-" if first and i == b1 else "I-") + slot for i in range(b1, b2)]
    # A slot must begin with B-: fix an I- that follows O or another slot.
    for i, tag in enumerate(out):
        if tag.startswith("I-") and (i == 0 or out[i - 1][2:] != tag[2:]):
            out[i] = "B-" + tag[2:]
    return tuple(out)
