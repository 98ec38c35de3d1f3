"""A simulated class: sample submissions made from the released notebook.

Each profile is what real students do: a perfect answer, a blank one, answers in
odd but valid formats, invalid answers, a notebook that raises, one that loops
forever, deleted and edited test cells.  Each profile states the score it must
get, so the grading cycle can be checked end to end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from ..problem_areas import ProblemArea

# Odd but valid ways of writing each area (case, spacing, plural, punctuation, literature names).
ODD_FORMS = {
    ProblemArea.GRIEF: ["Grief and Loss", "  complicated bereavement. "],
    ProblemArea.ROLE_DISPUTE: ["Interpersonal Role-Disputes!", "ROLE_DISPUTE"],
    ProblemArea.ROLE_TRANSITION: ["role transitions", "'Life change'"],
    ProblemArea.INTERPERSONAL_DEFICITS: ["interpersonal sensitivity", "Interpersonal_Deficits"],
}

GOOD_ESSAY = (
    "I chose the area because the cues in the case point to it: I quote two phrases from the card and say what "
    "each shows about the client's relationships. The symptoms began a few weeks after the interpersonal event, "
    "which is the change closest to onset, so the formulation links the depression to it (Focus review, 2006; Markowitz, 2016). I would "
    "confirm the diagnosis with the PHQ-9 and tell the client the band; ask about thoughts of death or self-harm "
    "and, if the answer were positive, assess further, write a safety plan with the client and tell my supervisor "
    "that day; and ask whether the GP should assess the need for medication (Weissman et al., 2018; Simon et al., 2013; Focus review, 2006). Another area "
    "could be argued from the withdrawal, but the history shows a full social life before the event, so it is not "
    "the focus (Weissman et al., 2018; Markowitz, 2016). I would check this formulation with the client and agree the focus and the time "
    "limit in the treatment contract."
)
THIN_ESSAY = "I think it is this area because of how the person feels now."


def wrong_area(area: ProblemArea) -> ProblemArea:
    """A deterministic wrong answer: the next area in the course's order."""
    areas = list(ProblemArea)
    return areas[(areas.index(area) + 1) % len(areas)]


@dataclass
class Profile:
    """One sample student: how they fill in the notebook and the score it must earn."""

    student: str
    description: str
    edit: Callable[[nbformat.NotebookNode, dict[str, ProblemArea]], None]
    expected_auto: float
    manual_score: float | None = None
    manual_comment: str = ""
    notes: list[str] = field(default_factory=list)
    rename_to: str | None = None  # submit the notebook under another name (a common slip)
    prepare: Callable[[Path, dict], None] | None = None  # writes files beside the notebook (inventory.json)
    # What a hostile student (or a careless instructor) does outside the notebook: to their submission in the
    # exchange's shared inbound/ folder after submitting, and to their folder in submitted/ after collect.
    tamper_inbound: Callable[[Path], None] | None = None
    tamper_submitted: Callable[[Path], None] | None = None


# --- notebook surgery -----------------------------------------------------------

def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def set_answer(nb: nbformat.NotebookNode, case: str, expression: str) -> None:
    """Write ``case_N = <expression>`` into a case's answer cell, as a student would."""
    _cell(nb, f"case_{case}_answer").source = f"# Your answer for Case {case}\ncase_{case} = {expression}"


def set_essay(nb: nbformat.NotebookNode, text: str) -> None:
    _cell(nb, "justify_answer").source = text


def _answer_all(nb, key, *, wrong=(), forms=False):
    for i, (case, area) in enumerate(key.items()):
        chosen = wrong_area(area) if case in wrong else area
        text = ODD_FORMS[chosen][i % 2] if forms else chosen.label
        set_answer(nb, case, repr(text))


def _perfect(nb, key):
    _answer_all(nb, key)
    set_essay(nb, GOOD_ESSAY)


def _blank(nb, key):
    pass


def _partial(nb, key):
    _answer_all(nb, key, wrong=("6", "7", "8"))
    set_essay(nb, GOOD_ESSAY.split(". Another area")[0] + ".")


def _formats(nb, key):
    _answer_all(nb, key, forms=True)
    set_essay(nb, THIN_ESSAY)


