"""The shape of the code: dependency direction, and one handler for every intent label."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from skills.base import INTENT_NAMES, SLOT_NAMES

REPO = Path(__file__).resolve().parent.parent

# Which of our own packages each package may import (STYLE.md: daemon uses skills and
# devices; skills uses only skills and devices.base; devices uses nothing of ours).
ALLOWED = {
    "devices": {"devices"},
    "skills": {"skills", "devices.base"},
}


def our_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in ("daemon", "skills", "devices")}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_dependency_direction(package: str) -> None:
    allowed = ALLOWED[package]
    offending = []
    for path in sorted((REPO / package).rglob("*.py")):
        for name in our_imports(path):
            top = name.split(".")[0]
            if top == package:
                continue
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                # `from devices import base` style imports name the module as "devices.base"
                offending.append(f"{path.relative_to(REPO)} imports {name}")
    if package == "skills":
        offending = [o for o in offending if not o.endswith(" imports devices")]
    assert offending == []


def test_every_label_has_a_handler_and_every_handler_a_label() -> None:
    from daemon.stages import handler_table

    assert set(handler_table()) == set(INTENT_NAMES)


def test_every_skill_has_a_sentences_file_next_to_it() -> None:
    from skills.registry import SKILLS

    for skill in SKILLS:
        module = Path(skill.__file__ or "")
        sentences = module.with_name(module.stem + ".sentences.yaml")
        assert sentences.is_file(), f"{skill.__name__} has no {sentences.name}"


def test_slot_names_are_unique_and_simple() -> None:
    assert len(set(SLOT_NAMES)) == len(SLOT_NAMES)
    assert all(name.isidentifier() and name.islower() for name in SLOT_NAMES)
