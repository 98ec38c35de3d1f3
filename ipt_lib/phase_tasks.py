"""The tasks of the initial and the final phase of IPT, and a practice check: which task does this turn carry out?

A technique (:mod:`ipt_lib.techniques`) says *how* a therapist speaks; a task says *what the turn is for* in its
phase. The tasks of the initial phase are the six of the sources (Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b), plus the risk check that any first assessment of
depression includes (Simon et al., 2013; Posner et al., 2011; Stanley & Brown, 2012). The tasks of the final phase are those of the sources (Termination chapter, n.d.; Weissman et al., 2018), plus the time-limit
reminder, which is this course's practice (see :attr:`PhaseTask.sources`).

:func:`check_tasks` marks a student's labels for a few turns of the practice transcripts T18-T21 (one client,
Adwoa, from session 1 to session 10) at once, with the reason for each key. The key is practice material and may
be shown; no graded transcript is used.

>>> PhaseTask.parse("Parsons' sick role")
<PhaseTask.SICK_ROLE: 'sick role'>
>>> PhaseTask.parse("relapse prevention").phase
<Phase.ENDING: 'ending'>
"""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass
from typing import Mapping

from .errors import StudentFacingError
from .techniques import Phase, _parse, _table

__all__ = ["PhaseTask", "PhaseTaskError", "TaskKey", "TASK_KEY", "TaskFeedback", "check_tasks", "practice_turns"]


class PhaseTaskError(StudentFacingError):
    """Raised when text cannot be read as one task of the initial or final phase."""

    title = "Not a task of the phase"


class PhaseTask(enum.Enum):
    """A task of the initial phase (Weissman et al., 2018; Simon et al., 2013; Focus review, 2006) or of the final phase (Termination chapter, n.d.; Weissman et al., 2018)."""

    DIAGNOSIS = "diagnosis"
    RISK_CHECK = "risk check"
    SICK_ROLE = "sick role"
    INVENTORY = "interpersonal inventory"
    MEDICATION = "medication and psychoeducation"
    FORMULATION = "interpersonal formulation"
    CONTRACT = "treatment contract"
    TIME_LIMIT = "time-limit reminder"
    ENDING_AS_TRANSITION = "ending as a role transition"
    CONSOLIDATING_GAINS = "consolidating gains"
    RELAPSE_PLAN = "relapse plan"
    OTHER_TREATMENT = "different effective treatment"
    NEW_CONTRACT = "new contract"

    @property
    def label(self) -> str:
        return self.value

    @property
    def phase(self) -> Phase:
        return Phase.INITIAL if self in _INITIAL else Phase.ENDING

    @property
    def description(self) -> str:
        return _TEXT[self][0]

    @property
    def sources(self) -> str:
        return _TEXT[self][1]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def labels(cls, phase: Phase | str | None = None) -> tuple[str, ...]:
        """All labels, or those of one phase (``"initial"`` or ``"ending"``)."""
        if phase is None:
            return tuple(t.value for t in cls)
        phase = Phase.parse(phase) if not isinstance(phase, Phase) else phase
        return tuple(t.value for t in cls if t.phase is phase)

    @classmethod
    def parse(cls, text: object) -> "PhaseTask":
        """Read what a student typed ("PHQ-9 feedback", "Parsons", "inventory", "relapse prevention", ...)."""
        return _parse(text, kind="task of the phase", labels=cls.labels(), synonyms=_SYNONYMS, ambiguous=_AMBIGUOUS,
                      keywords=_KEYWORDS, error=PhaseTaskError)


_INITIAL = {PhaseTask.DIAGNOSIS, PhaseTask.RISK_CHECK, PhaseTask.SICK_ROLE, PhaseTask.INVENTORY,
            PhaseTask.MEDICATION, PhaseTask.FORMULATION, PhaseTask.CONTRACT}