def _invalid(nb, key):
    _answer_all(nb, key)
    set_answer(nb, "4", repr("grieve"))
    set_answer(nb, "5", repr(""))
    set_answer(nb, "6", "3")
    set_answer(nb, "7", repr("grief and role dispute"))
    set_answer(nb, "8", repr("loss"))


def _raises(nb, key):
    _answer_all(nb, key)
    set_answer(nb, "2", "grief   # forgot the quotes: NameError")
    set_answer(nb, "3", repr(key["3"].label) + " + 1/0")
    boom = nbformat.v4.new_code_cell("raise RuntimeError('a cell the student added that fails')", id="student-boom")
    nb.cells.insert(2, boom)
    set_essay(nb, THIN_ESSAY)


def _loops(nb, key):
    _answer_all(nb, key)
    cell = _cell(nb, "case_4_answer")
    cell.source = "while True:   # a loop that never ends\n    pass\ncase_4 = " + repr(key["4"].label)


def _deleted(nb, key):
    _answer_all(nb, key, wrong=("1",))
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") not in {"case_1_test", "case_2_test"}]


def _edited(nb, key):
    _answer_all(nb, key, wrong=("3", "4"))
    _cell(nb, "case_3_test").source = "print('all good')"
    _cell(nb, "case_4_test").source = "from ipt_lib.grading import check_answer_format\ncheck_answer_format('case_4')"
    set_essay(nb, GOOD_ESSAY)


def sample_class(key: dict | None = None) -> list[Profile]:
    """The sample submissions the instructor command grades, with the scores they must get (8 autograded).

    Like every sample class here it takes the assignment's key (``registry.Assignment.sample_class``); the classes
    that derive their answers from the key when they edit a notebook do not need it beforehand."""
    return [
        Profile("ada", "perfect: every case right, a full written answer", _perfect, 8, 4,
                "All four rubric elements are present."),
        Profile("ben", "blank: opened the notebook and submitted it untouched", _blank, 0, 0,
                "No answer was written."),
        Profile("chen", "partly right: five cases right, three wrong", _partial, 5, 3,
                "Cues and timing are good; no alternative area is discussed."),
        Profile("dara", "odd but valid formats: 'Grief and Loss', 'ROLE_DISPUTE', ...", _formats, 8, 1,
                "Names an area but quotes no cues and gives no timing."),
        Profile("eli", "invalid answers: a misspelling, empty, a number, two areas, 'loss'", _invalid, 3),
        Profile("femi", "raises: an added failing cell, a missing quote, a division by zero", _raises, 6, 1,
                "Names an area only."),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)", _loops, 7),
        Profile("hana", "deleted two test cells (one of them for a wrong answer)", _deleted, 7),
        Profile("ivan", "edited two test cells to pass wrong answers", _edited, 6, 4,
                "All four rubric elements are present."),
    ]


# --- Assignment 2: the interpersonal inventory ----------------------------------------------------------
# Every answer below is derived from the key at run time (data/assignments), never written here.

def _inventory(folder: Path, client: str, people: list[dict]) -> None:
    from ..inventory import Inventory

    inventory = Inventory(client)
    for person in people:
        inventory.add(**person)
    inventory.save(folder / "inventory.json")


def _key_people(key: dict) -> list[dict]:
    """The model inventory's people, reduced to the fields a student would enter quickly."""
    keep = ("name", "relationship", "ring", "conflict", "supportive", "problem_area")
    return [{k: v for k, v in person.items() if k in keep} for person in key["people"]]


def _tied(key: dict, template: str = "{}") -> str:
    return repr(template.format(key["tied_person"][0].title()))


def _answers(tied, area, essay: str = ""):
    """tied/area: functions of the key giving the Python expression the student typed."""
    def edit(nb, key):
        _cell(nb, "tied_person_answer").source = f"tied_person = {tied(key)}"
        _cell(nb, "area_answer").source = f"area = {area(key)}"
        if essay:
            _cell(nb, "reflection_answer").source = essay
    return edit


