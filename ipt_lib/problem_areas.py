"""The four IPT problem areas and the one parser that reads a student's answer.

Every clinical statement here is cited to its source (author-year, listed in the course
bibliography, notebooks/references.md), so a reader can check it.

>>> ProblemArea.parse("  Role-Disputes. ")
<ProblemArea.ROLE_DISPUTE: 'role dispute'>
>>> ProblemArea.parse("complicated bereavement").label
'grief'
"""

from __future__ import annotations

import difflib
import enum
import re
import string
from dataclasses import dataclass

from .errors import StudentFacingError

__all__ = ["ProblemArea", "ProblemAreaError", "AreaInfo", "DisputeStage", "DisputeStageError"]


@dataclass(frozen=True)
class AreaInfo:
    """What the course teaches about one problem area, with its reference sections."""

    definition: str
    cues: tuple[str, ...]
    goals: tuple[str, ...]
    strategies: tuple[str, ...]
    sources: str
    notes: tuple[str, ...] = ()


class DisputeStage(enum.Enum):
    """The three stages of an interpersonal role dispute (Weissman et al., 2018)."""

    RENEGOTIATION = "renegotiation"
    IMPASSE = "impasse"
    DISSOLUTION = "dissolution"

    @property
    def label(self) -> str:
        return self.value

    @property
    def description(self) -> str:
        return _STAGE_TEXT[self][0]

    @property
    def work(self) -> str:
        return _STAGE_TEXT[self][1]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: object) -> "DisputeStage":
        """Read a stage typed by a student ("Impasse", "re-negotiation", "dissolved")."""
        key = _normalise(text, kind="dispute stage", valid=_STAGE_CHOICES, error=DisputeStageError)
        key = key.replace(" ", "")
        for stage, words in _STAGE_SYNONYMS.items():
            if key in words:
                return stage
        raise DisputeStageError(_unknown_message(text, "dispute stage", _STAGE_CHOICES, _all_stage_words()))


class ProblemAreaError(StudentFacingError):
    """Raised when text cannot be read as exactly one problem area."""

    title = "Not a problem area"


class DisputeStageError(StudentFacingError):
    """Raised when text cannot be read as exactly one dispute stage."""

    title = "Not a dispute stage"


class ProblemArea(enum.Enum):
    """One of the four problem areas of classic (Weissman/Klerman) IPT (Weissman et al., 2018; ISIPT, n.d.-b)."""

    GRIEF = "grief"
    ROLE_DISPUTE = "role dispute"
    ROLE_TRANSITION = "role transition"
    INTERPERSONAL_DEFICITS = "interpersonal deficits"

    @property
    def label(self) -> str:
        """The canonical answer a student would write, e.g. ``"role dispute"``."""
        return self.value

    @property
    def info(self) -> AreaInfo:
        return _INFO[self]

    @property
    def definition(self) -> str:
        return self.info.definition

    @property
    def cues(self) -> tuple[str, ...]:
        return self.info.cues

    @property
    def goals(self) -> tuple[str, ...]:
        return self.info.goals

    @property
    def strategies(self) -> tuple[str, ...]:
        return self.info.strategies

    @property
    def stages(self) -> tuple[DisputeStage, ...]:
        """The dispute stages; empty for the other three areas."""
        return tuple(DisputeStage) if self is ProblemArea.ROLE_DISPUTE else ()

    def __str__(self) -> str:
        return self.value

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(area.value for area in cls)

    @classmethod
    def parse(cls, text: object) -> "ProblemArea":
        """Turn what a student typed into a problem area.

        Case, spacing, hyphens or underscores, a plural and surrounding
        punctuation do not matter; names used in the IPT literature are
        accepted.  Anything else raises :class:`ProblemAreaError`, whose
        message repeats the input and lists the four valid answers.
        """
        key = _normalise(text, kind="problem area", valid=cls.labels(), error=ProblemAreaError)
        singular = _singularise(key)
        for candidate in (key, singular):
            if candidate in _AREA_SYNONYMS:
                return _AREA_SYNONYMS[candidate]
        if key in _AMBIGUOUS or singular in _AMBIGUOUS:
            hint = _AMBIGUOUS.get(key) or _AMBIGUOUS[singular]
            raise ProblemAreaError(f"{_quote(text)} is ambiguous: {hint} Use one of: {_choices(cls.labels())}.")
        named = _areas_named_in(singular)
        if len(named) > 1:
            names = " and ".join(area.value for area in named)
            raise ProblemAreaError(
                f"{_quote(text)} names more than one problem area ({names}). "
                f"Choose the one area that is the focus; use one of: {_choices(cls.labels())}."
            )
        raise ProblemAreaError(_unknown_message(text, "problem area", cls.labels(), list(_AREA_SYNONYMS)))


