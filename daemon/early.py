"""Early endpointing: at a short pause, judge the command so far, and end it there if complete.

When the user falls silent for `[audio] early_silence_seconds`, the listener hands the audio
so far to a Speculator, which transcribes and parses it (acting on nothing) while listening
goes on. If the result is a complete, confident command, the listener commits the command at
that pause and the turn runs from the result already computed; otherwise the command ends
after the full `silence_seconds`, as without early endpointing. Speech that resumes voids the
speculation: a command is acted on once, from either the early result or the full one.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from daemon.asr import without_repeats, worth_retrying
from daemon.dry_turn import would_act
from daemon.events import TextTranscribed
from skills.base import NONE_INTENT, IntentRequest

if TYPE_CHECKING:
    from daemon.asr import Transcript
    from daemon.nlu.parse import ParseResult
    from daemon.turn import TurnRunner
    from daemon.turn_result import TurnResult
    from daemon.vad import Audio

log = logging.getLogger(__name__)

TRAILING_WORDS = frozenset(
    {
        # articles, determiners and possessives: a noun is coming
        *("the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "these"),
        *("those", "some", "every", "all", "any", "another"),
        # prepositions and conjunctions: "set a timer for", "call mom at", "the lamp and"
        *("to", "at", "in", "into", "for", "of", "by", "from", "with", "until", "till"),
        *("about", "after", "before", "between", "per", "and", "or", "but", "then", "plus"),
        *("also", "than", "too"),  # tiny.en writes a cut-off "to" as "too" (or "2")
        # verbs and question words that need what follows: "set", "turn", "remind me", "what's"
        *("set", "turn", "switch", "make", "dim", "brighten", "open", "close", "remind"),
        *("start", "put", "change", "raise", "lower", "cancel", "me", "is", "are", "was"),
        *("what", "what's", "which", "how", "when", "where"),
    }
)
"""A transcript ending in one of these is not a whole command: more is coming."""

NUMBER_WORDS = frozenset(
    {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"}
    | {"twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"}
    | {"nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
    | {"hundred", "thousand", "point", "half", "quarter"}
)
"""A transcript ending in a bare number often has more to come: "twenty ... one degrees",
"thirty ... percent", "at five ... pm"; and tiny.en writes a cut-off "to" as "2"."""

_UNITS = ("%", "°", "°C", "°F")
"""A number with its unit written on is whole: "to 30%", "to 21°C"."""

_CUT_OFF = ("...", "…", "-", "—")
"""Whisper ends a transcript of speech cut mid-phrase with these (a comma it also puts after
whole commands: "turn on the kitchen light,")."""

Reason = Literal[
    "complete",
    "empty",
    "cut_off",
    "trailing_word",
    "mid_number",
    "not_understood",
    "low_confidence",
    "would_not_act",
    "not_heard",
    "unsure",
    "question_open",
]


@dataclass(frozen=True)
class Reading:
    """One parsed command of a speculative transcript, as the judgement needs it."""

    intent: str
    confidence: float
    """Calibrated probability of `intent`."""
    acts: bool
    """The turn would carry it out (act or answer), not ask back nor fail."""


@dataclass(frozen=True)
class Verdict:
    """Whether a paused command may be ended early, and why (a stable code for logs and tests)."""

    commit: bool
    reason: Reason


def judge(text: str, readings: Sequence[Reading], threshold: float) -> Verdict:
    """The early endpointing rule: commit only a complete, confident, actionable command."""
    stripped = text.strip()
    if not stripped or not readings:
        return Verdict(False, "empty")
    if stripped.endswith(_CUT_OFF):
        return Verdict(False, "cut_off")
    words = re.findall(r"[\w']+", stripped.lower())
    if not words:
        return Verdict(False, "empty")
    last = words[-1]
    if last in TRAILING_WORDS:
        return Verdict(False, "trailing_word")
    if last in NUMBER_WORDS or (last.isdigit() and not stripped.rstrip(".!?").endswith(_UNITS)):
        return Verdict(False, "mid_number")
    doubt = doubt_about(readings, threshold)
    return Verdict(False, doubt) if doubt is not None else Verdict(True, "complete")


class Understood(Protocol):
    """A parsed command as the rules here judge it (Reading, continuation.Candidate)."""

    @property
    def intent(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def acts(self) -> bool: ...


def doubt_about(
    parts: Sequence[Understood], threshold: float
) -> Literal["not_understood", "low_confidence", "would_not_act"] | None:
    """Why acting on `parts` without the full silence or a wake word would be a guess; None
    when every part is understood, confident and would be carried out."""
    if any(part.intent == NONE_INTENT for part in parts):
        return "not_understood"
    if any(part.confidence < threshold for part in parts):
        return "low_confidence"
    if not all(part.acts for part in parts):
        return "would_not_act"
    return None


@dataclass(frozen=True)
class Preview:
    """A paused command transcribed, parsed and judged, with nothing acted on."""

    transcript: Transcript
    parsed: ParseResult | None
    verdict: Verdict
    asr_ms: float
    intent_ms: float


async def preview(runner: TurnRunner, audio: Audio) -> Preview:
    """Transcribe and parse `audio` as a turn would, and judge whether it is complete."""
    # One decoding: a second try with a longer window would cost about 500 ms, and the full
    # silence (which keeps the retry) usually comes first. A loop of the command is the command.
    transcript, asr_ms = await runner.transcribe(audio, retry=False)
    transcript = without_repeats(transcript, runner.loaded.config.asr)
    if worth_retrying(transcript):
        return Preview(transcript, None, Verdict(False, "unsure"), asr_ms, 0.0)
    if not transcript.accepted:
        return Preview(transcript, None, Verdict(False, "not_heard"), asr_ms, 0.0)
    if runner.parser is None:
        raise RuntimeError("preview needs the intent model")
    started = time.perf_counter()
    parsed = await asyncio.to_thread(runner.parser.parse, transcript.text)
    intent_ms = (time.perf_counter() - started) * 1000
    readings = []
    for command in parsed.commands:
        request = IntentRequest(command.intent, dict(command.slots), command.text)
        acts = command.intent != NONE_INTENT and await would_act(runner, request, parsed.text)
        readings.append(Reading(command.intent, command.confidence, acts))
    verdict = judge(transcript.text, readings, commit_threshold(runner))
    return Preview(transcript, parsed, verdict, asr_ms, intent_ms)


def commit_threshold(runner: TurnRunner) -> float:
    """The intent confidence a command ended early (or its continuation) needs."""
    config = runner.loaded.config
    return max(config.intent.confidence_threshold, config.audio.early_min_confidence)


async def run_preview(runner: TurnRunner, seen: Preview) -> TurnResult:
    """The turn of a committed preview: acts on its parse (no second transcription)."""
    result = await runner.run_text(seen.transcript.text, parsed=seen.parsed)
    result.timings_ms = {"asr": seen.asr_ms, **result.timings_ms, "intent": seen.intent_ms}
    result.events.insert(0, TextTranscribed(seen.transcript.text, accepted=True))
    return result


Turn = Callable[[], Awaitable[None]]


class Speculator:
    """What the Listener calls at a pause: a turn to run if the command so far is complete."""

    def __init__(
        self,
        runner: TurnRunner,
        on_result: Callable[[TurnResult], Awaitable[None]],
        turn_lock: asyncio.Lock,
        on_committed: Callable[[str, TurnResult], None] | None = None,
    ) -> None:
        self._runner = runner
        self._on_result = on_result
        self._turn_lock = turn_lock
        self._on_committed = on_committed
        """Told each committed transcript and its turn (daemon.continuation.Continuation)."""

    async def __call__(self, audio: Audio) -> Turn | None:
        if self._turn_lock.locked():
            return None  # a turn is running: it owns Whisper, and may change what this means
        if self._runner.asks:
            return None  # an answer to a question is judged by the question, at full silence
        seen = await preview(self._runner, audio)
        log.debug(
            "early endpointing: %r -> %s (%s)",
            seen.transcript.text,
            "commit" if seen.verdict.commit else "wait",
            seen.verdict.reason,
        )
        if not seen.verdict.commit:
            return None
        return lambda: self._run(seen)

    async def _run(self, seen: Preview) -> None:
        async with self._turn_lock:
            result = await run_preview(self._runner, seen)
            if self._on_committed is not None:
                self._on_committed(seen.transcript.text, result)
        await self._on_result(result)