REFLECTION = ("The two people on the inner ring are the partner and the baby; the partner is also the person whose "
              "expectations about care and housework no longer match the client's. The low mood began weeks after "
              "that agreement broke and follows their clashes, so that relationship is the focus. I would still ask "
              "about her own family and friends, who are missing from the inventory.")


def _other_area(key: dict) -> str:
    return repr(wrong_area(ProblemArea(key["area"])).label)


def inventory_class(key: dict | None = None) -> list[Profile]:
    """Sample submissions for Assignment 2, with the scores they must get (4 autograded)."""
    def good(folder, key):
        _inventory(folder, key["client"], _key_people(key))

    def crowded(folder, key):
        inner = [p for p in _key_people(key) if p["ring"] == "inner"]
        extra = [dict(name=f"Friend {i}", relationship="friend", ring="inner") for i in range(1, key["max_others"] + 2)]
        _inventory(folder, key["client"], inner + extra)

    def corrupt(folder, key):
        (folder / "inventory.json").write_text('{"kind": "ipt-interpersonal-inventory", "schema_ver')

    def one_moved(folder, key):
        people = _key_people(key)
        inner = [p for p in people if p["ring"] == "inner"]
        inner[-1]["ring"] = "middle"  # the second person the cues put closest, placed one ring out
        _inventory(folder, key["client"], people)

    right_area = lambda key: repr(key["area"])  # noqa: E731
    return [
        Profile("ada", "perfect: inventory built in the widget, right answers",
                _answers(_tied, right_area, REFLECTION), 4, 3, "Specific, justified, names a gap.", prepare=good),
        Profile("ben", "blank: no inventory, no answers", _blank, 0, 0, "No answer was written."),
        Profile("chen", "crowded inner ring (beyond the tolerance of other people there)",
                _answers(lambda k: _tied(k, "her partner {}"), lambda k: repr(k["area"].upper().replace(" ", "_"))),
                2, prepare=crowded),
        Profile("dara", "inventory file missing; answers right", _answers(lambda k: _tied(k, "{} (partner)"),
                                                                          right_area), 2),
        Profile("eli", "inventory file damaged (cut off); answers right", _answers(_tied, right_area), 2,
                prepare=corrupt),
        Profile("femi", "wrong person and area; one inner person placed on the middle ring",
                _answers(lambda k: repr("Nobody in particular"), _other_area), 1, prepare=one_moved),
    ]


# --- Assignment 3: analysing an IPT caseload ----------------------------------------------------------------
# The code the sample students type is in data/assignments/a3_caseload/key.py (it contains right answers), passed in
# as key["module"]; here are only who does what and the score each must get (12 autograded points).

def _caseload(pick: Callable[[object], dict[str, str]], essay: str | None = None, figure: bool = False,
              extra: Callable[[nbformat.NotebookNode], None] | None = None, next_steps: str | None = None):
    def edit(nb, key):
        module = key["module"]
        for name, code in pick(module).items():
            _cell(nb, f"{name}_answer").source = f"# {name}\n" + code.strip()
        if figure:
            _cell(nb, "figure_answer").source = module.FIGURE_SOLUTION.strip()
        if essay is not None:
            _cell(nb, "interpret_answer").source = getattr(module, essay)
        if next_steps is not None:
            _cell(nb, "next_steps_answer").source = getattr(module, next_steps)
        if extra:
            extra(nb)
    return edit


def _with(**changes: str) -> Callable[[object], dict[str, str]]:
    """All model answers, with some replaced by a table of variants in the key module (MISTAKE_CODE, ...)."""
    def pick(module):
        code = dict(module.SOLUTIONS)
        for table, names in changes.items():
            for name in names.split():
                code[name] = getattr(module, table)[name]
        return code
    return pick


def _raise_in(name: str, code: str) -> Callable[[object], dict[str, str]]:
    def pick(module):
        return {**module.SOLUTIONS, name: code}
    return pick


def _tamper_tests(nb) -> None:
    for name in ("response_rate", "deteriorated"):
        _cell(nb, f"{name}_test").source = f"print('{name}: correct.')"