# --- parsing helpers ---------------------------------------------------------

_STRIP = string.punctuation + string.whitespace + "\u2018\u2019\u201c\u201d\u00ab\u00bb\u2013\u2014\u2026"


def _quote(text: object) -> str:
    shown = text if len(str(text)) <= 60 else str(text)[:57] + "..."
    return repr(shown) if isinstance(text, str) else repr(text)


def _kind_of(value: object) -> str:
    if value is None:
        return "nothing (None)"
    if isinstance(value, bool):
        return "True/False"
    if isinstance(value, (int, float, complex)):
        return "a number"
    if isinstance(value, (list, tuple, set, dict)):
        return f"a {type(value).__name__} (give one answer, not several)"
    if isinstance(value, enum.Enum):
        return "an enum member (write its text instead)"
    return f"a {type(value).__name__} object"


def _choices(labels: tuple[str, ...]) -> str:
    return ", ".join(labels)


def _normalise(text: object, *, kind: str, valid: tuple[str, ...], error: type[StudentFacingError]) -> str:
    if text is Ellipsis:
        raise error(f"No answer yet: replace the ... with your answer in quotes. Use one of: {_choices(valid)}.")
    if not isinstance(text, str):
        raise error(
            f"A {kind} is written as text in quotes, such as {valid[0]!r}; "
            f"got {_quote(text)}, which is {_kind_of(text)}. Use one of: {_choices(valid)}."
        )
    key = text.strip(_STRIP).lower()
    key = re.sub(r"[-_/\s]+", " ", key)
    key = re.sub(r"\s*&\s*", " and ", key)
    key = re.sub(r"^the ", "", key).strip(_STRIP)
    if not key:
        raise error(f"The answer is empty ({_quote(text)}). Use one of: {_choices(valid)}.")
    return key