_TEXT = {
    PhaseTask.DIAGNOSIS: (
        "Diagnose the depression with standard criteria and a severity scale, and tell the client what the score "
        "means; repeating the scale during treatment tracks progress and doubles as psychoeducation.",
        "(Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b) (task 1); PHQ-9 bands, (Kroenke et al., 2001)"),
    PhaseTask.RISK_CHECK: (
        "Ask about thoughts of death and self-harm (PHQ-9 item 9 and beyond), assess a positive answer further, "
        "make a written safety plan in the session and tell the supervisor the same day. Not one of the six tasks "
        "of the sources (Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b): it belongs to every assessment of depression, and the trainee steps are course policy.",
        "(Dua et al., 2011) (item 9, mhGAP: ask at the first assessment and periodically); (Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011) "
        "(the trainee rule is course policy)"),
    PhaseTask.SICK_ROLE: (
        "Present depression as a recognisable, treatable illness, so the blame moves from the client to the "
        "illness. In Parsons' sick role the ill person is excused normal obligations and blame, provided they "
        "seek expert help and cooperate with it.",
        "(Weissman et al., 2018; Parsons, 1951) (task 2; Parsons 1951), (Stuart, 2006; Weissman et al., 2018; Stuart & Robertson, 2012)"),
    PhaseTask.INVENTORY: (
        "Review the important people in the client's life, current and past but focused on the present: support, "
        "what can be talked about, expectations, what the client would like to change.",
        "(Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b) (task 3), (ISIPT, n.d.-b; Focus review, 2006)"),
    PhaseTask.MEDICATION: (
        "Assess the need for medication and give psychoeducation about depression and its treatment; IPT can be "
        "used alone or alongside medication.",
        "(Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b) (task 4), (Klerman et al., 1984; Stuart, 2006; Weissman et al., 2018)"),
    PhaseTask.FORMULATION: (
        "With the client's permission, sum up the syndrome and the interpersonal problem area it is linked to, "
        "and check that it fits.",
        "(Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b) (task 5), (Focus review, 2006; Markowitz, 2016)"),
    PhaseTask.CONTRACT: (
        "Agree explicitly the focus and the time limit (number and length of sessions, the end date); Stuart & "
        "Robertson frame it as a jointly negotiated agreement.",
        "(Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b) (task 6), (ISIPT, n.d.-b; Weissman et al., 2018; Weissman & Klerman, 1990)"),
    PhaseTask.TIME_LIMIT: (
        "Remind the client how many sessions are left and what they are for. The fixed time frame is sourced; "
        "regular reminders of it are this course's practice, not a rule quoted from a manual.",
        "(ISIPT, n.d.-b; Weissman & Klerman, 1990) (time frame fixed at the start), (Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b); the reminder itself is course policy"),
    PhaseTask.ENDING_AS_TRANSITION: (
        "Treat the end of therapy as a role transition and acknowledge the client's feelings about it.",
        "(Termination chapter, n.d.; ISIPT, n.d.-b; Weissman et al., 2018)"),
    PhaseTask.CONSOLIDATING_GAINS: (
        "Review what has changed and ask the client why they are feeling better, so the gains are theirs.",
        "(Termination chapter, n.d.; Weissman et al., 2018)"),
    PhaseTask.RELAPSE_PLAN: (
        "Plan for relapse: the early warning signs, what the client would do and whom they would tell.",
        "(IPT book chapters, n.d.) (a worked example)"),
    PhaseTask.OTHER_TREATMENT: (
        "Offer a client who has not improved a different effective treatment.",
        "(Termination chapter, n.d.; Weissman et al., 2018) (non-response)"),
    PhaseTask.NEW_CONTRACT: (
        "Agree any further sessions as a new continuation or maintenance contract, with its own aim and length; "
        "maintenance IPT has trial evidence in recurrent depression.",
        "(Weissman et al., 2018; Termination chapter, n.d.; Stuart & Robertson, 2012); maintenance trials (Frank et al., 1990; Frank et al., 2007)"),
}