def caseload_class(key: dict | None = None) -> list[Profile]:
    """Sample submissions for Assignment 3 with the autograded score each must get (out of 12)."""
    every = _with()
    return [
        Profile("ada", "perfect: every answer computed, figure, interpretation and risk plan complete",
                _caseload(every, "ESSAY_GOOD", figure=True, next_steps="NEXT_STEPS_GOOD"), 12,
                {"figure_answer": 3, "interpret_answer": 4, "next_steps_answer": 5},
                "Right quantity, readable, honest caption; all four rubric elements; all five steps of the plan."),
        Profile("ben", "blank: submitted untouched", _blank, 0,
                {"figure_answer": 0, "interpret_answer": 0, "next_steps_answer": 0}, "No answer was written."),
        Profile("chen", "typical mistakes: completers only, PHQ-9 of 5 as remission, sessions for weeks, "
                "one wrong id", _caseload(_with(MISTAKE_CODE="response_rate remission_rate median_weeks_to_response "
                                                             "deteriorated"), "ESSAY_THIN",
                                          next_steps="NEXT_STEPS_THIN"),
                8.2, {"interpret_answer": 1, "next_steps_answer": 0},
                "Draws a causal conclusion; no caveats about counting. Risk plan: none of the five steps (the "
                "supervisor is told only at the next weekly meeting)."),
        Profile("dara", "odd but valid formats: a one-row Series, numpy values, keys in capitals, ids in "
                "lower case", _caseload(_with(ODD_FORMS="response_rate remission_rate response_by_area "
                                                        "dropout_by_setting deteriorated")), 12),
        Profile("eli", "bad formats: a percentage, an area left out, one id as text",
                _caseload(_with(BAD_FORMS="response_rate response_by_area deteriorated")), 8.5),
        Profile("femi", "an answer cell raises (a misspelt column)",
                _caseload(_raise_in("dropout_by_setting",
                                    'dropout_by_setting = (clients["dropped_out"] == "yes").groupby(clients["Setting"]).mean()')),
                11),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)",
                _caseload(_raise_in("median_lag_days", "while True:\n    pass")), 11),
        Profile("hana", "replaced two test cells with print('correct'), answers right", _caseload(every,
                extra=_tamper_tests), 12),
        Profile("ivy", "the typical risk-review mistake: flags the latest totals of 20 or more instead of item 9",
                _caseload(_with(MISTAKE_CODE="risk_review")), 10.25),
    ]


# --- Assignment 4: techniques in practice --------------------------------------------------------------------
# Answers are derived from the key at run time (data/transcripts), never written here. 14 autograded points:
# T10 and T13 techniques (3 each), T06 and T08 communication problems (3 each), T06 and T08 stages (1 each).

def _rotate(label: str, kind: str) -> str:
    """A deterministic wrong label: the next one in the course's list."""
    from ..techniques import CommunicationProblem, Technique

    labels = list(Technique.labels() if kind == "technique" else CommunicationProblem.labels())
    return labels[(labels.index(label) + 1) % len(labels)]


def _label_source(name: str, labels: dict, style: str = "dict") -> str:
    if style == "subscript":
        return f"{name} = {{}}\n" + "\n".join(f"{name}[{t}] = {v!r}" for t, v in labels.items())
    if style == "bare":  # labels typed without quotes: cannot be read from the text
        return f"{name} = {{\n" + "".join(f"    {t}: {v.replace(' ', '_')},\n" for t, v in labels.items()) + "}"
    return f"{name} = {{\n" + "".join(f"    {t!r}: {'...' if v is ... else repr(v)},\n" for t, v in labels.items()) + "}"


def _techniques(changes: dict | None = None, essay: str = "", extra=None):
    """changes: answer name -> function(labels dict, kind) -> (labels, style) or a raw source string."""
    changes = changes or {}

    def edit(nb, key):
        for name, expected in key.items():
            if name.endswith("_stage"):
                source = f"{name} = {expected!r}"
                if name in changes:
                    source = changes[name](expected)
            else:
                kind = "technique" if name.endswith("_techniques") else "communication"
                labels, style = dict(expected), "dict"
                if name in changes:
                    labels, style = changes[name](labels, kind)
                source = _label_source(name, labels, style) if style != "raw" else labels
            _cell(nb, f"{name}_answer").source = source
        if essay:
            _cell(nb, "analysis_answer").source = essay
        if extra:
            extra(nb)
    return edit


