"""Commands the model hears in talk that does not ask homevox for them: nothing is done.

The model is trained to hear a command in a sentence; whether the sentence asks homevox to
carry it out is read here, from words a classifier weighs poorly: a negation ("no need to set
a timer"), someone else addressed ("Ben, turn that light off"), someone else's home ("their
thermostat is set to 26"), a how-to question, a suggestion ("we could try a warm white bulb"),
a command taken back ("... actually, I'll write it on the fridge"), or a bare name that leaves
the model to guess what to do with it ("the bedroom blinds"; that one is asked about).
Each declines the command with a short reply and changes nothing. Commands that only ask
(state, time, lists) are never declined: answering them costs nothing.
"""

from __future__ import annotations

import re

from daemon.conversation import DEVICE_INTENTS
from daemon.nlu.compound import says_only_a_name
from skills.base import IntentRequest, Outcome
from skills.target_words import kind_of_words

CHANGING_INTENTS = (
    *DEVICE_INTENTS,
    "timers.set",
    "timers.cancel",
    "reminders.set",
    "reminders.cancel",
)
"""Intents that change something in the home or the schedule."""

_NEGATED = re.compile(
    r"\b(?:don'?t|do not|never(?! mind)|didn'?t|did not|no need to)\b"
    r"(?! (?:let (?:me|us) )?forget\b)"  # "don't let me forget to ..." asks for a reminder
    r"(?:\s+\w+){0,3}?\s+"
    r"(?:turn|switch|open|close|dim|brighten|set|put|change|make|raise|lower|shut|draw|pull|"
    r"heat|cool|warm|start|cancel|delete|remove|stop|touch|adjust|mess with|fiddle with)\b"
    # "I don't want the heating up": a change said unwanted. ("I don't need the lights on" is
    # a command to switch them off, and stays one.)
    r"|\b(?:don'?t|do not) (?:want|need)\b(?:\s+\w+){1,4}?\s+"
    r"(?:up|down|higher|lower|warmer|cooler|brighter|dimmer|any \w+er)\b"
    # "don't remind me, I know": no reminder named, so none to cancel.
    r"|\b(?:don'?t|do not) remind me\s*(?:[,.!?]|$)"
    # taken back: "... on Friday... actually, I'll write it on the fridge", "actually, forget it"
    r"|\bactually\W+(?:i'll|i will|never mind|forget it|don'?t|do not|no)\b"
    # "leave the hall light alone", "no, leave the curtains": keep as it is.
    r"|\bleave\b[^,.;!?]*\b(?:alone|be|as (?:it|they) (?:is|are)|where (?:it|they) (?:is|are))\b"
    r"|^\W*(?:no\W+)?(?:just\s+)?leave (?!.*\b(?:on|off|open|closed|shut|up|down|at|to|for)\b)"
    r"(?:the|my|our|that|those|it|them)\b(?:\s+\w+){0,3}\W*$"
)

# A device command asked of someone else, or as a question to the room: "shall I close the
# blinds?", "tell Sam to switch his light off", "I'll put the desk lamp on myself".
_NOT_ASKED = re.compile(
    r"^\W*(?:shall|should) (?:i|we)\b"
    r"|\b(?:tell|ask|get) (?!me\b|us\b)\w+ to (?:turn|switch|open|close|dim|put|set|shut)\b"
    r"|\b(?:i'll|i will|i'm going to|i am going to) (?:turn|switch|put|open|close|dim|set|shut|do)"
    r"\b[^,.;]*\bmyself\b"
    # a suggestion, not a request: "we could try a warm white bulb", "maybe we should ..."
    r"|^\W*(?:(?:so|well|maybe|perhaps)\W+)?(?:we|i) (?:could|might|should|ought to)\b"
    r"(?! use\b| do with\b)"  # "I could use some light in here" asks for it
    # what we will do to the home, some day: "maybe later we'll close the blinds" (but "we're
    # going to watch a film, dim the lights" asks)
    r"|\b(?:we'll|we will|we're going to|we are going to) (?:\w+ )?"
    r"(?:turn|switch|open|close|dim|put|set|shut|keep|leave|change|draw)\b"
    r"|\bto (?:everyone|everybody|all of you|you all)\b"
    # someone else's wish: "my flatmate wants me to turn the heating up but I'm boiling"
    r"|\b(?:wants|wanted|asked|asks|told|tells|begged) (?:me|us) to\b"
    # another appliance's own timer: "set the sleep timer on the telly for an hour"
    r"|\btimer (?:on|of|for) the (?:tv|telly|television|oven|microwave|cooker|washing machine|"
    r"washer|dryer|dishwasher|radio|phone)\b"
)