_SYNONYMS = _table({
    PhaseTask.DIAGNOSIS: ["diagnosis", "diagnose", "diagnosing", "assessment", "severity", "severity scale",
                          "phq 9", "phq9", "phq 9 feedback", "score feedback", "feedback on the score",
                          "diagnosis and severity", "measure", "measurement", "symptom review", "symptom history"],
    PhaseTask.RISK_CHECK: ["risk check", "risk", "risk assessment", "suicide risk", "suicide risk check",
                           "item 9", "phq 9 item 9", "safety", "safety check", "safety plan", "safety planning",
                           "checking risk", "risk screen", "asking about suicide"],
    PhaseTask.SICK_ROLE: ["sick role", "the sick role", "parsons", "parsons sick role", "parson", "medical model",
                          "medical model and sick role", "sick role and medical model", "giving the sick role",
                          "blame on the illness", "moving blame to the illness"],
    PhaseTask.INVENTORY: ["interpersonal inventory", "inventory", "relationship inventory",
                          "inventory of relationships", "closeness circle", "people in their life"],
    PhaseTask.MEDICATION: ["medication and psychoeducation", "medication", "medication question", "medicine",
                           "need for medication", "assessing the need for medication", "antidepressant", "meds",
                           "tablets", "psychoeducation", "psycho education", "psychoeducation and medication",
                           "medication assessment"],
    PhaseTask.FORMULATION: ["interpersonal formulation", "formulation", "case formulation", "formulating",
                            "linking to the problem area", "problem area", "choosing the problem area",
                            "asking permission", "permission"],
    PhaseTask.CONTRACT: ["treatment contract", "contract", "treatment agreement", "agreement", "time limit",
                         "setting the time limit", "contract setting", "focus and time limit", "treatment plan"],
    PhaseTask.TIME_LIMIT: ["time limit reminder", "time limit reminders", "reminder", "reminding",
                           "reminder of the time limit", "session count", "sessions left", "countdown"],
    PhaseTask.ENDING_AS_TRANSITION: ["ending as a role transition", "ending as role transition",
                                     "ending as transition", "feelings about ending", "feelings about the ending",
                                     "termination as a role transition", "acknowledging feelings about ending",
                                     "ending feelings", "termination feelings"],
    PhaseTask.CONSOLIDATING_GAINS: ["consolidating gains", "consolidate gains", "consolidation",
                                    "consolidating", "reviewing gains", "review of gains", "review gains",
                                    "why better", "asking why better", "why the client is better",
                                    "what has helped", "reviewing progress"],
    PhaseTask.RELAPSE_PLAN: ["relapse plan", "relapse planning", "relapse prevention", "planning for relapse",
                             "relapse prevention plan", "warning signs", "early warning signs",
                             "relapse signature"],
    PhaseTask.OTHER_TREATMENT: ["different effective treatment", "different treatment", "other treatment",
                                "alternative treatment", "another treatment", "offering another treatment",
                                "non response", "nonresponse", "referral", "treatment change"],
    PhaseTask.NEW_CONTRACT: ["new contract", "continuation", "maintenance", "maintenance contract",
                             "continuation contract", "continuation or maintenance", "maintenance ipt",
                             "further sessions", "booster", "booster sessions", "maintenance sessions"],
})

_AMBIGUOUS = _table({
    "say which: the 'treatment contract' of the initial phase, or a 'new contract' for continuation or "
    "maintenance at the end (Weissman et al., 2018; Termination chapter, n.d.; Focus review, 2006).": ["contracting"],
    "say which task of the final phase, for example 'consolidating gains' (what has changed and why), 'ending as a "
    "role transition' (the feelings about finishing) or 'relapse plan' (IPT book chapters, n.d.).": ["ending", "termination", "review"],
})

_KEYWORDS = {
    PhaseTask.DIAGNOSIS: ("diagnos", "phq", "severity"),
    PhaseTask.RISK_CHECK: ("risk", "suicid", "safety"),
    PhaseTask.SICK_ROLE: ("sick", "parson"),
    PhaseTask.INVENTORY: ("inventor",),
    PhaseTask.MEDICATION: ("medic", "psychoeducat"),
    PhaseTask.FORMULATION: ("formulat",),
    PhaseTask.TIME_LIMIT: ("remind",),
    PhaseTask.RELAPSE_PLAN: ("relapse",),
    PhaseTask.CONSOLIDATING_GAINS: ("consolidat", "gains"),
    PhaseTask.NEW_CONTRACT: ("maintenance", "continuation"),
}


# --- the practice key -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskKey:
    """The task one therapist turn carries out, other labels also accepted, and why."""

    task: PhaseTask
    reason: str
    also: tuple[PhaseTask, ...] = ()

    def accepts(self, task: PhaseTask) -> bool:
        return task is self.task or task in self.also


