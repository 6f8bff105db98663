"""The intent model on held-out phrasings written without sight of the training templates.

Two sets, each one JSON object a line: {"text": ..., "intent": ..., "slots": {slot: text}}.
`intent` is what a careful assistant should do (`none`: do nothing, out of scope), never what
the model answers; a `slots` entry is the text expected inside that tagged slot (case and
punctuation ignored).

bench/heldout_phrasings.jsonl (the default) measures understanding. Its sentences were
written from the skill handlers, the README and the example home in config.toml only; their
author never read `skills/*.sentences.yaml`, `daemon/nlu/none.sentences.yaml`,
`daemon/nlu/lists.py` or the dev set. About 190 rows cover the 19 intents in free phrasings
(indirect requests, fillers, hurried speech, numbers as words and digits, Whisper-style
capitals and "p.m."), a few with device names not in config.toml; about 115 `none` rows sit
next to them (other appliances, media volume, screen brightness, calendar, time elsewhere,
weather, chit-chat, world questions).

bench/near_miss_phrasings.jsonl (`--data`) measures doing the wrong thing. A helper engineer
wrote it blind, from the same sources (handlers, `skills/base.py`, `daemon/nlu/parse.py`,
README, config.toml), never reading the sentences files, `daemon/nlu/lists.py`,
`templates.py`, `variation.py`, `data.py`, `tests/test_nlu.py`, the first set beyond its
format, or the dev set. About 220 `none` rows sit close to real commands: narrative and past
tense, reported speech and TV dialogue, corrections ("no, the other lamp"), questions about
doing, hypotheticals and negations, appliances homevox does not control, media volume,
screens, calendar events, time elsewhere, weather, chit-chat, other languages, Whisper
garble and other people's homes. About 115 rows should act, in unusual but natural phrasing
("close the light", "I can't see a thing", "make the lights warmer"); a compound command is
labelled with its first intent and lists the later parts' intents in `also`.

bench/near_miss_phrasings_2.jsonl (`--data`) is a second such set, about 210 `none` rows and
110 that should act, written later by another helper under stricter rules: it also never saw
the first near-miss set, and never ran the model.

bench/near_miss_phrasings_3.jsonl (`--data`) is a third, 163 `none` rows and 149 that should
act (all 19 intents, 10 compound, 10 with devices not in config.toml), written by a helper
who read only the README, config.toml, skills/base.py, the skill handlers and parse.py, and
five lines of the second set for the format; it never ran the model. Its labels differ from
homevox's on purpose in one place: a feeling alone ("It's freezing in here.") is `none` there,
while homevox's thermostat skill warms the room for it.

How blind they still are: the first two sets were used to find faults after their first
runs (the training sentences for narration, corrections and "close the light" came from the
first near-miss set's failures). The second near-miss set was not used for training data;
its whole-turn failures led to the slot repairs in skills/ (commit 2067939). The third
set's first run led to daemon/declined.py (negations, people addressed by name, someone
else's home, how-to questions and suggestions), "a degree", "at quarter | to | three", and
more "don't let me forget" reminder sentences; its figures after that are no longer blind.

Prints accuracy per intent, `none` rejection, slot accuracy (on rows whose intent was right;
a `device` slot also counts when found in the room and device slots read together, as
"kitchen" + "light"), then every WRONG ACTION (a `none` row acted on, or an in-scope row
acted on as another intent) and every miss (an in-scope row answered `none`). Then each row
runs through a whole turn, dry (bench/turn_effects.py), which is what a user lives with: how
many `none` rows would change something (a command sent, a timer or reminder set or
cancelled), and how many commands that should change something did.
`--first-word-lost` measures instead what becomes of the in-scope rows when their first word
is lost, as Whisper hears a command said straight after the wake word ("on the kitchen
light", "the bedroom curtains"): carried out as meant, nothing done (the safe answer when what
is left does not say what to do), or a wrong action; then the wrong actions a whole turn
carries out (a bare "the bedroom blinds" is asked about, not closed).
Measuring only: nothing here asserts or tunes.

    .venv/bin/python bench/heldout_bench.py [--data PATH] [--model-dir DIR] [--threshold 0.6]
        [--first-word-lost]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncio  # noqa: E402

from bench.turn_effects import turn_effects  # noqa: E402
from daemon.config import LoadedConfig, load_config  # noqa: E402
from daemon.nlu.parse import IntentParser, ParseResult  # noqa: E402
from daemon.nlu.paths import model_dir_for  # noqa: E402
from skills.base import NONE_INTENT  # noqa: E402

DATA = ROOT / "bench" / "heldout_phrasings.jsonl"


CHANGING = frozenset(
    {"lights.on", "lights.off", "lights.brightness", "lights.color", "thermostat.set",
     "thermostat.adjust", "curtains.open", "curtains.close", "curtains.stop",
     "curtains.position", "reminders.set", "reminders.cancel", "timers.set", "timers.cancel"}
)  # fmt: skip
"""Intents whose turn changes something (the others answer a question)."""


@dataclass(frozen=True)
class Row:
    """One held-out phrasing and what should be made of it."""

    text: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    also: tuple[str, ...] = ()
    """The intents of a compound command's later parts, in order."""