_HOW_TO = re.compile(
    r"^\W*(?:(?:so|but|and|hey|um|ok|okay)\W+)?how (?:do|can|could|would|should|does) "
    r"(?:i|we|you|one|someone)\b|\bhow to (?:turn|switch|make|set|get|change|open|close)\b"
)

# Whisper writes a name with a capital; a capitalised word set off by a comma, that names no
# device or room here and is none of these, may be someone in the room being spoken to:
# "Ben, turn that light off", "..., Detective, and ...".
_NOT_A_NAME = frozenset(
    {"okay", "ok", "oh", "hey", "hi", "hello", "please", "so", "well", "right", "alright", "yes",
     "yeah", "yep", "no", "nope", "now", "um", "uh", "er", "erm", "hmm", "ah", "aha", "sorry",
     "actually", "also", "and", "then", "first", "next", "finally", "lastly", "thanks", "thank",
     "cheers", "listen", "look", "wait", "sure", "fine", "great", "cool", "perfect", "brilliant",
     "lovely", "honestly", "seriously", "anyway", "besides", "otherwise", "meanwhile", "quick",
     "quickly", "today", "tonight", "tomorrow", "later", "morning", "evening", "afternoon",
     "night", "goodnight", "goodbye", "bye", "jeez", "gosh", "brr", "ugh", "wow", "i", "monday",
     "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "jarvis", "mycroft",
     "alexa", "homevox", "computer", "whoa", "woah", "oops", "ooh", "argh", "hiya", "yup",
     "excuse", "pardon", "again", "still", "just", "maybe", "perhaps", "basically", "anyways",
     "obviously", "apparently", "however", "instead", "ta", "remember",
     "upstairs", "downstairs", "inside", "outside", "here", "there", "everywhere",
     "light", "lights", "lamp", "lamps", "curtains", "blinds", "heating", "heater",
     "thermostat", "timer", "timers", "alarm", "alarms", "reminder", "reminders"}
)  # fmt: skip
_PEOPLE_WORDS = (
    "kids|guys|everyone|everybody|folks|mum|mom|mummy|mommy|dad|daddy|darling|honey|sweetie|"
    "sweetheart|babe|baby|love|buddy|mate|son|boys|girls"
)
_PEOPLE = re.compile(rf"(?i:{_PEOPLE_WORDS})")
# The first word of a command is where Whisper leaves what it heard of the wake word
# ("Remember, make the bedroom light red."), so a capitalised word there counts as a name
# only when the sentence also speaks to that person: "Sam, ... when you go up".
_FIRST_VOCATIVE = re.compile(r"^\W*([A-Z][a-z]+|[a-z]+),\s+\w")
_TO_SOMEONE = re.compile(
    r"(?i)\b(?:you're|you are|your|yours|yourself|(?:when|if|before|after|once|while|as) you)\b"
)
# after a sentence ("Previously on Lost: Jack, turn off ...") or after the command (", Jake.")
_LATER_VOCATIVE = re.compile(
    rf"[.:;!?]\s+\W*([A-Z][a-z]+|(?i:{_PEOPLE_WORDS})),\s+\w"
    rf"|,\s*([A-Z][a-z]+|(?i:{_PEOPLE_WORDS}))\s*(?:[,.!?]|$)"
)

# Someone else's device or room: "their thermostat", "Emma's alarm", "your living room"
# (an advert). "your" is left to alarms and timers: homevox keeps them, "stop your timer".
_OTHERS = r"their|his|her|[A-Z][a-z]+'s"
_NOT_POSSESSIVE = frozenset(
    {"it's", "that's", "what's", "there's", "here's", "he's", "she's", "who's", "where's",
     "let's", "how's", "this's", "today's", "tonight's", "tomorrow's", "everyone's"}
)  # fmt: skip
_SCHEDULE_NOUNS = ("alarm", "alarms", "timer", "timers", "reminder", "reminders")


