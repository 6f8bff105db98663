"""Where a command starts after the wake word: is its first word heard, is the wake word left out?

espeak-ng's "hey jarvis" followed by a command after a pause of 0 (said straight on), 0.1 or
0.25 s, or as one sentence with a comma; each scene goes through the listening core (wake word,
Silero VAD, endpointer) and the command it cuts through Whisper tiny.en with the daemon's
prompt. Side by side in one run: homevox (the command starts at the pause after the wake word,
else where the wake word's score first rose, dips of up to wake.RISE_DIP_CHUNKS chunks below
the onset bridged), the same with no dip bridged (the start point before), and the command
starting at the wake word's detection (as before that).

Then what the intent model makes of homevox's transcripts, for each model given (default: the
configured one): the command understood as said (same intent as the whole command's text),
nothing done, or a wrong action (another intent); alone, and as the daemon hears them (a
command not understood is heard again with the 0.15 s before it, UtteranceCaptured.lead, and
taken when understood with HEARD_AGAIN_MIN_CONFIDENCE).

    .venv/bin/python bench/command_start_bench.py [--model-dir DIR ...]   # about 3 minutes
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from daemon.asr import Transcriber, comparable_words, initial_prompt, load_transcriber  # noqa: E402
from daemon.audio_io import SAMPLE_RATE, Audio, espeak  # noqa: E402
from daemon.config import AsrConfig, load_config  # noqa: E402
from daemon.hear_again import HEARD_AGAIN_MIN_CONFIDENCE  # noqa: E402
from daemon.listener import ListeningCore, UtteranceCaptured, load_listening_core  # noqa: E402
from daemon.nlu.parse import IntentParser  # noqa: E402
from daemon.nlu.paths import model_dir_for  # noqa: E402
from daemon.wake import PHRASES, RecentChunks  # noqa: E402
from skills.base import NONE_INTENT  # noqa: E402

COMMANDS = [
    "what time is it",
    "turn on the kitchen light",
    "close the bedroom curtains",
    "set a timer for ten minutes",
    "dim the desk lamp to thirty percent",
    "open the living room curtains",
    "remind me to water the plants at six",
]
NEAR_MISS = ROOT / "bench" / "near_miss_phrasings_2.jsonl"
VOICES = [("en-us", 140), ("en-us", 170), ("en", 140), ("en-gb", 160), ("en+f3", 160)]
VOICES += [("en-us+m3", 150), ("en-gb-x-rp", 150)]
PAUSES = ["none", "0.1 s", "0.25 s", "comma"]


def trimmed(audio: Audio) -> Audio:
    """espeak-ng's audio without its leading and trailing silence."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    return audio[loud[0] : loud[-1] + 1]


