"""A small template language for training sentences, sampled at random rather than enumerated.

Syntax (close to hassil's): `(a|b)` one of the alternatives, `[x]` optional, `{slot}` a value
from the list named `slot`, tagged as that slot, `{slot:list}` a value from `list` tagged as
`slot`, `{list!}` a value from `list` left untagged. Values may themselves be templates.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class TemplateError(ValueError):
    """A sentence template or list that cannot be parsed."""

    code = "bad_template"


@dataclass(frozen=True)
class Piece:
    """A run of text, with the slot it belongs to ("" for none)."""

    text: str
    slot: str = ""


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Choice:
    options: tuple[tuple[object, ...], ...]
    optional: bool


@dataclass(frozen=True)
class _Slot:
    slot: str
    list_name: str


Node = _Text | _Choice | _Slot


def parse_template(template: str) -> tuple[Node, ...]:
    """The parsed sequence of `template`; raise TemplateError on unbalanced brackets."""
    nodes, end = _parse_sequence(template, 0, closing="")
    if end != len(template):
        raise TemplateError(f"unexpected {template[end]!r} at {end} in {template!r}")
    return nodes


def _parse_sequence(text: str, index: int, closing: str) -> tuple[tuple[Node, ...], int]:
    """Parse alternatives up to `closing`; returns one sequence (a _Choice when several)."""
    options: list[tuple[Node, ...]] = []
    current: list[Node] = []
    buffer = ""
    while index < len(text):
        char = text[index]
        if char in "([":
            if buffer:
                current.append(_Text(buffer))
                buffer = ""
            inner, index = _parse_sequence(text, index + 1, ")" if char == "(" else "]")
            current.append(_Choice(_split_options(inner), optional=char == "["))
            continue
        if char == "{":
            end = text.find("}", index)
            if end < 0:
                raise TemplateError(f"unclosed {{ in {text!r}")
            if buffer:
                current.append(_Text(buffer))
                buffer = ""
            current.append(_slot_node(text[index + 1 : end]))
            index = end + 1
            continue
        if char == "|" and closing:
            current.append(_Text(buffer))
            buffer = ""
            options.append(tuple(current))
            current = []
            index += 1
            continue
        if char in ")]":
            if char != closing:
                raise TemplateError(f"unbalanced {char!r} at {index} in {text!r}")
            break
        buffer += char
        index += 1
    else:
        if closing:
            raise TemplateError(f"missing {closing!r} in {text!r}")
    if buffer:
        current.append(_Text(buffer))
    options.append(tuple(current))
    if len(options) == 1:
        return options[0], index + 1 if closing else index
    return (_Choice(tuple(options), optional=False),), index + 1 if closing else index


def _split_options(inner: tuple[Node, ...]) -> tuple[tuple[object, ...], ...]:
    if len(inner) == 1 and isinstance(inner[0], _Choice) and not inner[0].optional:
        return inner[0].options
    return (inner,)


def _slot_node(spec: str) -> _Slot:
    if spec.endswith("!"):
        return _Slot("", spec[:-1].strip())
    slot, _, list_name = spec.partition(":")
    return _Slot(slot.strip(), (list_name or slot).strip())


class Sampler:
    """Draws random sentences from templates; lists hold templates too."""

    def __init__(self, lists: Mapping[str, Sequence[str]], rng: random.Random) -> None:
        self._lists = {
            name: [parse_template(value) for value in values] for name, values in lists.items()
        }
        self._rng = rng
        self._cache: dict[str, tuple[Node, ...]] = {}

    def sample(self, template: str) -> list[Piece]:
        """One random expansion of `template`, as pieces of text with their slots."""
        nodes = self._cache.get(template)
        if nodes is None:
            nodes = self._cache[template] = parse_template(template)
        pieces: list[Piece] = []
        self._expand(nodes, "", pieces)
        return _merge(pieces)

    def _expand(self, nodes: Sequence[object], slot: str, out: list[Piece]) -> None:
        for node in nodes:
            if isinstance(node, _Text):
                out.append(Piece(node.text, slot))
            elif isinstance(node, _Choice):
                if node.optional and self._rng.random() < 0.5:
                    continue
                self._expand(self._rng.choice(node.options), slot, out)
            elif isinstance(node, _Slot):
                values = self._lists.get(node.list_name)
                if not values:
                    raise TemplateError(f"no list named {node.list_name!r}")
                value: list[Piece] = []
                self._expand(self._rng.choice(values), "", value)
                text = "".join(piece.text for piece in value)
                out.append(Piece(text, node.slot or slot))


def _merge(pieces: list[Piece]) -> list[Piece]:
    """Adjacent pieces of the same slot joined; slot values kept apart from each other."""
    merged: list[Piece] = []
    for piece in pieces:
        if not piece.text:
            continue
        if merged and merged[-1].slot == piece.slot == "":
            merged[-1] = Piece(merged[-1].text + piece.text, "")
        else:
            merged.append(piece)
    return merged


def words_and_tags(pieces: Iterable[Piece]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Whitespace words of the joined pieces, and BIO tags (a word takes its first char's slot)."""
    chars: list[tuple[str, int]] = []  # (slot, piece index) per character
    text = ""
    for number, item in enumerate(pieces):
        text += item.text
        chars.extend((item.slot, number) for _ in item.text)
    words: list[str] = []
    tags: list[str] = []
    previous: tuple[str, int] = ("", -1)
    position = 0
    for word in text.split():
        start = text.index(word, position)
        position = start + len(word)
        slot, piece = chars[start]
        if not slot:
            tags.append("O")
        else:
            tags.append(("I-" if previous == (slot, piece) else "B-") + slot)
        previous = (slot, piece)
        words.append(word)
    return tuple(words), tuple(tags)