_K = TaskKey
T = PhaseTask
TASK_KEY: dict[str, dict[int, TaskKey]] = {
    "T18": {
        3: _K(T.DIAGNOSIS, "Asks when the symptoms began: part of the diagnostic history, and the onset it dates "
                           "is what the formulation will link to a life event (Weissman et al., 2018; Focus review, 2006; Markowitz, 2016)."),
        5: _K(T.RISK_CHECK, "Asks about a positive answer to PHQ-9 item 9 (Simon et al., 2013; Simon et al., 2016)."),
        7: _K(T.RISK_CHECK, "Assesses the positive answer further: intent, plans and past acts (Simon et al., 2013; Posner et al., 2011; Stanley & Brown, 2012)."),
        9: _K(T.RISK_CHECK, "Sets out the course's next steps: a written plan before she leaves and the supervisor "
                            "told the same day (Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011, course policy)."),
        11: _K(T.DIAGNOSIS, "Gives the score, its band and the diagnosis, and names depression a treatable illness "
                            "(Weissman et al., 2018; Kroenke et al., 2001; Focus review, 2006).", also=(T.SICK_ROLE, T.MEDICATION)),
        13: _K(T.SICK_ROLE, "Moves the blame to the illness and spells out Parsons' bargain: excused some "
                            "obligations, in return for working at recovery (Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b)."),
    },
    "T19": {
        3: _K(T.MEDICATION, "Answers the medication question with information about both treatments and leaves "
                            "the decision with Adwoa and her GP (Weissman et al., 2018; Klerman et al., 1984; Focus review, 2006)."),
        5: _K(T.MEDICATION, "Asks about her past treatment, which the medication question needs (Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b)."),
        7: _K(T.MEDICATION, "Weighs the two options with her: therapy alone with a review, or tablets as well "
                            "(Weissman et al., 2018; Focus review, 2006; IPT UK, n.d.-b)."),
        9: _K(T.INVENTORY, "Opens the interpersonal inventory: who the important people are (ISIPT, n.d.-b; Focus review, 2006)."),
        11: _K(T.INVENTORY, "An inventory question about one relationship: what can and cannot be talked about "
                            "(ISIPT, n.d.-b; Focus review, 2006)."),
        17: _K(T.INVENTORY, "An inventory question: what she would like to change in the relationship (Dietz et al., 2018; ISIPT, n.d.-b)."),
    },
    "T20": {
        3: _K(T.FORMULATION, "Asks permission before offering a formulation (Weissman et al., 2018; Focus review, 2006)."),
        5: _K(T.FORMULATION, "Sums up the syndrome and the life event it is tied to, names the problem area and "
                             "checks that it fits (Weissman et al., 2018; ISIPT, n.d.-b; Focus review, 2006)."),
        9: _K(T.CONTRACT, "Proposes the focus, the number of sessions and the end date for her to agree "
                          "(Weissman et al., 2018; ISIPT, n.d.-b; Focus review, 2006)."),
        11: _K(T.CONTRACT, "Explains the time limit and what happens if she does not improve (ISIPT, n.d.-b; Termination chapter, n.d.; Weissman & Klerman, 1990)."),
        13: _K(T.RISK_CHECK, "Checks again on the thoughts she described in session 1: risk is asked about "
                             "periodically, not once (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011)."),
    },
    "T21": {
        1: _K(T.TIME_LIMIT, "Tells her how many sessions are left and what they are for ((ISIPT, n.d.-b; Weissman & Klerman, 1990); the reminder is "
                            "course practice)."),
        3: _K(T.ENDING_AS_TRANSITION, "Acknowledges her feelings about finishing as those of a change (Termination chapter, n.d.; Weissman et al., 2018)."),
        5: _K(T.CONSOLIDATING_GAINS, "Asks why she is feeling better (Termination chapter, n.d.; Weissman et al., 2018)."),
        7: _K(T.CONSOLIDATING_GAINS, "Credits the changes to her, so the gains are hers (Termination chapter, n.d.; Weissman et al., 2018)."),
        9: _K(T.RELAPSE_PLAN, "Asks for her early warning signs (Termination chapter, n.d.; Weissman et al., 2018)."),
        11: _K(T.RELAPSE_PLAN, "Asks what she would do if the signs came back (Termination chapter, n.d.; Weissman et al., 2018)."),
        13: _K(T.NEW_CONTRACT, "Raises maintenance sessions as a separate agreement after a second episode "
                               "(Termination chapter, n.d.; DiMascio et al., 1979; Weissman et al., 2018)."),
    },
}
del _K, T