@dataclass(frozen=True)
class Answer:
    """What the model made of one row."""

    intent: str
    """The first command's intent (NONE_INTENT when nothing was understood)."""
    acted: tuple[str, ...]
    """Every in-scope intent among the utterance's commands, in order."""
    confidence: float
    slots: dict[str, str]


def load_rows(path: Path) -> list[Row]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [Row(**{**row, "also": tuple(row.get("also", ()))}) for row in rows]


def answer_of(result: ParseResult, expected: str) -> Answer:
    acted = tuple(c.intent for c in result.commands if c.intent != NONE_INTENT)
    matching = [c for c in result.commands if c.intent == expected]
    chosen = matching[0] if matching else (result.commands[0] if result.commands else None)
    slots = dict(chosen.slots) if chosen else {}
    return Answer(result.intent, acted, result.confidence, slots)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def slot_found(slot: str, expected: str, got: dict[str, str]) -> bool:
    want = _plain(expected)
    if want in _plain(got.get(slot, "")):
        return True
    together = f"{got.get('room', '')} {got.get('device', '')}"
    return slot == "device" and want in _plain(together)


def is_wrong_action(row: Row, answer: Answer) -> bool:
    return any(intent not in (row.intent, *row.also) for intent in answer.acted)


def intent_table(rows: list[Row], answers: list[Answer]) -> None:
    print(f"\n{'intent':20} {'n':>4} {'right':>6} {'acc':>6} {'->none':>7} {'wrong':>6}")
    for label in sorted({row.intent for row in rows} - {NONE_INTENT}):
        pairs = [(r, a) for r, a in zip(rows, answers, strict=True) if r.intent == label]
        right = sum(a.intent == label for _, a in pairs)
        missed = sum(not a.acted for _, a in pairs)
        wrong = sum(is_wrong_action(r, a) for r, a in pairs)
        print(
            f"{label:20} {len(pairs):4d} {right:6d} {right / len(pairs):6.2f} "
            f"{missed:7d} {wrong:6d}"
        )


def slot_table(rows: list[Row], answers: list[Answer]) -> tuple[int, int]:
    checked: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for row, answer in zip(rows, answers, strict=True):
        if answer.intent != row.intent:
            continue
        for slot, expected in row.slots.items():
            checked[slot] += 1
            found[slot] += slot_found(slot, expected, answer.slots)
    print(f"\n{'slot':12} {'checked':>8} {'found':>6} {'acc':>6}   (rows with the right intent)")
    for slot in sorted(checked):
        print(f"{slot:12} {checked[slot]:8d} {found[slot]:6d} {found[slot] / checked[slot]:6.2f}")
    return sum(found.values()), sum(checked.values())


def listing(title: str, items: list[tuple[Row, Answer]]) -> None:
    print(f"\n{title} ({len(items)}): expected -> predicted, confidence, text, slots")
    for row, answer in items:
        predicted = " + ".join(answer.acted) or answer.intent
        slots = json.dumps(answer.slots, ensure_ascii=False) if answer.slots else ""
        print(f"  {row.intent:18} -> {predicted:18} {answer.confidence:.2f}  {row.text!r}  {slots}")


async def all_effects(
    loaded: LoadedConfig, parser: IntentParser, rows: list[Row], results: list[ParseResult]
) -> list[list[str]]:
    pairs = zip(rows, results, strict=True)
    return [await turn_effects(loaded, parser, row.text, parsed) for row, parsed in pairs]


def without_first_word(rows: list[Row]) -> list[Row]:
    """The in-scope rows of three words or more, each without its first word."""
    return [
        Row(" ".join(row.text.split()[1:]), row.intent, {}, row.also)
        for row in rows
        if row.intent != NONE_INTENT and len(row.text.split()) >= 3
    ]