# Switching intents the model can only guess from a bare name: "the bedroom blinds" (its verb
# lost after the wake word) is as likely "open" as "close".
_GUESSED_FROM_A_NAME = frozenset(
    {"lights.on", "lights.off", "curtains.open", "curtains.close", "curtains.stop"}
)


# A thing of someone's that is no device: "close your eyes and count to twenty".
_SOMEONES_THING = re.compile(
    r"\b(?:close|open|shut|turn|switch|put|draw|pull|raise|lower|dim|brighten)\s+"
    r"(?:(?:up|down|on|off)\s+)?(?:your|his|her|their)\s+(\w+)"
)


def declined(request: IntentRequest, utterance: str = "") -> Outcome | None:
    """The reply to a command that is not one to carry out, or None to carry it out.

    `utterance`: all that was said, when the request came from speech or typed text (not a
    scheduled action or `homevox do`). A part of it spoken to someone else makes every part so
    ("Close your eyes and count to twenty"); a bare name is asked about only when it is all
    that was said, not a later part of a compound command ("... and the hall light")."""
    if not request.intent.startswith(CHANGING_INTENTS):
        return None
    said = request.text.lower()
    whole = utterance or request.text
    if (
        " ".join(whole.split()) == " ".join(request.text.split())
        and utterance
        and request.intent in _GUESSED_FROM_A_NAME
        and says_only_a_name(request.text, request.slots)
    ):
        named = re.sub(r"[^\w' ]+", " ", request.text).strip()
        the = "" if named.lower().startswith(("the ", "my ", "our ", "all ")) else "the "
        return Outcome(f"What should I do with {the}{named.lower()}?", error_code="no_verb")
    if _NEGATED.search(said):
        return Outcome("OK, I won't.", error_code="negated")
    if _HOW_TO.search(said):
        return Outcome("Just tell me what to do, and I'll do it.", error_code="how_to")
    thing = _SOMEONES_THING.search(whole.lower())
    if (
        (thing is not None and kind_of_words([thing.group(1)]) is None)
        or _NOT_ASKED.search(whole.lower())
        or _someone_addressed(request, whole)
        or _someone_elses(request, whole)
    ):
        return Outcome("I'll leave that to you.", error_code="not_asked")
    return None


def _named_words(request: IntentRequest) -> set[str]:
    return {
        word
        for slot in ("device", "room", "name")
        for word in re.findall(r"[\w']+", request.slots.get(slot, "").lower())
    }


def _someone_addressed(request: IntentRequest, text: str) -> bool:
    named = _named_words(request)
    words = [found.group(1) or found.group(2) for found in _LATER_VOCATIVE.finditer(text)]
    first = _FIRST_VOCATIVE.match(text)
    if first and (_PEOPLE.fullmatch(first.group(1)) or _TO_SOMEONE.search(text)):
        words.append(first.group(1))
    return any(
        word[0].isupper() or _PEOPLE.fullmatch(word)
        for word in words
        if word.lower() not in _NOT_A_NAME and word.lower() not in named
    )


# "turn off the lights at grandma's", "... at my mum's place"
_AT_SOMEONES = re.compile(
    r"\b(?:at|in|round at|over at) (?:my |our |his |her |their )?[a-z]+'s"
    r"(?: (?:place|house|flat|home|apartment))?\s*(?:[,.!?]|$)",
    re.IGNORECASE,
)


def _someone_elses(request: IntentRequest, text: str) -> bool:
    if _AT_SOMEONES.search(text):
        return True
    named = _named_words(request)
    targets = [re.escape(request.slots.get(slot, "").strip()) for slot in ("device", "room")]
    owned = [
        (rf"{_OTHERS}|your", [t for t in targets if t]),
        (_OTHERS, list(_SCHEDULE_NOUNS)),
    ]
    for owners, nouns in owned:
        if not nouns:
            continue
        pattern = rf"\b({owners})\s+(?:(?!the\b|an?\b|my\b|our\b)\w+\s+)?(?:{'|'.join(nouns)})\b"
        for found in re.finditer(pattern, text, flags=re.IGNORECASE):
            owner = found.group(1)
            if owner.lower() in _NOT_POSSESSIVE or owner.lower().removesuffix("'s") in named:
                continue
            if owner[0].isupper() or not owner.endswith("'s"):
                return True
    return False