def practice_turns(phase: Phase | str) -> dict[str, tuple[int, ...]]:
    """The keyed turns whose task belongs to ``phase``: transcript id -> turn numbers."""
    phase = Phase.parse(phase) if not isinstance(phase, Phase) else phase
    return {tid: tuple(n for n, k in keys.items() if k.task.phase is phase)
            for tid, keys in TASK_KEY.items() if any(k.task.phase is phase for k in keys.values())}


@dataclass(frozen=True, repr=False)
class TaskFeedback:
    """A student's task labels for some turns of one transcript, marked against the key."""

    transcript: str
    rows: tuple[tuple[int, str, str, bool | None, TaskKey], ...]   # turn, text, answer, correct (None: blank), key

    @property
    def score(self) -> tuple[int, int]:
        """(right, answered)."""
        answered = [r for r in self.rows if r[3] is not None]
        return sum(1 for r in answered if r[3]), len(answered)

    def __str__(self) -> str:
        lines = []
        for number, _, answer, ok, key in self.rows:
            if ok is None:
                lines.append(f"turn {number}: not answered yet")
            else:
                verdict = "right" if ok else f"not the key; key: {key.task.label}"
                lines.append(f"turn {number}: {answer} ({verdict}). {key.reason}")
        lines.append(self._tally())
        return "\n".join(lines)

    __repr__ = __str__

    def _tally(self) -> str:
        right, answered = self.score
        if not answered:
            return "Type a task between the quotes for each turn, then run the cell again."
        return f"{right} of {answered} answered right."

    def _repr_html_(self) -> str:
        e = html.escape
        parts = ['<div class="ipt-tasks" style="max-width:52em">']
        for number, text, answer, ok, key in self.rows:
            colour = "#777" if ok is None else ("#2e7d32" if ok else "#c62828")
            if ok is None:
                verdict = "not answered yet"
            elif ok:
                verdict = f"<b>{e(answer)}</b>: right. {e(key.reason)}"
            else:
                verdict = f"<b>{e(answer)}</b>: not the key, which is <b>{e(key.task.label)}</b>. {e(key.reason)}"
            parts.append(f'<div style="border-left:4px solid {colour};padding:.3em .6em;margin:.4em 0">'
                         f'<div><span style="color:#777">{e(self.transcript)}, turn {number}</span>: {e(text)}</div>'
                         f'<div style="color:{colour}">{verdict}</div></div>')
        parts.append(f"<div>{e(self._tally())}</div></div>")
        return "\n".join(parts)


def check_tasks(transcript_id: str, answers: Mapping[int, str], transcripts=None) -> TaskFeedback:
    """Mark ``answers`` (turn number -> task label) for one of T18-T21 against the key, with reasons.

    A blank answer ('' or ...) is shown as not answered; a label that cannot be read raises
    :class:`PhaseTaskError` naming the turn.
    """
    from .transcripts import LabelError, load_transcripts

    tid = str(transcript_id).strip().upper()
    if tid not in TASK_KEY:
        raise LabelError(f"There is no task key for {transcript_id!r}; use one of: {', '.join(TASK_KEY)}.")
    if not isinstance(answers, Mapping):
        raise LabelError("Give your answers as a dict from turn number to task, for example {5: 'risk check'}; "
                         f"got {type(answers).__name__}.")
    keys = TASK_KEY[tid]
    by_id = {t.id: t for t in (transcripts if transcripts is not None else load_transcripts())}
    transcript = by_id[tid]
    rows = []
    for number, answer in answers.items():
        if number not in keys:
            raise LabelError(f"{tid}: turn {number!r} is not one of the practice turns ({', '.join(map(str, keys))}).")
        text = transcript.turn(number).text
        if answer is Ellipsis or answer is None or (isinstance(answer, str) and not answer.strip()):
            rows.append((number, text, "", None, keys[number]))
            continue
        try:
            task = PhaseTask.parse(answer)
        except PhaseTaskError as exc:
            raise PhaseTaskError(f"{tid}, turn {number}: {exc}") from None
        rows.append((number, text, task.label, keys[number].accepts(task), keys[number]))
    return TaskFeedback(tid, tuple(rows))
