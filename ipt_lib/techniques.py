"""IPT techniques, the communication problems a client's account can show, and the three phases.

Each comes with one forgiving parser for what a student types, written like
:meth:`ipt_lib.problem_areas.ProblemArea.parse`: case, spacing, hyphens and
punctuation do not matter, common synonyms are accepted, and anything else
raises a :class:`~ipt_lib.errors.StudentFacingError` that repeats the input,
suggests the nearest answer and lists the valid ones.

Clinical statements are cited author-year to the course bibliography (notebooks/references.md).
For several techniques the sources give little more than the name ("nondirective
exploration and direct elicitation", "decision analysis, role play"; Weissman et
al., 2018); their definitions here spell out what the name plainly says and add no
clinical claim. The ``cue`` of each technique is this course's labelling rule,
how a turn in a transcript is told apart from its neighbours; it is not a
clinical claim either.

>>> Technique.parse("Role-playing!")
<Technique.ROLE_PLAY: 'role play'>
>>> CommunicationProblem.parse("silent treatment").label
'silence that closes off communication'
>>> Phase.parse("termination")
<Phase.ENDING: 'ending'>
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .errors import StudentFacingError
from .problem_areas import _choices, _normalise, _quote, _singularise, _unknown_message

__all__ = [
    "Technique", "TechniqueError", "TechniqueInfo", "CommunicationProblem", "CommunicationProblemError",
    "Phase", "PhaseError", "ATTRIBUTION", "GUIDE_2018",
]


class TechniqueError(StudentFacingError):
    """Raised when text cannot be read as exactly one IPT technique."""

    title = "Not a technique"


class CommunicationProblemError(StudentFacingError):
    """Raised when text cannot be read as exactly one communication problem."""

    title = "Not a communication problem"


class PhaseError(StudentFacingError):
    """Raised when text cannot be read as one of the three phases of IPT."""

    title = "Not a phase of IPT"


@dataclass(frozen=True)
class TechniqueInfo:
    """What the course teaches about one technique: definition, labelling cue, sources."""

    definition: str
    cue: str
    sources: str


class Technique(enum.Enum):
    """A technique of IPT: the 2018 *Guide*'s seven plus two more from the Klerman manual's list, use of the
    therapeutic relationship and directive techniques (Klerman et al., 1984)."""

    NONDIRECTIVE_EXPLORATION = "nondirective exploration"
    DIRECT_ELICITATION = "direct elicitation"
    ENCOURAGEMENT_OF_AFFECT = "encouragement of affect"
    CLARIFICATION = "clarification"
    COMMUNICATION_ANALYSIS = "communication analysis"
    DECISION_ANALYSIS = "decision analysis"
    ROLE_PLAY = "role play"
    THERAPEUTIC_RELATIONSHIP = "use of the therapeutic relationship"
    DIRECTIVE = "directive"

    @property
    def label(self) -> str:
        """The canonical answer a student would write, e.g. ``"role play"``."""
        return self.value

    @property
    def info(self) -> TechniqueInfo:
        return _TECHNIQUE_INFO[self]

    @property
    def definition(self) -> str:
        return self.info.definition

    @property
    def cue(self) -> str:
        return self.info.cue

    @property
    def sources(self) -> str:
        return self.info.sources

    @property
    def in_2018_guide(self) -> bool:
        """True for the seven techniques the 2018 *Guide* lists (Weissman et al., 2018)."""
        return self in GUIDE_2018

    def __str__(self) -> str:
        return self.value

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(t.value for t in cls)

    @classmethod
    def parse(cls, text: object) -> "Technique":
        """Turn what a student typed into a technique ("Role-playing", "clarify", "comm. analysis")."""
        return _parse(text, kind="technique", labels=cls.labels(), synonyms=_TECHNIQUE_SYNONYMS,
                      ambiguous=_TECHNIQUE_AMBIGUOUS, keywords=_TECHNIQUE_KEYWORDS, error=TechniqueError)


GUIDE_2018: tuple[Technique, ...] = tuple(
    t for t in Technique if t not in (Technique.THERAPEUTIC_RELATIONSHIP, Technique.DIRECTIVE))

ATTRIBUTION = (
    "These categories of faulty communication are taught as commonly summarised from Klerman, Weissman, "
    "Rounsaville and Chevron, Interpersonal Psychotherapy of Depression (1984). Such summaries usually list five "
    "kinds: ambiguous nonverbal communication; wrongly assuming one has communicated; wrongly assuming one has "
    "understood; needlessly indirect verbal communication; silence that closes off communication. This course "
    "merges the two 'wrongly assuming' kinds into one category, 'assuming one has communicated or understood', so "
    "it works with four. The list, and even its number, are UNCONFIRMED in the sources this course "
    "checked (Klerman et al., 1984; Weissman et al., 2018): no source we retrieved lists them, so check "
    "the 1984 manual or chapter 10 of the 2018 Guide before relying on their exact wording. What is confirmed is "
    "the aim of communication analysis: find where communication fails so the client can communicate more "
    "effectively (Weissman et al., 2018)."
)


class CommunicationProblem(enum.Enum):
    """A kind of faulty communication in a client's account of an exchange (UNCONFIRMED: see ATTRIBUTION).

    Summaries list five kinds; ASSUMING_UNDERSTOOD merges two of them ("wrongly assuming one has
    communicated", "wrongly assuming one has understood"), and both phrasings parse to it.
    """

    AMBIGUOUS_NONVERBAL = "ambiguous nonverbal communication"
    ASSUMING_UNDERSTOOD = "assuming one has communicated or understood"
    INDIRECT_VERBAL = "needlessly indirect communication"
    SILENCE = "silence that closes off communication"

    @property
    def label(self) -> str:
        return self.value

    @property
    def definition(self) -> str:
        return _PROBLEM_TEXT[self]

    @property
    def attribution(self) -> str:
        return ATTRIBUTION

    def __str__(self) -> str:
        return self.value

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(p.value for p in cls)

    @classmethod
    def parse(cls, text: object) -> "CommunicationProblem":
        """Turn what a student typed into a communication problem ("silence", "indirect speech", ...)."""
        return _parse(text, kind="communication problem", labels=cls.labels(), synonyms=_PROBLEM_SYNONYMS,
                      ambiguous=_PROBLEM_AMBIGUOUS, keywords=_PROBLEM_KEYWORDS, error=CommunicationProblemError)


class Phase(enum.Enum):
    """The three phases of a course of IPT (Weissman et al., 2018; Focus review, 2006; Termination chapter, n.d.)."""

    INITIAL = "initial"
    MIDDLE = "middle"
    ENDING = "ending"

    @property
    def label(self) -> str:
        return self.value

    @property
    def description(self) -> str:
        return _PHASE_TEXT[self]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(p.value for p in cls)

    @classmethod
    def parse(cls, text: object) -> "Phase":
        """Read a phase ("Initial phase", "beginning", "termination")."""
        return _parse(text, kind="phase", labels=cls.labels(), synonyms=_PHASE_SYNONYMS, ambiguous={},
                      keywords={}, error=PhaseError)

    def allows_session(self, session: int, planned: int) -> bool:
        """Whether session number ``session`` of a ``planned``-session course can belong to this phase.

        Sources differ on the session numbers (IPT UK, n.d.-b; Stuart & Robertson, 2012), so the rule is lenient: the initial phase is
        sessions 1-4 (IPT UK's 1-4 is the widest); the ending phase is the last four sessions (the *Guide*'s
        "last few"); the middle phase lies in between, from session 3 (the initial phase may be shorter
        than three sessions) up to the session before the last.
        """
        if not 1 <= session <= planned:
            return False
        if self is Phase.INITIAL:
            return session <= 4
        if self is Phase.ENDING:
            return session >= max(planned - 3, 2)
        return 3 <= session <= planned - 1


# --- parsing -------------------------------------------------------------------

def _squash(key: str) -> str:
    """'role play', 'role-play' and 'roleplay' all become 'roleplay'."""
    return key.replace(" ", "")


def _parse(text, *, kind, labels, synonyms, ambiguous, keywords, error):
    key = _normalise(text, kind=kind, valid=labels, error=error)
    key = re.sub(r"[.,;:!?()\[\]'\"]", " ", key)
    key = " ".join(key.split())
    candidates = [key, _singularise(key)]
    for candidate in candidates:
        for form in (candidate, _squash(candidate)):
            if form in synonyms:
                return synonyms[form]
    for candidate in candidates:
        for form in (candidate, _squash(candidate)):
            if form in ambiguous:
                raise error(f"{_quote(text)} is ambiguous: {ambiguous[form]} Use one of: {_choices(labels)}.")
    named = [member for member, words in keywords.items()
             if any(re.search(rf"\b{re.escape(w)}", candidates[1]) for w in words)]
    if len(named) > 1:
        names = " and ".join(m.value for m in named)
        raise error(
            f"{_quote(text)} names more than one {kind} ({names}). "
            f"Give the one {kind} the turn shows most clearly; use one of: {_choices(labels)}."
        )
    raise error(_unknown_message(text, kind, labels, _spaced(synonyms)))


def _spaced(synonyms: dict) -> list[str]:
    return sorted(name for name in synonyms if " " in name or name in _SINGLE_WORDS)


def _table(entries: dict) -> dict:
    """Index each name both as written (normalised) and squashed, so spacing slips still match."""
    out = {}
    for member, names in entries.items():
        for name in names:
            out[name] = member
            out[_squash(name)] = member
    return out


_TECHNIQUE_SYNONYMS = _table({
    Technique.NONDIRECTIVE_EXPLORATION: [
        "nondirective exploration", "non directive exploration", "nondirective", "non directive",
        "nondirective exploratory technique", "nondirective questioning", "open exploration", "open question",
        "open ended question", "open ended exploration", "exploration nondirective", "undirected exploration",
        "nondirective exploration of material",
    ],
    Technique.DIRECT_ELICITATION: [
        "direct elicitation", "elicitation", "direct elicitation of material", "directed elicitation",
        "direct elicitation of information", "eliciting", "elicit", "direct question", "direct questioning",
        "directive exploration", "direct exploration", "focused question", "focused questioning",
        "specific question", "elicitation of material",
    ],
    Technique.ENCOURAGEMENT_OF_AFFECT: [
        "encouragement of affect", "encouraging affect", "encourage affect", "affect encouragement", "affect",
        "encouragement of feeling", "encouraging feeling", "affect work", "eliciting affect", "affect elicitation",
        "facilitation of affect", "expression of affect", "encouraging expression of affect",
        "encouragement of affective expression", "affective encouragement", "validating feeling",
        "validation of feeling", "encouraging emotion", "encouragement of emotion",
    ],
    Technique.CLARIFICATION: [
        "clarification", "clarify", "clarifying", "clarifying statement", "clarification technique",
    ],
    Technique.COMMUNICATION_ANALYSIS: [
        "communication analysis", "analysis of communication", "communications analysis", "comm analysis",
        "communication", "analysing communication", "analyzing communication", "analysing the communication",
        "analyzing the communication", "communication analysing", "interaction analysis",
    ],
    Technique.DECISION_ANALYSIS: [
        "decision analysis", "decisional analysis", "analysis of decision", "decision", "decision making",
        "analysing decision", "analyzing decision", "analysing option", "analyzing option", "options analysis",
    ],
    Technique.ROLE_PLAY: [
        "role play", "role playing", "roleplay", "role plays", "role played", "rehearsal", "rehearsing",
        "role rehearsal", "behavioural rehearsal", "behavioral rehearsal", "rehearse",
    ],
    Technique.THERAPEUTIC_RELATIONSHIP: [
        "use of the therapeutic relationship", "use of therapeutic relationship", "therapeutic relationship",
        "using the therapeutic relationship", "use of the therapy relationship", "therapy relationship",
        "use of relationship", "use of the relationship", "therapist client relationship",
        "therapist patient relationship", "relationship with the therapist", "relationship",
    ],
    Technique.DIRECTIVE: [
        "directive", "directive technique", "directive intervention", "directiveness", "advice", "advising",
        "advice giving", "giving advice", "advise", "suggestion", "making a suggestion", "psychoeducation",
        "psycho education", "psychoeducational", "education", "educating", "giving information", "information",
        "teaching",
    ],
})

_TECHNIQUE_AMBIGUOUS = _table({
    "'exploration' covers both exploratory techniques: 'nondirective exploration' (an open invitation to say "
    "more) and 'direct elicitation' (a specific question) (Weissman et al., 2018).": [
        "exploration", "exploratory", "exploratory technique", "explore", "exploring", "question", "questioning",
    ],
    "say which analysis: 'communication analysis' (going over an exchange with someone) or 'decision analysis' "
    "(weighing options and their consequences) (Weissman et al., 2018).": ["analysis"],
    "the Klerman manual groups 'directive techniques', 'decision analysis' and 'role play' as behaviour-change "
    "techniques; name the one the turn shows (Weissman et al., 2018).": [
        "behaviour change", "behavior change", "behaviour change technique", "behavior change technique",
    ],
})

_TECHNIQUE_KEYWORDS = {
    Technique.NONDIRECTIVE_EXPLORATION: ("nondirective", "non directive", "open"),
    Technique.DIRECT_ELICITATION: ("elicit",),
    Technique.ENCOURAGEMENT_OF_AFFECT: ("affect", "feeling", "emotion"),
    Technique.CLARIFICATION: ("clarif",),
    Technique.COMMUNICATION_ANALYSIS: ("communication",),
    Technique.DECISION_ANALYSIS: ("decision",),
    Technique.ROLE_PLAY: ("role play", "roleplay", "rehears"),
    Technique.THERAPEUTIC_RELATIONSHIP: ("therapeutic relationship", "therapy relationship"),
    Technique.DIRECTIVE: ("advi", "psychoeducat", "directive techni"),
}

_PROBLEM_SYNONYMS = _table({
    CommunicationProblem.AMBIGUOUS_NONVERBAL: [
        "ambiguous nonverbal communication", "ambiguous non verbal communication", "nonverbal communication",
        "nonverbal", "non verbal", "ambiguous nonverbal", "ambiguous nonverbal message", "body language",
        "indirect nonverbal communication", "ambiguous or indirect nonverbal communication", "nonverbal message",
        "ambiguous nonverbal communication instead of open confrontation",
    ],
    CommunicationProblem.ASSUMING_UNDERSTOOD: [
        "assuming one has communicated or understood", "assuming one has communicated",
        "assuming one has been understood", "assuming one has understood", "assuming you have communicated",
        "assuming you have been understood", "assuming you have understood", "wrongly assuming one has communicated",
        "wrongly assuming one has understood", "wrongly assuming one has communicated or understood",
        "incorrect assumption", "false assumption", "assumption", "assuming", "assumed understanding",
        "assuming understanding", "assuming communication", "assumed communication",
    ],
    CommunicationProblem.INDIRECT_VERBAL: [
        "needlessly indirect communication", "needlessly indirect verbal communication",
        "indirect verbal communication", "indirect communication", "indirect speech", "indirect verbal",
        "needlessly indirect", "indirect request", "hinting", "hint", "hints",
    ],
    CommunicationProblem.SILENCE: [
        "silence that closes off communication", "silence", "silent", "silent treatment", "closing off communication",
        "closed off communication", "closing off", "silence closing off communication", "shutting down",
        "shutting down communication", "stonewalling", "withdrawal into silence", "silence or closing off",
        "silence or closing off communication",
    ],
})

_PROBLEM_AMBIGUOUS = _table({
    "say 'needlessly indirect communication' for a message hinted at in words, or 'ambiguous nonverbal "
    "communication' for one sent without words.": ["indirect", "indirectness", "ambiguous", "ambiguity", "unclear"],
})

_PROBLEM_KEYWORDS = {
    CommunicationProblem.AMBIGUOUS_NONVERBAL: ("nonverbal", "non verbal", "body language"),
    CommunicationProblem.ASSUMING_UNDERSTOOD: ("assum",),
    CommunicationProblem.INDIRECT_VERBAL: ("indirect verbal", "indirect speech", "hint"),
    CommunicationProblem.SILENCE: ("silen", "closing off", "closes off"),
}

_PHASE_SYNONYMS = _table({
    Phase.INITIAL: ["initial", "initial phase", "beginning", "beginning phase", "early", "early phase", "start",
                    "opening", "opening phase", "assessment", "assessment phase", "initial session", "first"],
    Phase.MIDDLE: ["middle", "middle phase", "intermediate", "intermediate phase", "working", "working phase",
                   "mid", "mid phase", "mid treatment", "middle session"],
    Phase.ENDING: ["ending", "ending phase", "end", "end phase", "termination", "termination phase", "final",
                   "final phase", "late", "late phase", "conclusion", "concluding", "concluding phase", "last"],
})

# One-word names offered as "did you mean" suggestions (multi-word names are offered anyway).
_SINGLE_WORDS = {"clarification", "elicitation", "affect", "roleplay", "rehearsal", "directive", "advice",
                 "psychoeducation", "silence", "nonverbal",
                 "assumption", "hinting", "initial", "middle", "ending", "termination", "beginning"}

_TECHNIQUE_INFO = {
    Technique.NONDIRECTIVE_EXPLORATION: TechniqueInfo(definition="One of the two exploratory techniques of the Klerman manual and the 2018 Guide: open, "
                   "nondirective exploration of material, letting the client choose what to bring.",
        cue="An open invitation with no specific content asked for: 'Tell me more about that', 'How has the "
            "week been since we last met?', 'What else comes to mind?'",
        sources="(Weissman et al., 2018; Klerman et al., 1984); opening middle sessions with how the client has been (IPT UK, n.d.-b)",),
    Technique.DIRECT_ELICITATION: TechniqueInfo(
        definition="The other exploratory technique: direct elicitation of material, asking for specific "
                   "information the therapist needs.",
        cue="A specific question about facts, people, events, symptoms or timing ('When did the sleep problems "
            "start?', 'Who do you talk to when you are low?'), but not about the words of one exchange, "
            "which is communication analysis.",
        sources="(Weissman et al., 2018; Klerman et al., 1984)",
    ),
    Technique.ENCOURAGEMENT_OF_AFFECT: TechniqueInfo(definition="Accepting painful feelings, using feelings in relationships, and helping the client bring "
                   "out suppressed feelings; feelings are treated as normal reactions to interactions and as "
                   "useful information.",
        cue="The turn names, invites, accepts or normalises a feeling: 'It makes sense that you are angry "
            "with him', 'What is it like to say that out loud?'",
        sources="(Weissman et al., 2018; Klerman et al., 1984)",),
    Technique.CLARIFICATION: TechniqueInfo(definition="Restating or contrasting what the client has said so that it, or a contradiction in it, "
                   "becomes clear; best used when the therapist has a hypothesis and the client is on a "
                   "related topic.",
        cue="The turn feeds the client's own words back, often setting two of them side by side: 'You said "
            "you don't mind, and a minute ago you said it makes you furious.'",
        sources="(Weissman et al., 2018; Klerman et al., 1984)",),
    Technique.COMMUNICATION_ANALYSIS: TechniqueInfo(definition="Going over a specific exchange with another person to find where communication failed, "
                   "so the client learns to communicate more effectively.",
        cue="The turn asks for, or comments on, one exchange step by step: 'What did you say? What did she "
            "say then? What did you mean by it?'",
        sources="(Weissman et al., 2018; Klerman et al., 1984; Stuart & Robertson, 2012)",),
    Technique.DECISION_ANALYSIS: TechniqueInfo(definition="A behaviour-change technique: helping the client consider the options open in a situation "
                   "and their likely consequences before choosing one.",
        cue="The turn lays out or asks for options and their consequences: 'You could raise it now, wait "
            "until after the wedding, or let it go. What might happen with each?'",
        sources="(Weissman et al., 2018; Klerman et al., 1984)",),
    Technique.ROLE_PLAY: TechniqueInfo(
        definition="A behaviour-change technique: rehearsing an interaction with the therapist playing the "
                   "other person (or the client), to practise a new way of communicating.",
        cue="The turn sets up, runs or debriefs a rehearsal: 'Let's try it: I'll be your father', or a line "
            "spoken in role.",
        sources="(Weissman et al., 2018; Klerman et al., 1984)",
    ),
    Technique.THERAPEUTIC_RELATIONSHIP: TechniqueInfo(definition="Using the relationship between client and therapist, which may mirror the client's other "
                   "relationships; in role disputes it can show the client how they come across to others. "
                   "In the Klerman manual's list, not in the 2018 Guide's seven.",
        cue="The turn talks about what is happening between the client and the therapist here and now: "
            "'Just now you apologised to me for crying; is that what happens with your sister too?'",
        sources="(Klerman et al., 1984; Weissman et al., 2018)",),
    Technique.DIRECTIVE: TechniqueInfo(
        definition="The therapist tells, teaches or suggests: psychoeducation about depression as a treatable "
                   "illness and about its treatment, medication included, information, advice or a suggestion "
                   "of what to try. 'Directive techniques' are one of the Klerman manual's behaviour-change "
                   "techniques; they are not in the 2018 Guide's seven. Given at the right time (explaining the "
                   "sick role in the initial phase) they are IPT; given before the client has explored or "
                   "weighed the options, advice takes the decision away from them.",
        cue="The turn gives information, explanation, advice or a suggestion rather than asking: 'Depression is "
            "an illness, and it is treatable', 'You should tell him tonight', 'What if you tried one patch "
            "of the garden?' Laying out options for the client to weigh is decision analysis instead.",
        sources="(Klerman et al., 1984); psychoeducation and the sick role in the initial phase, (Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b) "
                "and (IPT therapist role chapter, n.d.); IPT therapists rated more directive than supportive therapists, (Amole et al., 2017)",
    ),
}

_PROBLEM_TEXT = {
    CommunicationProblem.AMBIGUOUS_NONVERBAL: "A message sent without words (a sigh, a slammed door, a "
    "cold shoulder, an undone chore) in place of saying it openly, so the other person has to guess.",
    CommunicationProblem.ASSUMING_UNDERSTOOD: "Taking for granted that the other person got a message that was "
    "never clearly given, or that one has understood what they meant without checking.",
    CommunicationProblem.INDIRECT_VERBAL: "Saying in words something other than what one means (a hint, a "
    "general remark, a joke) when a direct request or statement was possible.",
    CommunicationProblem.SILENCE: "Falling silent, refusing to talk or walking away, so that the conversation "
    "ends and nothing can be worked out.",
}

_PHASE_TEXT = {
    Phase.INITIAL: "Diagnosis, the sick role, the interpersonal inventory, the need for medication and "
                   "psychoeducation, the interpersonal formulation and the treatment contract (Stuart & Robertson, 2012; Weissman et al., 2018); a few sessions, 1-3 or 1-4 depending on the source "
                   "(Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b).",
    Phase.MIDDLE: "Work on the chosen problem area; sessions usually open by asking how the client has been "
                  "since last time and link mood to interpersonal events (Weissman et al., 2018; IPT UK, n.d.-b; Stuart & Robertson, 2012).",
    Phase.ENDING: "The last few sessions: consolidate gains, treat the ending as a role transition and "
                  "acknowledge feelings about it, plan for relapse, and offer further or different treatment "
                  "when needed (Termination chapter, n.d.; Weissman et al., 2018).",
}
