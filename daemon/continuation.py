"""The continuation window: speech just after a command ended early, heard only as its rest.

Early endpointing ends "open the living room curtains ... half way" at the pause and acts on
it. For `[audio] continuation_seconds` after such a commit the next utterance needs no wake word
(ListeningCore tags it "continuation"); it is joined to the committed transcript, and the joined
command is acted on only when it refines what was done: the same devices, something different.
Anything else (the TV, a cough, talk to someone else) was not addressed to us and does nothing
at all, not even "Sorry, I didn't understand". A new command said straight after, with its
wake word ("hey jarvis, close the curtains"), is known by the wake phrase at the start of its
transcript and runs as a command of its own. An open question keeps priority.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from daemon.dry_turn import carried_out, dry_outcome
from daemon.early import commit_threshold, doubt_about
from daemon.events import TextTranscribed
from daemon.wake import PHRASES
from devices import ADAPTERS
from skills.base import NONE_INTENT, IntentRequest

if TYPE_CHECKING:
    from daemon.nlu.parse import ParseResult
    from daemon.turn import TurnRunner
    from daemon.turn_result import TurnResult
    from daemon.vad import Audio

log = logging.getLogger(__name__)

Messages = frozenset[tuple[str, str]]
"""Device commands as (topic, payload) pairs."""


@dataclass(frozen=True)
class Done:
    """What the command ended early did."""

    devices: frozenset[str]
    """Names of the devices it commanded."""
    messages: Messages
    """What it published to them."""


@dataclass(frozen=True)
class Candidate:
    """One parsed command of the joined transcript, run dry."""

    intent: str
    confidence: float
    """Calibrated probability of `intent`."""
    acts: bool
    """The turn would carry it out, not ask back nor fail."""
    devices: frozenset[str]
    """Names of the devices it would command (after resolution)."""
    messages: Messages
    """What it would publish to them."""


Reason = Literal[
    "refines",
    "nothing_done",
    "empty",
    "not_understood",
    "low_confidence",
    "would_not_act",
    "other_device",
    "same_command",
]


@dataclass(frozen=True)
class Judgement:
    """Whether a continuation is acted on, and why (a stable code for logs and tests)."""

    act: bool
    reason: Reason


def refines(done: Done, joined: Sequence[Candidate], threshold: float) -> Judgement:
    """The continuation rule: act only on a confident refinement of what was just done."""
    if not done.devices:
        return Judgement(False, "nothing_done")
    if not joined:
        return Judgement(False, "empty")
    doubt = doubt_about(joined, threshold)
    if doubt is not None:
        return Judgement(False, doubt)
    if frozenset().union(*(candidate.devices for candidate in joined)) != done.devices:
        return Judgement(False, "other_device")
    if frozenset().union(*(candidate.messages for candidate in joined)) <= done.messages:
        return Judgement(False, "same_command")
    return Judgement(True, "refines")


def join(committed: str, rest: str) -> str:
    """The committed transcript and its rest as one sentence: "Open the curtains." + "Half
    way." -> "Open the curtains half way."."""
    head = committed.strip().rstrip(".,!?…")
    tail = rest.strip()
    if tail[:1].isupper() and not re.match(r"I\b", tail):
        tail = tail[0].lower() + tail[1:]
    return f"{head} {tail}".strip()


def addressed(text: str, phrase: str) -> str | None:
    """What follows the wake phrase when `text` begins with it ("Hey, Jarvis. Close the
    curtains." -> "Close the curtains."), else None. The name alone counts ("Jarvis, ...")."""
    wanted = phrase.lower().split()
    found = list(re.finditer(r"[\w']+", text))
    for size in (len(wanted), 1):
        words = [match.group().lower() for match in found[:size]]
        if len(found) > size and words == wanted[-size:]:
            return text[found[size - 1].end() :].lstrip(" ,.!?;:")
    return None


def done_by(result: TurnResult) -> Done | None:
    """What a turn did to devices; None when it failed (nothing to refine)."""
    if result.error_code is not None or not result.commands:
        return None
    return Done(
        frozenset(report.device for report in result.commands),
        frozenset((report.topic, report.payload) for report in result.commands),
    )


async def candidates(runner: TurnRunner, parsed: ParseResult) -> list[Candidate]:
    """The joined parse's commands, each run dry: what it would do, to which devices."""
    found = []
    for command in parsed.commands:
        outcome = None
        if command.intent != NONE_INTENT:
            request = IntentRequest(command.intent, dict(command.slots), command.text)
            outcome = await dry_outcome(runner, request, parsed.text)
        actions = outcome.actions if outcome is not None else ()
        messages = frozenset(
            (message.topic, message.payload)
            for action in actions
            for message in ADAPTERS[action.device.protocol].command_messages(
                action.device, action.command
            )
        )
        devices = frozenset(action.device.name for action in actions)
        acts = carried_out(outcome)
        found.append(Candidate(command.intent, command.confidence, acts, devices, messages))
    return found


class Continuation:
    """Remembers the command last ended early and acted on, and hears what follows it."""

    def __init__(self, runner: TurnRunner, needs_wake_word: bool) -> None:
        self._runner = runner
        self._needs_wake_word = needs_wake_word
        """False (no wake word mode): speech that is no refinement is a command of its own."""
        self._committed: tuple[str, Done] | None = None

    def remember(self, text: str, result: TurnResult) -> None:
        """A command ended early and its turn ran (Speculator's on_committed)."""
        done = done_by(result)
        self._committed = (text, done) if done is not None else None

    async def hear(self, audio: Audio) -> TurnResult | None:
        """The turn of speech heard in the continuation window; None when it does nothing."""
        committed, self._committed = self._committed, None
        runner = self._runner
        transcript, asr_ms = await runner.transcribe(audio)
        if not transcript.accepted:
            log.debug("continuation not heard: %r (%s)", transcript.text, transcript.reason)
            return None
        if committed is not None and not runner.asks:
            text = join(committed[0], transcript.text)
            if runner.parser is None:
                raise RuntimeError("a continuation needs the intent model")
            parsed = await asyncio.to_thread(runner.parser.parse, text)
            judgement = refines(
                committed[1], await candidates(runner, parsed), commit_threshold(runner)
            )
            log.debug("continuation %r -> %r: %s", transcript.text, text, judgement.reason)
            if judgement.act:
                return _heard(await runner.run_text(text, parsed=parsed), text, asr_ms)
        text = transcript.text
        if self._needs_wake_word and not runner.asks:
            # A new command said straight after ("hey jarvis, close the curtains") carries
            # its wake word in the words even though the window did not listen for it.
            rest = addressed(text, PHRASES[runner.loaded.config.wake.model])
            if rest is None:
                log.debug("ignored %r: no wake word, and not the rest of a command", text)
                return None
            text = rest
        return _heard(await runner.run_text(text), text, asr_ms)


def _heard(result: TurnResult, text: str, asr_ms: float) -> TurnResult:
    result.timings_ms = {"asr": asr_ms, **result.timings_ms}
    result.events.insert(0, TextTranscribed(text, accepted=True))
    return result
