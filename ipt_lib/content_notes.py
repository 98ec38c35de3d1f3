"""Which course texts need a content note: suicide, self-harm, violent death and trauma.

Every vignette, transcript and role-play whose text touches these subjects must carry a short
``content_note`` that cases and widgets show above the text (STYLE.md, "Data and content"). The pattern
is deliberately WIDE: a note on a case that did not strictly need one costs a line; a case about a
stillbirth shown without one can hurt a student. ``sensitive_phrase`` returns the first phrase that
matched, so a loader can name it in its error.

>>> sensitive_phrase("She says her family would be better off without her.")
'better off without her'
>>> sensitive_phrase("She plays the cello and cooks for her sister.") is None
True
"""

from __future__ import annotations

import re

__all__ = ["SENSITIVE", "sensitive_phrase", "missing_note_problem"]

_SELF = r"(?:my|him|her|them|your|our)sel(?:f|ves)"
_TERMS = [
    # suicide and self-harm
    r"suicid\w*",
    rf"kill(?:s|ed|ing)? {_SELF}",
    r"end(?:s|ed|ing)? (?:it all|(?:my|his|her|their) (?:own )?life|things for good)",
    r"better off (?:dead|without (?:me|him|her|them|us))",
    r"no point (?:in )?(?:living|going on|getting up|carrying on|being (?:alive|here)|waking up)",
    r"(?:see|sees|seeing|saw) (?:no|the|any) point (?:of|in) (?:living|going on|getting up|carrying on|being alive)",
    r"(?:want|wants|wanted|wanting) to (?:die|be dead|disappear for good)",
    r"wish(?:es|ed)? (?:i|she|he|they|you) (?:were|was|wasn't|weren't) (?:dead|here|alive|born)",
    r"(?:go to sleep|fall asleep) and not wake up",
    r"not (?:to )?wake up",
    r"self[- ]?harm\w*", rf"(?:harm(?:s|ed|ing)?|hurt(?:s|ing)?|cut(?:s|ting)?|burn(?:s|ed|ing)?) {_SELF}",
    r"cutting (?:her|his|my|their) (?:arms?|wrists?|legs?|skin)",
    r"overdos\w*",
    r"(?:took|swallowed) (?:a (?:handful|bottle|box|packet) of |all (?:of )?(?:the |her |his |my |their )?)?(?:pills|tablets)",
    r"hang(?:ed|ing)? " + _SELF, r"hanged", r"hanging (?:from|in)", r"noose",
    r"jump(?:s|ed|ing)? (?:off|from|in front of)",
    r"(?:thoughts|means|method|plan) (?:of|to) (?:dying|death)",
    # violent or sudden death
    r"murder\w*", r"kill(?:ed|ing)\b", r"shot (?:dead|him|her|them|himself|herself)", r"(?:was|were|got|been) shot",
    r"stabb\w*", r"(?:fatal|deadly) (?:accident|crash|collision|fire)", r"accident that killed",
    r"died by suicide", r"(?:died|killed) in an? (?:\w+ )?(?:accident|crash|collision|attack|fire|explosion)",
    r"violent death",
    # perinatal loss
    r"stillb(?:irth|orn)\w*", r"lost (?:the|her|their|my|our|his) (?:baby|newborn|pregnancy)", r"miscarr\w*",
    r"(?:newborn|baby|infant) (?:son |daughter )?(?:died|death)", r"neonatal\w*", r"NICU", r"cot death",
    # assault, abuse and trauma
    r"sexual(?:ly)? assault\w*", r"assault(?:ed)?", r"rap(?:e|ed|ist|ing)", r"abus(?:e|ed|es|ive|ing)",
    r"molest\w*", r"combat", r"war", r"wartime", r"tortur\w*", r"trauma\w*", r"massacre\w*", r"genocide",
    r"bomb(?:ed|ing|ings)", r"shelling", r"beaten (?:up|by)", r"domestic violence", r"violence",
]
SENSITIVE = re.compile(r"\b(?:" + "|".join(_TERMS) + r")\b", re.IGNORECASE)


def sensitive_phrase(*texts: str) -> str | None:
    """The first phrase in ``texts`` that touches suicide, self-harm, violent death or trauma, or None."""
    for text in texts:
        if not isinstance(text, str):
            continue
        found = SENSITIVE.search(" ".join(text.split()))
        if found:
            return found.group(0)
    return None


def missing_note_problem(phrase: str, where: str = "the text") -> str:
    """The message a loader shows when a sensitive text has no content note."""
    return (f"{where} mentions {phrase!r} (suicide, self-harm, violent death or trauma), so the file needs a short "
            "content_note, shown above the text, for example content_note = \"The client talks about ...\"")