def _singularise(key: str) -> str:
    words = []
    for word in key.split(" "):
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith(("ss", "sis")) and len(word) > 3:
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def _unknown_message(text: object, kind: str, valid: tuple[str, ...], vocabulary: list[str]) -> str:
    key = str(text).strip(_STRIP).lower()
    close = difflib.get_close_matches(key, vocabulary, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"{_quote(text)} is not a {kind}.{hint} Use one of: {_choices(valid)}."


def _areas_named_in(key: str) -> list[ProblemArea]:
    found = []
    for area, words in _AREA_KEYWORDS.items():
        if any(re.search(rf"\b{re.escape(w)}\b", key) for w in words):
            found.append(area)
    return found


# Literature names, written already normalised (lower case, single spaces) and singular.
_AREA_SYNONYMS: dict[str, ProblemArea] = {}
for _area, _names in {
    ProblemArea.GRIEF: [
        "grief", "grief and loss", "grief loss", "complicated grief", "complicated bereavement",
        "bereavement", "abnormal grief", "unresolved grief", "delayed grief", "pathological grief",
        "grief after a death", "grief complicated bereavement", "mourning",
    ],
    ProblemArea.ROLE_DISPUTE: [
        "role dispute", "interpersonal role dispute", "interpersonal dispute", "dispute",
        "role conflict", "interpersonal conflict", "conflict", "role dispute conflict",
    ],
    ProblemArea.ROLE_TRANSITION: [
        "role transition", "transition", "life transition", "role change", "life change",
        "interpersonal role transition",
    ],
    ProblemArea.INTERPERSONAL_DEFICITS: [
        "interpersonal deficit", "deficit", "interpersonal sensitivity", "social isolation",
        "isolation", "loneliness", "loneliness and social isolation", "interpersonal deficit social isolation",
        "interpersonal deficit isolation", "interpersonal sensitivity deficit",
    ],
}.items():
    for _name in _names:
        _AREA_SYNONYMS[_name] = _area

_AREA_KEYWORDS: dict[ProblemArea, tuple[str, ...]] = {
    ProblemArea.GRIEF: ("grief", "bereavement", "mourning"),
    ProblemArea.ROLE_DISPUTE: ("dispute", "conflict"),
    ProblemArea.ROLE_TRANSITION: ("transition", "change"),
    ProblemArea.INTERPERSONAL_DEFICITS: ("deficit", "sensitivity", "isolation", "loneliness"),
}

_AMBIGUOUS = {
    "loss": "in classic IPT a death is 'grief', while a loss that is not a death (divorce, a job, health) "
    "is a 'role transition' (Weissman et al., 2018; ISIPT, n.d.-b).",
    "role": "say which kind: 'role dispute' or 'role transition'.",
    "interpersonal": "say which area: 'interpersonal deficits', or a dispute or transition.",
}

_STAGE_CHOICES = tuple(stage.value for stage in DisputeStage)
_STAGE_SYNONYMS = {
    DisputeStage.RENEGOTIATION: {"renegotiation", "renegotiating", "renegotiate", "negotiation", "negotiating"},
    DisputeStage.IMPASSE: {"impasse", "impass", "stalemate", "deadlock"},
    DisputeStage.DISSOLUTION: {"dissolution", "dissolving", "dissolve", "dissolved"},
}


def _all_stage_words() -> list[str]:
    return [w for words in _STAGE_SYNONYMS.values() for w in words]


_STAGE_TEXT = {
    DisputeStage.RENEGOTIATION: (
        "Both sides know about the differences and are actively trying to change things.",
        "Improve communication so the negotiation succeeds.",
    ),
    DisputeStage.IMPASSE: (
        "Talks have stalled and resentment is building.",
        "Restart negotiation, or consider ending the relationship.",
    ),
    DisputeStage.DISSOLUTION: (
        "The relationship cannot be repaired.",
        "Help the client end it, grieve it and move on.",
    ),
}

_INFO: dict[ProblemArea, AreaInfo] = {
    ProblemArea.GRIEF: AreaInfo(
        definition=(
            "Chosen when the depression began or persists in connection with the death of someone close. "
            "In classic IPT, grief means bereavement after a death; losses that are not deaths (divorce, "
            "a job, health) are handled as role transitions."
        ),
        cues=(
            "a death of someone close, near the time symptoms began",
            "mourning held back or avoided; pulling away from emotional life",
            "symptoms that persist well beyond the few months in which normal grief usually resolves",
        ),
        goals=(
            "help the client mourn",
            "help the client rebuild interests and relationships that can partly take the place of what was lost",
        ),
        strategies=(
            "explore the loss and link it to the onset of symptoms (Focus review, 2006; Markowitz, 2016)",
            "encouragement of affect: accept painful feelings and help bring out suppressed ones (Weissman et al., 2018)",
            "support new interests and relationships that can partly take the place of what was lost (Weissman et al., 2018; Markowitz, 2016)",
        ),
        sources="(ISIPT, n.d.-b; Weissman et al., 2018; Law, n.d.; Markowitz, 2016)",
        notes=("Normal grief looks like depression but usually resolves over a few months; it is adaptive and not "
            "treated as illness.",
            "Stuart & Robertson's school may use a wider 'loss' area; this course teaches the classic scope.",),
    ),
    ProblemArea.ROLE_DISPUTE: AreaInfo(
        definition=(
            "The client and at least one important other person have non-reciprocal expectations about their "
            "relationship: an unsatisfying relationship marked by mismatched role expectations."
        ),
        cues=(
            "current open or hidden conflict, often with a spouse or partner",
            "expectations of the relationship that the other person does not share",
            "a person the client leaves out of the inventory (possible hidden conflict)",
        ),
        goals=(
            "identify the dispute",
            "choose a plan of action",
            "change communication, expectations, or both",
        ),
        strategies=(
            "stage the dispute: renegotiation, impasse or dissolution (Weissman et al., 2018)",
            "communication analysis: find where communication fails (Weissman et al., 2018)",
            "role play; the therapist is not committed to any particular outcome (Weissman et al., 2018; ISIPT, n.d.-b)",
        ),
        sources="(ISIPT, n.d.-b; ISIPT, n.d.-c; Weissman et al., 2018)",
        notes=("Disputes drag on through demoralisation, poor communication habits, or differences that cannot be "
            "reconciled.",
            "Disputes and transitions often occur together; the Guide advises focusing on one area.",),
    ),
    ProblemArea.ROLE_TRANSITION: AreaInfo(
        definition=(
            "Difficulty coping with a change in life circumstances, seen as moving from one social role to "
            "another: work, relationship status, physical health, living conditions or socioeconomic status."
        ),
        cues=(
            "a change such as marriage or divorce, a job change, a move, the birth of a child, a serious diagnosis",
            "changes that look positive can count too",
            "a loss that is not a death",
        ),
        goals=(
            "mourn or let go of the old role",
            "take a balanced view of the old and new roles",
            "build mastery, self-esteem and support in the new role",
        ),
        strategies=(
            "mourn or let go of the old role, as in grief work but with no death (Markowitz, 2016)",
            "weigh old and new roles in a balanced way, then build mastery and support in the new one (Markowitz, 2016)",
            "one protocol adds saying goodbye to the old role properly before starting the new one "
            "(illustrative source; ISIPT, n.d.-b; Markowitz, 2016)",
        ),
        sources="(ISIPT, n.d.-b; Markowitz, 2016; NiceDay, n.d.)",
        notes=("Treating a transition is much like treating grief, except that no one has died.",),
    ),
    ProblemArea.INTERPERSONAL_DEFICITS: AreaInfo(
        definition=(
            "A residual category, used only if no other problem area applies: no death, no current dispute, "
            "no life change, and few attachments. Also called interpersonal sensitivity or social isolation."
        ),
        cues=("long-standing loneliness and few supports, with no acute life event",
            "discomfort in social situations; weak social skills",
            "a history showing the pattern long before the episode",),
        goals=(
            "more social support and better interpersonal skills (two of the mechanisms of change proposed by "
            "Lipsitz & Markowitz, 2013)",
        ),
        strategies=(
            "take a careful history of how the client functioned before the episode (IPT book chapters, n.d.; Weissman et al., 2018)",
            "use of the therapeutic relationship, which may mirror the client's other relationships (Weissman et al., 2018)",
            "role play (Weissman et al., 2018); if the client does not improve, consider CBT or IPT plus medication (Weissman et al., 2018)",
        ),
        sources="(Weissman et al., 2018; Markowitz, 2016; IPT book chapters, n.d.); (Lipsitz & Markowitz, 2013); (Weissman et al., 2018)",
        notes=("Withdrawal caused by a depression that followed a life event is not 'deficits'; take a history of "
            "how the person functioned before the episode.",
            "The least favoured area: clients in it may do worse in IPT; if they do not improve, consider an "
            "alternative such as CBT, or IPT plus medication.",),
    ),
}
