"""The intent model's data and plumbing: templates, labels, generation, alignment, fingerprints."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from daemon.config import PhraseConfig
from daemon.nlu import channel
from daemon.nlu.compound import mend_tags, split_points, split_text
from daemon.nlu.data import LABELS, LATER_INTENTS, TAGS, generate, sentence_files
from daemon.nlu.lists import LISTS
from daemon.nlu.spans import spans_from_tags
from daemon.nlu.templates import Sampler, TemplateError, parse_template, words_and_tags
from daemon.nlu.train import TrainSettings, data_fingerprint, is_current, phrase_examples
from daemon.nlu.variation import for_later, perturb
from skills.base import INTENT_NAMES, NONE_INTENT, SLOT_NAMES
from skills.registry import SKILLS


def test_label_set_is_the_intents_plus_none() -> None:
    assert (*INTENT_NAMES, NONE_INTENT) == LABELS


def test_every_label_has_sentences_and_every_skill_intent_a_label() -> None:
    files = sentence_files()
    with_sentences = {
        intent for file in files for intent, templates in file.intents.items() if templates
    }
    assert with_sentences == set(LABELS)
    handled = {intent for skill in SKILLS for intent in skill.INTENTS}
    assert handled == set(INTENT_NAMES)


def test_tags_are_bio_over_the_slot_names() -> None:
    assert TAGS[0] == "O"
    assert {tag[2:] for tag in TAGS[1:]} == set(SLOT_NAMES)


def test_template_syntax() -> None:
    sampler = Sampler({"room": ["living room"], "light": ["lamp"]}, random.Random(0))
    seen = set()
    for _ in range(60):
        pieces = sampler.sample("(turn|switch) on [the] {device:light} in the {room}")
        words, tags = words_and_tags(pieces)
        seen.add(" ".join(words))
        assert tags[-2:] == ("B-room", "I-room")
        assert "B-device" in tags
    assert seen == {
        "turn on the lamp in the living room",
        "turn on lamp in the living room",
        "switch on the lamp in the living room",
        "switch on lamp in the living room",
    }


@pytest.mark.parametrize("bad", ["(a|b", "a]", "{slot", "[x)"])
def test_bad_templates_are_rejected(bad: str) -> None:
    with pytest.raises(TemplateError):
        parse_template(bad)


def test_generation_is_reproducible_varied_and_tagged() -> None:
    files = sentence_files()
    first = generate(files, 40, 200, seed=3, perturb_share=0.3)
    again = generate(files, 40, 200, seed=3, perturb_share=0.3)
    assert first == again
    for label in LABELS:
        texts = {e.text.lower() for e in first if e.intent == label}
        assert len(texts) >= (150 if label == NONE_INTENT else 35), label
    assert all(len(e.words) == len(e.tags) for e in first)
    assert all(set(e.tags) == {"O"} for e in first if e.intent == NONE_INTENT)
    # Whisper's forms appear: digits with units, capitals, punctuation.
    joined = " ".join(e.text for e in generate(files, 300, 10, seed=1))
    for form in ("%", "p.m.", "?", "."):
        assert form in joined


@pytest.mark.parametrize("seed", range(40))
def test_a_perturbed_sentence_keeps_its_slots_and_its_meaning_words(seed: int) -> None:
    words = ("Please", "turn", "off", "the", "kitchen", "light", "in", "the", "hall")
    tags = ("O", "O", "O", "O", "B-device", "I-device", "O", "O", "B-room")
    heard, heard_tags = perturb(words, tags, random.Random(seed))
    assert len(heard) == len(heard_tags) and abs(len(heard) - len(words)) == 1
    slots = [(w, t) for w, t in zip(words, tags, strict=True) if t != "O"]
    assert [(w, t) for w, t in zip(heard, heard_tags, strict=True) if t != "O"] == slots
    assert {"turn", "off"} <= set(heard)
    if len(heard) < len(words):
        dropped = list(words)
        for word in heard:
            dropped.remove(word)
        assert [w.lower() for w in dropped] in (["please"], ["the"])


@pytest.mark.parametrize("seed", range(20))
def test_a_command_said_for_later_has_its_time_tagged_before_or_after(seed: int) -> None:
    words = ("close", "the", "curtains")
    tags = ("O", "O", "B-device")
    rng = random.Random(seed)
    later, later_tags = for_later(words, tags, Sampler(LISTS, rng), rng)
    assert len(later) == len(later_tags)
    timed = [w for w, t in zip(later, later_tags, strict=True) if t.endswith("-datetime")]
    assert timed and later_tags.count("B-datetime") == 1
    if later[: len(words)] == words:
        assert later_tags[: len(tags)] == tags
    else:
        assert later[-len(words) :] == words and later_tags[-len(tags) :] == tags
    assert "every" not in timed  # a device command is not repeated


def test_device_commands_said_for_later_are_the_ones_the_turn_schedules() -> None:
    from daemon.timed import is_timed
    from skills.base import IntentRequest

    for intent in LATER_INTENTS:
        assert is_timed(IntentRequest(intent, {"datetime": "at 9 pm"}, "x at 9 pm")), intent
    examples = generate(sentence_files(), 200, 10, seed=2, later_share=0.2)
    timed = {e.intent for e in examples if "B-datetime" in e.tags}
    assert timed >= LATER_INTENTS


def test_channel_alignment_carries_tags_to_the_transcript() -> None:
    source = ["Remind", "me", "to", "call", "mom", "at", "5", "p.m."]
    tags = ("O", "O", "O", "B-message", "I-message", "B-datetime", "I-datetime", "I-datetime")
    aligned = channel.align_tags(source, tags, ["Remind", "me", "to", "call", "Mum", "at", "5pm."])
    assert aligned == ("O", "O", "O", "B-message", "I-message", "B-datetime", "I-datetime")


def test_channel_cache_is_committed_and_well_formed() -> None:
    entries = channel.read_cache()
    assert len(entries) >= 500
    assert {entry.intent for entry in entries.values()} <= set(LABELS)
    assert all(len(entry.words) == len(entry.tags) for entry in entries.values())
    assert len({entry.voice for entry in entries.values()}) >= 3


def test_channel_fill_only_synthesises_missing_entries_up_to_the_limit(tmp_path: Path) -> None:
    cache = tmp_path / "cache.jsonl"
    examples = generate(sentence_files(), 2, 2, seed=5)
    wanted = channel.pick_for_channel(examples, 10, seed=5)
    calls: list[str] = []

    def fake_speak(text: str, voice: str, rate: int, pitch: int) -> str:
        calls.append(text)
        return text.lower()

    assert channel.fill_cache(wanted, 4, speak=fake_speak, path=cache) == 4
    assert channel.fill_cache(wanted, 100, speak=fake_speak, path=cache) == 6
    assert channel.fill_cache(wanted, 100, speak=fake_speak, path=cache) == 0
    assert len(calls) == 10
    assert len(channel.channel_examples(path=cache)) == 10


def test_a_transcript_that_lost_the_request_is_not_trained_on(tmp_path: Path) -> None:
    assert channel.faithful("Cancel my timers.", "Can solve my timers.")
    assert channel.faithful("Turn on the porch light", "turn on the porch light, please")
    assert not channel.faithful("Get it dark", "That's it, talk!")
    assert not channel.faithful("Open up the shutters!", "or the not the shot and")
    cache = tmp_path / "cache.jsonl"
    examples = [e for e in generate(sentence_files(), 2, 2, seed=5) if len(e.words) > 3][:2]
    wanted = channel.pick_for_channel(examples, 2, seed=5)
    heard = iter(["uh huh", None])

    def speak(text: str, voice: str, rate: int, pitch: int) -> str:
        return next(heard) or text

    assert channel.fill_cache(wanted, 2, speak=speak, path=cache) == 2
    (kept,) = channel.channel_examples(path=cache)
    assert kept.text in {e.text for e in examples}


def test_fingerprint_follows_phrases_and_settings(tmp_path: Path) -> None:
    settings = TrainSettings()
    base = data_fingerprint((), settings)
    phrase = PhraseConfig(
        text="movie time", intent="lights.brightness", slots={"brightness": "20 percent"}
    )
    assert data_fingerprint((phrase,), settings) != base
    assert data_fingerprint((), replace(settings, epochs=settings.epochs + 1)) != base
    assert data_fingerprint((), settings) == base
    assert not is_current(tmp_path, (), settings)


def test_taught_phrases_become_training_examples() -> None:
    phrase = PhraseConfig(text="movie time", intent="lights.brightness")
    examples = phrase_examples([phrase], copies=5, seed=1)
    assert len(examples) == 5
    assert {e.intent for e in examples} == {"lights.brightness"}
    assert all("movie time" in e.text.lower() for e in examples)


def _words(text: str) -> list[tuple[int, int]]:
    out, position = [], 0
    for word in text.split():
        start = text.index(word, position)
        out.append((start, start + len(word)))
        position = start + len(word)
    return out


def test_split_only_at_conjunctions_outside_slots() -> None:
    text = "turn off the kitchen light and close the curtains"
    tags = ["O", "O", "O", "B-device", "I-device", "O", "O", "O", "B-device"]
    points = split_points(text, _words(text), tags)
    assert [part.text for part in split_text(text, points)] == [
        "turn off the kitchen light",
        "close the curtains",
    ]
    colour = "set the lamp to black and white"
    colour_tags = ["O", "O", "B-device", "O", "B-color", "I-color", "I-color"]
    assert split_points(colour, _words(colour), colour_tags) == []


def test_a_span_run_over_a_conjunction_is_mended() -> None:
    text = "turn off the kitchen light and close the curtains"
    overrun = ["O", "O", "O", "B-device", "I-device", "I-device", "O", "O", "B-device"]
    mended = mend_tags(text, _words(text), overrun)
    assert mended[5] == "O" and split_points(text, _words(text), mended) == [5]
    timer = "set a timer for an hour and a half"
    broken = ["O", "O", "O", "O", "B-duration", "I-duration", "I-duration", "B-duration"]
    mended = mend_tags(timer, _words(timer), [*broken, "I-duration"])
    assert mended == ["O", "O", "O", "O", "B-duration", *["I-duration"] * 4]
    assert split_points(timer, _words(timer), mended) == []
    colour = "set the lamp to black and white"
    colour_tags = ["O", "O", "B-device", "O", "B-color", "I-color", "I-color"]
    assert mend_tags(colour, _words(colour), colour_tags) == colour_tags
    started = ["O", "O", "B-device", "O", "B-color", "B-color", "I-color"]
    assert mend_tags(colour, _words(colour), started) == colour_tags
    two_lights = "turn on the lamp and the hall light"
    two_tags = ["O", "O", "O", "B-device", "B-device", "O", "B-device", "I-device"]
    mended = mend_tags(two_lights, _words(two_lights), two_tags)
    assert mended == ["O", "O", "O", "B-device", "O", "O", "B-device", "I-device"]


def test_spans_from_tags_trim_punctuation_but_keep_abbreviations() -> None:
    text = "Remind me to call mom at 5 p.m."
    tags = ["O", "O", "O", "B-message", "I-message", "B-datetime", "I-datetime", "I-datetime"]
    spans = spans_from_tags(text, _words(text), tags)
    assert [(s.slot, s.text) for s in spans] == [("message", "call mom"), ("datetime", "at 5 p.m.")]
    lamp = "Turn on the lamp."
    (span,) = spans_from_tags(lamp, _words(lamp), ["O", "O", "O", "B-device"])
    assert (span.text, lamp[span.start : span.end]) == ("lamp", "lamp")


@pytest.mark.parametrize(
    ("text", "tags", "spans"),
    [
        (  # "room" left out by the tagger: one name
            "turn on the living room lamp",
            ["O", "O", "O", "B-device", "O", "B-device"],
            [("device", "living room lamp")],
        ),
        (  # two names, "and" between them
            "turn on lamp and light",
            ["O", "O", "B-device", "O", "B-device"],
            [("device", "lamp"), ("device", "light")],
        ),
        (  # a room and a device are different slots
            "turn on kitchen big light",
            ["O", "O", "B-room", "O", "B-device"],
            [("room", "kitchen"), ("device", "light")],
        ),
        (  # "am" never stands alone: the number before it belongs to the time
            "set a timer for 7 am",
            ["O", "O", "O", "O", "O", "B-datetime"],
            [("datetime", "7 am")],
        ),
        (  # nor when the number was tagged as something else: the two are one time
            "remind me in 7 pm",
            ["O", "O", "O", "B-duration", "B-datetime"],
            [("datetime", "7 pm")],
        ),
        (  # a time split between datetime and duration: one span, a duration if it reads so
            "turn on the lamp for ten minutes",
            ["O", "O", "O", "B-device", "O", "B-duration", "B-datetime"],
            [("device", "lamp"), ("duration", "ten minutes")],
        ),
        (
            "set the heating to 22 for an hour",
            ["O", "O", "B-device", "O", "B-temperature", "O", "B-datetime", "B-duration"],
            [("device", "heating"), ("temperature", "22"), ("duration", "an hour")],
        ),
        (  # a clock phrase cut at "to": one time up to its hour
            "remind me at quarter to three to go",
            ["O", "O", "O", "B-datetime", "O", "O", "O", "B-message"],
            [("datetime", "quarter to three"), ("message", "go")],
        ),
        (  # its "quarter" tagged as something else, its hour as the time
            "a nudge at quarter past 6 to go",
            ["O", "O", "O", "B-position", "O", "B-datetime", "O", "B-message"],
            [("datetime", "quarter past 6"), ("message", "go")],
        ),
        (  # a curtain's quarter stays a position
            "open the blinds a quarter to let light in",
            ["O", "O", "B-device", "B-position", "I-position", "O", "O", "O", "O"],
            [("device", "blinds"), ("position", "a quarter")],
        ),
        (  # an article tagged alone belongs to the value after it
            "make the hall light a soft yellow",
            ["O", "O", "B-device", "I-device", "B-color", "B-color", "I-color"],
            [("device", "hall light"), ("color", "a soft yellow")],
        ),
        (
            "open the curtains about a third",
            ["O", "O", "B-device", "O", "B-position", "B-position"],
            [("device", "curtains"), ("position", "a third")],
        ),
        (  # but not an article of another slot's
            "set a timer an hour",
            ["O", "B-duration", "O", "B-duration", "I-duration"],
            [("duration", "a"), ("duration", "an hour")],
        ),
        (  # two untagged words: not one name
            "lamp over there light",
            ["B-device", "O", "O", "B-device"],
            [("device", "lamp"), ("device", "light")],
        ),
    ],
)
def test_spans_are_mended_where_the_tagger_broke_a_name_or_a_time(
    text: str, tags: list[str], spans: list[tuple[str, str]]
) -> None:
    assert [(s.slot, s.text) for s in spans_from_tags(text, _words(text), tags)] == spans


def test_a_pronoun_after_a_device_command_names_the_device() -> None:
    from daemon.nlu.compound import name_referent
    from daemon.nlu.parse import ParsedCommand

    lamp = ParsedCommand("turn on the lamp", "lights.on", 0.99, {"device": "lamp"}, (), ())
    assert name_referent(lamp, "set it to 30 percent") == "set the lamp to 30 percent"
    assert name_referent(lamp, "close the curtains") is None
    assert name_referent(lamp, "back on again") == "turn the lamp back on again"
    assert name_referent(lamp, "off") == "turn the lamp off"
    assert name_referent(lamp, "on the table") is None
    clock = ParsedCommand("what time is it", "clock.time", 0.99, {}, (), ())
    assert name_referent(clock, "set it to 30 percent") is None