def _wrong(turns: int | str):
    """Make the first ``turns`` labels wrong ("all" for every label)."""
    def change(labels, kind):
        out = dict(labels)
        for i, turn in enumerate(out):
            if turns == "all" or i < turns:
                out[turn] = _rotate(out[turn], kind)
        return out, "dict"
    return change


def _odd_forms(labels, kind):
    forms = {"role play": "Roleplay", "decision analysis": "decision-analysis",
             "nondirective exploration": "NONDIRECTIVE EXPLORATION", "encouragement of affect": "Encouragement of Affect!"}
    return {str(t): forms.get(v, v.upper()) for t, v in labels.items()}, "dict"


def _subscript(labels, kind):
    return labels, "subscript"


def _eli_t10(labels, kind):
    out = dict(labels)
    turns = list(out)
    out[turns[0]] = out[turns[0]][:5] + out[turns[0]][6:] if len(out[turns[0]]) > 6 else "xx"  # a misspelling
    out[turns[1]] = ...
    out[turns[2]] = "reflection"
    return out, "dict"


def _bare(labels, kind):
    return labels, "bare"


def _t13_raises(labels, kind):
    return _label_source("T13_techniques", labels) + "\nprint(len(T13_techniques) / 0)", "raw"


def _t06_loops(labels, kind):
    return "while True:\n    pass\n" + _label_source("T06_communication", labels), "raw"


def _tamper_label_tests(nb) -> None:
    _cell(nb, "T10_techniques_test").source = "print('T10_techniques: correct.')"


ANALYSIS_GOOD = (
    "Agnieszka said she had made up the spare bed 'so you can sleep properly'. Marek heard 'I am done with you' and "
    "did not check: he assumed he had understood. He answered without words, carrying his pillow past her with a long "
    "look, which she could read as relief at leaving. Neither said what they feared, so each probably left thinking "
    "the other wanted the distance. He could have said: 'When you made up the spare bed I felt you were pushing me "
    "away. Is that what you meant? I don't want to sleep apart.' In the next session I would set up a role play: "
    "Marek says this to me playing Agnieszka, then we swap roles, and we debrief how it felt and what she might say."
)


def techniques_class(key: dict | None = None) -> list[Profile]:
    return [
        Profile("ada", "perfect: every label right, a full communication analysis", _techniques(essay=ANALYSIS_GOOD),
                14, 4, "Turn-by-turn, precise, in his voice, concrete role play."),
        Profile("ben", "blank: submitted untouched", _blank, 0, 0, "No answer was written."),
        Profile("chen", "partly right: three technique labels and one communication label wrong",
                _techniques({"T10_techniques": _wrong(3), "T06_communication": _wrong(1)}), 12),
        Profile("dara", "odd but valid forms: synonyms, capitals, text keys, labels added line by line",
                _techniques({"T10_techniques": _odd_forms, "T13_techniques": _subscript,
                             "T06_communication": _odd_forms}), 14),
        Profile("eli", "invalid: a misspelt label, an unlabelled turn, a made-up technique, labels without quotes, "
                "a stage without quotes", _techniques({"T10_techniques": _eli_t10, "T13_techniques": _bare,
                                                       "T06_stage": lambda expected: f"T06_stage = {expected}"}), 9),
        Profile("femi", "an answer cell raises after setting its labels", _techniques({"T13_techniques": _t13_raises}), 11),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)", _techniques({"T06_communication": _t06_loops}),
                11),
        Profile("hana", "every T10 label wrong, and the T10 test cell replaced with print('correct')",
                _techniques({"T10_techniques": _wrong("all")}, extra=_tamper_label_tests), 11),
    ]


# --- Assignment 5: IPT beside CBT and DBT (4 autograded points over 8 statements) ------------------------------

