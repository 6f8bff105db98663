"""The Whisper stage: one command's audio in, one accepted or rejected transcript out.

Engines live in asr_ct2 (faster-whisper / CTranslate2, the default) and asr_openai
(openai-whisper); model files are found by asr_models. Everything here is engine-neutral.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from text_to_num import alpha2digit

from daemon.config import AsrConfig
from daemon.errors import HomevoxError

MAX_PROMPT_CHARACTERS = 600
"""Whisper keeps at most 223 prompt tokens; names beyond this are dropped (about 150 tokens)."""

# Phrases Whisper writes on silence, noise and music because its training subtitles did.
# None of them is a command, so rejecting them costs nothing even when they were spoken.
HALLUCINATIONS = frozenset(
    {
        "you",
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks",
        "thanks for watching",
        "thank you for watching",
        "thanks for listening",
        "thank you for listening",
        "please subscribe",
        "bye",
        "bye bye",
        "subtitles by the amaraorg community",
        "music",
        "applause",
        "silence",
        "blank_audio",
    }
)
MAX_COMPRESSION_RATIO = 2.4
"""Text that zlib compresses better than this is a repetition loop (Whisper's own threshold)."""


@dataclass(frozen=True)
class Transcript:
    """What Whisper heard in one command, and whether homevox may act on it."""

    text: str
    """The words, stripped of surrounding space ("" when nothing was decoded)."""
    accepted: bool
    """False: never act on this text (silence, noise or an invented phrase)."""
    reason: str
    """"" when accepted, else why not: no_speech, low_logprob, empty or hallucination."""
    no_speech_prob: float
    """Whisper's probability that the window holds no speech."""
    avg_logprob: float
    """Mean log-probability per decoded token (end-of-text included)."""
    seconds: float
    """Wall time of the transcription (features, encoder and decoder)."""


class AsrError(HomevoxError):
    """The Whisper stage cannot run; the message is one line saying what to do.

    Codes: model_missing, model_invalid, engine_missing, checkpoint_invalid, failed.
    """


class Transcriber(Protocol):
    """A loaded Whisper model; safe to call from one worker thread at a time."""

    def transcribe(
        self, audio: npt.NDArray[np.float32], prompt: str = "", retry: bool = True
    ) -> Transcript:
        """Transcribe 16 kHz mono float32 audio; `prompt` biases spelling (initial_prompt).

        `retry`: a decoding that loops or is unsure is tried once more with a longer window;
        False gives that first decoding as it is (a speculative look that must be quick).
        """
        ...


def load_transcriber(config: AsrConfig, model_root: Path | None = None) -> Transcriber:
    """Load the configured engine and model once (seconds); AsrError when it cannot.

    `model_root` is the folder a relative `model` directory or `checkpoint` is taken
    from (the config file's folder); None means the current directory.
    """
    if config.engine == "openai-whisper":
        from daemon.asr_openai import load_openai_transcriber

        return load_openai_transcriber(config, model_root)
    from daemon.asr_ct2 import load_ct2_transcriber

    return load_ct2_transcriber(config, model_root)


def initial_prompt(device_names: Iterable[str], rooms: Iterable[str]) -> str:
    """Configured device names and rooms as Whisper's initial prompt, so they are heard right."""
    seen: dict[str, None] = {}
    for name in (*device_names, *rooms):
        cleaned = " ".join(name.split())
        if cleaned and cleaned.lower() not in {key.lower() for key in seen}:
            seen[cleaned] = None
    prompt = ""
    for name in seen:
        candidate = f"{prompt}, {name}" if prompt else name.capitalize()
        if len(candidate) + 1 > MAX_PROMPT_CHARACTERS:
            break
        prompt = candidate
    return f"{prompt}." if prompt else ""


def judge(
    text: str, no_speech_prob: float, avg_logprob: float, seconds: float, config: AsrConfig
) -> Transcript:
    """Decide whether a decoded text may be acted on, by the thresholds in `config`."""
    text = text.strip()
    words = normalise_words(text)
    if not words:
        reason = "empty"
    elif no_speech_prob > config.no_speech_threshold:
        reason = "no_speech"
    elif avg_logprob < config.min_avg_logprob:
        reason = "low_logprob"
    elif words in HALLUCINATIONS or _loops(text):
        reason = "hallucination"
    else:
        reason = ""
    return Transcript(
        text=text,
        accepted=not reason,
        reason=reason,
        no_speech_prob=float(no_speech_prob),
        avg_logprob=float(avg_logprob),
        seconds=seconds,
    )


def worth_retrying(transcript: Transcript) -> bool:
    """A rejection a longer window may cure: a repetition loop or an unsure decoding."""
    return transcript.reason == "low_logprob" or (
        transcript.reason == "hallucination" and _loops(transcript.text)
    )


def without_repeats(transcript: Transcript, config: AsrConfig) -> Transcript:
    """A transcript rejected as a repetition loop, with the repeats collapsed and judged again.

    tiny.en, prompted, often decodes a command that ends just after the speech as the command
    over and over ("Open the blinds. Open the blinds. Open the"): collapsed, that is the
    command. Any other transcript is returned as it is.
    """
    if transcript.reason != "hallucination" or not _loops(transcript.text):
        return transcript
    text = collapse_repeats(transcript.text)
    return judge(
        text, transcript.no_speech_prob, transcript.avg_logprob, transcript.seconds, config
    )


def collapse_repeats(text: str) -> str:
    """`text` with the exact repeats at its end cut to one ("turn on the light light light" ->
    "turn on the light"); words compared without case and punctuation, a cut-off last repeat
    dropped too. Only the earliest-starting run of two or more repeats is collapsed."""
    tokens = text.split()
    words = [normalise_words(token) for token in tokens]
    best: tuple[int, int] | None = None
    for period in range(1, len(words) // 2 + 1):
        start = len(words)  # the periodic tail (words[i] == words[i - period]) starts here...
        while start - period - 1 >= 0 and words[start - 1] == words[start - period - 1]:
            start -= 1
        start -= period  # ...and the first of its repeats starts here
        if len(words) - start >= 2 * period and (best is None or start < best[0]):
            best = (start, period)
    if best is None:
        return text.strip()
    start, period = best
    return " ".join(tokens[: start + period])


def normalise_words(text: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed: for comparing phrases."""
    return " ".join(re.sub(r"[^\w\s']", "", text.lower()).split())


def comparable_words(text: str) -> str:
    """Words for a word error rate: lower case, numbers as digits, punctuation dropped."""
    text = text.lower().replace("%", " percent").replace("-", " ")
    text = re.sub(r"(\d)[:.](\d)", r"\1 \2", text)  # 7:30 and 7.30 are said "seven thirty"
    text = re.sub(r"\.(?=\w)", "", text)  # p.m. -> pm.
    text = alpha2digit(re.sub(r"[^\w\s']", " ", text), "en")
    return " ".join(text.split())


def _loops(text: str) -> bool:
    return _compression_ratio(text) > MAX_COMPRESSION_RATIO


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class Stopwatch:
    """Wall time since construction, for Transcript.seconds."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def seconds(self) -> float:
        return time.perf_counter() - self._start
