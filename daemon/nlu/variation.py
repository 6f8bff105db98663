"""Ways a generated training sentence is varied: heard less cleanly, or said for later."""

from __future__ import annotations

import random
from collections.abc import Sequence

from daemon.nlu.templates import Sampler, words_and_tags

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


def for_later(
    words: Sequence[str], tags: Sequence[str], sampler: Sampler, rng: random.Random
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The command said for later: a time ("at 9 pm", "in ten minutes") tagged as `datetime`,
    before it ("at 9 pm, close the curtains") or after it ("close the curtains at 9 pm").

    Device commands with a time are kept in the scheduler; one whose time is not tagged would
    be carried out at once, so the model must learn to tag it where people put it.
    """
    when_words, when_tags = words_and_tags(sampler.sample("{datetime:later_time}"))
    if rng.random() < 0.4:
        first = list(when_words)
        if rng.random() < 0.4:
            first[-1] += ","
        return (*first, *words), (*when_tags, *tags)
    return (*words, *when_words), (*tags, *when_tags)
