"""One turn, in sequence: audio or text -> intent -> skill -> device commands -> reply.

The daemon, `homevox do`, `homevox listen` and the MQTT text topic all run turns through
TurnRunner, so there is one path from an understood command to the broker. A turn never
raises for a user's input: not understood, unknown device and broker trouble are results
with a short reply and a stable error code.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from daemon import conversation, timed
from daemon.act import command_reports, failure_reply, publish
from daemon.config import LoadedConfig
from daemon.declined import declined
from daemon.errors import HomevoxError
from daemon.events import (
    ActionScheduled,
    ConfirmationAsked,
    IntentRecognized,
    ReplyDecided,
    TextTranscribed,
)
from daemon.hear_again import heard_again
from daemon.home import Home
from daemon.stages import handler_table, load_asr_stage, load_parser
from daemon.turn_result import TurnResult
from skills.base import (
    NONE_INTENT,
    DeviceAction,
    IntentRequest,
    Outcome,
    Question,
    Scheduler,
    SkillContext,
)

if TYPE_CHECKING:
    import numpy as np

    from daemon.asr import Transcriber, Transcript
    from daemon.mqtt import MqttLink
    from daemon.nlu.parse import IntentParser, ParseResult

log = logging.getLogger(__name__)

NOT_UNDERSTOOD = "Sorry, I didn't understand that."


class TurnRunner:
    """Runs turns against one home; keeps the open question of a follow-up window."""

    def __init__(
        self,
        loaded: LoadedConfig,
        *,
        link: MqttLink | None,
        parser: IntentParser | None = None,
        transcriber: Transcriber | None = None,
        scheduler: Scheduler | None = None,
        dry_run: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.loaded = loaded
        self.link = link
        self.parser = parser
        self.transcriber = transcriber
        self.scheduler = scheduler
        self.dry_run = dry_run
        self.home = Home(loaded.config, states=link.state if link else None)
        self.handlers = handler_table()
        self._clock = clock
        self._pending: tuple[Question, float] | None = None
        self._prompt = ""

    @classmethod
    async def create(
        cls,
        loaded: LoadedConfig,
        *,
        broker: tuple[str, int] | None = None,
        dry_run: bool = False,
        load_nlu: bool = False,
        load_asr: bool = False,
    ) -> TurnRunner:
        """A runner with its own MQTT link (none when dry_run) and the models asked for.

        The models load first: one that is missing fails before a link is opened, not after.
        """
        config = loaded.config
        parser = await asyncio.to_thread(load_parser, loaded) if load_nlu else None
        transcriber = await asyncio.to_thread(load_asr_stage, loaded) if load_asr else None
        link = None
        if not dry_run:
            from daemon.mqtt import MqttLink

            host, port = broker or (
                ("127.0.0.1" if config.mqtt.broker == "embedded" else config.mqtt.broker),
                config.mqtt.port,
            )
            link = MqttLink(config.mqtt, config.assistant.name, config.device_list(), host, port)
            await link.start()
        return cls(loaded, link=link, parser=parser, transcriber=transcriber, dry_run=dry_run)

    async def close(self) -> None:
        if self.link is not None:
            await self.link.stop()

    @property
    def asks(self) -> bool:
        """Whether a question is open: the listener hears the answer without a wake word."""
        return self._pending is not None and self._clock() < self._pending[1]

    async def transcribe(self, audio: np.ndarray, retry: bool = True) -> tuple[Transcript, float]:
        """Whisper on one utterance, prompted with the home's names; and its time in ms.
        `retry` False: one decoding, no second try with a longer window (Transcriber)."""
        if self.transcriber is None:
            raise HomevoxError("asr_not_loaded", "speech recognition is not loaded")
        if not self._prompt:
            from daemon.asr import initial_prompt

            self._prompt = initial_prompt([d.name for d in self.home.devices], self.home.rooms)
        started = time.perf_counter()
        transcript = await asyncio.to_thread(
            self.transcriber.transcribe, audio, self._prompt, retry
        )
        return transcript, (time.perf_counter() - started) * 1000

    async def run_audio(self, audio: np.ndarray, lead: np.ndarray | None = None) -> TurnResult:
        """A turn from one utterance: transcribe, then as run_text. Unheard speech does nothing.

        `lead`: the audio right before a command said straight after the wake word. When the
        command alone is not understood, it is heard again with its lead: a first word run
        into the wake word ("Time in it.") is often whole then ("What time is it?"), and a
        piece of the wake word in front does the parse no harm.
        """
        transcript, asr_ms = await self.transcribe(audio)
        if not transcript.accepted:
            result = TurnResult(
                text=transcript.text, error_code="not_heard", timings_ms={"asr": asr_ms}
            )
            result.events.append(TextTranscribed(transcript.text, accepted=False))
            log.info("ignored %r (%s)", transcript.text, transcript.reason)
            return result
        parsed, intent_ms = None, {}
        if lead is not None and len(lead) and self.parser is not None and not self.asks:
            started = time.perf_counter()
            transcript, parsed, again_ms = await heard_again(
                self.transcribe, self.parser, transcript, audio, lead
            )
            asr_ms += again_ms
            # The parses were made there: their time, not run_text's ~0 ms for a given parse.
            intent_ms = {"intent": (time.perf_counter() - started) * 1000 - again_ms}
        result = await self.run_text(transcript.text, parsed=parsed)
        result.timings_ms = {"asr": asr_ms, **result.timings_ms, **intent_ms}
        result.events.insert(0, TextTranscribed(transcript.text, accepted=True))
        return result

    async def run_text(self, text: str, parsed: ParseResult | None = None) -> TurnResult:
        """A turn from a transcript or a typed command (`parsed`: its parse, already made)."""
        answered = await self._answer_pending(text)
        if answered is not None:
            return answered
        if self.parser is None:
            raise HomevoxError("nlu_not_loaded", "the intent model is not loaded")
        started = time.perf_counter()
        if parsed is None:
            parsed = await asyncio.to_thread(self.parser.parse, text)
        result = TurnResult(
            text=text, timings_ms={"intent": (time.perf_counter() - started) * 1000}
        )
        if not parsed.commands:
            result.merge(self._not_understood(text, parsed.confidence))
        for command in parsed.commands:
            if command.intent == NONE_INTENT:
                result.merge(self._not_understood(command.text, command.confidence))
                continue
            request = IntentRequest(command.intent, dict(command.slots), command.text)
            result.merge(
                await self.run_request(request, confidence=command.confidence, utterance=text)
            )
        result.text = text
        return result

    async def run_request(
        self, request: IntentRequest, confidence: float = 1.0, *, utterance: str = ""
    ) -> TurnResult:
        """A turn from an understood request (also `homevox do` and scheduled actions);
        `utterance`: all that was said, when it came from speech or text (see declined)."""
        result = TurnResult(text=request.text)
        result.intents.append(IntentRecognized(request.intent, confidence, dict(request.slots)))
        result.events.append(result.intents[0])
        request = conversation.as_state_question(request)
        handler = self.handlers.get(request.intent)
        if handler is None:
            return self._finish(result, "I can't do that yet.", "no_handler")
        refused = declined(request, utterance)
        if refused is not None:
            return self._finish(result, refused.reply, refused.error_code)
        started = time.perf_counter()
        if timed.is_timed(request) and timed.for_a_while(request):
            return await self._for_a_while(request, result)
        if timed.is_timed(request):
            outcome = await timed.schedule(request, handler, self._context(), result)
        else:
            outcome = handler(request, self._context())
        result.timings_ms["skill"] = (time.perf_counter() - started) * 1000
        if outcome.question is not None:
            self._ask(outcome.question, result)
        blocked = [a.device.name for a in outcome.actions if not a.device.voice]
        if blocked:
            return self._finish(
                result, f"The {blocked[0]} can't be switched by voice.", "voice_disabled"
            )
        if any(action.device.confirm for action in outcome.actions):
            question = Question(kind="confirm", actions=outcome.actions, reply_on_yes=outcome.reply)
            self._ask(question, result)
            result.events.append(ConfirmationAsked(tuple(a.device.name for a in outcome.actions)))
            return self._finish(result, conversation.confirmation_prompt(outcome.actions), None)
        if outcome.actions:
            return await self._execute(outcome.actions, outcome.reply, result)
        return self._finish(result, outcome.reply, outcome.error_code)

    async def _for_a_while(self, request: IntentRequest, result: TurnResult) -> TurnResult:
        """ "turn on the porch light for ten minutes": done now, undone when the time is up.
        The undo is stored before the command is sent, so a reply never promises one that
        was not kept; it is taken back when nothing was sent."""
        plan = timed.plan_for_a_while(request, self.handlers, self._context())
        if isinstance(plan, Outcome):
            if plan.question is not None:
                self._ask(plan.question, result)
            return self._finish(result, plan.reply, plan.error_code)
        assert self.scheduler is not None  # plan_for_a_while checked it
        items = [self.scheduler.add_action(undo, plan.due) for undo in plan.undos]
        done = await self._execute(plan.outcome.actions, plan.outcome.reply, result)
        for item in items:
            if done.commands:
                result.events.append(ActionScheduled(item.id, plan.due.isoformat()))
            else:
                self.scheduler.cancel(item.id)
        return done

    def _context(self) -> SkillContext:
        return SkillContext(home=self.home, scheduler=self.scheduler)

    def _ask(self, question: Question, result: TurnResult) -> None:
        window = self.loaded.config.wake.follow_up_seconds
        self._pending = (question, self._clock() + window)
        result.question = question

    async def _answer_pending(self, text: str) -> TurnResult | None:
        """The answer to an open question, or None when `text` is a new command."""
        if self._pending is None:
            return None
        question, deadline = self._pending
        self._pending = None
        if self._clock() > deadline:
            return None
        answer = conversation.interpret_answer(question, text)
        if answer is None:
            return None
        result = TurnResult(text=text)
        if answer == "no":
            return self._finish(result, "OK, I won't.", None)
        if question.kind == "confirm":
            return await self._execute(question.actions, question.reply_on_yes or "Done.", result)
        assert question.pending is not None
        chosen = replace(question.pending, slots={**question.pending.slots, question.slot: answer})
        return await self.run_request(chosen)

    async def _execute(
        self, actions: Sequence[DeviceAction], reply: str, result: TurnResult
    ) -> TurnResult:
        started = time.perf_counter()
        try:
            if self.dry_run or self.link is None:
                reports = command_reports(actions)
            else:
                reports = await publish(self.link, actions, result.events)
        except HomevoxError as err:
            # A broker that is down is reported where the link notices it; anything else here
            # is the configuration's to fix, and only the log and --json say how.
            log.log(
                logging.INFO if err.code == "broker_unavailable" else logging.WARNING, "%s", err
            )
            result.error_detail = str(err)
            return self._finish(result, failure_reply(err), err.code)
        finally:
            result.timings_ms["act"] = (time.perf_counter() - started) * 1000
        result.commands += reports
        silent = list(dict.fromkeys(r.device for r in reports if not r.acknowledged))
        if self.dry_run or not silent:
            return self._finish(result, reply, None)
        done = " The rest is done." if len(silent) < len({r.device for r in reports}) else ""
        reply = f"The {conversation.join_names(silent)} did not respond.{done}"
        return self._finish(result, reply, "no_ack")

    def _not_understood(self, text: str, confidence: float) -> TurnResult:
        result = TurnResult(text=text)
        result.intents.append(IntentRecognized(NONE_INTENT, confidence, {}))
        result.events.append(result.intents[0])
        return self._finish(result, NOT_UNDERSTOOD, "not_understood")

    @staticmethod
    def _finish(result: TurnResult, reply: str, error_code: str | None) -> TurnResult:
        result.replies.append(reply)
        result.error_code = result.error_code or error_code
        result.events.append(ReplyDecided(reply, error_code))
        return result