def spoken(command: str, voice: str, speed: int, pause: str) -> Audio:
    if pause == "comma":
        return espeak(f"hey jarvis, {command}", voice, speed)
    gap = 0.0 if pause == "none" else float(pause.split()[0])
    wake = trimmed(espeak("hey jarvis", voice, speed))
    silence = np.zeros(int(gap * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([wake, silence, trimmed(espeak(command, voice, speed))])


@dataclass
class Side:
    core: ListeningCore
    said: dict[str, list[str]] = field(default_factory=dict)
    heard: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)
    """Transcripts as Whisper wrote them ("" where nothing was cut)."""
    with_lead: dict[str, list[str]] = field(default_factory=dict)
    """The same heard with the lead in front ("" where there was none)."""
    cut: dict[str, int] = field(default_factory=dict)
    """Scenes where a command was cut at all (the wake word model missed the others)."""


def from_detection(core: ListeningCore) -> ListeningCore:
    """The first baseline: the command starts at the detection (the bench swaps the one step
    compared)."""
    after = core._after_wake_word
    core._after_wake_word = lambda: after()[:0]  # type: ignore[method-assign]
    return core


def last_rise(core: ListeningCore, threshold: float) -> ListeningCore:
    """The start point before: where the score last rose past the onset, no dip bridged."""
    core._recent = RecentChunks(threshold, dip_chunks=0)
    return core


def wake_word_left(said: str, heard: str, phrase: str) -> bool:
    """Words in front of the command's first word that are the wake word's end or the wake
    phrase ("this close the curtains", "hey jarvis close the curtains")."""
    words, first = heard.split(), said.split()[0]
    return words[:1] != [first] and (
        first in words[1:3] or bool(set(phrase.split()) & set(words[:2]))
    )


def main() -> None:
    args_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args_parser.add_argument("--model-dir", type=Path, action="append", default=[])
    args = args_parser.parse_args()
    loaded = load_config(ROOT / "config.toml")
    config = loaded.config
    audio_config = config.audio.model_copy(update={"early_silence_seconds": 0.0})
    threshold = config.wake.threshold
    sides = {
        "at the detection": Side(from_detection(load_listening_core(audio_config, config.wake))),
        "last rise (before)": Side(
            last_rise(load_listening_core(audio_config, config.wake), threshold)
        ),
        "homevox": Side(load_listening_core(audio_config, config.wake)),
    }
    transcriber = load_transcriber(AsrConfig(model="tiny.en"))
    devices = config.device_list()
    rooms = list(dict.fromkeys([config.assistant.room, *(device.room for device in devices)]))
    prompt = initial_prompt([device.name for device in devices], rooms)
    lead = np.zeros(SAMPLE_RATE, dtype=np.float32)
    tail = np.zeros(int(1.5 * SAMPLE_RATE), dtype=np.float32)
    for pause in PAUSES:
        for voice, speed in VOICES:
            for number, command in enumerate(COMMANDS):
                phase = np.zeros(number * 317, dtype=np.float32)  # not block-aligned
                scene = np.concatenate([lead, phase, spoken(command, voice, speed, pause), tail])
                for side in sides.values():
                    side.core.reset()
                    cut = [e for start in range(0, len(scene), 1280)
                           for e in side.core.feed(scene[start : start + 1280], 0.0)
                           if isinstance(e, UtteranceCaptured)]  # fmt: skip
                    text = transcriber.transcribe(cut[0].audio, prompt).text if cut else ""
                    side.cut[pause] = side.cut.get(pause, 0) + bool(cut)
                    side.said.setdefault(pause, []).append(comparable_words(command))
                    side.heard.setdefault(pause, []).append(comparable_words(text) or "-")
                    side.texts.setdefault(pause, []).append(text)
                    again = (
                        heard_with_lead(transcriber, prompt, cut[0])
                        if cut and side is sides["homevox"]
                        else ""
                    )
                    side.with_lead.setdefault(pause, []).append(again)
    report(sides, PHRASES[config.wake.model])
    talk = out_of_scope_talk(sides["homevox"].core, transcriber, prompt)
    for model_dir in args.model_dir or [model_dir_for(loaded)]:
        parser = IntentParser.load(model_dir, config.intent.confidence_threshold, config.phrases)
        understanding(sides["homevox"], parser, model_dir)
        talk_report(talk, parser)


def heard_with_lead(transcriber: Transcriber, prompt: str, cut: UtteranceCaptured) -> str:
    """The command heard again with its lead in front ("" when it has none)."""
    if not len(cut.lead):
        return ""
    return transcriber.transcribe(np.concatenate([cut.lead, cut.audio]), prompt).text


def out_of_scope_talk(
    core: ListeningCore, transcriber: Transcriber, prompt: str
) -> list[tuple[str, str]]:
    """40 `none` rows of bench/near_miss_phrasings_2.jsonl said straight after "hey jarvis"
    (voices in turn): each cut's transcript, alone and heard with its lead."""
    rows = [json.loads(line) for line in NEAR_MISS.read_text(encoding="utf-8").splitlines()]
    talk = [row["text"] for row in rows if row.get("intent") == NONE_INTENT]
    heard = []
    silence = np.zeros(SAMPLE_RATE, dtype=np.float32)
    for number, text in enumerate(random.Random(3).sample(talk, 40)):
        voice, speed = VOICES[number % len(VOICES)]
        scene = np.concatenate([silence, spoken(text, voice, speed, "none"), silence, silence])
        core.reset()
        cut = [e for start in range(0, len(scene), 1280)
               for e in core.feed(scene[start : start + 1280], 0.0)
               if isinstance(e, UtteranceCaptured)]  # fmt: skip
        if cut:
            alone = transcriber.transcribe(cut[0].audio, prompt).text
            heard.append((alone, heard_with_lead(transcriber, prompt, cut[0])))
    return heard


def talk_report(talk: list[tuple[str, str]], parser: IntentParser) -> None:
    alone = [intent_of(parser, text) for text, _ in talk]
    daemon = [
        intent_of(parser, again, HEARD_AGAIN_MIN_CONFIDENCE) if got == NONE_INTENT else got
        for got, (_, again) in zip(alone, talk, strict=True)
    ]
    print(
        f"\nOut-of-scope talk said straight after the wake word: {len(talk)} of 40 cut; "
        f"taken for a command alone {sum(g != NONE_INTENT for g in alone)}, "
        f"as the daemon hears it {sum(g != NONE_INTENT for g in daemon)}"
    )
    for got, (text, again) in zip(daemon, talk, strict=True):
        if got != NONE_INTENT:
            print(f"  {got:18} {text!r}" + (f" (heard again: {again!r})" if again else ""))


def understanding(side: Side, parser: IntentParser, model_dir: Path) -> None:
    """How many of the side's transcripts the model understands as said, leaves, or acts on
    wrongly."""
    print(f"\n## What the intent model makes of homevox's transcripts ({model_dir})\n")
    print(
        "| pause after 'hey jarvis' | understood as said | nothing done | wrong action "
        "| the same heard again with the lead when not understood |"
    )
    print("|---|---|---|---|---|")
    meant = {c: parser.parse(c).intent for c in COMMANDS}
    for pause in PAUSES:
        said = [COMMANDS[i % len(COMMANDS)] for i in range(len(side.texts[pause]))]
        alone = [intent_of(parser, text) for text in side.texts[pause]]
        daemon = [
            intent_of(parser, again, HEARD_AGAIN_MIN_CONFIDENCE) if got == NONE_INTENT else got
            for got, again in zip(alone, side.with_lead[pause], strict=True)
        ]
        cells = []
        for got in (alone, daemon):
            right = sum(g == meant[c] for c, g in zip(said, got, strict=True))
            nothing = sum(g == NONE_INTENT for g in got)
            cells.append(f"{right}/{len(got)} | {nothing} | {len(got) - right - nothing}")
        print(f"| {pause} | {cells[0]} | {cells[1].replace(' | ', ', ')} |")


def intent_of(parser: IntentParser, text: str, min_confidence: float = 0.0) -> str:
    """The first in-scope intent of `text` (NONE_INTENT when none is understood, or less
    sure than `min_confidence`)."""
    commands = parser.parse(text).commands if text else ()
    understood = [c for c in commands if c.intent != NONE_INTENT]
    if not understood or min(c.confidence for c in understood) < min_confidence:
        return NONE_INTENT
    return understood[0].intent


def report(sides: dict[str, Side], phrase: str) -> None:
    count = len(VOICES) * len(COMMANDS)
    print(
        f"\n## Command right after the wake word ({count} scenes per pause: {len(COMMANDS)} "
        f"commands x {len(VOICES)} voices/speeds, Whisper tiny.en)\n"
    )
    names = list(sides)
    print(
        "| pause after 'hey jarvis' | woken | "
        + " | ".join(f"{n}: first word heard | wake word left in front | WER" for n in names)
        + " |"
    )
    print("|---|---|" + "---|---|---|" * len(names))
    for pause in PAUSES:
        cells = [f"{sides['homevox'].cut[pause]}/{count}"]
        for side in sides.values():
            said, heard = side.said[pause], side.heard[pause]
            first = sum(h.split()[0] == s.split()[0] for s, h in zip(said, heard, strict=True))
            extra = sum(wake_word_left(s, h, phrase) for s, h in zip(said, heard, strict=True))
            wer = 100 * jiwer.wer(said, heard)
            cells.append(f"{first}/{len(said)} | {extra}/{len(said)} | {wer:.1f} %")
        print(f"| {pause} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