def first_word_lost_report(rows: list[Row], answers: list[Answer]) -> None:
    pairs = list(zip(rows, answers, strict=True))
    right = sum(a.intent == r.intent for r, a in pairs)
    nothing = sum(not a.acted for _, a in pairs)
    wrong = [(r, a) for r, a in pairs if is_wrong_action(r, a)]
    print(f"\nfirst word lost: {len(rows)} in-scope rows of three words or more")
    print(f"  understood as meant  {right}")
    print(f"  nothing done         {nothing}")
    print(f"  wrong action         {len(wrong)}")
    listing("WRONG ACTIONS", wrong)


def main() -> int:
    args_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args_parser.add_argument("--data", type=Path, default=DATA, help="default: %(default)s")
    args_parser.add_argument("--model-dir", type=Path, default=None)
    args_parser.add_argument(
        "--threshold", type=float, default=None, help="default: [intent] confidence_threshold"
    )
    args_parser.add_argument(
        "--first-word-lost", action="store_true", help="the in-scope rows without their first word"
    )
    args = args_parser.parse_args()
    loaded = load_config(ROOT / "config.toml")
    model_dir = args.model_dir or model_dir_for(loaded)
    threshold = (
        loaded.config.intent.confidence_threshold if args.threshold is None else args.threshold
    )
    parser = IntentParser.load(model_dir, threshold, loaded.config.phrases)
    rows = load_rows(args.data)
    if args.first_word_lost:
        rows = without_first_word(rows)
    results = parser.parse_many([row.text for row in rows])
    answers = [answer_of(result, row.intent) for result, row in zip(results, rows, strict=True)]
    if args.first_word_lost:
        print(f"held-out phrasings ({args.data.name}), model {model_dir}, threshold {threshold}")
        first_word_lost_report(rows, answers)
        effects = asyncio.run(all_effects(loaded, parser, rows, results))
        changed = [
            (r, e)
            for r, a, e in zip(rows, answers, effects, strict=True)
            if a.intent != r.intent and e
        ]
        print(f"\nWRONG ACTIONS A WHOLE TURN CARRIES OUT, dry ({len(changed)}): text -> change")
        for row, change in changed:
            print(f"  {row.text!r} -> {'; '.join(change)}")
        return 0
    pairs = list(zip(rows, answers, strict=True))

    in_scope = [(r, a) for r, a in pairs if r.intent != NONE_INTENT]
    out_scope = [(r, a) for r, a in pairs if r.intent == NONE_INTENT]
    right = sum(a.intent == r.intent for r, a in in_scope)
    rejected = sum(not a.acted for _, a in out_scope)
    wrong = [(r, a) for r, a in pairs if is_wrong_action(r, a)]
    misses = [(r, a) for r, a in in_scope if not a.acted]

    print(f"held-out phrasings ({args.data.name}): {len(rows)} rows")
    print(f"({len(in_scope)} in scope, {len(out_scope)} none)")
    print(f"model {model_dir}, threshold {threshold}")
    intent_table(rows, answers)
    found, checked = slot_table(rows, answers)
    print("\nsummary")
    print(f"  in-scope accuracy  {right / len(in_scope):.3f}  ({right}/{len(in_scope)})")
    print(f"  none rejected      {rejected / len(out_scope):.3f}  ({rejected}/{len(out_scope)})")
    print(f"  slot accuracy      {found / max(1, checked):.3f}  ({found}/{checked})")
    print(f"  wrong actions      {len(wrong)}  (of {len(rows)} rows)")
    print(f"  misses             {len(misses)}  (in-scope rows answered none)")
    effects = asyncio.run(all_effects(loaded, parser, rows, results))
    with_effects = list(zip(rows, effects, strict=True))
    acted_on = [(r, e) for r, e in with_effects if r.intent == NONE_INTENT and e]
    changing = [(r, e) for r, e in with_effects if r.intent in CHANGING]
    undone = [r for r, e in changing if not e]
    print("  whole turns, dry (bench/turn_effects.py):")
    print(f"    none rows that changed something   {len(acted_on)} of {len(out_scope)}")
    print(
        f"    commands that changed something    {len(changing) - len(undone)} of {len(changing)}"
    )
    listing("WRONG ACTIONS", wrong)
    print(f"\nNONE ROWS A TURN ACTED ON ({len(acted_on)}): text -> what it would change")
    for row, changed in acted_on:
        print(f"  {row.text!r} -> {'; '.join(changed)}")
    print(f"\nCOMMANDS A TURN DID NOT CARRY OUT ({len(undone)}): expected, text")
    for row in undone:
        print(f"  {row.intent:18} {row.text!r}")
    listing("misses", misses)
    slot_misses = [
        (r, a)
        for r, a in in_scope
        if a.intent == r.intent and not all(slot_found(k, v, a.slots) for k, v in r.slots.items())
    ]
    listing("slot misses (intent right)", slot_misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