def _matching(change=None, essay: str = ""):
    def edit(nb, key):
        answers = dict(key["matching"])
        source = None
        if change:
            answers, source = change(answers)
        _cell(nb, "matching_answer").source = source or (
            "matching = {\n" + "".join(f"    {i}: {'...' if a is ... else repr(a)},\n" for i, a in answers.items()) + "}")
        if essay:
            _cell(nb, "discussion_answer").source = essay
    return edit


def _swap_two(answers):
    order = ["IPT", "CBT", "DBT"]
    for i in list(answers)[:2]:
        answers[i] = order[(order.index(answers[i]) + 1) % 3]
    return answers, None


def _long_names(answers):
    names = {"IPT": "Interpersonal Psychotherapy", "CBT": "cognitive behavioral therapy", "DBT": "Linehan's DBT"}
    return {i: names[a] for i, a in answers.items()}, None


def _invalid_matching(answers):
    first, second = list(answers)[:2]
    answers[first] = "psychodynamic"
    answers[second] = ...
    return answers, None


def _unquoted_matching(answers):
    return answers, "matching = {\n" + "".join(f"    {i}: {a},\n" for i, a in answers.items()) + "}"


DISCUSSION_GOOD = (
    "The case suggests an interpersonal-deficits focus: long-standing isolation with no death, dispute or recent "
    "change, which the Guide treats as the area of last resort (Weissman et al., 2018). CBT would target his automatic thoughts "
    "about being unwanted and use behavioural activation; DBT's skills modules would matter only if emotion "
    "regulation were the problem (Stuart, 2006; Weissman & Klerman, 1990). The evidence suggests poorer outcomes with a deficits focus and says to "
    "offer another effective treatment to non-responders (Weissman et al., 2018; Termination chapter, n.d.; Markowitz, 2016); no formal readiness checklist was found "
    "(Weissman et al., 2018; Klerman et al., 1984). I would agree 12 sessions of IPT, give the PHQ-9 at intake and every 4 sessions, and at session 8 "
    "review: without improvement, discuss adding CBT or medication."
)


def approaches_class(key: dict | None = None) -> list[Profile]:
    return [
        Profile("ada", "perfect matching and a full discussion", _matching(essay=DISCUSSION_GOOD), 4, 4,
                "Justified focus, accurate evidence with its limits, concrete review point."),
        Profile("ben", "blank: submitted untouched", _blank, 0, 0, "No answer was written."),
        Profile("chen", "two statements matched to the wrong approach", _matching(_swap_two), 3),
        Profile("dara", "full names and odd spellings ('cognitive behavioral therapy', \"Linehan's DBT\")",
                _matching(_long_names), 4),
        Profile("eli", "one approach not in the comparison, one left blank", _matching(_invalid_matching), 3),
        Profile("femi", "answers without quotes: the cell raises NameError, so nothing can be read",
                _matching(_unquoted_matching), 0),
    ]


# --- the final exam: each sample answers the items drawn for them ---------------------------------------------
# key = {"bank": public bank, "keys": question -> {item: answer}} (assignment6.answer_key); answers are derived
# from it at run time for the student's own variant.

def exam_answers(key: dict, student: str) -> dict[str, object]:
    """The right answer to each question for ``student``'s variant."""
    from ..exam import pick

    return {slot: answers[pick(student, slot, answers)] for slot, answers in key["keys"].items()}


def _exam_literal(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else repr(value)


def _wrong_exam_answer(kind: str, value: object) -> object:
    from ..problem_areas import DisputeStage, ProblemArea
    from ..techniques import Technique

    if kind == "area":
        return wrong_area(ProblemArea.parse(value)).label
    if kind == "stage":
        stages = [s.label for s in DisputeStage]
        return stages[(stages.index(value) + 1) % 3]
    if kind == "technique":
        labels = list(Technique.labels())
        return labels[(labels.index(value) + 1) % len(labels)]
    if kind == "band":
        return "severe" if value != "severe" else "mild"
    if kind == "yesno":
        return "no" if value == "yes" else "yes"
    if kind == "choice":
        return "ABCD"[("ABCD".index(value) + 1) % 4]
    return value + 1


def _exam(student: str, change=None, essay: str = "", answer_as: str | None = None):
    def edit(nb, key):
        kinds = {slot: spec["kind"] for slot, spec in key["bank"]["slots"].items()}
        answers = exam_answers(key, answer_as or student)
        for slot, value in answers.items():
            source = f"{slot} = {_exam_literal(value)}"
            if change and slot in change:
                source = change[slot](slot, kinds[slot], value)
            _cell(nb, f"{slot}_answer").source = source
        if essay:
            _cell(nb, "formulation_answer").source = essay
    return edit


def _exam_wrong(slot, kind, value):
    return f"{slot} = {_exam_literal(_wrong_exam_answer(kind, value))}"


ODD_EXAM = {
    "area": lambda v: {"grief": "Grief and loss", "role dispute": "ROLE_DISPUTES", "role transition": "life change",
                       "interpersonal deficits": "interpersonal sensitivity"}[v],
    "stage": lambda v: v.upper() + "!",
    "technique": lambda v: {"role play": "roleplay"}.get(v, v.title()),
    "band": lambda v: {"none-minimal": "minimal", "moderately severe": "Moderately-Severe"}.get(v, v.capitalize()),
    "yesno": lambda v: v == "yes",
    "number": lambda v: float(v),
    "choice": lambda v: f"({v.lower()})",
}


def _exam_odd(slot, kind, value):
    return f"{slot} = {ODD_EXAM[kind](value)!r}"


def _exam_invalid(slot, kind, value):
    bad = {"q1": "'grieve and dispute'", "q7": "'maybe'", "q9": repr(f"{value} or {_wrong_exam_answer(kind, value)}")}
    return f"{slot} = {bad[slot]}"


FORMULATION_GOOD = ("Case report: low mood began six weeks after the interpersonal event the case describes, which is the change "
    "closest to onset. Inventory: partner and sister on the inner ring, colleagues on the middle ring; the partner "
    "is supportive but the expectations about the new role are unspoken. Diagnosis, risk and medication: PHQ-9 at "
    "intake to confirm the diagnosis and its band; I would ask about thoughts of death or self-harm and, if "
    "positive, assess further, make a safety plan and tell my supervisor the same day; the GP would assess the need "
    "for medication. Formulation: a role transition, not a "
    "dispute, because there is no open clash of expectations; I would say to the client that the depression is tied "
    "to the change and that we will work on the old and new roles. Plan: 12-16 weekly sessions, initial phase up to "
    "session 3, PHQ-9 at intake and every 4 sessions. Self-evaluation: I am unsure whether the withdrawal is "
    "long-standing; supervision would help me take that history.")


def exam_class(key: dict) -> list[Profile]:
    """Sample exams (9 autograded points), each answering the items drawn for that student."""
    from ..exam import pick, read_answer

    kinds = {slot: spec["kind"] for slot, spec in key["bank"]["slots"].items()}
    own, neighbour = exam_answers(key, "femi"), exam_answers(key, "ada")
    borrowed = sum(read_answer(neighbour[s], kinds[s]) == read_answer(own[s], kinds[s]) for s in own)
    same_items = sum(pick("femi", s, key["keys"][s]) == pick("ada", s, key["keys"][s]) for s in own)
    return [
        Profile("ada", "perfect: every drawn item right, a full formulation",
                _exam("ada", essay=FORMULATION_GOOD), 9, 6, "All six elements, alternative ruled out."),
        Profile("ben", "blank: submitted untouched", _blank, 0, 0, "No answer was written."),
        Profile("chen", "three wrong answers (an area, a technique, a band)",
                _exam("chen", {"q1": _exam_wrong, "q4": _exam_wrong, "q6": _exam_wrong}), 6),
        Profile("dara", "odd but valid forms: 'Grief and loss', 'IMPASSE!', True for yes, '(c)' for a letter",
                _exam("dara", {slot: _exam_odd for slot in kinds}), 9),
        Profile("eli", "unreadable: two areas at once, 'maybe', two letters at once",
                _exam("eli", {"q1": _exam_invalid, "q7": _exam_invalid, "q9": _exam_invalid}), 6),
        Profile("femi", f"answered a neighbour's exam (ada's answers; {same_items} of 9 items happen to match)",
                _exam("femi", answer_as="ada"), borrowed),
    ]
